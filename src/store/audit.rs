//! The append-only audit log: who did what to which entity, when, why;
//! each row hash-chained to the one before (see `domain::audit_chain`).

use chrono::{DateTime, Utc};

use super::{Store, Tx};
use crate::args;
use crate::domain::audit_chain::{self, Break, Content, Verifier};

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
    /// The chain hash; `None` on rows written before the chain began.
    pub hash: Option<String>,
}

impl AuditRow {
    /// The columns the chain hash covers.
    pub fn content(&self) -> Content<'_> {
        Content {
            id: self.id,
            at: self.at,
            operator: &self.operator,
            action: &self.action,
            entity: &self.entity,
            outcome: &self.outcome,
            reason: self.reason.as_deref(),
            before_json: self.before_json.as_deref(),
            after_json: self.after_json.as_deref(),
            script: self.script.as_deref(),
        }
    }
}

/// Rows read at a time while walking the chain.
const PAGE: i64 = 2000;

/// The hash the next row links to and the log's last id, with the chain
/// head locked until the transaction ends (`FOR UPDATE` on PostgreSQL;
/// SQLite's write transaction already excludes other writers).
async fn chain_end(tx: &mut Tx) -> Result<(String, i64), sqlx::Error> {
    let head = tx.pick(
        "SELECT last_id, last_hash FROM audit_chain_head WHERE id = 1",
        "SELECT last_id, last_hash FROM audit_chain_head WHERE id = 1 FOR UPDATE",
    );
    let (last_id, mut prev): (i64, String) = tx.fetch_one(head, args![]).await?;
    if last_id == 0 {
        prev = fold_before_chain(tx).await?;
    }
    let (max_id,): (i64,) = tx.fetch_one("SELECT COALESCE(MAX(id), 0) FROM audit_log", args![]).await?;
    Ok((prev, max_id))
}

/// Entry `e` as the log's row `id`, written at `at` (its hash still to link).
fn row_of(e: &AuditEntry, id: i64, at: DateTime<Utc>) -> AuditRow {
    AuditRow {
        id,
        at: audit_chain::chain_time(at),
        operator: e.operator.clone(),
        action: e.action.clone(),
        entity: e.entity.clone(),
        outcome: if e.ok { "ok" } else { "refused" }.to_owned(),
        reason: e.reason.clone(),
        before_json: e.before.as_ref().map(|v| v.to_string()),
        after_json: e.after.as_ref().map(|v| v.to_string()),
        script: e.script.clone(),
        hash: None,
    }
}

/// Writes an audit row in the caller's transaction, so it lands with the
/// change or not at all. It locks the chain head (`FOR UPDATE` on
/// PostgreSQL; SQLite's write transaction already excludes other writers)
/// until the transaction ends, so concurrent appends queue and each links to
/// the one committed before it; the row's id is the next after the log's
/// last, taken under that lock.
pub async fn write(tx: &mut Tx, e: &AuditEntry, at: DateTime<Utc>) -> Result<i64, sqlx::Error> {
    let (prev, max_id) = chain_end(tx).await?;
    let row = row_of(e, max_id + 1, at);
    let hash = audit_chain::link(&prev, &row.content());
    tx.execute(
        "INSERT INTO audit_log (id, at, operator, action, entity, outcome, reason, before_json, after_json, script, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        args![
            row.id,
            row.at,
            row.operator,
            row.action,
            row.entity,
            row.outcome,
            row.reason,
            row.before_json,
            row.after_json,
            row.script,
            hash.as_str()
        ],
    )
    .await?;
    tx.execute("UPDATE audit_chain_head SET last_id = $1, last_hash = $2 WHERE id = 1", args![row.id, hash]).await?;
    Ok(row.id)
}

/// The audit log's columns, as `write_many` inserts them.
const LOG_COLUMNS: &[&str] =
    &["id", "at", "operator", "action", "entity", "outcome", "reason", "before_json", "after_json", "script", "hash"];

/// Writes many audit rows in the caller's transaction, chained in order
/// as `write` would chain them one by one, by the engine's bulk path: the
/// chain head is read and moved once (an import's many changes).
pub async fn write_many(tx: &mut Tx, entries: &[AuditEntry], at: DateTime<Utc>) -> Result<(), sqlx::Error> {
    if entries.is_empty() {
        return Ok(());
    }
    let (mut prev, max_id) = chain_end(tx).await?;
    let mut values = Vec::with_capacity(entries.len() * LOG_COLUMNS.len());
    let mut id = max_id;
    for e in entries {
        id += 1;
        let row = row_of(e, id, at);
        prev = audit_chain::link(&prev, &row.content());
        values.extend(args![
            row.id,
            row.at,
            row.operator,
            row.action,
            row.entity,
            row.outcome,
            row.reason,
            row.before_json,
            row.after_json,
            row.script,
            prev.as_str()
        ]);
    }
    tx.insert_rows("audit_log", LOG_COLUMNS, values).await?;
    tx.execute("UPDATE audit_chain_head SET last_id = $1, last_hash = $2 WHERE id = 1", args![id, prev]).await?;
    Ok(())
}

/// A page of the log after a row, in id order: what the chain is walked in.
const ROWS_AFTER: &str = "SELECT id, at, operator, action, entity, outcome, reason, before_json, after_json, script, hash \
                          FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2";

/// The running hash over the rows written before the chain began (a
/// database migrated from before it), which the first chained row links to.
async fn fold_before_chain(tx: &mut Tx) -> Result<String, sqlx::Error> {
    let mut v = Verifier::new();
    let mut after = 0i64;
    loop {
        let rows: Vec<AuditRow> = tx.fetch_all(ROWS_AFTER, args![after, PAGE]).await?;
        for r in &rows {
            // Unhashed by construction: the chain has not started.
            let _ = v.check(&r.content(), None);
        }
        match rows.last() {
            Some(r) if rows.len() as i64 == PAGE => after = r.id,
            _ => return Ok(v.head().to_owned()),
        }
    }
}

/// The audit rows of one entity, newest first (tests and the `:audit` view).
pub async fn for_entity(store: &Store, entity: &str, limit: i64) -> Result<Vec<AuditRow>, sqlx::Error> {
    store
        .fetch_all(
            "SELECT id, at, operator, action, entity, outcome, reason, before_json, after_json, script, hash \
             FROM audit_log WHERE entity = $1 ORDER BY id DESC LIMIT $2",
            args![entity, limit],
        )
        .await
}

/// What `verify` found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Verified {
    /// Rows whose hash matched.
    pub checked: u64,
    /// Rows from before the chain began, covered through the first hashed row.
    pub before_chain: u64,
    /// The first row walked, if any.
    pub first_id: Option<i64>,
    /// The last row walked, if any.
    pub last_id: Option<i64>,
    /// The hash of the last row walked: note it elsewhere, and a later
    /// rewrite of the whole log from there on shows.
    pub head: String,
    /// The first broken link; `None` when the chain is intact.
    pub broken: Option<Break>,
}

/// Walks the chain in id order and checks every link, from the start or
/// from the first row at or after `from` (trusting the stored hash of the
/// row before it), and the end against the chain head.
pub async fn verify(store: &Store, from: Option<DateTime<Utc>>) -> Result<Verified, sqlx::Error> {
    let mut v = Verifier::new();
    let mut after = 0i64;
    if let Some(from) = from {
        let (start,): (Option<i64>,) =
            store.fetch_one("SELECT MIN(id) FROM audit_log WHERE at >= $1", args![from]).await?;
        let before: Option<(i64, Option<String>)> = match start {
            Some(id) => {
                store
                    .fetch_optional("SELECT id, hash FROM audit_log WHERE id < $1 ORDER BY id DESC LIMIT 1", args![id])
                    .await?
            }
            None => store.fetch_optional("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1", args![]).await?,
        };
        // A row before the start with a hash vouches for everything before
        // it; without one (rows from before the chain), walk from the start.
        if let Some((id, Some(hash))) = before {
            v = Verifier::after(Some(id), &hash);
            after = id;
        }
    }
    let (mut first_id, mut last_id, mut broken) = (None, None, None);
    'walk: loop {
        let rows: Vec<AuditRow> = store.fetch_all(ROWS_AFTER, args![after, PAGE]).await?;
        for r in &rows {
            first_id.get_or_insert(r.id);
            if let Err(b) = v.check(&r.content(), r.hash.as_deref()) {
                broken = Some(b);
                break 'walk;
            }
            last_id = Some(r.id);
        }
        match rows.last() {
            Some(r) if rows.len() as i64 == PAGE => after = r.id,
            _ => break,
        }
    }
    if broken.is_none() {
        let (head_id, head_hash): (i64, String) =
            store.fetch_one("SELECT last_id, last_hash FROM audit_chain_head WHERE id = 1", args![]).await?;
        broken = v.finish(head_id, &head_hash).err();
    }
    Ok(Verified {
        checked: v.checked,
        before_chain: v.before_chain,
        first_id,
        last_id,
        head: v.head().to_owned(),
        broken,
    })
}
