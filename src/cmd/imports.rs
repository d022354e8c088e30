//! `portaldesk import …`: import jobs without a screen.

use super::json::{Id, JobShown};
use super::report;
use crate::cli::ImportCmd;
use crate::domain::import_spec::ImportKind;
use crate::error_code::ErrorCode;
use crate::fatal::Fatal;
use crate::ops::request::{Env, Outcome, Request};
use crate::ops::{OpError, Ops};
use crate::store::imports::{self as store, JobHead};
use crate::store::lists::ListKind;

fn job_text(j: &JobHead) -> String {
    format!(
        "import job {}: {} · {} · {} rows, {} ok, {} failed{}",
        j.id,
        j.status,
        j.kind,
        j.total_rows,
        j.ok_rows,
        j.failed_rows,
        j.file_error.as_deref().map(|e| format!(" · {}", crate::domain::text::sanitize(e))).unwrap_or_default()
    )
}

/// Runs an import subcommand.
pub async fn run(ops: &Ops, env: &Env<'_>, cmd: ImportCmd) -> Result<u8, Fatal> {
    Ok(match cmd {
        ImportCmd::Enqueue { file, employer, kind, force, parent, json } => {
            let kind =
                ImportKind::parse(&kind).ok_or_else(|| Fatal::new(format!("--kind is {}", ImportKind::NAMES)))?;
            // A file that is not there is a usage error (exit 2), not a refusal.
            std::fs::metadata(&file).map_err(|e| Fatal::new(format!("cannot read {}: {e}", file.display())))?;
            let r = ops.execute(env, Request::ImportEnqueue { file, employer, kind, force, parent }).await;
            let r = r.and_then(|o| match o {
                Outcome::Queued(id) => Ok(Id { id }),
                o => Err(o.unexpected()),
            });
            report(json.json, r, |j| format!("queued as import job {}", j.id))
        }
        ImportCmd::List { failed, status, limit, json } => {
            let filter = status.map(|s| format!("status:{s}")).unwrap_or_default();
            let req = super::first_page(ops, ListKind::Imports { failed_only: failed }, &filter, None, limit);
            super::print_list(ops, env, req, None, json.json).await?
        }
        ImportCmd::Show { job, json } => {
            let r: Result<JobShown, OpError> = async {
                let j = store::job(ops.store(), job)
                    .await?
                    .ok_or_else(|| OpError::NotFound(format!("no import job {job}")))?;
                let errors = store::errors(ops.store(), job).await?;
                let mut by_code: std::collections::BTreeMap<String, usize> = Default::default();
                for e in &errors {
                    *by_code.entry(e.code.clone()).or_default() += 1;
                }
                Ok(JobShown { job: j, errors_by_code: by_code, errors })
            }
            .await;
            report(json.json, r, |v| {
                let mut out = vec![job_text(&v.job)];
                out.extend(v.errors_by_code.iter().map(|(c, n)| format!("  {c}: {n}")));
                for e in &v.errors {
                    out.push(format!(
                        "  row {} {} {}: {}",
                        e.row_number,
                        crate::domain::text::sanitize(&e.field),
                        e.code,
                        crate::domain::text::sanitize(&e.message)
                    ));
                }
                out.join("\n")
            })
        }
        ImportCmd::Run { job, json } => {
            report(json.json, ops.ask(env, Request::ImportRun { job, progress: None }).await, job_text)
        }
        ImportCmd::Retry { job, failed_rows_only, json } => {
            let retry = Request::ImportRetry { job, failed_only: failed_rows_only, progress: None };
            report(json.json, ops.ask(env, retry).await, job_text)
        }
        ImportCmd::Abandon { job, reason, json } => {
            let r = ops.ask::<()>(env, Request::ImportAbandon { job, reason }).await;
            report(json.json, r.map(|()| Id { id: job }), |_| format!("import job {job} abandoned"))
        }
        ImportCmd::Ack { job, json } => report(json.json, ops.import_ack(job).await, ack_text),
        ImportCmd::Terminations { job, on, confirm, json } => {
            let on = match on.as_deref().map(crate::domain::member_query::parse_date).transpose() {
                Ok(on) => on,
                Err(e) => return Err(Fatal::new(format!("--on: {e}"))),
            };
            let r = ops.execute(env, Request::ImportTerminations { job, on, confirm }).await;
            let r = r.and_then(|o| match o {
                Outcome::Terminations(t) => Ok(*t),
                o => Err(o.unexpected()),
            });
            report(json.json, r, terminations_text)
        }
        ImportCmd::Errors { job, csv } => {
            let errors = store::errors(ops.store(), job).await.map_err(|e| Fatal::database(&e))?;
            crate::export::import_errors_csv(&errors, &csv).map_err(|e| Fatal::of(ErrorCode::Io, e))?;
            eprintln!("{} row errors written to {}", errors.len(), csv.display());
            if errors.is_empty() { 1 } else { 0 }
        }
    })
}

fn ack_text(a: &crate::ops::imports::Ack) -> String {
    let clean = crate::domain::text::sanitize;
    let mut out = vec![format!(
        "TA1 interchange {}: {}{}",
        clean(a.interchange.as_deref().unwrap_or("?")),
        if a.interchange_accepted { "accepted" } else { "rejected" },
        a.note.as_deref().map(|n| format!(" · {}", clean(n))).unwrap_or_default()
    )];
    for s in &a.sets {
        out.push(format!(
            "999 set {} (segment {}): {} · {} member loops, {} rejected{}",
            clean(&s.control),
            s.segment,
            s.status.replace('_', " "),
            s.loops,
            s.loops_rejected,
            s.error.as_deref().map(|e| format!(" · {}", clean(e))).unwrap_or_default()
        ));
    }
    out.push(format!(
        "{} sets accepted, {} rejected; {} member loops accepted, {} rejected",
        a.sets_accepted, a.sets_rejected, a.loops_accepted, a.loops_rejected
    ));
    out.join("\n")
}

fn terminations_text(t: &crate::ops::imports::Terminations) -> String {
    let clean = crate::domain::text::sanitize;
    let mut out = vec![if t.applied {
        format!("{} subscribers left out of full file job {} terminated on {}", t.members.len(), t.job, t.end_date)
    } else {
        format!(
            "{} subscribers left out of full file job {} would be terminated on {}",
            t.members.len(),
            t.job,
            t.end_date
        )
    }];
    out.extend(
        t.members.iter().map(|m| format!("  {} {} {}", m.member_number, clean(&m.first_name), clean(&m.last_name))),
    );
    if !t.applied && !t.members.is_empty() {
        out.push(format!("to terminate them: portaldesk import terminations {} --confirm {}", t.job, t.members.len()));
    }
    out.join("\n")
}
