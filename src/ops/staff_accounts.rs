//! Staff accounts (admin): create, change role, disable, enable. There is
//! always at least one active admin.

use serde_json::json;

use super::locked_change::Locked;
use super::{OpError, Ops};
use crate::action::Action;
use crate::domain::role::Role;
use crate::store::Tx;
use crate::store::staff::{self as store, Staff};

fn check_login(login: &str) -> Result<String, OpError> {
    crate::domain::role::check_login(login).map_err(OpError::Invalid)
}

/// A staff account changes by `Ops::change_locked`, keyed by its login;
/// there is always an active admin left.
impl Locked for Staff {
    const ENTITY: &'static str = "staff";
    const NOUN: &'static str = "staff account";

    fn check_key(key: &str) -> Result<String, OpError> {
        check_login(key)
    }

    async fn lock(tx: &mut Tx, key: &str) -> Result<Option<Self>, OpError> {
        Ok(store::lock_by_login(tx, key).await?)
    }

    async fn save(&self, tx: &mut Tx) -> Result<bool, OpError> {
        Ok(store::save(tx, self).await?)
    }

    fn audited(&self) -> serde_json::Value {
        json!({"role": self.role, "status": self.status})
    }

    async fn keeps_rules(before: &Self, after: &Self, key: &str, tx: &mut Tx) -> Result<(), OpError> {
        let admin = |s: &Staff| s.role == "admin" && s.status == "active";
        if admin(before) && !admin(after) && store::active_admins(tx).await? <= 1 {
            return Err(OpError::Refused(format!("{key} is the last active admin: make someone else admin first")));
        }
        Ok(())
    }
}

impl Ops {
    /// `staff.create`.
    pub async fn create_staff(&self, login: &str, name: &str, role: Role) -> Result<i64, OpError> {
        let login = check_login(login)?;
        let name = crate::domain::role::check_staff_name(name).map_err(OpError::Invalid)?;
        let entity = format!("staff:{login}");
        let mut change = self.begin(Action::StaffCreate, &entity).await?;
        if store::lock_by_login(&mut change.tx, &login).await?.is_some() {
            return Err(OpError::Refused(format!("staff login {login} exists already")));
        }
        let id = store::insert(&mut change.tx, &login, &name, role, "active", self.now()).await?;
        self.finish(change, &entity, None, Some(json!({"role": role.as_str(), "name": name})), None).await?;
        Ok(id)
    }

    /// `staff.set_role`.
    pub async fn set_staff_role(&self, login: &str, role: Role) -> Result<Staff, OpError> {
        self.change_locked::<Staff>(Action::StaffSetRole, login, |s| {
            if s.role == role.as_str() {
                return Err(format!("is already {}", role.as_str()));
            }
            s.role = role.as_str().into();
            Ok(())
        })
        .await
    }

    /// `staff.disable`.
    pub async fn disable_staff(&self, login: &str) -> Result<Staff, OpError> {
        self.change_locked::<Staff>(Action::StaffDisable, login, |s| {
            if s.status == "disabled" {
                return Err("is already disabled".into());
            }
            s.status = "disabled".into();
            Ok(())
        })
        .await
    }

    /// `staff.enable`.
    pub async fn enable_staff(&self, login: &str) -> Result<Staff, OpError> {
        self.change_locked::<Staff>(Action::StaffEnable, login, |s| {
            if s.status == "active" {
                return Err("is already active".into());
            }
            s.status = "active".into();
            Ok(())
        })
        .await
    }
}
