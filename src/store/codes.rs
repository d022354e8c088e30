//! One-time codes (stored as keyed hashes), their subjects, and the email
//! outbox their notices go to.

use chrono::{DateTime, Utc};

use super::{Store, Tx};
use crate::args;

/// Whom a code is for, as found by EIN or NPN.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Subject {
    /// `employer` or `broker`.
    pub kind: String,
    pub id: i64,
    pub name: String,
    /// The EIN or NPN.
    pub key: String,
    /// Where the notice email goes, if known.
    pub email: Option<String>,
}

/// An employer by EIN, with the billing contact of its parent group as the
/// notice's recipient.
pub async fn employer_by_ein(store: &Store, ein: &str) -> Result<Option<Subject>, sqlx::Error> {
    store
        .fetch_optional(
            "SELECT 'employer' AS kind, e.id, e.legal_name AS name, e.ein AS key, \
             (SELECT g.billing_contact_email FROM employer_groups g WHERE g.employer_id = e.id ORDER BY g.id LIMIT 1) \
             AS email FROM employers e WHERE e.ein = $1",
            args![ein],
        )
        .await
}

/// A broker by NPN.
pub async fn broker_by_npn(store: &Store, npn: &str) -> Result<Option<Subject>, sqlx::Error> {
    store
        .fetch_optional(
            "SELECT 'broker' AS kind, id, first_name || ' ' || last_name AS name, npn AS key, email \
             FROM brokers WHERE npn = $1",
            args![npn],
        )
        .await
}

/// A code's row, without its hash.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct CodeRow {
    pub id: i64,
    pub purpose: String,
    pub subject_kind: String,
    pub subject_id: i64,
    pub code_hash: Vec<u8>,
    pub last4: String,
    pub issued_by: String,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub status: String,
    pub attempts: i64,
    pub row_version: i64,
}

macro_rules! code_select {
    () => {
        "SELECT id, purpose, subject_kind, subject_id, code_hash, last4, issued_by, issued_at, expires_at, status, \
         attempts, row_version FROM one_time_codes "
    };
}

/// A code by its hash, locked for the redemption (PostgreSQL `FOR UPDATE`;
/// SQLite's write transaction already serialises).
pub async fn by_hash_locked(tx: &mut Tx, hash: &[u8]) -> Result<Option<CodeRow>, sqlx::Error> {
    let sql = tx.pick(
        concat!(code_select!(), "WHERE code_hash = $1"),
        concat!(code_select!(), "WHERE code_hash = $1 FOR UPDATE"),
    );
    tx.fetch_optional(sql, args![hash]).await
}

/// A code by id, locked.
pub async fn by_id_locked(tx: &mut Tx, id: i64) -> Result<Option<CodeRow>, sqlx::Error> {
    let sql = tx.pick(concat!(code_select!(), "WHERE id = $1"), concat!(code_select!(), "WHERE id = $1 FOR UPDATE"));
    tx.fetch_optional(sql, args![id]).await
}

/// The subject of a code, by kind and id.
pub async fn subject_of(tx: &mut Tx, kind: &str, id: i64) -> Result<Option<Subject>, sqlx::Error> {
    let sql = match kind {
        "employer" => {
            "SELECT 'employer' AS kind, e.id, e.legal_name AS name, e.ein AS key, \
             (SELECT g.billing_contact_email FROM employer_groups g WHERE g.employer_id = e.id ORDER BY g.id LIMIT 1) \
             AS email FROM employers e WHERE e.id = $1"
        }
        "broker" => {
            "SELECT 'broker' AS kind, id, first_name || ' ' || last_name AS name, npn AS key, email \
             FROM brokers WHERE id = $1"
        }
        "portal_user" => {
            "SELECT 'portal_user' AS kind, id, first_name || ' ' || last_name AS name, lower(email) AS key, email \
             FROM portal_users WHERE id = $1"
        }
        _ => return Ok(None),
    };
    tx.fetch_optional(sql, args![id]).await
}

/// Revokes the subject's active codes of a purpose; returns their ids.
pub async fn revoke_active(
    tx: &mut Tx,
    kind: &str,
    subject_id: i64,
    purpose: &str,
    now: DateTime<Utc>,
    reason: &str,
) -> Result<Vec<i64>, sqlx::Error> {
    let rows: Vec<(i64,)> = tx
        .fetch_all(
            "UPDATE one_time_codes SET status = 'revoked', revoked_at = $1, revoke_reason = $2, \
             row_version = row_version + 1 \
             WHERE subject_kind = $3 AND subject_id = $4 AND purpose = $5 AND status = 'active' RETURNING id",
            args![now, reason, kind, subject_id, purpose],
        )
        .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// What a new code row holds.
pub struct NewCode<'a> {
    pub purpose: &'a str,
    pub subject: &'a Subject,
    pub hash: Vec<u8>,
    pub last4: String,
    pub issued_by: &'a str,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Stores a new active code; returns its id.
pub async fn insert(tx: &mut Tx, c: NewCode<'_>) -> Result<i64, sqlx::Error> {
    let (id,): (i64,) = tx
        .fetch_one(
            "INSERT INTO one_time_codes (purpose, subject_kind, subject_id, code_hash, last4, issued_by, issued_at, \
             expires_at, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'active') RETURNING id",
            args![
                c.purpose,
                c.subject.kind.as_str(),
                c.subject.id,
                c.hash,
                c.last4,
                c.issued_by,
                c.issued_at,
                c.expires_at
            ],
        )
        .await?;
    Ok(id)
}

/// Marks an active code used or revoked if it is still at `row_version`; returns whether it did.
pub async fn close(
    tx: &mut Tx,
    id: i64,
    row_version: i64,
    status: &str,
    now: DateTime<Utc>,
    reason: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let n = tx
        .execute(
            "UPDATE one_time_codes SET status = $1, \
             used_at = CASE WHEN $1 = 'used' THEN $2 ELSE used_at END, \
             revoked_at = CASE WHEN $1 = 'revoked' THEN $2 ELSE revoked_at END, \
             revoke_reason = COALESCE($3, revoke_reason), row_version = row_version + 1 \
             WHERE id = $4 AND row_version = $5 AND status = 'active'",
            args![status, now, reason, id, row_version],
        )
        .await?;
    Ok(n == 1)
}

/// Counts a failed attempt, locking the code when it reaches `limit`;
/// returns the new count and status.
pub async fn fail_attempt(tx: &mut Tx, id: i64, limit: i64) -> Result<(i64, String), sqlx::Error> {
    tx.fetch_one(
        "UPDATE one_time_codes SET attempts = attempts + 1, \
         status = CASE WHEN status = 'active' AND attempts + 1 >= $1 THEN 'locked' ELSE status END, \
         row_version = row_version + 1 WHERE id = $2 RETURNING attempts, status",
        args![limit, id],
    )
    .await
}

/// An email for the portal's mailer to send.
pub struct Email<'a> {
    pub template: &'a str,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub entity: &'a str,
}

/// Queues an email in the outbox (portaldesk never sends mail itself).
pub async fn queue_email(tx: &mut Tx, e: Email<'_>, now: DateTime<Utc>) -> Result<i64, sqlx::Error> {
    let (id,): (i64,) = tx
        .fetch_one(
            "INSERT INTO email_outbox (template, recipient, subject, body, entity, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            args![e.template, e.recipient, e.subject, e.body, e.entity, now],
        )
        .await?;
    Ok(id)
}
