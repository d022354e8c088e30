//! The one place that changes data. Every change goes through `Ops`: check
//! the operator's role and read-only mode, make the change and write its
//! audit row in the same transaction, so a change without its audit row (or
//! the reverse) cannot exist. The TUI, the CLI and scripts all call here;
//! `request.rs` holds the typed requests and `Ops::execute`, their one entry.

pub mod access;
pub mod accounts;
pub mod cases;
pub mod codes;
pub mod commissions;
pub mod employers;
pub mod import_file;
pub mod imports;
pub mod key_rotation;
mod locked_change;
pub mod maintenance;
pub mod members;
pub mod presence;
mod report_rows;
pub mod reports;
pub mod request;
pub mod staff_accounts;

use chrono::{DateTime, Utc};

use crate::action::Action;
use crate::domain::role::Role;
use crate::store::audit::{self, AuditEntry};
use crate::store::staff::{self, Staff};
use crate::store::{Store, Tx};

/// Where "now" comes from: the system, or a fixed time for tests and snapshots.
#[derive(Debug, Clone, Copy)]
pub enum Clock {
    System,
    Fixed(DateTime<Utc>),
}

impl Clock {
    /// The current time by this clock.
    pub fn now(self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Fixed(t) => t,
        }
    }
}

/// Why an operation did not happen, phrased for the operator.
#[derive(Debug, thiserror::Error)]
pub enum OpError {
    /// Not allowed by a rule (the state of the thing, a duplicate, a mismatch).
    #[error("refused: {0}")]
    Refused(String),
    /// Not allowed for the operator's role.
    #[error("refused: {0}")]
    RefusedRole(String),
    /// The session is read-only and this would write (a change, or an audited view).
    #[error("refused: {0}")]
    ReadOnly(String),
    #[error("not found: {0}")]
    NotFound(String),
    /// Someone else changed it since it was read; nothing was overwritten.
    #[error("changed by someone else: {0}")]
    Conflict(String),
    #[error("{0}")]
    Invalid(String),
    #[error("database error: {0}")]
    Db(String),
}

impl From<sqlx::Error> for OpError {
    fn from(e: sqlx::Error) -> Self {
        OpError::Db(crate::store::short_cause(&e))
    }
}

impl OpError {
    /// The CLI exit code: 1 for refused/not found/conflict/invalid, 2 for database trouble.
    pub fn exit_code(&self) -> i32 {
        match self {
            OpError::Db(_) => 2,
            _ => 1,
        }
    }
}

/// Why the operator may not work at all (exit code 2 at start).
#[derive(Debug, thiserror::Error)]
pub enum OperatorError {
    #[error(
        "operator {0:?} is not a staff account: pass --operator LOGIN, set `operator` in the config, or ask an admin to create it"
    )]
    Unknown(String),
    #[error("staff account {0:?} is disabled: ask an admin to enable it")]
    Disabled(String),
    #[error("database error while checking operator {0:?}: {1}")]
    Db(String, String),
}

/// The operations of one operator on one store.
#[derive(Debug, Clone)]
pub struct Ops {
    store: Store,
    operator: Staff,
    role: Role,
    read_only: bool,
    script: Option<String>,
    clock: Clock,
    /// `system:TASK` when the session's background work acts, not the operator.
    system: Option<String>,
    /// Names this session in its live-queue announcements
    /// (`store::live::announce`), so that its own watcher skips them: the
    /// process id and a number of the process's sessions.
    origin: std::sync::Arc<str>,
}

/// Numbers the sessions of this process (`Ops::origin`).
static SESSIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// A change under way: holds the transaction until `finish` writes the audit row and commits.
pub struct Change {
    pub tx: Tx,
    action: Action,
}

impl Ops {
    /// Resolves the operator: it must be an active staff account.
    pub async fn for_operator(store: Store, login: &str, read_only: bool, clock: Clock) -> Result<Ops, OperatorError> {
        let staff = staff::by_login(&store, login)
            .await
            .map_err(|e| OperatorError::Db(login.to_owned(), crate::store::short_cause(&e)))?
            .ok_or_else(|| OperatorError::Unknown(login.to_owned()))?;
        if !staff.is_active() {
            return Err(OperatorError::Disabled(login.to_owned()));
        }
        let role = staff.role().ok_or_else(|| OperatorError::Unknown(login.to_owned()))?;
        let n = SESSIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let origin = format!("{}:{n}", std::process::id()).into();
        Ok(Ops { store, operator: staff, role, read_only, script: None, clock, system: None, origin })
    }

    /// Marks every change from here on as made by this script (audited).
    pub fn with_script(mut self, name: impl Into<String>) -> Ops {
        self.script = Some(name.into());
        self
    }

    /// The same session doing background work nobody asked for at that
    /// moment (the TUI's timer sweep): audited as operator `system:TASK`,
    /// with the session's operator named in the reason, so the log does not
    /// say a person did what a timer did. Permissions stay the session's.
    pub fn as_system(&self, task: &str) -> Ops {
        Ops { system: Some(format!("system:{task}")), ..self.clone() }
    }

    /// This session's name in live-queue announcements (`store::live`).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The store, for reads.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The operator's staff account.
    pub fn operator(&self) -> &Staff {
        &self.operator
    }

    /// The operator's role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// Whether changes are refused.
    pub fn read_only(&self) -> bool {
        self.read_only || self.store.read_only()
    }

    /// The time by this session's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    fn entry(&self, action: Action, entity: &str, ok: bool) -> AuditEntry {
        AuditEntry {
            operator: self.system.clone().unwrap_or_else(|| self.operator.login.clone()),
            action: action.name().to_owned(),
            entity: entity.to_owned(),
            ok,
            reason: self.system.as_ref().map(|_| format!("background work in {}'s session", self.operator.login)),
            script: self.script.clone(),
            ..AuditEntry::default()
        }
    }

    /// Checks permission and opens the transaction for a change. A refusal
    /// by role is itself audited (unless the session is read-only, where
    /// nothing can be written).
    pub async fn begin(&self, action: Action, entity: &str) -> Result<Change, OpError> {
        let spec = action.spec();
        if self.read_only() {
            return Err(OpError::ReadOnly(format!("{} changes data and this session is read-only", spec.name)));
        }
        self.permit(action, entity).await?;
        Ok(Change { tx: self.store.begin_write().await?, action })
    }

    /// Audits a refusal by role in a transaction of its own: also for the
    /// TUI, which says no before any change starts (`tui::App::lacks_role`).
    pub async fn audit_refusal(&self, action: Action, entity: &str) -> Result<(), OpError> {
        let mut tx = self.store.begin_write().await?;
        audit::write(&mut tx, &self.entry(action, entity, false), self.now()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Audits an event of the session itself (the screen locked, unlocked),
    /// in a transaction of its own.
    pub async fn audit_event(&self, action: Action, entity: &str) -> Result<(), OpError> {
        let mut tx = self.store.begin_write().await?;
        audit::write(&mut tx, &self.entry(action, entity, true), self.now()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Writes an audit row for one entity the change touched; a change that
    /// touches several (a bulk action, a sweep) records each.
    pub async fn record(
        &self,
        change: &mut Change,
        entity: &str,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
        reason: Option<String>,
    ) -> Result<(), OpError> {
        let mut e = self.entry(change.action, entity, true);
        e.before = before;
        e.after = after;
        e.reason = reason.or(e.reason);
        audit::write(&mut change.tx, &e, self.now()).await?;
        Ok(())
    }

    /// Writes an audit row for an attempt the rules refused inside a change
    /// (a failed redemption), with why; the caller commits what the attempt
    /// itself changed, such as a counter.
    pub async fn record_refused(&self, change: &mut Change, entity: &str, why: &str) -> Result<(), OpError> {
        let mut e = self.entry(change.action, entity, false);
        e.reason = Some(match e.reason {
            Some(session) => format!("{why}; {session}"),
            None => why.to_owned(),
        });
        audit::write(&mut change.tx, &e, self.now()).await?;
        Ok(())
    }

    /// Writes the audit row for the change and commits both together.
    pub async fn finish(
        &self,
        mut change: Change,
        entity: &str,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
        reason: Option<String>,
    ) -> Result<(), OpError> {
        self.record(&mut change, entity, before, after, reason).await?;
        change.tx.commit().await?;
        Ok(())
    }
}
