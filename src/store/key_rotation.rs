//! A data key rotation's row and the batches it walks: members' SSNs,
//! brokers' tax IDs and sealed outbox bodies, each in id order from where
//! the last committed batch stopped.

use chrono::{DateTime, Utc};

use super::{Store, Tx};
use crate::args;

/// A rotation's progress, as `key status` shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct Rotation {
    pub id: i64,
    pub old_key_id: String,
    pub new_key_id: String,
    /// `running` or `done`.
    pub state: String,
    pub started_by: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub members_total: i64,
    pub members_done: i64,
    pub last_member_id: i64,
    pub brokers_total: i64,
    pub brokers_done: i64,
    pub last_broker_id: i64,
    pub outbox_total: i64,
    pub outbox_done: i64,
    pub last_outbox_id: i64,
    /// Active codes revoked at the end: their hashes were made with the
    /// retired key and cannot be re-made without the code.
    pub codes_revoked: i64,
}

impl Rotation {
    /// Rows re-encrypted so far, of all.
    pub fn done_of_total(&self) -> (i64, i64) {
        (
            self.members_done + self.brokers_done + self.outbox_done,
            self.members_total + self.brokers_total + self.outbox_total,
        )
    }
}

macro_rules! rotation_select {
    () => {
        "SELECT id, old_key_id, new_key_id, state, started_by, started_at, finished_at, members_total, \
         members_done, last_member_id, brokers_total, brokers_done, last_broker_id, outbox_total, outbox_done, \
         last_outbox_id, codes_revoked FROM key_rotations "
    };
}

/// The rotation under way, if any.
pub async fn running(store: &Store) -> Result<Option<Rotation>, sqlx::Error> {
    store.fetch_optional(concat!(rotation_select!(), "WHERE state = 'running'"), args![]).await
}

/// The rotation under way, read inside a transaction.
pub async fn running_tx(tx: &mut Tx) -> Result<Option<Rotation>, sqlx::Error> {
    tx.fetch_optional(concat!(rotation_select!(), "WHERE state = 'running'"), args![]).await
}

/// The latest rotation, running or done.
pub async fn latest(store: &Store) -> Result<Option<Rotation>, sqlx::Error> {
    store.fetch_optional(concat!(rotation_select!(), "ORDER BY id DESC LIMIT 1"), args![]).await
}

/// Records a rotation starting, with the rows it has to do; returns its id.
pub async fn start(
    tx: &mut Tx,
    old_key_id: &str,
    new_key_id: &str,
    by: &str,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    let (id,): (i64,) = tx
        .fetch_one(
            "INSERT INTO key_rotations (old_key_id, new_key_id, state, started_by, started_at, members_total, \
             brokers_total, outbox_total) VALUES ($1, $2, 'running', $3, $4, \
             (SELECT count(*) FROM members WHERE ssn_cipher IS NOT NULL), (SELECT count(*) FROM brokers), \
             (SELECT count(*) FROM email_outbox WHERE body LIKE 'sealed:%')) RETURNING id",
            args![old_key_id, new_key_id, by, now],
        )
        .await?;
    Ok(id)
}

/// A stored secret to re-encrypt: the row, its ciphertext and the key it is under.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Sealed {
    pub id: i64,
    pub cipher: Vec<u8>,
    pub key_id: Option<String>,
}

/// The next members with an SSN after `after`, in id order.
pub async fn member_batch(tx: &mut Tx, after: i64, limit: i64) -> Result<Vec<Sealed>, sqlx::Error> {
    tx.fetch_all(
        "SELECT id, ssn_cipher AS cipher, ssn_key_id AS key_id FROM members \
         WHERE id > $1 AND ssn_cipher IS NOT NULL ORDER BY id LIMIT $2",
        args![after, limit],
    )
    .await
}

/// Stores a member's SSN re-encrypted and re-indexed under `key_id`.
pub async fn set_member_ssn(
    tx: &mut Tx,
    id: i64,
    cipher: Vec<u8>,
    index: Vec<u8>,
    key_id: &str,
) -> Result<(), sqlx::Error> {
    tx.execute(
        "UPDATE members SET ssn_cipher = $1, ssn_index = $2, ssn_key_id = $3 WHERE id = $4",
        args![cipher, index, key_id, id],
    )
    .await?;
    Ok(())
}

/// The next brokers after `after`, in id order.
pub async fn broker_batch(tx: &mut Tx, after: i64, limit: i64) -> Result<Vec<Sealed>, sqlx::Error> {
    tx.fetch_all(
        "SELECT id, tax_id_cipher AS cipher, tax_id_key_id AS key_id FROM brokers WHERE id > $1 ORDER BY id LIMIT $2",
        args![after, limit],
    )
    .await
}

/// Stores a broker's tax ID re-encrypted and re-indexed under `key_id`.
pub async fn set_broker_tax_id(
    tx: &mut Tx,
    id: i64,
    cipher: Vec<u8>,
    index: Vec<u8>,
    key_id: &str,
) -> Result<(), sqlx::Error> {
    tx.execute(
        "UPDATE brokers SET tax_id_cipher = $1, tax_id_index = $2, tax_id_key_id = $3 WHERE id = $4",
        args![cipher, index, key_id, id],
    )
    .await?;
    Ok(())
}

/// The next sealed outbox bodies after `after`, in id order.
pub async fn outbox_batch(tx: &mut Tx, after: i64, limit: i64) -> Result<Vec<(i64, String)>, sqlx::Error> {
    tx.fetch_all(
        "SELECT id, body FROM email_outbox WHERE id > $1 AND body LIKE 'sealed:%' ORDER BY id LIMIT $2",
        args![after, limit],
    )
    .await
}

/// Stores an outbox body sealed afresh.
pub async fn set_outbox_body(tx: &mut Tx, id: i64, body: &str) -> Result<(), sqlx::Error> {
    tx.execute("UPDATE email_outbox SET body = $1 WHERE id = $2", args![body, id]).await?;
    Ok(())
}

/// Which table a batch walked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Members,
    Brokers,
    Outbox,
}

/// Records a batch done, in the batch's transaction.
pub async fn advance(tx: &mut Tx, id: i64, part: Part, last_id: i64, rows: i64) -> Result<(), sqlx::Error> {
    let sql = match part {
        Part::Members => "UPDATE key_rotations SET last_member_id = $1, members_done = members_done + $2 WHERE id = $3",
        Part::Brokers => "UPDATE key_rotations SET last_broker_id = $1, brokers_done = brokers_done + $2 WHERE id = $3",
        Part::Outbox => "UPDATE key_rotations SET last_outbox_id = $1, outbox_done = outbox_done + $2 WHERE id = $3",
    };
    tx.execute(sql, args![last_id, rows, id]).await?;
    Ok(())
}

/// Revokes every active code (made with the retired key); returns how many.
pub async fn revoke_active_codes(tx: &mut Tx, now: DateTime<Utc>, reason: &str) -> Result<i64, sqlx::Error> {
    let n = tx
        .execute(
            "UPDATE one_time_codes SET status = 'revoked', revoked_at = $1, revoke_reason = $2, \
             row_version = row_version + 1 WHERE status = 'active'",
            args![now, reason],
        )
        .await?;
    Ok(n as i64)
}

/// Marks the rotation done.
pub async fn finish(tx: &mut Tx, id: i64, now: DateTime<Utc>, codes_revoked: i64) -> Result<(), sqlx::Error> {
    tx.execute(
        "UPDATE key_rotations SET state = 'done', finished_at = $1, codes_revoked = $2 WHERE id = $3",
        args![now, codes_revoked, id],
    )
    .await?;
    Ok(())
}
