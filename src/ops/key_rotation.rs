//! `key.rotate`: re-encrypting every SSN, tax ID and sealed outbox body
//! under a new data key, in batches that each commit with the rotation's
//! progress, so a killed run resumes where it stopped. Searches and
//! redemptions accept both keys until it finishes (`DataKey::with_next`).

use serde_json::json;

use super::{OpError, Ops};
use crate::action::Action;
use crate::crypto::DataKey;
use crate::store::key_rotation::{self as store, Part, Rotation};

/// Why codes are revoked when a rotation finishes, as recorded on each.
pub const CODES_REVOKED: &str = "data key rotated: codes issued before must be reissued";

impl Ops {
    /// Starts a rotation from `old` to `new` (audited), or returns the one
    /// under way to the same key, to resume it. A rotation to another key
    /// under way is refused: one at a time.
    pub async fn start_rotation(&self, old: &DataKey, new: &DataKey) -> Result<Rotation, OpError> {
        let entity = format!("key:{}", new.id());
        if old.id() == new.id() {
            return Err(OpError::Refused("the new key is the key in use: make a new one (64 hex digits)".into()));
        }
        let mut change = self.begin(Action::KeyRotate, &entity).await?;
        if let Some(r) = store::running_tx(&mut change.tx).await? {
            change.tx.rollback().await?;
            if r.new_key_id == new.id() && r.old_key_id == old.id() {
                return Ok(r);
            }
            return Err(OpError::Refused(format!(
                "a rotation from key {} to key {} is under way (started by {}): run it to the end with that key \
                 first",
                r.old_key_id, r.new_key_id, r.started_by
            )));
        }
        let id = store::start(&mut change.tx, old.id(), new.id(), &self.operator().login, self.now()).await?;
        let r = store::running_tx(&mut change.tx).await?.ok_or_else(|| OpError::Db("rotation row vanished".into()))?;
        let after = json!({"rotation": id, "old_key": r.old_key_id, "new_key": r.new_key_id,
            "members": r.members_total, "brokers": r.brokers_total, "outbox": r.outbox_total});
        self.finish(change, &entity, None, Some(after), Some("rotation started".into())).await?;
        Ok(r)
    }

    /// Runs the rotation under way for at most `max_batches` batches of
    /// `batch_size` rows (all of them with `None`); returns its progress and
    /// whether every row is now under the new key. Each batch re-encrypts,
    /// re-indexes and records its progress in one transaction.
    pub async fn rotate_batches(
        &self,
        old: &DataKey,
        new: &DataKey,
        batch_size: i64,
        max_batches: Option<usize>,
    ) -> Result<(Rotation, bool), OpError> {
        let limit = batch_size.max(1);
        let mut ran = 0usize;
        for part in [Part::Members, Part::Brokers, Part::Outbox] {
            loop {
                if max_batches.is_some_and(|m| ran >= m) {
                    let r = self.rotation_under_way().await?;
                    return Ok((r, false));
                }
                let mut tx = self.store().begin_write().await?;
                let r = store::running_tx(&mut tx)
                    .await?
                    .ok_or_else(|| OpError::Refused("no rotation is under way".into()))?;
                if r.new_key_id != new.id() {
                    return Err(OpError::Refused(format!(
                        "the rotation under way is to key {}, not {}",
                        r.new_key_id,
                        new.id()
                    )));
                }
                let (last, n) = match part {
                    Part::Members => rotate_members(&mut tx, &r, old, new, limit).await?,
                    Part::Brokers => rotate_brokers(&mut tx, &r, old, new, limit).await?,
                    Part::Outbox => reseal_outbox(&mut tx, &r, old, new, limit).await?,
                };
                if n == 0 {
                    tx.rollback().await?;
                    break;
                }
                store::advance(&mut tx, r.id, part, last, n).await?;
                tx.commit().await?;
                ran += 1;
            }
        }
        Ok((self.rotation_under_way().await?, true))
    }

    /// Marks the rotation done once the new key is the key file (audited):
    /// active codes, hashed with the retired key, are revoked.
    pub async fn finish_rotation(&self, new_key_id: &str) -> Result<Rotation, OpError> {
        let entity = format!("key:{new_key_id}");
        let mut change = self.begin(Action::KeyRotate, &entity).await?;
        let r = store::running_tx(&mut change.tx)
            .await?
            .ok_or_else(|| OpError::Refused("no rotation is under way".into()))?;
        if r.new_key_id != new_key_id {
            return Err(OpError::Refused(format!(
                "the rotation under way is to key {}, not {new_key_id}",
                r.new_key_id
            )));
        }
        let now = self.now();
        let revoked = store::revoke_active_codes(&mut change.tx, now, CODES_REVOKED).await?;
        store::finish(&mut change.tx, r.id, now, revoked).await?;
        let (done, total) = r.done_of_total();
        let after = json!({"rotation": r.id, "old_key": r.old_key_id, "new_key": r.new_key_id,
            "rows": done, "of": total, "codes_revoked": revoked});
        self.finish(change, &entity, None, Some(after), Some("rotation finished".into())).await?;
        store::latest(self.store()).await?.ok_or_else(|| OpError::Db("rotation row vanished".into()))
    }

    /// The rotation under way.
    async fn rotation_under_way(&self) -> Result<Rotation, OpError> {
        store::running(self.store()).await?.ok_or_else(|| OpError::Refused("no rotation is under way".into()))
    }
}

fn undecryptable(what: &str, id: i64) -> OpError {
    OpError::Db(format!(
        "{what} {id} cannot be decrypted with the old key: the rotation stopped, nothing of this batch was written"
    ))
}

async fn rotate_members(
    tx: &mut crate::store::Tx,
    r: &Rotation,
    old: &DataKey,
    new: &DataKey,
    limit: i64,
) -> Result<(i64, i64), OpError> {
    let rows = store::member_batch(tx, r.last_member_id, limit).await?;
    let mut last = r.last_member_id;
    for row in &rows {
        last = row.id;
        let by = if row.key_id.as_deref() == Some(new.id()) { new } else { old };
        let digits = by.decrypt(&row.cipher).ok_or_else(|| undecryptable("member", row.id))?;
        store::set_member_ssn(tx, row.id, new.encrypt(&digits), new.blind_index("ssn", &digits), new.id()).await?;
    }
    Ok((last, rows.len() as i64))
}

async fn rotate_brokers(
    tx: &mut crate::store::Tx,
    r: &Rotation,
    old: &DataKey,
    new: &DataKey,
    limit: i64,
) -> Result<(i64, i64), OpError> {
    let rows = store::broker_batch(tx, r.last_broker_id, limit).await?;
    let mut last = r.last_broker_id;
    for row in &rows {
        last = row.id;
        let by = if row.key_id.as_deref() == Some(new.id()) { new } else { old };
        let tax = by.decrypt(&row.cipher).ok_or_else(|| undecryptable("broker", row.id))?;
        store::set_broker_tax_id(tx, row.id, new.encrypt(&tax), new.blind_index("tax", &tax), new.id()).await?;
    }
    Ok((last, rows.len() as i64))
}

async fn reseal_outbox(
    tx: &mut crate::store::Tx,
    r: &Rotation,
    old: &DataKey,
    new: &DataKey,
    limit: i64,
) -> Result<(i64, i64), OpError> {
    let rows = store::outbox_batch(tx, r.last_outbox_id, limit).await?;
    let mut last = r.last_outbox_id;
    for (id, body) in &rows {
        last = *id;
        // A sealed body names no key; AES-GCM refuses the wrong one, so trying both is safe.
        let text =
            old.open_text(body).or_else(|| new.open_text(body)).ok_or_else(|| undecryptable("outbox email", *id))?;
        store::set_outbox_body(tx, *id, &new.seal_text(&text)).await?;
    }
    Ok((last, rows.len() as i64))
}
