//! Running report jobs (issue 25, point 2): a worker claims the oldest job
//! under a lease, streams the report's rows as CSV into stored chunks a page
//! at a time (memory stays bounded however long the report), and ends the
//! job. Every chunk is written only while the worker's attempt still holds
//! the job, so a worker that was killed, or outlived its lease and lost the
//! job to another, never adds output: the next attempt starts clean and
//! writes what an uninterrupted run would have.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use super::{OpError, Ops};
use crate::action::Action;
use crate::domain::report_catalogue::{self, Params, ReportSpec};
use crate::domain::schedule::{Due, Schedule};
use crate::store::Store;
use crate::store::reports::{self as store, ReportJob};

/// How one claimed job ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ran {
    Succeeded {
        job: i64,
        rows: i64,
    },
    /// The report could not be made (its parameters no longer check, say).
    Failed {
        job: i64,
        error: String,
    },
    /// The job was cancelled, or claimed by another worker after this one's
    /// lease ran out: this worker stopped and wrote nothing more.
    Lost {
        job: i64,
    },
}

/// A report worker: a name for the jobs it holds, how long a claim lasts
/// without news from it, and how big its output chunks are. It works as
/// `system:worker` in the session that started it, so each job's end is
/// audited as background work, not as the operator's own act.
#[derive(Debug, Clone)]
pub struct Worker {
    ops: Ops,
    store: Store,
    name: String,
    lease: Duration,
    chunk_bytes: usize,
}

impl Ops {
    /// `report.run`: checks the report and its parameters against the
    /// catalogue (a refusal names the parameter) and queues a job.
    pub async fn enqueue_report(&self, report: &str, given: &[(String, String)]) -> Result<i64, OpError> {
        let spec = report_catalogue::find(report).ok_or_else(|| {
            let names: Vec<&str> = report_catalogue::REPORTS.iter().map(|r| r.name).collect();
            OpError::NotFound(format!("no report {:?}; the catalogue has {}", report.trim(), names.join(", ")))
        })?;
        let params = spec.check(given).map_err(OpError::Invalid)?;
        let entity = format!("report:{}", spec.name);
        let mut change = self.begin(Action::ReportRun, &entity).await?;
        let stored = encode_params(&params);
        let id = store::insert_job(&mut change.tx, spec.name, &stored, None, &self.operator().login, self.now())
            .await?
            .ok_or_else(|| OpError::Db("the job was not stored".into()))?;
        let after = json!({"job": id, "params": params.to_pairs()});
        self.finish(change, &entity, None, Some(after), None).await?;
        Ok(id)
    }

    /// `report.cancel`: a job not yet finished stops; its worker notices at
    /// its next chunk and writes nothing more.
    pub async fn cancel_report(&self, job: i64) -> Result<(), OpError> {
        let entity = format!("report-job:{job}");
        let mut change = self.begin(Action::ReportCancel, &entity).await?;
        let Some(before) = store::job_in(&mut change.tx, job).await? else {
            return Err(OpError::NotFound(format!("no report job {job}")));
        };
        if !store::cancel(&mut change.tx, job, self.now()).await? {
            return Err(OpError::Refused(format!("report job {job} is {} already", before.status)));
        }
        self.finish(change, &entity, Some(json!({"status": before.status})), Some(json!({"status": "cancelled"})), None)
            .await
    }
}

impl Ops {
    /// `report.schedule`: the report and its parameters checked now, the
    /// first run computed; the worker queues each run when it comes.
    pub async fn schedule_report(&self, report: &str, given: &[(String, String)], s: Schedule) -> Result<i64, OpError> {
        let spec = report_catalogue::find(report).ok_or_else(|| {
            OpError::NotFound(format!("no report {:?}; `portaldesk report list` shows them", report.trim()))
        })?;
        let params = encode_params(&spec.check(given).map_err(OpError::Invalid)?);
        let next_at = s.next_after(self.now() - Duration::seconds(1));
        let entity = format!("report:{}", spec.name);
        let mut change = self.begin(Action::ReportSchedule, &entity).await?;
        let (repeat, repeat_on, at_time, zone) = s.parts();
        let row = store::NewSchedule {
            report: spec.name,
            params: &params,
            repeat,
            repeat_on,
            start_date: s.start,
            at_time: &at_time,
            zone,
            next_at,
            by: &self.operator().login,
            at: self.now(),
        };
        let id = store::insert_schedule(&mut change.tx, &row).await?;
        let after = json!({"schedule": id, "repeat": repeat, "at": at_time, "zone": zone, "next_at": next_at});
        self.finish(change, &entity, None, Some(after), None).await?;
        Ok(id)
    }

    /// `report.unschedule`: the schedule goes; the jobs it queued stay.
    pub async fn unschedule_report(&self, id: i64) -> Result<(), OpError> {
        let entity = format!("report-schedule:{id}");
        let mut change = self.begin(Action::ReportUnschedule, &entity).await?;
        if !store::delete_schedule(&mut change.tx, id).await? {
            return Err(OpError::NotFound(format!("no report schedule {id}")));
        }
        self.finish(change, &entity, Some(json!({"schedule": id})), None, None).await
    }
}

impl Ops {
    /// `report.pause`: the worker queues none of the schedule's runs until
    /// it is resumed.
    pub async fn pause_schedule(&self, id: i64) -> Result<(), OpError> {
        let entity = format!("report-schedule:{id}");
        let mut change = self.begin(Action::ReportPause, &entity).await?;
        let row = store::schedule_in(&mut change.tx, id)
            .await?
            .ok_or_else(|| OpError::NotFound(format!("no report schedule {id}")))?;
        if row.paused {
            return Err(OpError::Refused(format!("report schedule {id} is paused already")));
        }
        store::set_paused(&mut change.tx, id, true).await?;
        self.finish(change, &entity, Some(json!({"paused": false})), Some(json!({"paused": true})), None).await
    }

    /// `report.resume`: the schedule runs again from its next slot after
    /// now. Slots that passed while it was paused are skipped, not made up
    /// (a pause is a decision; a worker that was down is not); a one-off
    /// whose moment passed meanwhile will not run, and the answer says so.
    pub async fn resume_schedule(&self, id: i64) -> Result<Option<DateTime<Utc>>, OpError> {
        let entity = format!("report-schedule:{id}");
        let mut change = self.begin(Action::ReportResume, &entity).await?;
        let row = store::schedule_in(&mut change.tx, id)
            .await?
            .ok_or_else(|| OpError::NotFound(format!("no report schedule {id}")))?;
        if !row.paused {
            return Err(OpError::Refused(format!("report schedule {id} is not paused")));
        }
        let s = Schedule::stored(&row.repeat, row.repeat_on, row.start_date, &row.at_time, &row.zone)
            .map_err(OpError::Invalid)?;
        let due = s.due(row.last_slot_at, self.now());
        store::set_paused(&mut change.tx, id, false).await?;
        store::set_schedule_slot(&mut change.tx, id, due.run.or(row.last_slot_at), due.next).await?;
        let before = json!({"paused": true, "next_at": row.next_at});
        let after = json!({"paused": false, "next_at": due.next, "skipped": due.run});
        self.finish(change, &entity, Some(before), Some(after), None).await?;
        Ok(due.next)
    }
}

impl Worker {
    /// Queues the runs that schedules owe at this moment: one job per
    /// schedule however many slots passed while no worker ran (for the
    /// latest of them), never a slot twice; returns how many were queued.
    pub async fn queue_due(&self) -> Result<usize, OpError> {
        let now = self.ops.now();
        let mut change = self.ops.begin(Action::ReportRun, "report-schedules").await?;
        let mut queued = Vec::new();
        for row in store::due_schedules(&mut change.tx, now).await? {
            let due = match Schedule::stored(&row.repeat, row.repeat_on, row.start_date, &row.at_time, &row.zone) {
                Ok(s) => s.due(row.last_slot_at, now),
                // A schedule that cannot be read waits (next_at cleared), never loops.
                Err(_) => Due { run: None, next: None },
            };
            if let Some(slot) = due.run
                && let Some(job) = store::insert_job(
                    &mut change.tx,
                    &row.report,
                    &row.params,
                    Some((row.id, slot)),
                    "system:worker",
                    now,
                )
                .await?
            {
                queued.push(json!({"schedule": row.id, "slot": slot, "job": job}));
            }
            store::set_schedule_slot(&mut change.tx, row.id, due.run.or(row.last_slot_at), due.next).await?;
        }
        let n = queued.len();
        if n == 0 {
            change.tx.commit().await?;
        } else {
            self.ops.finish(change, "report-schedules", None, Some(json!(queued)), None).await?;
        }
        Ok(n)
    }

    /// A worker named `name` (shown on the jobs it runs), working for `ops`'s session.
    pub fn new(ops: &Ops, name: impl Into<String>) -> Worker {
        let ops = ops.as_system("worker");
        let store = ops.store().clone();
        Worker { ops, store, name: name.into(), lease: Duration::minutes(5), chunk_bytes: 256 * 1024 }
    }

    /// Sets the lease: a job this worker holds is claimed again that long
    /// after its last chunk if the worker has gone.
    pub fn with_lease(mut self, lease: Duration) -> Worker {
        self.lease = lease;
        self
    }

    /// Sets the output chunk size (small chunks make tests see several).
    pub fn with_chunk_bytes(mut self, bytes: usize) -> Worker {
        self.chunk_bytes = bytes.max(1);
        self
    }

    /// Purges commission statements past the 18 months kept, queues what
    /// schedules owe, then claims and runs the oldest runnable job; None
    /// when there is none.
    pub async fn run_next(&self) -> Result<Option<Ran>, OpError> {
        self.ops.purge_statements().await?;
        self.queue_due().await?;
        let now = self.ops.now();
        let mut tx = self.store.begin_write().await?;
        let job = store::claim(&mut tx, &self.name, now, now + self.lease).await?;
        tx.commit().await?;
        match job {
            Some(job) => Ok(Some(self.run(job).await?)),
            None => Ok(None),
        }
    }

    async fn run(&self, job: ReportJob) -> Result<Ran, OpError> {
        let checked = report_catalogue::find(&job.report)
            .ok_or_else(|| format!("{:?} is not a report of the catalogue", job.report))
            .and_then(|spec| Ok((spec, spec.check(&decode_params(&job.params)?)?)));
        let mut out = Output { worker: self, job: job.id, attempt: job.attempt, seq: 0, buf: Vec::new(), rows: 0 };
        let made = match checked {
            Ok((spec, params)) => out.report(spec, &params).await,
            Err(e) => Err(Stop::Failed(e)),
        };
        let (status, error) = match made {
            Ok(()) => {
                if !out.flush().await? {
                    return Ok(Ran::Lost { job: job.id });
                }
                ("succeeded", None)
            }
            Err(Stop::Lost) => return Ok(Ran::Lost { job: job.id }),
            Err(Stop::Db(e)) => return Err(e),
            Err(Stop::Failed(e)) => ("failed", Some(e)),
        };
        // The job's end and its audit row are one transaction.
        let entity = format!("report-job:{}", job.id);
        let mut change = self.ops.begin(Action::ReportRun, &entity).await?;
        let now = self.ops.now();
        if !store::finish(&mut change.tx, job.id, job.attempt, status, out.rows, error.as_deref(), now).await? {
            return Ok(Ran::Lost { job: job.id });
        }
        let after = json!({"status": status, "rows": out.rows, "attempt": job.attempt, "worker": self.name});
        self.ops.finish(change, &entity, Some(json!({"status": "running"})), Some(after), error.clone()).await?;
        Ok(match error {
            None => Ran::Succeeded { job: job.id, rows: out.rows },
            Some(error) => Ran::Failed { job: job.id, error },
        })
    }
}

/// Parameters as a job stores them: JSON `[[name, value], …]`.
pub fn encode_params(params: &Params) -> String {
    serde_json::to_string(&params.to_pairs()).unwrap_or_else(|_| "[]".into())
}

fn decode_params(stored: &str) -> Result<Vec<(String, String)>, String> {
    serde_json::from_str(stored).map_err(|e| format!("the job's stored parameters cannot be read: {e}"))
}

/// Writes a job's output to `out` a chunk at a time (memory holds one
/// chunk, however long the report); returns the bytes and lines written.
pub async fn write_output(store: &Store, job: i64, out: &std::path::Path) -> Result<(u64, u64), OpError> {
    use std::io::Write;
    let io = |e: std::io::Error| OpError::Invalid(format!("{}: {e}", out.display()));
    let mut f = std::io::BufWriter::new(std::fs::File::create(out).map_err(io)?);
    let (mut bytes, mut lines, mut seq) = (0_u64, 0_u64, 0);
    while let Some(chunk) = store::chunk(store, job, seq).await? {
        f.write_all(&chunk).map_err(io)?;
        bytes += chunk.len() as u64;
        lines += chunk.iter().filter(|b| **b == b'\n').count() as u64;
        seq += 1;
    }
    f.flush().map_err(io)?;
    Ok((bytes, lines))
}

/// How much of a report's output a screen reads at most: the pager shows
/// this much and says the rest is in the file `:export` writes.
pub const RESULT_BYTES: usize = 1 << 20;

/// A report job with the start of its output, as a screen shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportResult {
    pub job: ReportJob,
    /// The output's first `RESULT_BYTES` at most, cut at a line's end.
    pub text: String,
    /// Whether more output follows what `text` holds.
    pub truncated: bool,
}

impl Ops {
    /// A report job and the start of its output (none until it succeeded).
    pub async fn report_result(&self, job: i64) -> Result<ReportResult, OpError> {
        let j =
            store::job(self.store(), job).await?.ok_or_else(|| OpError::NotFound(format!("no report job {job}")))?;
        let (mut all, mut seq, mut truncated) = (Vec::new(), 0, false);
        if j.status == "succeeded" {
            while let Some(bytes) = store::chunk(self.store(), job, seq).await? {
                all.extend_from_slice(&bytes);
                seq += 1;
                if all.len() > RESULT_BYTES {
                    let cut = all[..RESULT_BYTES].iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
                    all.truncate(cut);
                    truncated = true;
                    break;
                }
            }
        }
        Ok(ReportResult { job: j, text: String::from_utf8_lossy(&all).into_owned(), truncated })
    }

    /// `report get`: a finished job's output written to `out`, audited
    /// (`list.export`) before the file is written, as every export is.
    /// Answers the bytes and lines written (one line: the header only).
    pub async fn get_report(&self, job: i64, out: &std::path::Path) -> Result<(u64, u64), OpError> {
        let j =
            store::job(self.store(), job).await?.ok_or_else(|| OpError::NotFound(format!("no report job {job}")))?;
        if j.status != "succeeded" {
            return Err(OpError::Refused(format!("report job {job} is {}: only a finished job has a file", j.status)));
        }
        self.audit_event(Action::ListExport, &format!("report-job:{job}")).await?;
        write_output(self.store(), job, out).await
    }
}

/// A job's whole output, chunk by chunk in order.
pub async fn output(store: &Store, job: i64) -> Result<Vec<u8>, OpError> {
    let mut all = Vec::new();
    let mut seq = 0;
    while let Some(bytes) = store::chunk(store, job, seq).await? {
        all.extend_from_slice(&bytes);
        seq += 1;
    }
    Ok(all)
}

/// Why making a report stopped early.
pub(super) enum Stop {
    Failed(String),
    Lost,
    Db(OpError),
}

impl From<sqlx::Error> for Stop {
    fn from(e: sqlx::Error) -> Stop {
        Stop::Db(e.into())
    }
}

impl From<OpError> for Stop {
    fn from(e: OpError) -> Stop {
        Stop::Db(e)
    }
}

/// The CSV of one attempt, written out a chunk at a time.
pub(super) struct Output<'a> {
    worker: &'a Worker,
    job: i64,
    attempt: i64,
    seq: i64,
    buf: Vec<u8>,
    rows: i64,
}

impl Output<'_> {
    async fn report(&mut self, spec: &ReportSpec, params: &Params) -> Result<(), Stop> {
        self.line(spec.columns)?;
        let side = self.worker.store.streaming_reader().await?;
        let store = side.clone().unwrap_or_else(|| self.worker.store.clone());
        let made = self.report_on(&store, spec, params).await;
        if let Some(side) = side {
            side.close().await;
        }
        made
    }

    /// The time by the worker's clock.
    pub(super) fn now(&self) -> DateTime<Utc> {
        self.worker.ops.now()
    }

    fn line<S: AsRef<str>>(&mut self, cells: &[S]) -> Result<(), Stop> {
        push_record(&mut self.buf, cells);
        Ok(())
    }

    /// Writes a line of the report, storing a chunk when one is full.
    pub(super) async fn row(&mut self, cells: Vec<String>) -> Result<(), Stop> {
        self.row_of(&cells).await
    }

    /// As `row`, for cells borrowed.
    pub(super) async fn row_of<S: AsRef<str>>(&mut self, cells: &[S]) -> Result<(), Stop> {
        self.line(cells)?;
        self.rows += 1;
        self.flush_full().await
    }

    /// Writes a line of the report without storing anything (for a reader
    /// stepping rows on its thread); false once a chunk is full, when
    /// `flush_full` should store it before the next line.
    pub(super) fn push_row<S: AsRef<str>>(&mut self, cells: &[S]) -> bool {
        push_record(&mut self.buf, cells);
        self.rows += 1;
        self.buf.len() < self.worker.chunk_bytes
    }

    /// Stores the chunk being filled if it is full.
    pub(super) async fn flush_full(&mut self) -> Result<(), Stop> {
        if self.buf.len() >= self.worker.chunk_bytes && !self.flush().await? {
            return Err(Stop::Lost);
        }
        Ok(())
    }

    /// Stores what is buffered as the next chunk; false when this attempt
    /// no longer holds the job.
    async fn flush(&mut self) -> Result<bool, OpError> {
        if self.buf.is_empty() {
            return Ok(true);
        }
        let lease_until: DateTime<Utc> = self.worker.ops.now() + self.worker.lease;
        let mut tx = self.worker.store.begin_write().await?;
        let held =
            store::write_chunk(&mut tx, self.job, self.attempt, self.seq, &self.buf, self.rows, lease_until).await?;
        tx.commit().await?;
        if held {
            self.seq += 1;
            self.buf.clear();
        }
        Ok(held)
    }
}

/// Appends one CSV record to `buf`, as the `csv` crate writes it (a field
/// quoted only when it holds a comma, quote or line break; a lone empty
/// field quoted), written straight into the chunk being filled: a writer
/// made per line allocated its 8 KB buffer for every row. Text is made
/// formula-safe (`domain::text::csv_safe`); a whole number (a negative
/// amount) is no formula and stays a number for the spreadsheet.
fn push_record<S: AsRef<str>>(buf: &mut Vec<u8>, cells: &[S]) {
    if let [only] = cells
        && only.as_ref().is_empty()
    {
        buf.extend_from_slice(b"\"\"\n");
        return;
    }
    for (i, cell) in cells.iter().enumerate() {
        let cell = cell.as_ref();
        if i > 0 {
            buf.push(b',');
        }
        let risky = matches!(cell.as_bytes().first(), Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r'));
        let prefix: &[u8] = if risky && cell.parse::<i64>().is_err() { b"'" } else { b"" };
        if cell.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
            buf.push(b'"');
            buf.extend_from_slice(prefix);
            for b in cell.bytes() {
                if b == b'"' {
                    buf.push(b'"');
                }
                buf.push(b);
            }
            buf.push(b'"');
        } else {
            buf.extend_from_slice(prefix);
            buf.extend_from_slice(cell.as_bytes());
        }
    }
    buf.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_is_written_as_the_csv_crate_writes_it_and_formula_safe() {
        let rows: Vec<Vec<&str>> = vec![
            vec!["plain", "with, comma", "say \"hi\"", "two\nlines", "", "-5000", "=SUM(A1)", "-x", "@me", "\rcr"],
            vec![""],
            vec!["", ""],
            vec!["Díaz, Rosa", "+1", "\ttab"],
        ];
        for row in rows {
            let cells: Vec<String> = row.iter().map(|c| (*c).to_owned()).collect();
            let mut ours = Vec::new();
            push_record(&mut ours, &cells);
            let mut w = csv::Writer::from_writer(Vec::new());
            let safe = |c: &String| if c.parse::<i64>().is_ok() { c.clone() } else { crate::domain::text::csv_safe(c) };
            w.write_record(cells.iter().map(safe)).unwrap();
            let theirs = w.into_inner().unwrap();
            assert_eq!(String::from_utf8(ours).unwrap(), String::from_utf8(theirs).unwrap(), "{row:?}");
        }
    }
}
