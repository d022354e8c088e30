//! Import jobs from the command line of the TUI: enqueue, run, retry,
//! abandon, each through the ops layer, reported in the status line.

use super::app::App;
use crate::action::Action;
use crate::domain::import_spec::ImportKind;
use crate::ops::request::Request;

impl App {
    /// Shows how far a running import is: rows in, rate, an estimate of rows left.
    pub(super) fn show_import_progress(&mut self) {
        use std::sync::atomic::Ordering::Relaxed;
        let Some((id, start, p)) = &self.import_progress else { return };
        if self.op_task.is_none() {
            self.import_progress = None;
            return;
        }
        let (rows, bytes, total) = (p.rows.load(Relaxed), p.bytes.load(Relaxed), p.total_bytes.load(Relaxed));
        let secs = ((self.tick - start) * self.tick_ms) as f64 / 1000.0;
        let rate = if secs > 0.0 { rows as f64 / secs } else { 0.0 };
        let left = if bytes > 0 { (total.saturating_sub(bytes) as f64 * rows as f64 / bytes as f64) as u64 } else { 0 };
        let text = format!(
            "import job {id}: {rows} rows in, {rate:.0} rows/s, ~{left} left — Ctrl-C stops; the job resumes later"
        );
        self.say(text);
    }

    /// `:import-enqueue FILE EIN KIND`, `:import-run JOB`, `:import-retry JOB [failed]`, `:import-abandon JOB REASON`.
    pub(super) fn import_command(&mut self, action: Action, args: &str) {
        if self.lacks_role(action) {
            return;
        }
        let words: Vec<&str> = args.split_whitespace().collect();
        let job = || words.first().and_then(|w| w.parse::<i64>().ok());
        if self.key.is_none() {
            return self.complain("no data key loaded");
        }
        let run = self.runner();
        let done = super::cases::result_text;
        let summary = |j: crate::store::imports::JobHead| {
            format!(
                "import job {}: {} ({} rows, {} ok, {} failed)",
                j.id, j.status, j.total_rows, j.ok_rows, j.failed_rows
            )
        };
        match action {
            Action::ImportEnqueue => {
                let [file, ein, kind] = words.as_slice() else { return self.complain(":import-enqueue FILE EIN KIND") };
                let Some(kind) = ImportKind::parse(kind) else {
                    return self.complain("KIND is demographic, dependent, event or plan");
                };
                let req = Request::ImportEnqueue {
                    file: file.into(),
                    employer: ein.to_string(),
                    kind,
                    force: false,
                    parent: None,
                };
                self.spawn_op(format!("enqueueing {file}…"), async move {
                    done(run.ask::<i64>(req).await.map(|id| format!("queued as import job {id}: :import-run {id}")))
                });
            }
            Action::ImportRun | Action::ImportRetry => {
                let Some(id) = job() else { return self.complain("name a job ID, e.g. :import-run 12") };
                let failed_only = words.get(1) == Some(&"failed");
                let progress = std::sync::Arc::new(crate::ops::imports::Progress::default());
                let p = Some(progress.clone());
                let req = if action == Action::ImportRetry {
                    Request::ImportRetry { job: id, failed_only, progress: p }
                } else {
                    Request::ImportRun { job: id, progress: p }
                };
                self.spawn_op(
                    format!("running import job {id}…"),
                    async move { done(run.ask(req).await.map(summary)) },
                );
                self.import_progress = Some((id, self.tick, progress));
                // A run can take minutes: keys typed meanwhile do not wait for it.
                if let Some(task) = self.op_task {
                    self.tasks.set_background(task);
                }
            }
            Action::ImportAbandon => {
                let Some(id) = job() else { return self.complain(":import-abandon JOB REASON") };
                let reason = words[1..].join(" ");
                self.spawn_op(format!("abandoning import job {id}…"), async move {
                    let r = run.ask::<()>(Request::ImportAbandon { job: id, reason }).await;
                    done(r.map(|()| format!("import job {id} abandoned")))
                });
            }
            _ => {}
        }
    }
}
