//! `portaldesk report …` and `portaldesk worker`: report jobs without a screen.

use serde::Serialize;

use super::json::Id;
use super::report;
use crate::cli::ReportCmd;
use crate::domain::report_catalogue::{REPORTS, ReportSpec};
use crate::fatal::Fatal;
use crate::ops::reports::{Ran, Worker};
use crate::ops::request::{Env, Request};
use crate::ops::{OpError, Ops};
use crate::store::reports::{self as store, ReportJob};

/// `report list --json`: the catalogue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Catalogue {
    pub reports: Vec<CatalogueEntry>,
}

/// `report schedules --json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Schedules {
    pub schedules: Vec<crate::store::reports::ScheduleRow>,
}

/// `report resume --json`: the schedule and its next run (null: none).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Resumed {
    pub id: i64,
    pub next_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// One report of the catalogue, as scripts read it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CatalogueEntry {
    pub name: String,
    pub title: String,
    pub kind: String,
    pub help: String,
    pub params: Vec<ParamEntry>,
    pub columns: Vec<String>,
}

/// One parameter of a report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParamEntry {
    pub name: String,
    pub required: bool,
    pub help: String,
}

/// The catalogue entry of `r`.
pub fn entry(r: &ReportSpec) -> CatalogueEntry {
    CatalogueEntry {
        name: r.name.into(),
        title: r.title.into(),
        kind: r.kind.as_str().into(),
        help: r.help.into(),
        params: r
            .params
            .iter()
            .map(|p| ParamEntry { name: p.name.into(), required: p.required, help: p.help.into() })
            .collect(),
        columns: r.columns.iter().map(|c| (*c).to_owned()).collect(),
    }
}

fn job_text(j: &ReportJob) -> String {
    let mut line = format!("report job {}: {} · {} · {} rows", j.id, j.report, j.status, j.rows_written);
    if j.status == "succeeded" && j.rows_written == 0 {
        line.push_str(" (no rows: its file has the header only)");
    }
    if let Some(w) = &j.worker {
        line.push_str(&format!(" · worker {w}, attempt {}", j.attempt));
    }
    if let Some(e) = &j.error {
        line.push_str(&format!(" · {}", crate::domain::text::sanitize(e)));
    }
    line
}

/// `NAME=VALUE` pairs as typed; one without `=` is a usage error.
fn pairs(params: &[String]) -> Result<Vec<(String, String)>, Fatal> {
    params
        .iter()
        .map(|p| match p.split_once('=') {
            Some((k, v)) => Ok((k.trim().to_owned(), v.trim().to_owned())),
            None => Err(Fatal::new(format!("--param takes NAME=VALUE; got {p:?}"))),
        })
        .collect()
}

async fn job(ops: &Ops, id: i64) -> Result<ReportJob, OpError> {
    store::job(ops.store(), id).await?.ok_or_else(|| OpError::NotFound(format!("no report job {id}")))
}

/// Runs a report subcommand.
pub async fn run(ops: &Ops, env: &Env<'_>, cmd: ReportCmd) -> Result<u8, Fatal> {
    Ok(match cmd {
        ReportCmd::List(j) => {
            let all = Catalogue { reports: REPORTS.iter().map(entry).collect() };
            report(j.json, Ok(all), |c| {
                let lines: Vec<String> = c
                    .reports
                    .iter()
                    .map(|r| {
                        let params: Vec<String> = r
                            .params
                            .iter()
                            .map(|p| if p.required { p.name.clone() } else { format!("[{}]", p.name) })
                            .collect();
                        format!("{:<22} {:<10} {}  ({})", r.name, r.kind, r.title, params.join(" "))
                    })
                    .collect();
                lines.join("\n")
            })
        }
        ReportCmd::Run { name, params, json } => {
            let req = Request::ReportRun { report: name, params: pairs(&params)? };
            let r = ops.execute(env, req).await.and_then(|o| match o {
                crate::ops::request::Outcome::Queued(id) => Ok(Id { id }),
                o => Err(o.unexpected()),
            });
            report(json.json, r, |j| format!("queued as report job {} (`portaldesk worker` runs it)", j.id))
        }
        ReportCmd::Show { job: id, json } => report(json.json, job(ops, id).await, job_text),
        ReportCmd::Cancel { job: id, json } => {
            let r = ops.ask::<()>(env, Request::ReportCancel { job: id }).await;
            report(json.json, r.map(|()| Id { id }), |_| format!("report job {id} cancelled"))
        }
        ReportCmd::Schedule { name, at, every, zone, params, json } => {
            let schedule =
                crate::domain::schedule::Schedule::typed(&at, &every, &zone, ops.now()).map_err(Fatal::new)?;
            let req = Request::ReportSchedule { report: name, params: pairs(&params)?, schedule };
            let r = ops.execute(env, req).await.and_then(|o| match o {
                crate::ops::request::Outcome::Queued(id) => Ok(Id { id }),
                o => Err(o.unexpected()),
            });
            report(json.json, r, |s| {
                format!("report schedule {} stored (`portaldesk report schedules` shows its next run)", s.id)
            })
        }
        ReportCmd::Schedules(j) => {
            let r = store::schedules(ops.store()).await.map_err(OpError::from).map(|schedules| Schedules { schedules });
            report(j.json, r, |s| {
                let lines: Vec<String> = s
                    .schedules
                    .iter()
                    .map(|s| {
                        let next = s
                            .next_at
                            .map_or("none".to_owned(), |t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
                        let state = if s.paused { "paused" } else { "active" };
                        format!(
                            "{:>4} {:<22} {state:<6} {} at {} {} · next {next}",
                            s.id, s.report, s.repeat, s.at_time, s.zone
                        )
                    })
                    .collect();
                if lines.is_empty() { "no report schedules".to_owned() } else { lines.join("\n") }
            })
        }
        ReportCmd::Pause { id, json } => {
            let r = ops.ask::<()>(env, Request::ReportPause { id }).await;
            report(json.json, r.map(|()| Id { id }), |_| {
                format!("report schedule {id} paused (`portaldesk report resume {id}` resumes it)")
            })
        }
        ReportCmd::Resume { id, json } => {
            let r = ops.ask::<Option<chrono::DateTime<chrono::Utc>>>(env, Request::ReportResume { id }).await;
            report(json.json, r.map(|next| Resumed { id, next_at: next }), |r| match r.next_at {
                Some(t) => format!(
                    "report schedule {id} resumed; next run {}",
                    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                ),
                None => {
                    format!("report schedule {id} resumed, but its time passed while it was paused: it will not run")
                }
            })
        }
        ReportCmd::Unschedule { id, json } => {
            let r = ops.ask::<()>(env, Request::ReportUnschedule { id }).await;
            report(json.json, r.map(|()| Id { id }), |_| format!("report schedule {id} removed"))
        }
        ReportCmd::Get { job: id, out } => {
            let r = ops.execute(env, Request::ReportGet { job: id, out: out.clone() }).await.and_then(|o| match o {
                crate::ops::request::Outcome::Written(bytes, lines) => Ok((bytes, lines)),
                o => Err(o.unexpected()),
            });
            match r {
                Ok((bytes, lines)) => {
                    if lines <= 1 {
                        eprintln!("report job {id} had no rows: {} holds the header only", out.display());
                    } else {
                        eprintln!("report job {id} written to {} ({bytes} bytes)", out.display());
                    }
                    0
                }
                Err(e) => report(false, Err::<(), _>(e), |_| String::new()),
            }
        }
    })
}

/// `portaldesk worker`: claims and runs report jobs until none is left
/// (`--once`) or for ever, saying what each job did.
pub async fn worker(ops: &Ops, once: bool, name: Option<String>) -> Result<u8, Fatal> {
    let name = name.unwrap_or_else(|| format!("worker-{}", std::process::id()));
    let w = Worker::new(ops, name.clone());
    let mut failed = false;
    loop {
        match w.run_next().await {
            Ok(Some(Ran::Succeeded { job, rows: 0 })) => {
                println!("report job {job}: succeeded with no rows (its file has the header only)")
            }
            Ok(Some(Ran::Succeeded { job, rows })) => println!("report job {job}: succeeded, {rows} rows"),
            Ok(Some(Ran::Failed { job, error })) => {
                failed = true;
                println!("report job {job}: failed: {}", crate::domain::text::sanitize(&error));
            }
            Ok(Some(Ran::Lost { job })) => {
                println!("report job {job}: cancelled or taken by another worker; left to it")
            }
            Ok(None) if once => break,
            Ok(None) => tokio::time::sleep(std::time::Duration::from_secs(5)).await,
            Err(e) => {
                eprintln!("portaldesk: {name}: {e}");
                return Ok(e.exit_code() as u8);
            }
        }
    }
    Ok(u8::from(failed))
}
