//! Whole records for the detail views of lists whose rows show only part
//! of one: portal accounts and registration codes (staff rows are whole in
//! `staff::Staff`). Read-only; changes go through ops.

use chrono::{DateTime, Utc};

use super::Store;
use crate::args;

/// A portal user with whom it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AccountRecord {
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub kind: String,
    /// The employer's legal name, for an employer user.
    pub employer: Option<String>,
    /// The broker's NPN and name, for broker office staff.
    pub broker: Option<String>,
    pub status: String,
    pub failed_logins: i64,
    pub last_login_at: Option<DateTime<Utc>>,
    pub tool_eligibility: bool,
    pub tool_billing: bool,
    pub tool_commissions: bool,
    pub tool_book: bool,
    pub created_at: DateTime<Utc>,
}

/// The portal user `id`, if there is one.
pub async fn account(store: &Store, id: i64) -> Result<Option<AccountRecord>, sqlx::Error> {
    let store = store.reads();
    store
        .fetch_optional(
            "SELECT u.email, u.first_name, u.last_name, u.kind, e.legal_name AS employer, \
             b.npn || ' ' || b.last_name || ', ' || b.first_name AS broker, u.status, u.failed_logins, \
             u.last_login_at, u.tool_eligibility, u.tool_billing, u.tool_commissions, u.tool_book, u.created_at \
             FROM portal_users u LEFT JOIN employers e ON e.id = u.employer_id \
             LEFT JOIN brokers b ON b.id = u.broker_id WHERE u.id = $1",
            args![id],
        )
        .await
}

/// A registration code's record: never the code, which is stored only as a hash.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CodeRecord {
    /// What the code list shows of it (its status as stored).
    #[sqlx(flatten)]
    pub item: super::lists::CodeItem,
    pub subject_kind: String,
    pub used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoke_reason: Option<String>,
}

/// The code `id`, if there is one.
pub async fn code(store: &Store, id: i64) -> Result<Option<CodeRecord>, sqlx::Error> {
    let store = store.reads();
    store
        .fetch_optional(
            concat!(
                super::lists::code_select!(", c.subject_kind, c.used_at, c.revoked_at, c.revoke_reason"),
                " WHERE c.id = $1"
            ),
            args![id],
        )
        .await
}
