//! Presence rows (migration 0011): one per running app that has a case or
//! a member open, beaten every few seconds (`domain::presence`). A beat is
//! one upsert of the session's own row and one indexed read of the others
//! on the same entity; no transaction spans them and nothing is kept on
//! the connection, so it works the same through PgBouncer in transaction
//! mode. Not business data: nothing here writes an audit row.

use chrono::{DateTime, Utc};

use super::Store;
use crate::args;
use crate::domain::presence::{EntityKind, Here};

/// A row about one entity, as the read of a beat returns it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PresenceRow {
    pub session_id: String,
    pub login: String,
    pub mode: String,
    pub seen_at: DateTime<Utc>,
}

/// Writes (or moves) session `session`'s row: what it has open, now.
pub async fn upsert(
    store: &Store,
    session: &str,
    staff_id: i64,
    here: &Here,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    store
        .execute(
            concat!(
                "INSERT INTO presence (session_id, staff_id, entity_kind, entity_key, mode, seen_at) ",
                "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (session_id) DO UPDATE SET ",
                "staff_id = excluded.staff_id, entity_kind = excluded.entity_kind, ",
                "entity_key = excluded.entity_key, mode = excluded.mode, seen_at = excluded.seen_at"
            ),
            args![session, staff_id, here.kind.as_str(), here.key.as_str(), here.mode.as_str(), now],
        )
        .await
        .map(drop)
}

/// Every row on one entity beaten since `since` or not (the caller tells
/// the expired ones, and purges them), but session `except`'s own, by login.
pub async fn on_entity(
    store: &Store,
    kind: EntityKind,
    key: &str,
    except: &str,
) -> Result<Vec<PresenceRow>, sqlx::Error> {
    store
        .fetch_all(
            concat!(
                "SELECT p.session_id, s.login, p.mode, p.seen_at FROM presence p ",
                "JOIN staff s ON s.id = p.staff_id ",
                "WHERE p.entity_kind = $1 AND p.entity_key = $2 AND p.session_id <> $3 ",
                "ORDER BY s.login, p.session_id"
            ),
            args![kind.as_str(), key, except],
        )
        .await
}

/// Deletes session `session`'s row (its view closed, the app quits).
pub async fn leave(store: &Store, session: &str) -> Result<u64, sqlx::Error> {
    store.execute("DELETE FROM presence WHERE session_id = $1", args![session]).await
}

/// Deletes the rows of one entity last beaten before `before` (found
/// expired by a read of it).
pub async fn purge_entity(
    store: &Store,
    kind: EntityKind,
    key: &str,
    before: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    store
        .execute(
            "DELETE FROM presence WHERE entity_kind = $1 AND entity_key = $2 AND seen_at < $3",
            args![kind.as_str(), key, before],
        )
        .await
}

/// Deletes every row last beaten before `before`: the terminals killed on
/// entities nobody opened since.
pub async fn purge(store: &Store, before: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    store.execute("DELETE FROM presence WHERE seen_at < $1", args![before]).await
}
