//! Portal user accounts: unlock, disable, enable, resend registration,
//! password reset, tool access. Emails go to the outbox, never out.

use serde_json::json;

use super::codes::{Issued, TokenKind};
use super::locked_change::Locked;
use super::{OpError, Ops};
use crate::action::Action;
use crate::crypto::DataKey;
use crate::store::Tx;
use crate::store::accounts::{self as store, AccountHead};
use crate::store::codes::Subject;

/// Which tools a portal user may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Tools {
    pub eligibility: bool,
    pub billing: bool,
    pub commissions: bool,
    pub book: bool,
}

impl Tools {
    /// Parses `eligibility,billing,commissions,book` (or `none`).
    pub fn parse(s: &str) -> Result<Tools, String> {
        let mut t = Tools { eligibility: false, billing: false, commissions: false, book: false };
        for w in s.split(',').map(str::trim).filter(|w| !w.is_empty() && *w != "none") {
            match w.to_lowercase().as_str() {
                "eligibility" => t.eligibility = true,
                "billing" | "enrollment" => t.billing = true,
                "commissions" => t.commissions = true,
                "book" => t.book = true,
                other => {
                    return Err(format!(
                        "no tool {:?}: use eligibility, billing, commissions, book (or none)",
                        crate::domain::text::clip(other, 20)
                    ));
                }
            }
        }
        Ok(t)
    }
}

fn subject_of(a: &AccountHead) -> Subject {
    Subject {
        kind: "portal_user".into(),
        id: a.id,
        name: format!("{} {}", a.first_name, a.last_name),
        key: a.email.to_lowercase(),
        email: Some(a.email.clone()),
    }
}

/// A portal account changes by `Ops::change_locked`, keyed by its email.
impl Locked for AccountHead {
    const ENTITY: &'static str = "portal_user";
    const NOUN: &'static str = "portal user";

    fn check_key(key: &str) -> Result<String, OpError> {
        crate::domain::access::check_email(key).map_err(OpError::Invalid)
    }

    async fn lock(tx: &mut Tx, key: &str) -> Result<Option<Self>, OpError> {
        Ok(store::lock_by_email(tx, key).await?)
    }

    async fn save(&self, tx: &mut Tx) -> Result<bool, OpError> {
        Ok(store::save(tx, self).await?)
    }

    fn audited(&self) -> serde_json::Value {
        json!({"status": self.status, "tools": [self.tool_eligibility, self.tool_billing, self.tool_commissions, self.tool_book]})
    }
}

impl Ops {
    /// `account.unlock`: a locked account becomes active, its failed logins cleared.
    pub async fn unlock_account(&self, email: &str) -> Result<AccountHead, OpError> {
        self.change_locked::<AccountHead>(Action::AccountUnlock, email, |a| {
            if a.status != "locked" {
                return Err(format!("it is {}, not locked", a.status));
            }
            a.status = "active".into();
            a.failed_logins = 0;
            Ok(())
        })
        .await
    }

    /// `account.disable`.
    pub async fn disable_account(&self, email: &str) -> Result<AccountHead, OpError> {
        self.change_locked::<AccountHead>(Action::AccountDisable, email, |a| {
            if a.status == "disabled" {
                return Err("it is already disabled".into());
            }
            a.status = "disabled".into();
            Ok(())
        })
        .await
    }

    /// `account.enable`: a disabled account becomes active.
    pub async fn enable_account(&self, email: &str) -> Result<AccountHead, OpError> {
        self.change_locked::<AccountHead>(Action::AccountEnable, email, |a| {
            if a.status != "disabled" {
                return Err(format!("it is {}, not disabled", a.status));
            }
            a.status = "active".into();
            a.failed_logins = 0;
            Ok(())
        })
        .await
    }

    /// `account.tools`: which tools the user may use.
    pub async fn set_tools(&self, email: &str, t: Tools) -> Result<AccountHead, OpError> {
        self.change_locked::<AccountHead>(Action::AccountTools, email, |a| {
            let now = (a.tool_eligibility, a.tool_billing, a.tool_commissions, a.tool_book);
            if now == (t.eligibility, t.billing, t.commissions, t.book) {
                return Err("it already has exactly those tools".into());
            }
            (a.tool_eligibility, a.tool_billing, a.tool_commissions, a.tool_book) =
                (t.eligibility, t.billing, t.commissions, t.book);
            Ok(())
        })
        .await
    }

    /// `account.resend_registration`: a new registration token for a user
    /// who has not registered, revoking the previous one, with its email.
    pub async fn resend_registration(&self, key: &DataKey, email: &str) -> Result<Issued, OpError> {
        self.account_token(key, Action::AccountResendRegistration, email, TokenKind::PORTAL_REGISTRATION, |s| {
            (s == "pending_registration")
                .then_some(())
                .ok_or_else(|| format!("it is {s}: only an account pending registration gets a registration email"))
        })
        .await
        .and_then(|r| r.ok_or_else(|| OpError::NotFound(format!("no portal user {email}"))))
    }

    /// `account.reset_password`: a single-use reset token and its email.
    /// `Ok(None)` when no account has that email: callers facing the
    /// public (the CLI by email) answer the same either way.
    pub async fn reset_password(&self, key: &DataKey, email: &str) -> Result<Option<Issued>, OpError> {
        self.account_token(key, Action::AccountResetPassword, email, TokenKind::PASSWORD_RESET, |s| match s {
            "active" | "locked" => Ok(()),
            other => Err(format!("it is {other}: a password reset is for active or locked accounts")),
        })
        .await
    }

    async fn account_token(
        &self,
        key: &DataKey,
        action: Action,
        email: &str,
        kind: TokenKind,
        allowed: impl FnOnce(&str) -> Result<(), String>,
    ) -> Result<Option<Issued>, OpError> {
        let email = crate::domain::access::check_email(email).map_err(OpError::Invalid)?;
        let entity = format!("portal_user:{email}");
        let mut change = self.begin(action, &entity).await?;
        let Some(a) = store::lock_by_email(&mut change.tx, &email).await? else {
            self.record_refused(&mut change, &entity, "no such account").await?;
            change.tx.commit().await?;
            return Ok(None);
        };
        allowed(&a.status).map_err(|why| OpError::Refused(format!("{email}: {why}")))?;
        let issued = self.issue_token(&mut change, key, &subject_of(&a), kind).await?;
        let after =
            json!({"code_id": issued.id, "purpose": issued.purpose, "revoked": issued.revoked, "emailed_to": email});
        self.finish(change, &entity, None, Some(after), None).await?;
        Ok(Some(issued))
    }
}
