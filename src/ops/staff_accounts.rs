//! Staff accounts (admin): create, change role, disable, enable. There is
//! always at least one active admin.

use serde_json::json;

use super::{OpError, Ops};
use crate::action::Action;
use crate::domain::role::Role;
use crate::store::staff::{self as store, Staff};

fn check_login(login: &str) -> Result<String, OpError> {
    crate::domain::role::check_login(login).map_err(OpError::Invalid)
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

    /// Changes a staff account's role or status, refusing to leave no active admin.
    async fn change_staff(
        &self,
        action: Action,
        login: &str,
        f: impl FnOnce(&mut Staff) -> Result<(), String>,
    ) -> Result<Staff, OpError> {
        let login = check_login(login)?;
        let entity = format!("staff:{login}");
        let mut change = self.begin(action, &entity).await?;
        let mut s = store::lock_by_login(&mut change.tx, &login)
            .await?
            .ok_or_else(|| OpError::NotFound(format!("no staff account {login}")))?;
        let was_admin = s.role == "admin" && s.status == "active";
        let before = json!({"role": s.role, "status": s.status});
        f(&mut s).map_err(|why| OpError::Refused(format!("{login}: {why}")))?;
        let is_admin = s.role == "admin" && s.status == "active";
        if was_admin && !is_admin && store::active_admins(&mut change.tx).await? <= 1 {
            return Err(OpError::Refused(format!("{login} is the last active admin: make someone else admin first")));
        }
        if !store::save(&mut change.tx, &s).await? {
            return Err(OpError::Conflict(format!("{login} changed meanwhile; nothing was changed")));
        }
        let after = json!({"role": s.role, "status": s.status});
        self.finish(change, &entity, Some(before), Some(after), None).await?;
        Ok(s)
    }

    /// `staff.set_role`.
    pub async fn set_staff_role(&self, login: &str, role: Role) -> Result<Staff, OpError> {
        self.change_staff(Action::StaffSetRole, login, |s| {
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
        self.change_staff(Action::StaffDisable, login, |s| {
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
        self.change_staff(Action::StaffEnable, login, |s| {
            if s.status == "active" {
                return Err("is already active".into());
            }
            s.status = "active".into();
            Ok(())
        })
        .await
    }
}
