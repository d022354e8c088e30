//! `portaldesk code …`: registration codes without a screen.

use super::json::Id;
use super::report;
use crate::cli::CodeCmd;
use crate::domain::text::sanitize;
use crate::fatal::Fatal;
use crate::ops::codes::{CodeFor, Issued, Redeemed};
use crate::ops::request::{Env, Request};
use crate::ops::{OpError, Ops};
use crate::store::lists::ListKind;

fn subject(ein: Option<String>, npn: Option<String>, email: Option<String>) -> Result<CodeFor, Fatal> {
    // Each flag says what its value is: parsed as that, never guessed.
    let who = match (ein, npn, email) {
        (Some(e), _, _) => crate::domain::ein::Ein::parse(&e).map(CodeFor::Employer).map_err(|e| e.to_string()),
        (None, Some(n), _) => crate::domain::npn::parse_npn(&n).map(CodeFor::Broker),
        (None, None, Some(e)) => crate::domain::access::check_email(&e).map(CodeFor::PortalUser),
        (None, None, None) => return Err(Fatal::new("name the subject: --employer EIN or --broker NPN")),
    };
    who.map_err(Fatal::new)
}

/// Prints an issued code once, with the employer's letter the issue wrote.
fn issued(json: bool, r: Result<Issued, OpError>) -> u8 {
    report(json, r, |i| {
        let mut out = format!(
            "code {} for {} ({}): {}\nsingle use, expires {}",
            i.id,
            sanitize(&i.subject),
            i.subject_key,
            i.code,
            i.expires_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        );
        match i.emailed_to.as_deref() {
            Some(to) => out.push_str(&format!("\nnotice queued in the outbox for {}", sanitize(to))),
            None => out.push_str("\nno email address on file: no notice queued"),
        }
        if let Some(l) = i.letter.as_deref() {
            out.push_str(&format!("\nletter written to {l}"));
        }
        out
    })
}

/// Runs a code subcommand.
pub async fn run(ops: &Ops, env: &Env<'_>, cmd: CodeCmd) -> Result<u8, Fatal> {
    Ok(match cmd {
        CodeCmd::Issue { employer, broker, json } => {
            let who = subject(employer, broker, None)?;
            issued(json.json, ops.ask(env, Request::CodeIssue { who }).await)
        }
        CodeCmd::Reissue { id, json } => issued(json.json, ops.ask(env, Request::CodeReissue { id }).await),
        CodeCmd::Revoke { id, reason, json } => {
            let r = ops.ask::<()>(env, Request::CodeRevoke { id, reason }).await;
            report(json.json, r.map(|()| Id { id }), |_| format!("code {id} revoked"))
        }
        CodeCmd::Redeem { code, ein, npn, email, json } => {
            let who = subject(ein, npn, email)?;
            report(json.json, ops.ask::<Redeemed>(env, Request::CodeRedeem { code, who }).await, |r| {
                format!("code {} redeemed for {} ({})", r.id, sanitize(&r.subject), r.purpose)
            })
        }
        CodeCmd::List { subject, limit, json } => {
            let req = super::first_page(ops, ListKind::Codes, subject.trim(), None, limit);
            super::print_list(ops, env, req, None, json.json).await?
        }
    })
}
