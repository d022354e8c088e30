//! Import jobs and what applying their rows reads and writes.

use chrono::{DateTime, NaiveDate, Utc};

use std::collections::HashMap;

use super::{Cell, Store, Tx};
use crate::args;
use crate::domain::text::fold_key;

/// A job's fields the importer works with.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct JobHead {
    pub id: i64,
    pub employer_id: i64,
    pub ein: String,
    pub kind: String,
    pub file_name: String,
    pub status: String,
    pub total_rows: i64,
    pub ok_rows: i64,
    pub failed_rows: i64,
    pub file_error: Option<String>,
    pub parent_job_id: Option<i64>,
    pub row_version: i64,
    /// The stored file's size.
    pub file_bytes: i64,
}

macro_rules! job_select {
    () => {
        "SELECT j.id, j.employer_id, e.ein, j.kind, j.file_name, j.status, j.total_rows, j.ok_rows, j.failed_rows, \
         j.file_error, j.parent_job_id, j.row_version, j.file_bytes FROM import_jobs j JOIN employers e ON e.id = j.employer_id "
    };
}

/// A job by id.
pub async fn job(store: &Store, id: i64) -> Result<Option<JobHead>, sqlx::Error> {
    store.fetch_optional(concat!(job_select!(), "WHERE j.id = $1"), args![id]).await
}

/// A job by id, locked for a change.
pub async fn lock_job(tx: &mut Tx, id: i64) -> Result<Option<JobHead>, sqlx::Error> {
    let sql =
        tx.pick(concat!(job_select!(), "WHERE j.id = $1"), concat!(job_select!(), "WHERE j.id = $1 FOR UPDATE OF j"));
    tx.fetch_optional(sql, args![id]).await
}

/// Bytes per stored chunk of a file: a run or an upload holds a few at a time.
pub const CHUNK_BYTES: usize = 1 << 20;

/// Chunk `seq` of a job's stored file (`None` past its end).
pub async fn chunk(store: &Store, job: i64, seq: i64) -> Result<Option<Vec<u8>>, sqlx::Error> {
    let c: Option<(Vec<u8>,)> = store
        .fetch_optional("SELECT bytes FROM import_file_chunks WHERE job_id = $1 AND seq = $2", args![job, seq])
        .await?;
    Ok(c.map(|(b,)| b))
}

/// Stores chunk `seq` of a job's file.
pub async fn insert_chunk(tx: &mut Tx, job: i64, seq: i64, bytes: &[u8]) -> Result<(), sqlx::Error> {
    tx.execute("INSERT INTO import_file_chunks (job_id, seq, bytes) VALUES ($1, $2, $3)", args![job, seq, bytes])
        .await?;
    Ok(())
}

/// Sets what is known of a job's file once it is stored whole.
pub async fn set_file(tx: &mut Tx, job: i64, sha: &str, bytes: i64) -> Result<(), sqlx::Error> {
    tx.execute("UPDATE import_jobs SET file_sha256 = $1, file_bytes = $2 WHERE id = $3", args![sha, bytes, job])
        .await?;
    Ok(())
}

/// A live (not abandoned) job of the employer with the same file, if any.
pub async fn same_file(tx: &mut Tx, employer_id: i64, sha: &str) -> Result<Option<i64>, sqlx::Error> {
    let row: Option<(i64,)> = tx
        .fetch_optional(
            "SELECT id FROM import_jobs WHERE employer_id = $1 AND file_sha256 = $2 AND status <> 'abandoned' ORDER BY id LIMIT 1",
            args![employer_id, sha],
        )
        .await?;
    Ok(row.map(|(id,)| id))
}

/// A new job's fields.
pub struct NewJob<'a> {
    pub employer_id: i64,
    pub parent: Option<i64>,
    pub kind: &'a str,
    pub file_name: &'a str,
    pub uploaded_by: &'a str,
}

/// Stores a queued job, its file to follow in chunks (`set_file` once
/// stored); returns its id.
pub async fn insert_job(tx: &mut Tx, j: NewJob<'_>, now: DateTime<Utc>) -> Result<i64, sqlx::Error> {
    let (id,): (i64,) = tx
        .fetch_one(
            "INSERT INTO import_jobs (employer_id, parent_job_id, kind, file_name, file_sha256, uploaded_at, \
             uploaded_by, status) VALUES ($1, $2, $3, $4, '', $5, $6, 'queued') RETURNING id",
            args![j.employer_id, j.parent, j.kind, j.file_name, now, j.uploaded_by],
        )
        .await?;
    // The import job queue on other screens follows (live queues), this session's too.
    super::live::announce(tx, "").await?;
    Ok(id)
}

/// Sets a job's status and counts (and file error, times) if still at `row_version`.
#[allow(clippy::too_many_arguments)]
pub async fn set_job(
    tx: &mut Tx,
    j: &JobHead,
    status: &str,
    file_error: Option<&str>,
    started: Option<DateTime<Utc>>,
    finished: Option<DateTime<Utc>>,
    abandoned: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let n = tx
        .execute(
            "UPDATE import_jobs SET status = $1, total_rows = $2, ok_rows = $3, failed_rows = $4, file_error = $5, \
             started_at = COALESCE($6, started_at), finished_at = $7, abandoned_reason = COALESCE($8, abandoned_reason), \
             row_version = row_version + 1 WHERE id = $9 AND row_version = $10",
            args![status, j.total_rows, j.ok_rows, j.failed_rows, file_error, started, finished, abandoned, j.id, j.row_version],
        )
        .await?;
    // A job's progress (queued, running, done, failed) reaches the screens
    // that show it (live queues), the session's own included: no origin.
    super::live::announce(tx, "").await?;
    Ok(n == 1)
}

/// The rows of the job already recorded, as runs of consecutive row
/// numbers `(first, last)` in order (a resumed run skips them; a handful of
/// runs however long the file).
pub async fn done_ranges(tx: &mut Tx, job: i64) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    tx.fetch_all(
        "SELECT min(row_number), max(last_row_number) FROM (SELECT row_number, last_row_number, \
         sum(gap) OVER (ORDER BY row_number) AS run FROM (SELECT row_number, last_row_number, \
         CASE WHEN row_number = LAG(last_row_number) OVER (ORDER BY row_number) + 1 THEN 0 ELSE 1 END AS gap \
         FROM import_rows WHERE job_id = $1) g) r GROUP BY run ORDER BY 1",
        args![job],
    )
    .await
}

/// Forgets what a job recorded of its rows (every row's errors; with
/// `failed_only` only the failed rows' records), so they are tried again.
pub async fn forget_rows(tx: &mut Tx, job: i64, failed_only: bool) -> Result<u64, sqlx::Error> {
    tx.execute("DELETE FROM import_row_errors WHERE job_id = $1", args![job]).await?;
    let sql = if failed_only {
        "DELETE FROM import_rows WHERE job_id = $1 AND status = 'failed'"
    } else {
        "DELETE FROM import_rows WHERE job_id = $1"
    };
    tx.execute(sql, args![job]).await
}

/// The columns of a row outcome record (`insert_rows`); a record covers
/// rows `row_number` to `last_row_number` of one outcome.
pub const ROW_COLUMNS: &[&str] = &["job_id", "row_number", "last_row_number", "natural_key", "status"];

/// Records a row's outcome.
pub async fn record_row(tx: &mut Tx, job: i64, row: i64, key: &str, status: &str) -> Result<(), sqlx::Error> {
    tx.execute(
        "INSERT INTO import_rows (job_id, row_number, last_row_number, natural_key, status) VALUES ($1, $2, $2, $3, $4)",
        args![job, row, key, status],
    )
    .await?;
    Ok(())
}

/// Records one error of a row, with its values (SSNs already masked).
pub async fn record_error(
    tx: &mut Tx,
    job: i64,
    row: i64,
    field: &str,
    code: &str,
    message: &str,
    raw: &str,
) -> Result<(), sqlx::Error> {
    tx.execute(
        "INSERT INTO import_row_errors (job_id, row_number, field, code, message, raw_values) VALUES ($1, $2, $3, $4, $5, $6)",
        args![job, row, field, code, message, raw],
    )
    .await?;
    Ok(())
}

/// Counts of a job's recorded rows by outcome: (applied, unchanged, failed).
pub async fn counts(tx: &mut Tx, job: i64) -> Result<(i64, i64, i64), sqlx::Error> {
    let rows: Vec<(String, i64)> =
        tx.fetch_all(
            "SELECT status, CAST(sum(last_row_number - row_number + 1) AS BIGINT) FROM import_rows WHERE job_id = $1 GROUP BY status",
            args![job],
        )
        .await?;
    let get = |s: &str| rows.iter().find(|(k, _)| k == s).map_or(0, |(_, n)| *n);
    Ok((get("applied"), get("unchanged"), get("failed")))
}

/// A row error as the job view and the error export show it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct RowError {
    pub row_number: i64,
    pub field: String,
    pub code: String,
    pub message: String,
    pub raw_values: String,
}

/// A job's row errors, by row.
pub async fn errors(store: &Store, job: i64) -> Result<Vec<RowError>, sqlx::Error> {
    store
        .fetch_all(
            "SELECT row_number, field, code, message, raw_values FROM import_row_errors WHERE job_id = $1 ORDER BY row_number, id",
            args![job],
        )
        .await
}

/// The employer's groups: (group number, id).
pub async fn groups(tx: &mut Tx, employer: i64) -> Result<Vec<(String, i64)>, sqlx::Error> {
    tx.fetch_all("SELECT group_number, id FROM employer_groups WHERE employer_id = $1", args![employer]).await
}

/// A member of the employer's groups by member ID: (id, group id).
pub async fn member_of(tx: &mut Tx, employer: i64, number: &str) -> Result<Option<(i64, i64)>, sqlx::Error> {
    tx.fetch_optional(
        "SELECT m.id, m.group_id FROM members m WHERE m.member_number = $2 \
         AND m.group_id IN (SELECT id FROM employer_groups WHERE employer_id = $1)",
        args![employer, number],
    )
    .await
}

/// A member of the employer's groups by SSN blind index: (id, group id).
pub async fn member_by_ssn(tx: &mut Tx, employer: i64, index: &[u8]) -> Result<Option<(i64, i64)>, sqlx::Error> {
    tx.fetch_optional(
        // Written so the planner starts from the SSN index, not from the employer's members.
        "SELECT m.id, m.group_id FROM members m WHERE m.ssn_index = $2 \
         AND m.group_id IN (SELECT id FROM employer_groups WHERE employer_id = $1) ORDER BY m.id LIMIT 1",
        args![employer, index],
    )
    .await
}

/// The members of `groups` (an employer's) with these SSN blind indexes:
/// each index found, with its member's id (the lowest, were one on file
/// twice). SQLite steps one prepared lookup per SSN, in-process
/// (`Tx::direct`); PostgreSQL takes them all in one statement.
pub async fn members_by_ssn(tx: &mut Tx, ssns: &[&[u8]], groups: &[i64]) -> Result<HashMap<Vec<u8>, i64>, sqlx::Error> {
    let mut found: HashMap<Vec<u8>, i64> = HashMap::new();
    let mut keep = |ssn: &[u8], id: i64, group: i64| {
        if groups.contains(&group) {
            found.entry(ssn.to_vec()).or_insert(id);
        }
    };
    if let Tx::Postgres(t, named, _) = tx {
        // One array rather than a parameter per SSN (as fast, measured, and
        // no chunking). By the SSN index alone, the groups filtered here:
        // with the groups in the statement, the planner may walk a group's
        // members instead.
        let rows: Vec<(Vec<u8>, i64, i64)> = sqlx::query_as(
            "SELECT m.ssn_index, m.id, m.group_id FROM members m WHERE m.ssn_index = ANY($1) ORDER BY m.id",
        )
        .persistent(*named)
        .bind(ssns)
        .fetch_all(&mut **t)
        .await?;
        rows.into_iter().for_each(|(ssn, id, group)| keep(&ssn, id, group));
        return Ok(found);
    }
    tx.direct(|db| {
        let mut find = db.prepare::<1>("SELECT id, group_id FROM members WHERE ssn_index = ?1 ORDER BY id")?;
        for ssn in ssns {
            find.run(&[Cell::Blob(ssn)], |m| keep(ssn, m.int(0), m.int(1)))?;
        }
        Ok(())
    })
    .await?;
    Ok(found)
}

/// `n` new member ids. SQLite counts on from the largest (its one writer
/// holds the lock); PostgreSQL takes them from the table's sequence, so two
/// transactions adding members at once get different ones.
pub async fn member_ids(tx: &mut Tx, n: i64) -> Result<Vec<i64>, sqlx::Error> {
    if tx.backend() == super::Backend::Postgres {
        let ids: Vec<(i64,)> = tx
            .fetch_all("SELECT nextval(pg_get_serial_sequence('members', 'id')) FROM generate_series(1, $1)", args![n])
            .await?;
        return Ok(ids.into_iter().map(|(id,)| id).collect());
    }
    let (first,): (i64,) = tx.fetch_one("SELECT COALESCE(MAX(id), 0) + 1 FROM members", args![]).await?;
    Ok((first..first + n).collect())
}

/// Moves PostgreSQL's member id sequence past the largest id on file
/// (members written with ids of their own, as a bulk load does, leave it
/// behind); only ever forwards, so an import drawing ids meanwhile keeps
/// them. Nothing to do on SQLite.
pub async fn sync_member_ids(tx: &mut Tx) -> Result<(), sqlx::Error> {
    if tx.backend() == super::Backend::Postgres {
        tx.fetch_optional::<(i64,)>(
            "SELECT setval(s, top) FROM (SELECT s, (SELECT MAX(id) FROM members) AS top \
             FROM (SELECT pg_get_serial_sequence('members', 'id')::regclass AS s) q) t \
             WHERE top > COALESCE(pg_sequence_last_value(s), 0)",
            args![],
        )
        .await?;
    }
    Ok(())
}

/// The id of the employer with this EIN (normalized), if on file.
pub async fn employer_id(tx: &mut Tx, ein: &str) -> Result<Option<i64>, sqlx::Error> {
    let row: Option<(i64,)> = tx.fetch_optional("SELECT id FROM employers WHERE ein = $1", args![ein]).await?;
    Ok(row.map(|(id,)| id))
}

/// A member's details as a demographic row gives them.
#[derive(Debug, Clone, Copy)]
pub struct MemberDetails<'a> {
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub birth_date: Option<NaiveDate>,
    pub address_line: &'a str,
    pub city: &'a str,
    pub state: &'a str,
    pub zip: &'a str,
    pub gender: &'a str,
}

/// Sets a member's details (and name keys); whether anything differed.
/// A row that says what is on file already changes nothing, its version
/// included.
pub async fn update_member_details(tx: &mut Tx, id: i64, d: &MemberDetails<'_>) -> Result<bool, sqlx::Error> {
    let n = tx
        .execute(
            "UPDATE members SET first_name = $1, last_name = $2, first_name_key = $3, last_name_key = $4, \
             birth_date = $5, address_line = $6, city = $7, state = $8, zip = $9, gender = $10, \
             row_version = row_version + 1 WHERE id = $11 AND NOT (first_name = $1 AND last_name = $2 \
             AND birth_date = $5 AND address_line = $6 AND city = $7 AND state = $8 AND zip = $9 AND gender = $10)",
            args![
                d.first_name,
                d.last_name,
                fold_key(d.first_name),
                fold_key(d.last_name),
                d.birth_date,
                d.address_line,
                d.city,
                d.state,
                d.zip,
                d.gender,
                id
            ],
        )
        .await?;
    Ok(n == 1)
}

/// Whether the subscriber has a dependent of this first name and birth
/// date on file (a dependent row's natural key).
pub async fn dependent_exists(
    tx: &mut Tx,
    subscriber: i64,
    first_name: &str,
    birth_date: Option<NaiveDate>,
) -> Result<bool, sqlx::Error> {
    let r: Option<(i64,)> = tx
        .fetch_optional(
            "SELECT id FROM members WHERE subscriber_id = $1 AND first_name_key = $2 AND birth_date = $3",
            args![subscriber, fold_key(first_name), birth_date],
        )
        .await?;
    Ok(r.is_some())
}

/// A dependent to add under a subscriber, whose group, address and
/// language it takes.
#[derive(Debug, Clone)]
pub struct NewDependent<'a> {
    pub id: i64,
    pub member_number: &'a str,
    pub individual_id: &'a str,
    pub subscriber: i64,
    pub relationship: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub birth_date: Option<NaiveDate>,
    pub gender: &'a str,
    /// The dependent's own SSN (cipher, blind index, last four), if given.
    pub ssn_cipher: Option<Vec<u8>>,
    pub ssn_index: Option<Vec<u8>>,
    pub ssn_last4: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Adds a dependent; whether the subscriber was there to add it under.
pub async fn insert_dependent(tx: &mut Tx, d: NewDependent<'_>) -> Result<bool, sqlx::Error> {
    let n = tx
        .execute(
            "INSERT INTO members (id, member_number, individual_id, group_id, subscriber_id, member_type, relationship, \
             first_name, last_name, first_name_key, last_name_key, birth_date, gender, address_line, city, state, zip, \
             language, ssn_cipher, ssn_index, ssn_last4, status, created_at) \
             SELECT $1, $2, $3, s.group_id, s.id, 'DEPENDENT', $4, $5, $6, $7, $8, $9, $10, s.address_line, s.city, \
             s.state, s.zip, s.language, $11, $12, $13, 'active', $14 FROM members s WHERE s.id = $15",
            args![
                d.id,
                d.member_number,
                d.individual_id,
                d.relationship,
                d.first_name,
                d.last_name,
                fold_key(d.first_name),
                fold_key(d.last_name),
                d.birth_date,
                d.gender,
                d.ssn_cipher,
                d.ssn_index,
                d.ssn_last4,
                d.created_at,
                d.subscriber
            ],
        )
        .await?;
    Ok(n == 1)
}

/// A qualifying event to record (an event row).
#[derive(Debug, Clone, Copy)]
pub struct NewEvent {
    pub member_id: i64,
    pub event_code: Option<i64>,
    pub event_date: Option<NaiveDate>,
    pub loss_of_coverage_date: Option<NaiveDate>,
    pub notice_date: Option<NaiveDate>,
    pub disability_extension: bool,
    pub created_at: DateTime<Utc>,
}

/// Whether the member has this event on this date on file (an event row's natural key).
pub async fn event_exists(
    tx: &mut Tx,
    member: i64,
    code: Option<i64>,
    on: Option<NaiveDate>,
) -> Result<bool, sqlx::Error> {
    let r: Option<(i64,)> = tx
        .fetch_optional(
            "SELECT id FROM qualifying_events WHERE member_id = $1 AND event_code = $2 AND event_date = $3",
            args![member, code, on],
        )
        .await?;
    Ok(r.is_some())
}

/// Records a qualifying event.
pub async fn insert_event(tx: &mut Tx, e: NewEvent) -> Result<(), sqlx::Error> {
    tx.execute(
        "INSERT INTO qualifying_events (member_id, event_code, event_date, loss_of_coverage_date, notice_date, \
         disability_extension, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        args![
            e.member_id,
            e.event_code,
            e.event_date,
            e.loss_of_coverage_date,
            e.notice_date,
            e.disability_extension,
            e.created_at
        ],
    )
    .await?;
    Ok(())
}

/// The id of the group's plan with this code, if any.
pub async fn plan_id(tx: &mut Tx, group: i64, plan_code: &str) -> Result<Option<i64>, sqlx::Error> {
    let row: Option<(i64,)> = tx
        .fetch_optional("SELECT id FROM plans WHERE group_id = $1 AND plan_code = $2", args![group, plan_code])
        .await?;
    Ok(row.map(|(id,)| id))
}

/// Whether the member is enrolled in the plan from this date (a plan row's natural key).
pub async fn enrollment_exists(
    tx: &mut Tx,
    member: i64,
    plan: i64,
    start: Option<NaiveDate>,
) -> Result<bool, sqlx::Error> {
    let r: Option<(i64,)> = tx
        .fetch_optional(
            "SELECT id FROM enrollments WHERE member_id = $1 AND plan_id = $2 AND coverage_start = $3",
            args![member, plan, start],
        )
        .await?;
    Ok(r.is_some())
}

/// An active enrollment to add (a plan row).
#[derive(Debug, Clone, Copy)]
pub struct NewEnrollment<'a> {
    pub member_id: i64,
    pub plan_id: i64,
    pub tier: &'a str,
    pub coverage_start: Option<NaiveDate>,
    pub coverage_end: Option<NaiveDate>,
}

/// Adds an active enrollment.
pub async fn insert_enrollment(tx: &mut Tx, e: NewEnrollment<'_>) -> Result<(), sqlx::Error> {
    tx.execute(
        "INSERT INTO enrollments (member_id, plan_id, tier, coverage_start, coverage_end, status) \
         VALUES ($1, $2, $3, $4, $5, 'active')",
        args![e.member_id, e.plan_id, e.tier, e.coverage_start, e.coverage_end],
    )
    .await?;
    Ok(())
}
