//! Cases: claiming, counting and reading them.

use chrono::{DateTime, Utc};

use super::{Store, Tx};
use crate::args;
use crate::domain::case::{CaseStatus, CaseView, Queue};
use crate::domain::case_change::{CaseState, missing_paperwork};

/// The fields of a case that the ops layer checks and changes.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct CaseHead {
    pub id: i64,
    pub case_number: String,
    pub queue: String,
    pub status: String,
    pub priority: i64,
    pub assignee_id: Option<i64>,
    pub assignee_login: Option<String>,
    pub sla_due_at: DateTime<Utc>,
    pub info_due_at: Option<DateTime<Utc>>,
    /// When information was last requested (the start of the SLA pause).
    pub paused_at: Option<DateTime<Utc>>,
    pub resolution: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    pub row_version: i64,
}

impl CaseHead {
    /// The state that case actions work on (`None` for a status the schema would not allow).
    pub fn state(&self) -> Option<CaseState> {
        Some(CaseState {
            status: CaseStatus::parse(&self.status)?,
            priority: self.priority,
            assignee: self.assignee_id,
            assignee_login: self.assignee_login.clone(),
            sla_due_at: self.sla_due_at,
            info_due_at: self.info_due_at,
            paused_at: self.paused_at,
            resolution: self.resolution.clone(),
            closed_at: self.closed_at,
        })
    }
}

/// The select list and joins of `CaseHead`, shared by every query that reads one.
macro_rules! head_select {
    () => {
        "SELECT c.id, c.case_number, c.queue, c.status, c.priority, c.assignee_id, s.login AS assignee_login, \
         c.sla_due_at, c.info_due_at, \
         (SELECT MAX(e.at) FROM case_events e WHERE e.case_id = c.id AND e.kind = 'info_requested') AS paused_at, \
         c.resolution, c.closed_at, c.row_version FROM cases c LEFT JOIN staff s ON s.id = c.assignee_id "
    };
}

/// Picks the unassigned new case of `queue` that is due first, locking it
/// for this transaction. On PostgreSQL `SKIP LOCKED` lets many staff take at
/// once without waiting on or receiving the same case; on SQLite the write
/// transaction (`BEGIN IMMEDIATE`) already serialises takers.
pub async fn next_unclaimed(tx: &mut Tx, queue: Queue) -> Result<Option<CaseHead>, sqlx::Error> {
    // The WHERE repeats the partial index `cases_unassigned_queue` word for word.
    let sql = tx.pick(
        concat!(
            head_select!(),
            "WHERE c.queue = $1 AND c.assignee_id IS NULL AND c.status IN ('new','open','awaiting_info') \
             AND c.status = 'new' ORDER BY c.sla_due_at, c.priority, c.id LIMIT 1"
        ),
        concat!(
            head_select!(),
            "WHERE c.queue = $1 AND c.assignee_id IS NULL AND c.status IN ('new','open','awaiting_info') \
             AND c.status = 'new' ORDER BY c.sla_due_at, c.priority, c.id LIMIT 1 FOR UPDATE OF c SKIP LOCKED"
        ),
    );
    tx.fetch_optional(sql, args![queue.as_str()]).await
}

/// Reads a case by number inside a change, locking its row on PostgreSQL
/// so the check of `row_version` and the update see the same row.
pub async fn lock_by_number(tx: &mut Tx, number: &str) -> Result<Option<CaseHead>, sqlx::Error> {
    let sql = tx.pick(
        concat!(head_select!(), "WHERE c.case_number = $1"),
        concat!(head_select!(), "WHERE c.case_number = $1 FOR UPDATE OF c"),
    );
    tx.fetch_optional(sql, args![number]).await
}

/// The advisory lock of the sweep (the bytes of "pdsweep").
const SWEEP_LOCK: i64 = 0x0070_6473_7765_6570;

/// Whether this transaction may sweep now: on PostgreSQL one transaction at
/// a time holds the sweep's advisory lock, the others go without waiting.
/// It is transaction-scoped, so no pooler can leave it held on a server
/// connection. SQLite's write lock already admits one writer at a time.
pub async fn sweep_turn(tx: &mut Tx) -> Result<bool, sqlx::Error> {
    match tx.backend() {
        super::Backend::Sqlite => Ok(true),
        super::Backend::Postgres => {
            let (got,): (bool,) = tx.fetch_one("SELECT pg_try_advisory_xact_lock($1)", args![SWEEP_LOCK]).await?;
            Ok(got)
        }
    }
}

/// Up to `limit` cases awaiting information past their due date, locked;
/// on PostgreSQL skipping rows another sweeper holds, so sweeps on several
/// machines at once split the work instead of waiting or repeating it.
pub async fn awaiting_past_due(tx: &mut Tx, now: DateTime<Utc>, limit: i64) -> Result<Vec<CaseHead>, sqlx::Error> {
    let sql = tx.pick(
        concat!(
            head_select!(),
            "WHERE c.status = 'awaiting_info' AND c.info_due_at < $1 ORDER BY c.info_due_at, c.id LIMIT $2"
        ),
        concat!(
            head_select!(),
            "WHERE c.status = 'awaiting_info' AND c.info_due_at < $1 ORDER BY c.info_due_at, c.id LIMIT $2 \
             FOR UPDATE OF c SKIP LOCKED"
        ),
    );
    tx.fetch_all(sql, args![now, limit]).await
}

/// Writes a case's changed state if nobody changed it since `row_version`;
/// returns whether it did.
pub async fn save(tx: &mut Tx, id: i64, row_version: i64, s: &CaseState) -> Result<bool, sqlx::Error> {
    let n = tx
        .execute(
            "UPDATE cases SET status = $1, priority = $2, assignee_id = $3, sla_due_at = $4, info_due_at = $5, \
             resolution = $6, closed_at = $7, row_version = row_version + 1 WHERE id = $8 AND row_version = $9",
            args![
                s.status.as_str(),
                s.priority,
                s.assignee,
                s.sla_due_at,
                s.info_due_at,
                s.resolution.clone(),
                s.closed_at,
                id,
                row_version
            ],
        )
        .await?;
    Ok(n == 1)
}

/// Appends a timeline entry.
pub async fn add_event(
    tx: &mut Tx,
    case_id: i64,
    staff_id: Option<i64>,
    kind: &str,
    body: &str,
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    tx.execute(
        "INSERT INTO case_events (case_id, at, staff_id, kind, body) VALUES ($1, $2, $3, $4, $5)",
        args![case_id, at, staff_id, kind, body],
    )
    .await?;
    Ok(())
}

/// Reads a case's head by its number, outside any change.
pub async fn head_by_number(store: &Store, number: &str) -> Result<Option<CaseHead>, sqlx::Error> {
    store.fetch_optional(concat!(head_select!(), "WHERE c.case_number = $1"), args![number]).await
}

/// Everything the case view shows, as stored (sanitized for display by the view).
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct CaseDetail {
    pub id: i64,
    pub case_number: String,
    pub queue: String,
    pub status: String,
    pub priority: i64,
    pub subject: String,
    pub description: String,
    pub company_name: String,
    pub group_numbers: String,
    pub subscriber_name: Option<String>,
    pub subscriber_ref: Option<String>,
    pub member_number: Option<String>,
    pub group_number: Option<String>,
    pub retroactive: bool,
    pub submitted_at: DateTime<Utc>,
    pub submitted_by: String,
    /// `assignee` in JSON, as in every other case answer.
    #[serde(rename = "assignee")]
    pub assignee_login: Option<String>,
    pub sla_due_at: DateTime<Utc>,
    pub info_due_at: Option<DateTime<Utc>>,
    pub resolution: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    pub row_version: i64,
}

/// An attachment's metadata (the files themselves stay on the portal).
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct Attachment {
    pub file_name: String,
    pub kind: String,
    pub size_bytes: i64,
    pub uploaded_at: DateTime<Utc>,
}

/// A case with its attachments and timeline.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CaseFile {
    pub case: CaseDetail,
    pub attachments: Vec<Attachment>,
    pub events: Vec<CaseEvent>,
}

impl CaseFile {
    /// Whether the case lacks the Exception Request Form its kind needs.
    pub fn missing_paperwork(&self) -> bool {
        let has_form = self.attachments.iter().any(|a| a.kind == "exception_request_form");
        Queue::parse(&self.case.queue).is_some_and(|q| missing_paperwork(q, self.case.retroactive, has_form))
    }
}

/// Reads a case with everything the case view shows.
pub async fn file_by_number(store: &Store, number: &str) -> Result<Option<CaseFile>, sqlx::Error> {
    let store = store.reads();
    let case: Option<CaseDetail> = store
        .fetch_optional(
            "SELECT c.id, c.case_number, c.queue, c.status, c.priority, c.subject, c.description, c.company_name, \
             c.group_numbers, c.subscriber_name, c.subscriber_ref, m.member_number, g.group_number, c.retroactive, \
             c.submitted_at, c.submitted_by, s.login AS assignee_login, c.sla_due_at, c.info_due_at, c.resolution, \
             c.closed_at, c.row_version FROM cases c LEFT JOIN staff s ON s.id = c.assignee_id \
             LEFT JOIN members m ON m.id = c.member_id LEFT JOIN employer_groups g ON g.id = c.group_id \
             WHERE c.case_number = $1",
            args![number],
        )
        .await?;
    let Some(case) = case else { return Ok(None) };
    let attachments = store
        .fetch_all(
            "SELECT file_name, kind, size_bytes, uploaded_at FROM case_attachments WHERE case_id = $1 ORDER BY id",
            args![case.id],
        )
        .await?;
    let events = events(store, case.id).await?;
    Ok(Some(CaseFile { case, attachments, events }))
}

/// A timeline entry as shown.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct CaseEvent {
    pub at: DateTime<Utc>,
    pub staff_login: Option<String>,
    pub kind: String,
    pub body: String,
}

/// A case's timeline, oldest first: its own events and the member
/// changes made from it (kind `member_change`).
pub async fn events(store: &Store, case_id: i64) -> Result<Vec<CaseEvent>, sqlx::Error> {
    let store = store.reads();
    store
        .fetch_all(
            "SELECT at, staff_login, kind, body FROM (\
             SELECT e.at, s.login AS staff_login, e.kind, e.body, 0 AS source, e.id FROM case_events e \
             LEFT JOIN staff s ON s.id = e.staff_id WHERE e.case_id = $1 \
             UNION ALL SELECT c.at, c.operator, 'member_change', c.summary, 1, c.id FROM member_changes c \
             WHERE c.case_id = $1) t ORDER BY at, source, id",
            args![case_id],
        )
        .await
}

/// How many cases each view holds, in `CaseView::ALL`'s order, in one
/// statement (one round trip, one transaction behind a pooler): the queue
/// strip's counts, read again on every live change. The shared views'
/// counts are kept by triggers in `case_counts` (migration 0012: counting
/// them here cost 14 ms a read on 40 000 cases, the server's whole load at
/// 200 sessions); "mine" is counted, from its own small index.
pub async fn counts(store: &Store, me: i64) -> Result<Vec<(CaseView, i64)>, sqlx::Error> {
    let (el, en, bi, su, mine, un, aw, all): (i64, i64, i64, i64, i64, i64, i64, i64) = store
        .reads()
        .fetch_one(
            "SELECT \
             (SELECT n FROM case_counts WHERE view_name = 'eligibility'), \
             (SELECT n FROM case_counts WHERE view_name = 'enrollment'), \
             (SELECT n FROM case_counts WHERE view_name = 'billing'), \
             (SELECT n FROM case_counts WHERE view_name = 'support'), \
             (SELECT count(*) FROM cases WHERE assignee_id = $1 AND status IN ('new','open','awaiting_info')), \
             (SELECT n FROM case_counts WHERE view_name = 'unassigned'), \
             (SELECT n FROM case_counts WHERE view_name = 'awaiting'), \
             (SELECT n FROM case_counts WHERE view_name = 'all')",
            args![me],
        )
        .await?;
    Ok(CaseView::ALL.into_iter().zip([el, en, bi, su, mine, un, aw, all]).collect())
}

/// How many cases a shared view (not "mine") holds, as its triggers keep it.
pub async fn kept_count(store: &Store, view: CaseView) -> Result<Option<i64>, sqlx::Error> {
    let row: Option<(i64,)> =
        store.reads().fetch_optional("SELECT n FROM case_counts WHERE view_name = $1", args![view.name()]).await?;
    Ok(row.map(|r| r.0))
}
