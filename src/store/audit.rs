//! The append-only audit log: who did what to which entity, when, why.

use chrono::{DateTime, Utc};

use super::Tx;
use crate::args;

/// One audit row to write.
#[derive(Debug, Clone, Default)]
pub struct AuditEntry {
    pub operator: String,
    pub action: String,
    /// `kind:key`, e.g. `case:C-000123` or `member:M000001`.
    pub entity: String,
    pub ok: bool,
    pub reason: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    /// The script that made the change, when one did.
    pub script: Option<String>,
}

/// An audit row as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditRow {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub operator: String,
    pub action: String,
    pub entity: String,
    pub outcome: String,
    pub reason: Option<String>,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub script: Option<String>,
}

/// Writes an audit row in the caller's transaction, so it lands with the change or not at all.
pub async fn write(tx: &mut Tx, e: &AuditEntry, at: DateTime<Utc>) -> Result<i64, sqlx::Error> {
    let (id,): (i64,) = tx
        .fetch_one(
            "INSERT INTO audit_log (at, operator, action, entity, outcome, reason, before_json, after_json, script) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            args![
                at,
                e.operator.as_str(),
                e.action.as_str(),
                e.entity.as_str(),
                if e.ok { "ok" } else { "refused" },
                e.reason.clone(),
                e.before.as_ref().map(|v| v.to_string()),
                e.after.as_ref().map(|v| v.to_string()),
                e.script.clone()
            ],
        )
        .await?;
    Ok(id)
}

/// The audit rows of one entity, newest first (tests and the `:audit` view).
pub async fn for_entity(store: &super::Store, entity: &str, limit: i64) -> Result<Vec<AuditRow>, sqlx::Error> {
    store
        .fetch_all(
            "SELECT id, at, operator, action, entity, outcome, reason, before_json, after_json, script \
             FROM audit_log WHERE entity = $1 ORDER BY id DESC LIMIT $2",
            args![entity, limit],
        )
        .await
}
