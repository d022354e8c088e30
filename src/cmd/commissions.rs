//! `portaldesk commission …`: brokers' commission statements without a screen.

use super::report;
use crate::cli::CommissionCmd;
use crate::domain::commission::month_text;
use crate::fatal::Fatal;
use crate::ops::Ops;
use crate::ops::commissions::{StatementWritten, Statements};
use crate::ops::request::{Env, Request};

/// Cents as dollars, for the plain lines.
fn dollars(cents: i64) -> String {
    crate::domain::billing::dollars(cents)
}

fn list_text(s: &Statements) -> String {
    let window = format!("(statements {} to {} can be searched with --month)", s.searchable_from, s.searchable_to);
    let Some(month) = &s.month else {
        return format!("broker {} has no commission statement in the last 18 months {window}", s.npn);
    };
    if s.statements.is_empty() {
        return format!("broker {} has no commission statement for {month} {window}", s.npn);
    }
    let mut lines = vec![format!("commission statements of NPN {} for {month} {window}", s.npn)];
    for st in &s.statements {
        lines.push(format!(
            "{:>6}  {}  broker ID {}  {}  issued {}  {} groups  premium {}  commission {}",
            st.id,
            month_text(st.month),
            st.broker_id,
            crate::domain::text::sanitize(&st.broker),
            st.issued_on,
            st.groups,
            dollars(st.premium_cents),
            dollars(st.commission_cents)
        ));
    }
    lines.join("\n")
}

fn written_text(w: &StatementWritten) -> String {
    format!(
        "commission statement {} ({} {}, NPN {}) written to {}: {} lines, commission {}",
        w.statement.id,
        crate::domain::text::sanitize(&w.statement.broker),
        month_text(w.statement.month),
        w.statement.npn,
        w.file,
        w.lines,
        dollars(w.statement.commission_cents)
    )
}

/// Runs a commission subcommand.
pub async fn run(ops: &Ops, env: &Env<'_>, cmd: CommissionCmd) -> Result<u8, Fatal> {
    Ok(match cmd {
        CommissionCmd::List { npn, month, json } => {
            let r = ops.ask::<Statements>(env, Request::CommissionList { npn, month }).await;
            report(json.json, r, list_text)
        }
        CommissionCmd::Get { id, out, json } => {
            let r = ops.ask::<StatementWritten>(env, Request::CommissionGet { id, out }).await;
            report(json.json, r, written_text)
        }
    })
}
