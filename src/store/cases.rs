//! Cases: claiming, counting and reading them.

use chrono::{DateTime, Utc};

use super::{Store, Tx};
use crate::args;
use crate::domain::case::{CaseView, Queue};

/// The fields of a case that the ops layer checks and changes.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct CaseHead {
    pub id: i64,
    pub case_number: String,
    pub queue: String,
    pub status: String,
    pub priority: i64,
    pub assignee_id: Option<i64>,
    pub sla_due_at: DateTime<Utc>,
    pub row_version: i64,
}

/// Picks the unassigned new case of `queue` that is due first, locking it
/// for this transaction. On PostgreSQL `SKIP LOCKED` lets many staff take at
/// once without waiting on or receiving the same case; on SQLite the write
/// transaction (`BEGIN IMMEDIATE`) already serialises takers.
pub async fn next_unclaimed(tx: &mut Tx, queue: Queue) -> Result<Option<CaseHead>, sqlx::Error> {
    let sql = tx.pick(
        "SELECT id, case_number, queue, status, priority, assignee_id, sla_due_at, row_version FROM cases \
         WHERE queue = $1 AND assignee_id IS NULL AND status IN ('new','open','awaiting_info') AND status = 'new' \
         ORDER BY sla_due_at, priority, id LIMIT 1",
        "SELECT id, case_number, queue, status, priority, assignee_id, sla_due_at, row_version FROM cases \
         WHERE queue = $1 AND assignee_id IS NULL AND status IN ('new','open','awaiting_info') AND status = 'new' \
         ORDER BY sla_due_at, priority, id LIMIT 1 FOR UPDATE SKIP LOCKED",
    );
    tx.fetch_optional(sql, args![queue.as_str()]).await
}

/// Assigns and opens a case if nobody changed it since `row_version`;
/// returns whether it did.
pub async fn assign_open(tx: &mut Tx, case_id: i64, staff_id: i64, row_version: i64) -> Result<bool, sqlx::Error> {
    let n = tx
        .execute(
            "UPDATE cases SET assignee_id = $1, status = 'open', row_version = row_version + 1 \
             WHERE id = $2 AND row_version = $3",
            args![staff_id, case_id, row_version],
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

/// Reads a case's head by its number.
pub async fn head_by_number(store: &Store, number: &str) -> Result<Option<CaseHead>, sqlx::Error> {
    store
        .fetch_optional(
            "SELECT id, case_number, queue, status, priority, assignee_id, sla_due_at, row_version FROM cases WHERE case_number = $1",
            args![number],
        )
        .await
}

/// A timeline entry as shown.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct CaseEvent {
    pub at: DateTime<Utc>,
    pub staff_login: Option<String>,
    pub kind: String,
    pub body: String,
}

/// A case's timeline, oldest first.
pub async fn events(store: &Store, case_id: i64) -> Result<Vec<CaseEvent>, sqlx::Error> {
    store
        .fetch_all(
            "SELECT e.at, s.login AS staff_login, e.kind, e.body FROM case_events e \
             LEFT JOIN staff s ON s.id = e.staff_id WHERE e.case_id = $1 ORDER BY e.at, e.id",
            args![case_id],
        )
        .await
}

/// How many cases a view holds: shown beside each queue's name.
pub async fn count(store: &Store, view: CaseView, me: i64) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) =
        match view {
            CaseView::Queue(q) => {
                store
                    .fetch_one(
                        "SELECT count(*) FROM cases WHERE queue = $1 AND status IN ('new','open','awaiting_info')",
                        args![q.as_str()],
                    )
                    .await?
            }
            CaseView::Mine => store
                .fetch_one(
                    "SELECT count(*) FROM cases WHERE assignee_id = $1 AND status IN ('new','open','awaiting_info')",
                    args![me],
                )
                .await?,
            CaseView::Unassigned => store
                .fetch_one(
                    "SELECT count(*) FROM cases WHERE assignee_id IS NULL AND status IN ('new','open','awaiting_info')",
                    args![],
                )
                .await?,
            CaseView::Awaiting => {
                store.fetch_one("SELECT count(*) FROM cases WHERE status = 'awaiting_info'", args![]).await?
            }
            CaseView::All => store.fetch_one("SELECT count(*) FROM cases", args![]).await?,
        };
    Ok(n)
}
