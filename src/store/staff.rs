//! Staff accounts: the enrollment department's own users of portaldesk.

use chrono::{DateTime, Utc};

use super::{Store, Tx};
use crate::args;
use crate::domain::role::Role;

/// A staff account as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct Staff {
    pub id: i64,
    pub login: String,
    pub name: String,
    pub role: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub row_version: i64,
}

impl Staff {
    /// The role, or `None` for a value the schema would not allow.
    pub fn role(&self) -> Option<Role> {
        Role::parse(&self.role)
    }

    /// Whether the account may work.
    pub fn is_active(&self) -> bool {
        self.status == "active"
    }
}

/// How many staff accounts exist (none in a database not yet seeded).
pub async fn count(store: &Store) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) = store.fetch_one("SELECT count(*) FROM staff", args![]).await?;
    Ok(n)
}

/// Finds a staff account by login.
pub async fn by_login(store: &Store, login: &str) -> Result<Option<Staff>, sqlx::Error> {
    store
        .fetch_optional(
            "SELECT id, login, name, role, status, created_at, row_version FROM staff WHERE login = $1",
            args![login],
        )
        .await
}

/// Finds a staff account by id.
pub async fn by_id(store: &Store, id: i64) -> Result<Option<Staff>, sqlx::Error> {
    store
        .fetch_optional(
            "SELECT id, login, name, role, status, created_at, row_version FROM staff WHERE id = $1",
            args![id],
        )
        .await
}

/// Adds a staff account inside a transaction and returns its id.
pub async fn insert(
    tx: &mut Tx,
    login: &str,
    name: &str,
    role: Role,
    status: &str,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    let (id,): (i64,) = tx
        .fetch_one(
            "INSERT INTO staff (login, name, role, status, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            args![login, name, role.as_str(), status, now],
        )
        .await?;
    Ok(id)
}

/// Every staff account by login (the department has tens, not thousands).
pub async fn all(store: &Store) -> Result<Vec<Staff>, sqlx::Error> {
    store
        .fetch_all("SELECT id, login, name, role, status, created_at, row_version FROM staff ORDER BY login", args![])
        .await
}

/// A staff account locked for a change.
pub async fn lock_by_login(tx: &mut Tx, login: &str) -> Result<Option<Staff>, sqlx::Error> {
    let sql = tx.pick(
        "SELECT id, login, name, role, status, created_at, row_version FROM staff WHERE login = $1",
        "SELECT id, login, name, role, status, created_at, row_version FROM staff WHERE login = $1 FOR UPDATE",
    );
    tx.fetch_optional(sql, args![login]).await
}

/// How many active admins there are, locking them (PostgreSQL) so two
/// admins demoting each other at once cannot both succeed.
pub async fn active_admins(tx: &mut Tx) -> Result<i64, sqlx::Error> {
    let sql = tx.pick(
        "SELECT id FROM staff WHERE role = 'admin' AND status = 'active'",
        "SELECT id FROM staff WHERE role = 'admin' AND status = 'active' FOR UPDATE",
    );
    let rows: Vec<(i64,)> = tx.fetch_all(sql, args![]).await?;
    Ok(rows.len() as i64)
}

/// Saves role and status if still at `row_version`.
pub async fn save(tx: &mut Tx, s: &Staff) -> Result<bool, sqlx::Error> {
    let n = tx
        .execute(
            "UPDATE staff SET role = $1, status = $2, row_version = row_version + 1 WHERE id = $3 AND row_version = $4",
            args![s.role.clone(), s.status.clone(), s.id, s.row_version],
        )
        .await?;
    Ok(n == 1)
}
