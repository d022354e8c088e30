//! `portaldesk import …`: import jobs without a screen.

use serde_json::json;

use super::report;
use crate::cli::ImportCmd;
use crate::crypto::DataKey;
use crate::domain::import_spec::ImportKind;
use crate::fatal::Fatal;
use crate::ops::{OpError, Ops};
use crate::store::imports::{self as store, JobHead};
use crate::store::lists::ListKind;
use crate::store::short_cause;

fn job_json(j: &JobHead) -> serde_json::Value {
    json!({"id": j.id, "employer": j.ein, "kind": j.kind, "file": j.file_name, "status": j.status,
        "total_rows": j.total_rows, "ok_rows": j.ok_rows, "failed_rows": j.failed_rows, "file_error": j.file_error,
        "parent": j.parent_job_id})
}

fn job_text(v: &serde_json::Value) -> String {
    format!(
        "import job {}: {} · {} · {} rows, {} ok, {} failed{}",
        v["id"],
        v["status"].as_str().unwrap_or(""),
        v["kind"].as_str().unwrap_or(""),
        v["total_rows"],
        v["ok_rows"],
        v["failed_rows"],
        v["file_error"].as_str().map(|e| format!(" · {e}")).unwrap_or_default()
    )
}

/// Runs an import subcommand.
pub async fn run(ops: &Ops, key: &DataKey, cmd: ImportCmd) -> Result<u8, Fatal> {
    Ok(match cmd {
        ImportCmd::Enqueue { file, employer, kind, force, parent, json } => {
            let kind = ImportKind::parse(&kind)
                .ok_or_else(|| Fatal::new("--kind is demographic, dependent, event or plan"))?;
            // A file that is not there is a usage error (exit 2), not a refusal.
            std::fs::metadata(&file).map_err(|e| Fatal::new(format!("cannot read {}: {e}", file.display())))?;
            let r = ops.enqueue_import_file(&employer, kind, &file, force, parent).await;
            report(json.json, r, |id| format!("queued as import job {id}"))
        }
        ImportCmd::List { failed, status, limit, json } => {
            let filter = status.map(|s| format!("status:{s}")).unwrap_or_default();
            let req = super::first_page(ops, ListKind::Imports { failed_only: failed }, &filter, None, limit);
            super::print_list(ops, req, "jobs", json.json).await?
        }
        ImportCmd::Show { job, json } => {
            let r: Result<serde_json::Value, OpError> = async {
                let j = store::job(ops.store(), job)
                    .await?
                    .ok_or_else(|| OpError::NotFound(format!("no import job {job}")))?;
                let errors = store::errors(ops.store(), job).await?;
                let mut by_code: std::collections::BTreeMap<String, usize> = Default::default();
                for e in &errors {
                    *by_code.entry(e.code.clone()).or_default() += 1;
                }
                let mut v = job_json(&j);
                v["errors_by_code"] = json!(by_code);
                v["errors"] = json!(errors);
                Ok(v)
            }
            .await;
            report(json.json, r, |v| {
                let mut out = vec![job_text(v)];
                if let Some(m) = v["errors_by_code"].as_object() {
                    out.extend(m.iter().map(|(c, n)| format!("  {c}: {n}")));
                }
                for e in v["errors"].as_array().into_iter().flatten() {
                    out.push(format!(
                        "  row {} {} {}: {}",
                        e["row_number"],
                        e["field"].as_str().unwrap_or(""),
                        e["code"].as_str().unwrap_or(""),
                        crate::domain::text::sanitize(e["message"].as_str().unwrap_or(""))
                    ));
                }
                out.join("\n")
            })
        }
        ImportCmd::Run { job, json } => {
            report(json.json, ops.run_import(key, job, None).await.map(|j| job_json(&j)), job_text)
        }
        ImportCmd::Retry { job, failed_rows_only, json } => {
            report(json.json, ops.retry_import(key, job, failed_rows_only).await.map(|j| job_json(&j)), job_text)
        }
        ImportCmd::Abandon { job, reason, json } => {
            report(json.json, ops.abandon_import(job, &reason).await, |()| format!("import job {job} abandoned"))
        }
        ImportCmd::Errors { job, csv } => {
            let errors = store::errors(ops.store(), job).await.map_err(|e| Fatal::new(short_cause(&e)))?;
            crate::export::import_errors_csv(&errors, &csv).map_err(Fatal::new)?;
            eprintln!("{} row errors written to {}", errors.len(), csv.display());
            if errors.is_empty() { 1 } else { 0 }
        }
    })
}
