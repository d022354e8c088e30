//! Report jobs, their output and their schedules (migration 0007), and the
//! queries the reports read. A job is claimed under a lease and every write
//! a worker makes names the attempt it holds, so a worker that lost its job
//! (killed, or too slow and claimed again) can no longer write to it.

use chrono::{DateTime, NaiveDate, Utc};

use super::{Store, Tx};
use crate::args;

/// A report job as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct ReportJob {
    pub id: i64,
    pub report: String,
    /// The checked parameters, JSON `[[name, value], …]`.
    pub params: String,
    pub schedule_id: Option<i64>,
    pub slot_at: Option<DateTime<Utc>>,
    pub status: String,
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
    pub worker: Option<String>,
    /// Raised by each claim; writes name it.
    pub attempt: i64,
    pub lease_until: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub rows_written: i64,
    pub error: Option<String>,
    pub row_version: i64,
}

macro_rules! job_select {
    () => {
        "SELECT id, report, params, schedule_id, slot_at, status, requested_by, requested_at, worker, attempt, \
                   lease_until, started_at, finished_at, rows_written, error, row_version FROM report_jobs "
    };
}

/// Queues a job; for a schedule's slot, only if that slot has none yet
/// (None then: another worker queued it first).
pub async fn insert_job(
    tx: &mut Tx,
    report: &str,
    params: &str,
    slot: Option<(i64, DateTime<Utc>)>,
    by: &str,
    at: DateTime<Utc>,
) -> Result<Option<i64>, sqlx::Error> {
    let row: Option<(i64,)> = tx
        .fetch_optional(
            "INSERT INTO report_jobs (report, params, schedule_id, slot_at, status, requested_by, requested_at) \
             VALUES ($1, $2, $3, $4, 'queued', $5, $6) ON CONFLICT (schedule_id, slot_at) DO NOTHING RETURNING id",
            args![report, params, slot.map(|s| s.0), slot.map(|s| s.1), by, at],
        )
        .await?;
    Ok(row.map(|r| r.0))
}

/// Takes the oldest queued job, or a running one whose lease ran out (its
/// worker died), for `worker` until `lease_until`: its attempt is raised
/// and the output of the earlier attempt dropped. On PostgreSQL `SKIP
/// LOCKED` lets workers claim side by side without taking one job twice;
/// on SQLite the write transaction serialises them.
pub async fn claim(
    tx: &mut Tx,
    worker: &str,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> Result<Option<ReportJob>, sqlx::Error> {
    let sql = tx.pick(
        concat!(
            job_select!(),
            "WHERE status = 'queued' OR (status = 'running' AND lease_until < $1) ORDER BY requested_at, id LIMIT 1"
        ),
        concat!(
            job_select!(),
            "WHERE status = 'queued' OR (status = 'running' AND lease_until < $1) ORDER BY requested_at, id LIMIT 1 \
             FOR UPDATE SKIP LOCKED"
        ),
    );
    let Some(job): Option<ReportJob> = tx.fetch_optional(sql, args![now]).await? else { return Ok(None) };
    tx.execute("DELETE FROM report_output_chunks WHERE job_id = $1", args![job.id]).await?;
    tx.execute(
        "UPDATE report_jobs SET status = 'running', worker = $1, attempt = attempt + 1, lease_until = $2, \
         started_at = COALESCE(started_at, $3), rows_written = 0, row_version = row_version + 1 WHERE id = $4",
        args![worker, lease_until, now, job.id],
    )
    .await?;
    Ok(Some(ReportJob {
        status: "running".into(),
        worker: Some(worker.to_owned()),
        attempt: job.attempt + 1,
        lease_until: Some(lease_until),
        started_at: job.started_at.or(Some(now)),
        rows_written: 0,
        row_version: job.row_version + 1,
        ..job
    }))
}

/// Stores chunk `seq` of an attempt's output and extends its lease; false
/// (nothing written) when the attempt no longer holds the job.
pub async fn write_chunk(
    tx: &mut Tx,
    job: i64,
    attempt: i64,
    seq: i64,
    bytes: &[u8],
    rows_written: i64,
    lease_until: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let held = tx
        .execute(
            "UPDATE report_jobs SET lease_until = $1, rows_written = $2 \
             WHERE id = $3 AND attempt = $4 AND status = 'running'",
            args![lease_until, rows_written, job, attempt],
        )
        .await?;
    if held != 1 {
        return Ok(false);
    }
    tx.execute("INSERT INTO report_output_chunks (job_id, seq, bytes) VALUES ($1, $2, $3)", args![job, seq, bytes])
        .await?;
    Ok(true)
}

/// Ends an attempt as `succeeded` or `failed`; false when it no longer
/// holds the job (it was cancelled, or claimed again).
pub async fn finish(
    tx: &mut Tx,
    job: i64,
    attempt: i64,
    status: &str,
    rows_written: i64,
    error: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let n = tx
        .execute(
            "UPDATE report_jobs SET status = $1, rows_written = $2, error = $3, finished_at = $4, lease_until = NULL, \
             row_version = row_version + 1 WHERE id = $5 AND attempt = $6 AND status = 'running'",
            args![status, rows_written, error, now, job, attempt],
        )
        .await?;
    Ok(n == 1)
}

/// Cancels a job that has not finished; false when it had.
pub async fn cancel(tx: &mut Tx, job: i64, now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
    let n = tx
        .execute(
            "UPDATE report_jobs SET status = 'cancelled', finished_at = $1, lease_until = NULL, \
             row_version = row_version + 1 WHERE id = $2 AND status IN ('queued','running')",
            args![now, job],
        )
        .await?;
    Ok(n == 1)
}

/// One job.
pub async fn job(store: &Store, id: i64) -> Result<Option<ReportJob>, sqlx::Error> {
    store.fetch_optional(concat!(job_select!(), "WHERE id = $1"), args![id]).await
}

/// One job, inside a change.
pub async fn job_in(tx: &mut Tx, id: i64) -> Result<Option<ReportJob>, sqlx::Error> {
    tx.fetch_optional(concat!(job_select!(), "WHERE id = $1"), args![id]).await
}

/// The newest jobs first, up to `limit`.
pub async fn jobs(store: &Store, limit: i64) -> Result<Vec<ReportJob>, sqlx::Error> {
    store.fetch_all(concat!(job_select!(), "ORDER BY id DESC LIMIT $1"), args![limit]).await
}

/// Chunk `seq` of a job's output, if written.
pub async fn chunk(store: &Store, job: i64, seq: i64) -> Result<Option<Vec<u8>>, sqlx::Error> {
    let row: Option<(Vec<u8>,)> = store
        .fetch_optional("SELECT bytes FROM report_output_chunks WHERE job_id = $1 AND seq = $2", args![job, seq])
        .await?;
    Ok(row.map(|r| r.0))
}

/// A report schedule as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct ScheduleRow {
    pub id: i64,
    pub report: String,
    pub params: String,
    /// once, daily, weekly or monthly.
    pub repeat: String,
    /// The weekday (1 Monday – 7 Sunday) or the day of the month.
    pub repeat_on: Option<i64>,
    pub start_date: NaiveDate,
    /// `HH:MM`, local to `zone`.
    pub at_time: String,
    /// An IANA zone name.
    pub zone: String,
    pub paused: bool,
    pub last_slot_at: Option<DateTime<Utc>>,
    pub next_at: Option<DateTime<Utc>>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub row_version: i64,
}

macro_rules! schedule_select {
    () => {
        "SELECT id, report, params, repeat, repeat_on, start_date, at_time, zone, paused, last_slot_at, \
                        next_at, created_by, created_at, row_version FROM report_schedules "
    };
}

/// What a new schedule stores.
#[derive(Debug, Clone)]
pub struct NewSchedule<'a> {
    pub report: &'a str,
    pub params: &'a str,
    pub repeat: &'a str,
    pub repeat_on: Option<i64>,
    pub start_date: NaiveDate,
    pub at_time: &'a str,
    pub zone: &'a str,
    pub next_at: Option<DateTime<Utc>>,
    pub by: &'a str,
    pub at: DateTime<Utc>,
}

/// Stores a schedule; returns its id.
pub async fn insert_schedule(tx: &mut Tx, s: &NewSchedule<'_>) -> Result<i64, sqlx::Error> {
    let (id,): (i64,) = tx
        .fetch_one(
            "INSERT INTO report_schedules (report, params, repeat, repeat_on, start_date, at_time, zone, next_at, \
             created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            args![s.report, s.params, s.repeat, s.repeat_on, s.start_date, s.at_time, s.zone, s.next_at, s.by, s.at],
        )
        .await?;
    Ok(id)
}

/// Every schedule, oldest first.
pub async fn schedules(store: &Store) -> Result<Vec<ScheduleRow>, sqlx::Error> {
    store.fetch_all(concat!(schedule_select!(), "ORDER BY id"), args![]).await
}

/// Unpaused schedules whose next run has come, locked; on PostgreSQL
/// skipping those another worker is enqueuing.
pub async fn due_schedules(tx: &mut Tx, now: DateTime<Utc>) -> Result<Vec<ScheduleRow>, sqlx::Error> {
    let sql = tx.pick(
        concat!(schedule_select!(), "WHERE paused = $1 AND next_at <= $2 ORDER BY next_at, id"),
        concat!(schedule_select!(), "WHERE paused = $1 AND next_at <= $2 ORDER BY next_at, id FOR UPDATE SKIP LOCKED"),
    );
    tx.fetch_all(sql, args![false, now]).await
}

/// One schedule, locked for a change (on PostgreSQL; SQLite's write
/// transaction holds it already).
pub async fn schedule_in(tx: &mut Tx, id: i64) -> Result<Option<ScheduleRow>, sqlx::Error> {
    let sql =
        tx.pick(concat!(schedule_select!(), "WHERE id = $1"), concat!(schedule_select!(), "WHERE id = $1 FOR UPDATE"));
    tx.fetch_optional(sql, args![id]).await
}

/// Records the slot a schedule last ran for (or skipped, resumed after a
/// pause) and when it runs next.
pub async fn set_schedule_slot(
    tx: &mut Tx,
    id: i64,
    last_slot: Option<DateTime<Utc>>,
    next_at: Option<DateTime<Utc>>,
) -> Result<(), sqlx::Error> {
    tx.execute(
        "UPDATE report_schedules SET last_slot_at = $1, next_at = $2, row_version = row_version + 1 WHERE id = $3",
        args![last_slot, next_at, id],
    )
    .await?;
    Ok(())
}

/// Removes a schedule, its jobs kept (no longer tied to it); false when
/// there was none.
pub async fn delete_schedule(tx: &mut Tx, id: i64) -> Result<bool, sqlx::Error> {
    tx.execute("UPDATE report_jobs SET schedule_id = NULL WHERE schedule_id = $1", args![id]).await?;
    let n = tx.execute("DELETE FROM report_schedules WHERE id = $1", args![id]).await?;
    Ok(n == 1)
}

/// Pauses or resumes a schedule; false when there is none.
pub async fn set_paused(tx: &mut Tx, id: i64, paused: bool) -> Result<bool, sqlx::Error> {
    let n = tx
        .execute(
            "UPDATE report_schedules SET paused = $1, row_version = row_version + 1 WHERE id = $2",
            args![paused, id],
        )
        .await?;
    Ok(n == 1)
}

/// A qualifying event with its member, as the event reports read it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EventRow {
    pub id: i64,
    pub member_number: String,
    pub first_name: String,
    pub last_name: String,
    pub group_number: String,
    pub event_code: i64,
    pub event_date: NaiveDate,
    pub loss_of_coverage_date: NaiveDate,
    pub notice_date: NaiveDate,
    pub election_date: Option<NaiveDate>,
    /// A disability determination: 29 months instead of 18.
    pub disability_extension: bool,
}

macro_rules! event_select {
    () => {
        "SELECT e.id, m.member_number, m.first_name, m.last_name, g.group_number, e.event_code, \
                     e.event_date, e.loss_of_coverage_date, e.notice_date, e.election_date, e.disability_extension \
                     FROM qualifying_events e JOIN members m ON m.id = e.member_id \
                     JOIN employer_groups g ON g.id = m.group_id "
    };
}

/// Qualifying events dated `from`..=`to` (of one group if given), in id
/// order after `after`: a page of a report that may run to millions.
pub async fn events_in_period(
    store: &Store,
    from: NaiveDate,
    to: NaiveDate,
    group: Option<&str>,
    after: i64,
    limit: i64,
) -> Result<Vec<EventRow>, sqlx::Error> {
    store
        .fetch_all(
            concat!(
                event_select!(),
                "WHERE e.id > $1 AND e.event_date >= $2 AND e.event_date <= $3 \
                 AND ($4 IS NULL OR g.group_number = $4) ORDER BY e.id LIMIT $5"
            ),
            args![after, from, to, group, limit],
        )
        .await
}

/// Events not yet elected whose later of loss of coverage and notice falls
/// in `from`..=`to` (the caller shifts its deadline window by the election
/// period), of one group if given, in id order after `after`.
pub async fn unelected_events(
    store: &Store,
    from: NaiveDate,
    to: NaiveDate,
    group: Option<&str>,
    after: i64,
    limit: i64,
) -> Result<Vec<EventRow>, sqlx::Error> {
    store
        .fetch_all(
            concat!(
                event_select!(),
                "WHERE e.id > $1 AND e.election_date IS NULL \
                 AND (e.loss_of_coverage_date >= $2 OR e.notice_date >= $2) \
                 AND e.loss_of_coverage_date <= $3 AND e.notice_date <= $3 \
                 AND ($4 IS NULL OR g.group_number = $4) ORDER BY e.id LIMIT $5"
            ),
            args![after, from, to, group, limit],
        )
        .await
}

/// Open cases counted by queue and assignee, with those past their due
/// time at `now` and the earliest due.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SlaRow {
    pub queue: String,
    pub assignee: Option<String>,
    pub open: i64,
    pub overdue: i64,
    pub oldest_due: DateTime<Utc>,
}

/// The case SLA figures, of one queue if given.
pub async fn case_sla(store: &Store, queue: Option<&str>, now: DateTime<Utc>) -> Result<Vec<SlaRow>, sqlx::Error> {
    store
        .fetch_all(
            "SELECT c.queue, s.login AS assignee, CAST(COUNT(*) AS BIGINT) AS open, \
             CAST(SUM(CASE WHEN c.sla_due_at < $1 THEN 1 ELSE 0 END) AS BIGINT) AS overdue, MIN(c.sla_due_at) AS oldest_due \
             FROM cases c LEFT JOIN staff s ON s.id = c.assignee_id \
             WHERE c.status IN ('new','open','awaiting_info') AND ($2 IS NULL OR c.queue = $2) \
             GROUP BY c.queue, s.login ORDER BY c.queue, COALESCE(s.login, '')",
            args![now, queue],
        )
        .await
}

/// A bill as the aging report reads it: its group, due date and net cents.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct BillRow {
    pub group_number: String,
    pub due_date: NaiveDate,
    pub cents: i64,
}

/// Every bill issued by `as_of` (of one group if given), by group number:
/// a group's bills come together, so the report ages one group at a time.
pub async fn bills_by_group(store: &Store, as_of: NaiveDate, group: Option<&str>) -> Result<Vec<BillRow>, sqlx::Error> {
    store
        .fetch_all(
            "SELECT g.group_number, i.due_date, CAST(i.amount_cents + i.adjustment_cents AS BIGINT) AS cents \
             FROM group_invoices i JOIN employer_groups g ON g.id = i.group_id \
             WHERE i.issued_on <= $1 AND ($2 IS NULL OR g.group_number = $2) ORDER BY g.group_number, i.due_date, i.id",
            args![as_of, group],
        )
        .await
}

/// Each group's payments received by `as_of`, in cents (of one group if given).
pub async fn paid_by_group(
    store: &Store,
    as_of: NaiveDate,
    group: Option<&str>,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    store
        .fetch_all(
            "SELECT g.group_number, CAST(SUM(p.amount_cents) AS BIGINT) FROM group_payments p \
             JOIN employer_groups g ON g.id = p.group_id \
             WHERE p.received_on <= $1 AND ($2 IS NULL OR g.group_number = $2) GROUP BY g.group_number",
            args![as_of, group],
        )
        .await
}

/// A group's premiums in a period: billed (bills whose period starts in
/// it) with their adjustments, and payments received in it, in cents.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PremiumTotals {
    pub group_number: String,
    pub billed_cents: i64,
    pub adjustments_cents: i64,
    pub paid_cents: i64,
}

/// Premiums billed against paid, per group with either in `from`..=`to`
/// (of one group if given), by group number.
pub async fn premiums_in_period(
    store: &Store,
    from: NaiveDate,
    to: NaiveDate,
    group: Option<&str>,
) -> Result<Vec<PremiumTotals>, sqlx::Error> {
    store
        .fetch_all(
            "SELECT g.group_number, \
             CAST(COALESCE((SELECT SUM(i.amount_cents) FROM group_invoices i WHERE i.group_id = g.id \
               AND i.period_start >= $1 AND i.period_start <= $2), 0) AS BIGINT) AS billed_cents, \
             CAST(COALESCE((SELECT SUM(i.adjustment_cents) FROM group_invoices i WHERE i.group_id = g.id \
               AND i.period_start >= $1 AND i.period_start <= $2), 0) AS BIGINT) AS adjustments_cents, \
             CAST(COALESCE((SELECT SUM(p.amount_cents) FROM group_payments p WHERE p.group_id = g.id \
               AND p.received_on >= $1 AND p.received_on <= $2), 0) AS BIGINT) AS paid_cents \
             FROM employer_groups g WHERE ($3 IS NULL OR g.group_number = $3) \
             AND (EXISTS (SELECT 1 FROM group_invoices i WHERE i.group_id = g.id AND i.period_start >= $1 AND i.period_start <= $2) \
               OR EXISTS (SELECT 1 FROM group_payments p WHERE p.group_id = g.id AND p.received_on >= $1 AND p.received_on <= $2)) \
             ORDER BY g.group_number",
            args![from, to, group],
        )
        .await
}

/// A qualified beneficiary with its latest qualifying event (if any), as
/// the QB roster reads it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RosterRow {
    pub id: i64,
    pub member_number: String,
    pub first_name: String,
    pub last_name: String,
    pub group_number: String,
    pub status: String,
    pub event_code: Option<i64>,
    pub event_date: Option<NaiveDate>,
    pub loss_of_coverage_date: Option<NaiveDate>,
    pub notice_date: Option<NaiveDate>,
    pub election_date: Option<NaiveDate>,
    pub disability_extension: Option<bool>,
}

/// The QB roster's query, with nothing bound: what the benchmark gives
/// the plain engine (`sqlite3 -csv`, `psql \copy`) to write, the same rows
/// the worker writes for `status=active` across all groups.
pub const QB_ROSTER_PLAIN: &str = "SELECT m.id, m.member_number, m.first_name, m.last_name, g.group_number, m.status, \
     e.event_code, e.event_date, e.loss_of_coverage_date, e.notice_date, e.election_date, e.disability_extension \
     FROM members m JOIN employer_groups g ON g.id = m.group_id \
     LEFT JOIN qualifying_events e ON e.id = (SELECT q.id FROM qualifying_events q WHERE q.member_id = m.id \
       ORDER BY q.event_date DESC, q.id DESC LIMIT 1) \
     WHERE m.member_type = 'QB' AND m.status NOT IN ('terminated','cobra_expired') ORDER BY m.id";

/// A page of the QB roster after member id `after`: QBs (of one group if
/// given) whose status is `status` (`active`: not terminated or expired;
/// `terminated`; `all`), each with its latest event.
///
/// Two statements, not one with `($2 IS NULL OR g.group_number = $2)`:
/// PostgreSQL's generic plan for that (a prepared statement's, from its
/// sixth run) walked every group's remaining QBs and sorted them for each
/// page, 1.2 s a page on 1 000 000 members (the whole roster 95 s against
/// `psql`'s 1.3 s); each of these pages by the members' key, 9 ms.
pub async fn qb_roster(
    store: &Store,
    group: Option<&str>,
    status: &str,
    after: i64,
    limit: i64,
) -> Result<Vec<RosterRow>, sqlx::Error> {
    match group {
        None => {
            store
                .fetch_all(
                    concat!(roster_select!(), "WHERE m.id > $1 AND ", roster_rest!()),
                    args![after, status, limit],
                )
                .await
        }
        Some(g) => store
            .fetch_all(
                concat!(
                    roster_select!(),
                    "WHERE m.group_id = (SELECT id FROM employer_groups WHERE group_number = $4) AND m.id > $1 AND ",
                    roster_rest!()
                ),
                args![after, status, limit, g],
            )
            .await,
    }
}

/// The QB roster's columns and joins (`qb_roster`).
macro_rules! roster_select {
    () => {
        "SELECT m.id, m.member_number, m.first_name, m.last_name, g.group_number, m.status, \
         e.event_code, e.event_date, e.loss_of_coverage_date, e.notice_date, e.election_date, e.disability_extension \
         FROM members m JOIN employer_groups g ON g.id = m.group_id \
         LEFT JOIN qualifying_events e ON e.id = (SELECT q.id FROM qualifying_events q WHERE q.member_id = m.id \
           ORDER BY q.event_date DESC, q.id DESC LIMIT 1) "
    };
}
use roster_select;

/// The QB roster's status filter and page (`qb_roster`): `$2` the status, `$3` the page size.
macro_rules! roster_rest {
    () => {
        "m.member_type = 'QB' \
         AND ($2 = 'all' OR ($2 = 'active' AND m.status NOT IN ('terminated','cobra_expired')) \
           OR ($2 = 'terminated' AND m.status IN ('terminated','cobra_expired'))) \
         ORDER BY m.id LIMIT $3"
    };
}
use roster_rest;

/// A QB roster row borrowed from the row being read (`qb_roster_each`),
/// or from a `RosterRow`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RosterLine<'r> {
    pub id: i64,
    pub member_number: &'r str,
    pub first_name: &'r str,
    pub last_name: &'r str,
    pub group_number: &'r str,
    pub status: &'r str,
    pub event_code: Option<i64>,
    pub event_date: Option<NaiveDate>,
    pub loss_of_coverage_date: Option<NaiveDate>,
    pub notice_date: Option<NaiveDate>,
    pub election_date: Option<NaiveDate>,
    pub disability_extension: Option<bool>,
}

impl RosterRow {
    /// The row as the roster writes it.
    pub fn line(&self) -> RosterLine<'_> {
        RosterLine {
            id: self.id,
            member_number: &self.member_number,
            first_name: &self.first_name,
            last_name: &self.last_name,
            group_number: &self.group_number,
            status: &self.status,
            event_code: self.event_code,
            event_date: self.event_date,
            loss_of_coverage_date: self.loss_of_coverage_date,
            notice_date: self.notice_date,
            election_date: self.election_date,
            disability_extension: self.disability_extension,
        }
    }
}

/// How far `qb_roster_each` read: the rows it handed, the last one's
/// member id, and whether the roster ended (rather than `each` stopping).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RosterRead {
    pub rows: usize,
    pub last_id: i64,
    pub ended: bool,
}

/// On SQLite, the QB roster's rows after member id `after` (the same rows
/// and order as `qb_roster`'s pages) handed to `each` as they are stepped,
/// on this thread, until `each` answers false (it has a chunk to store) or
/// the roster ends. Read through sqlx pages, the roster ran at half the
/// speed of `sqlite3 -csv`: every cell copied into an owned row on sqlx's
/// worker thread and handed over; here a cell is read where SQLite keeps
/// it. `tx` is one read transaction held for the whole roster (begun on
/// the reader): a new one after the worker has stored a chunk would find
/// the database changed and start from an empty page cache, so each call
/// read its pages from the file again. PostgreSQL: an error
/// (`qb_roster_copy` reads it).
pub async fn qb_roster_each(
    tx: &mut Tx,
    group: Option<&str>,
    status: &str,
    after: i64,
    mut each: impl FnMut(&RosterLine<'_>) -> bool,
) -> Result<RosterRead, sqlx::Error> {
    use super::arg::Cell;
    tx.direct(|db| {
        let mut read = RosterRead { rows: 0, last_id: after, ended: true };
        let mut bad = None;
        let mut step = |r: &super::direct::Row<'_>| {
            let date = |i: usize| match r.text(i) {
                None => Ok(None),
                Some(t) => t.parse::<NaiveDate>().map(Some).map_err(|_| t.into_owned()),
            };
            let text = |i| r.text(i).unwrap_or_default();
            let dates = (|| Ok::<_, String>((date(7)?, date(8)?, date(9)?, date(10)?)))();
            let Ok((event_date, loss_of_coverage_date, notice_date, election_date)) = dates else {
                bad = dates.err();
                return false;
            };
            let line = RosterLine {
                id: r.int(0),
                member_number: &text(1),
                first_name: &text(2),
                last_name: &text(3),
                group_number: &text(4),
                status: &text(5),
                event_code: r.text(6).map(|_| r.int(6)),
                event_date,
                loss_of_coverage_date,
                notice_date,
                election_date,
                disability_extension: r.text(11).map(|_| r.int(11) != 0),
            };
            read.rows += 1;
            read.last_id = line.id;
            if each(&line) {
                true
            } else {
                read.ended = false;
                false
            }
        };
        match group {
            None => db
                .prepare::<2>(concat!(roster_select!(), "WHERE m.id > ?1 AND ", roster_direct_rest!()))?
                .run_while(&[Cell::Int(after), Cell::Text(status)], &mut step)?,
            Some(g) => db
                .prepare::<3>(concat!(
                    roster_select!(),
                    "WHERE m.group_id = (SELECT id FROM employer_groups WHERE group_number = ?3) AND m.id > ?1 AND ",
                    roster_direct_rest!()
                ))?
                .run_while(&[Cell::Int(after), Cell::Text(status), Cell::Text(g)], &mut step)?,
        };
        match bad {
            Some(t) => Err(sqlx::Error::Decode(format!("a qualifying event's date {t:?} is no date").into())),
            None => Ok(read),
        }
    })
    .await
}

/// On PostgreSQL, the QB roster of all groups as the server writes it
/// (`COPY (query) TO STDOUT`, what `psql \copy` asks for): one statement
/// streaming every row, read a row at a time (`RosterCopy::each`). Through
/// pages of 2 000 decoded by sqlx the roster ran at 0.63x of `psql`. None
/// on SQLite, for one group's roster (a page or two) and for a status
/// outside the catalogue's: `qb_roster`'s pages read those.
pub async fn qb_roster_copy(
    store: &Store,
    group: Option<&str>,
    status: &str,
) -> Result<Option<RosterCopy<impl futures::Stream<Item = Result<impl AsRef<[u8]>, sqlx::Error>> + Unpin>>, sqlx::Error>
{
    use sqlx::postgres::PgPoolCopyExt;
    let super::Pool::Postgres(pool) = &store.pool else { return Ok(None) };
    if group.is_some() {
        return Ok(None);
    }
    // The status is a constant of each statement: COPY binds no parameters.
    let sql = match status {
        "active" => concat!(
            "COPY (",
            roster_copy!(),
            "AND m.status NOT IN ('terminated','cobra_expired') ORDER BY m.id) TO STDOUT"
        ),
        "terminated" => {
            concat!("COPY (", roster_copy!(), "AND m.status IN ('terminated','cobra_expired') ORDER BY m.id) TO STDOUT")
        }
        "all" => concat!("COPY (", roster_copy!(), "ORDER BY m.id) TO STDOUT"),
        _ => return Ok(None),
    };
    Ok(Some(RosterCopy { rows: pool.copy_out_raw(sql).await? }))
}

/// The QB roster's rows as PostgreSQL streams them (`qb_roster_copy`).
pub struct RosterCopy<S> {
    rows: S,
}

impl<S, B> RosterCopy<S>
where
    S: futures::Stream<Item = Result<B, sqlx::Error>> + Unpin,
    B: AsRef<[u8]>,
{
    /// Hands the next rows to `each` until it answers false (it has a
    /// chunk to store) or the roster ends; true when it ended. A row is
    /// one message of COPY's text format: fields split by tabs, `\N` for
    /// NULL, backslash escapes for tabs, line breaks and backslashes.
    pub async fn each(&mut self, mut each: impl FnMut(&RosterLine<'_>) -> bool) -> Result<bool, sqlx::Error> {
        use futures::StreamExt;
        while let Some(row) = self.rows.next().await {
            let row = row?;
            let line = row.as_ref().strip_suffix(b"\n").ok_or_else(|| bad_copy("a row without its line end"))?;
            let mut fields: [Option<std::borrow::Cow<'_, str>>; 12] = Default::default();
            let mut parts = line.split(|b| *b == b'\t');
            for f in &mut fields {
                *f = copy_field(parts.next().ok_or_else(|| bad_copy("a row of too few fields"))?);
            }
            let text = |i: usize| fields[i].as_deref().unwrap_or_default();
            let date = |i: usize| match fields[i].as_deref() {
                None => Ok(None),
                Some(t) => t.parse::<NaiveDate>().map(Some).map_err(|_| bad_copy("a date")),
            };
            let int = |i: usize| match fields[i].as_deref() {
                None => Ok(None),
                Some(t) => t.parse::<i64>().map(Some).map_err(|_| bad_copy("a number")),
            };
            let line = RosterLine {
                id: int(0)?.unwrap_or_default(),
                member_number: text(1),
                first_name: text(2),
                last_name: text(3),
                group_number: text(4),
                status: text(5),
                event_code: int(6)?,
                event_date: date(7)?,
                loss_of_coverage_date: date(8)?,
                notice_date: date(9)?,
                election_date: date(10)?,
                disability_extension: fields[11].as_deref().map(|b| b == "t"),
            };
            if !each(&line) {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// A field of COPY's text format: None for `\N`; escapes undone, the
/// text borrowed when it has none.
fn copy_field(f: &[u8]) -> Option<std::borrow::Cow<'_, str>> {
    if f == b"\\N" {
        return None;
    }
    if !f.contains(&b'\\') {
        return Some(String::from_utf8_lossy(f));
    }
    let mut out = Vec::with_capacity(f.len());
    let mut bytes = f.iter();
    while let Some(&b) = bytes.next() {
        if b != b'\\' {
            out.push(b);
            continue;
        }
        out.push(match bytes.next() {
            Some(b'b') => 8,
            Some(b'f') => 12,
            Some(b'n') => b'\n',
            Some(b'r') => b'\r',
            Some(b't') => b'\t',
            Some(b'v') => 11,
            Some(&other) => other,
            None => b'\\',
        });
    }
    Some(std::borrow::Cow::Owned(String::from_utf8_lossy(&out).into_owned()))
}

fn bad_copy(what: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("the QB roster's COPY output has {what} it cannot read").into())
}

/// The QB roster's columns for COPY: dates written `YYYY-MM-DD` whatever
/// the session's DateStyle; then the condition on the status.
macro_rules! roster_copy {
    () => {
        "SELECT m.id, m.member_number, m.first_name, m.last_name, g.group_number, m.status, \
         e.event_code, to_char(e.event_date, 'YYYY-MM-DD'), to_char(e.loss_of_coverage_date, 'YYYY-MM-DD'), \
         to_char(e.notice_date, 'YYYY-MM-DD'), to_char(e.election_date, 'YYYY-MM-DD'), e.disability_extension \
         FROM members m JOIN employer_groups g ON g.id = m.group_id \
         LEFT JOIN qualifying_events e ON e.id = (SELECT q.id FROM qualifying_events q WHERE q.member_id = m.id \
           ORDER BY q.event_date DESC, q.id DESC LIMIT 1) \
         WHERE m.member_type = 'QB' "
    };
}
use roster_copy;

/// `roster_rest!` with SQLite's numbered parameters and no page size.
macro_rules! roster_direct_rest {
    () => {
        "m.member_type = 'QB' \
         AND (?2 = 'all' OR (?2 = 'active' AND m.status NOT IN ('terminated','cobra_expired')) \
           OR (?2 = 'terminated' AND m.status IN ('terminated','cobra_expired'))) \
         ORDER BY m.id"
    };
}
use roster_direct_rest;

/// Enrollments in force on a day counted by group, plan and tier.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CensusRow {
    pub group_number: String,
    pub plan: String,
    pub tier: String,
    pub enrolled: i64,
}

/// The enrollment census on `day`: enrollments begun by then and not ended
/// before it (pending ones left out), of one group if given.
pub async fn census(store: &Store, day: NaiveDate, group: Option<&str>) -> Result<Vec<CensusRow>, sqlx::Error> {
    store
        .fetch_all(
            "SELECT g.group_number, p.plan_code AS plan, e.tier, CAST(COUNT(*) AS BIGINT) AS enrolled \
             FROM enrollments e JOIN plans p ON p.id = e.plan_id JOIN employer_groups g ON g.id = p.group_id \
             WHERE e.coverage_start <= $1 AND (e.coverage_end IS NULL OR e.coverage_end >= $1) \
             AND e.status <> 'pending' AND ($2 IS NULL OR g.group_number = $2) \
             GROUP BY g.group_number, p.plan_code, e.tier ORDER BY g.group_number, p.plan_code, e.tier",
            args![day, group],
        )
        .await
}

/// Failed import rows counted by employer and error code.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ImportErrorRow {
    pub employer: String,
    pub ein: String,
    pub code: String,
    /// Rows with an error of this code (a row with two such errors counts once).
    pub rows: i64,
    /// The upload time of the latest job with one.
    pub last_seen: DateTime<Utc>,
}

/// Import errors of jobs uploaded in `from`..`until` by employer and code.
pub async fn import_errors(
    store: &Store,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<ImportErrorRow>, sqlx::Error> {
    store
        .fetch_all(
            "SELECT em.legal_name AS employer, em.ein, x.code, CAST(COUNT(*) AS BIGINT) AS rows, \
             MAX(x.uploaded_at) AS last_seen FROM \
             (SELECT DISTINCT j.employer_id, r.code, r.job_id, r.row_number, j.uploaded_at \
              FROM import_row_errors r JOIN import_jobs j ON j.id = r.job_id \
              WHERE j.uploaded_at >= $1 AND j.uploaded_at < $2) x \
             JOIN employers em ON em.id = x.employer_id \
             GROUP BY em.legal_name, em.ein, x.code ORDER BY em.legal_name, em.ein, x.code",
            args![from, until],
        )
        .await
}

/// A broker's id and agency by NPN.
pub async fn broker_by_npn(store: &Store, npn: &str) -> Result<Option<(i64, Option<i64>)>, sqlx::Error> {
    store.fetch_optional("SELECT id, agency_id FROM brokers WHERE npn = $1", args![npn]).await
}

/// A grant in force reaching a broker, with its group, as the book of
/// business report reads it (a group reached by several grants comes once
/// per grant, together).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct BookGrant {
    pub group_number: String,
    pub group_name: String,
    pub status: String,
    pub subscribers: i64,
    pub renewal_month: Option<i64>,
    pub can_view: bool,
    pub can_enroll: bool,
    pub can_bill: bool,
    /// `direct`, `agency` or `downline` (an agency its agency is upline of: view only).
    pub via: String,
}

/// The grants in force on `day` reaching broker `broker_id` of `agency_id`,
/// by group number.
pub async fn book_grants(
    store: &Store,
    broker_id: i64,
    agency_id: Option<i64>,
    day: NaiveDate,
) -> Result<Vec<BookGrant>, sqlx::Error> {
    store
        .fetch_all(
            "SELECT g.group_number, g.name AS group_name, g.status, \
             (SELECT count(*) FROM members m WHERE m.group_id = g.id AND m.relationship = 'self') AS subscribers, \
             g.renewal_month, a.can_view, a.can_enroll, a.can_bill, \
             CASE WHEN a.broker_id = $1 THEN 'direct' WHEN a.agency_id = $2 THEN 'agency' ELSE 'downline' END AS via \
             FROM broker_access_grants a JOIN employer_groups g ON g.id = a.group_id \
             WHERE (a.broker_id = $1 OR a.agency_id = $2 OR a.agency_id IN (SELECT id FROM agencies WHERE upline_agency_id = $2)) \
             AND a.starts_on <= $3 AND (a.ends_on IS NULL OR a.ends_on > $3) ORDER BY g.group_number, a.id",
            args![broker_id, agency_id, day],
        )
        .await
}

/// Payments received on one day by one method, from groups' bills
/// (`group`) or members' premiums (`member`).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PaymentDay {
    pub source: String,
    pub received_on: NaiveDate,
    pub method: String,
    pub payments: i64,
    pub amount_cents: i64,
}

/// Payments received in `from`..=`to`, counted per day, source and method
/// (the report folds days into months: no date function differs by engine).
pub async fn payments_by_day(store: &Store, from: NaiveDate, to: NaiveDate) -> Result<Vec<PaymentDay>, sqlx::Error> {
    store
        .fetch_all(
            "SELECT 'group' AS source, received_on, method, CAST(COUNT(*) AS BIGINT) AS payments, \
             CAST(SUM(amount_cents) AS BIGINT) AS amount_cents FROM group_payments \
             WHERE received_on >= $1 AND received_on <= $2 GROUP BY received_on, method \
             UNION ALL \
             SELECT 'member' AS source, received_on, method, CAST(COUNT(*) AS BIGINT) AS payments, \
             CAST(SUM(amount_cents) AS BIGINT) AS amount_cents FROM payments \
             WHERE received_on >= $1 AND received_on <= $2 GROUP BY received_on, method \
             ORDER BY 2, 1, 3",
            args![from, to],
        )
        .await
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_copy_field_is_read_as_postgresql_wrote_it() {
        assert_eq!(super::copy_field(b"\\N"), None);
        assert_eq!(super::copy_field(b"").as_deref(), Some(""));
        assert_eq!(super::copy_field(b"O'Brien, Ann").as_deref(), Some("O'Brien, Ann"));
        assert_eq!(super::copy_field(b"a\\tb\\nc\\\\d\\re").as_deref(), Some("a\tb\nc\\d\re"));
        assert_eq!(super::copy_field("D\u{ed}az".as_bytes()).as_deref(), Some("D\u{ed}az"));
        assert_eq!(super::copy_field(b"\\\\N").as_deref(), Some("\\N"));
    }
}
