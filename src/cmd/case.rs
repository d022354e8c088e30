//! `portaldesk case …`: case actions without a screen.

use serde_json::json;

use crate::cli::CaseCmd;
use crate::domain::case::Queue;
use crate::fatal::Fatal;
use crate::ops::Ops;

/// Runs a case subcommand; exit 0 done, 1 refused or nothing to do.
pub async fn run(ops: &Ops, cmd: CaseCmd) -> Result<u8, Fatal> {
    match cmd {
        CaseCmd::Take { queue, json } => {
            let q = Queue::parse(&queue).ok_or_else(|| {
                Fatal::new(format!("no queue {queue:?}: use eligibility, enrollment, billing or support"))
            })?;
            match ops.claim_next(q).await {
                Ok(Some(c)) => {
                    if json.json {
                        super::print_json(&json!({"taken": c}));
                    } else {
                        println!(
                            "took {} ({}, priority {}, due {})",
                            c.case_number,
                            c.queue,
                            c.priority,
                            c.sla_due_at.format("%Y-%m-%d %H:%M UTC")
                        );
                    }
                    Ok(0)
                }
                Ok(None) => {
                    if json.json {
                        super::print_json(&json!({"taken": null, "queue": q.as_str()}));
                    } else {
                        println!("nothing to take: {} has no unassigned new case", q.as_str());
                    }
                    Ok(1)
                }
                Err(e) => {
                    eprintln!("portaldesk: {e}");
                    Ok(e.exit_code() as u8)
                }
            }
        }
    }
}
