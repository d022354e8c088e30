//! The shape every change of one locked record takes: the key checked, the
//! record locked in the change's transaction (not found is the operator's
//! error), a closure that refuses or changes it, a rule the change must
//! keep, the save that fails on a concurrent change, and the audit row with
//! the record before and after. Portal accounts and staff accounts share it.

use std::future::Future;

use super::{OpError, Ops};
use crate::action::Action;
use crate::store::Tx;

/// A record changed under a row lock by `Ops::change_locked`.
pub(super) trait Locked: Sized + Send {
    /// The audit entity's prefix (`portal_user`, `staff`).
    const ENTITY: &'static str;
    /// How the operator calls one in "no … KEY".
    const NOUN: &'static str;

    /// The key as typed, checked and in the form the store looks it up by.
    fn check_key(key: &str) -> Result<String, OpError>;

    /// The record by key, locked in `tx`.
    fn lock(tx: &mut Tx, key: &str) -> impl Future<Output = Result<Option<Self>, OpError>> + Send;

    /// Saves the record if nobody changed it meanwhile; whether it did.
    fn save(&self, tx: &mut Tx) -> impl Future<Output = Result<bool, OpError>> + Send;

    /// What the audit row keeps of the record, before and after.
    fn audited(&self) -> serde_json::Value;

    /// A rule across records the change must keep (checked in `tx`, before
    /// the save); none by default.
    fn keeps_rules(
        _before: &Self,
        _after: &Self,
        _key: &str,
        _tx: &mut Tx,
    ) -> impl Future<Output = Result<(), OpError>> + Send {
        async { Ok(()) }
    }
}

impl Ops {
    /// Locks the record `key` names, applies `f` (which refuses with why or
    /// changes it), checks the record's rules, saves and audits.
    pub(super) async fn change_locked<R: Locked + Clone + Sync>(
        &self,
        action: Action,
        key: &str,
        f: impl FnOnce(&mut R) -> Result<(), String>,
    ) -> Result<R, OpError> {
        let key = R::check_key(key)?;
        let entity = format!("{}:{key}", R::ENTITY);
        let mut change = self.begin(action, &entity).await?;
        let mut r =
            R::lock(&mut change.tx, &key).await?.ok_or_else(|| OpError::NotFound(format!("no {} {key}", R::NOUN)))?;
        let was = r.clone();
        f(&mut r).map_err(|why| OpError::Refused(format!("{key}: {why}")))?;
        R::keeps_rules(&was, &r, &key, &mut change.tx).await?;
        if !r.save(&mut change.tx).await? {
            return Err(OpError::Conflict(format!("{key} changed meanwhile; nothing was changed")));
        }
        self.finish(change, &entity, Some(was.audited()), Some(r.audited()), None).await?;
        Ok(r)
    }
}
