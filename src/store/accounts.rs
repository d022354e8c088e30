//! Portal user accounts: employer users and broker office staff.

use super::Tx;
use crate::args;

/// A portal user's changeable fields.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AccountHead {
    pub id: i64,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub status: String,
    pub failed_logins: i64,
    pub tool_eligibility: bool,
    pub tool_billing: bool,
    pub tool_commissions: bool,
    pub tool_book: bool,
    pub row_version: i64,
}

macro_rules! account_select {
    () => {
        "SELECT id, email, first_name, last_name, status, failed_logins, tool_eligibility, tool_billing, \
         tool_commissions, tool_book, row_version FROM portal_users "
    };
}

/// A portal user by email, locked for a change.
pub async fn lock_by_email(tx: &mut Tx, email: &str) -> Result<Option<AccountHead>, sqlx::Error> {
    let sql = tx.pick(
        concat!(account_select!(), "WHERE lower(email) = $1"),
        concat!(account_select!(), "WHERE lower(email) = $1 FOR UPDATE"),
    );
    tx.fetch_optional(sql, args![email.to_lowercase()]).await
}

/// Saves status, failed logins and tool access if still at `row_version`.
pub async fn save(tx: &mut Tx, a: &AccountHead) -> Result<bool, sqlx::Error> {
    let n = tx
        .execute(
            "UPDATE portal_users SET status = $1, failed_logins = $2, tool_eligibility = $3, tool_billing = $4, \
             tool_commissions = $5, tool_book = $6, row_version = row_version + 1 WHERE id = $7 AND row_version = $8",
            args![
                a.status.clone(),
                a.failed_logins,
                a.tool_eligibility,
                a.tool_billing,
                a.tool_commissions,
                a.tool_book,
                a.id,
                a.row_version
            ],
        )
        .await?;
    Ok(n == 1)
}
