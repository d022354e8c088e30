//! SQL for the tests alone: the store's own query methods, for tests that
//! arrange rows or read them back column by column. Compiled only with the
//! `test-sql` feature, which only the test targets turn on (a
//! dev-dependency on this crate itself), so the application cannot reach
//! it; a guard test (`tests/docs.rs`) also refuses its name outside the
//! store.

use super::{Arg, Record, Store, Tx};

pub use super::direct::{Direct, Row as DirectRow, Stmt};
pub use super::sql::Sql;

/// `Store`'s query methods, for tests.
#[allow(async_fn_in_trait)]
pub trait StoreSql {
    /// Runs a query and decodes every row.
    async fn fetch_all<T: Record>(&self, sql: impl sqlx::SqlSafeStr, args: Vec<Arg>) -> Result<Vec<T>, sqlx::Error>;
    /// Runs a query and decodes the first row, if any.
    async fn fetch_optional<T: Record>(
        &self,
        sql: impl sqlx::SqlSafeStr,
        args: Vec<Arg>,
    ) -> Result<Option<T>, sqlx::Error>;
    /// Runs a query that must return a row.
    async fn fetch_one<T: Record>(&self, sql: impl sqlx::SqlSafeStr, args: Vec<Arg>) -> Result<T, sqlx::Error>;
    /// Runs a statement; the rows it touched.
    async fn execute(&self, sql: impl sqlx::SqlSafeStr, args: Vec<Arg>) -> Result<u64, sqlx::Error>;
    /// As `fetch_all`, publishing the PostgreSQL server process in `pid`.
    async fn fetch_all_cancellable<T: Record>(
        &self,
        sql: impl sqlx::SqlSafeStr,
        args: Vec<Arg>,
        pid: &std::sync::atomic::AtomicI64,
    ) -> Result<Vec<T>, sqlx::Error>;
    /// Chooses the statement for this dialect.
    fn pick(&self, sqlite: &'static str, postgres: &'static str) -> &'static str;
}

impl StoreSql for Store {
    async fn fetch_all<T: Record>(&self, sql: impl sqlx::SqlSafeStr, args: Vec<Arg>) -> Result<Vec<T>, sqlx::Error> {
        Store::fetch_all(self, sql, args).await
    }
    async fn fetch_optional<T: Record>(
        &self,
        sql: impl sqlx::SqlSafeStr,
        args: Vec<Arg>,
    ) -> Result<Option<T>, sqlx::Error> {
        Store::fetch_optional(self, sql, args).await
    }
    async fn fetch_one<T: Record>(&self, sql: impl sqlx::SqlSafeStr, args: Vec<Arg>) -> Result<T, sqlx::Error> {
        Store::fetch_one(self, sql, args).await
    }
    async fn execute(&self, sql: impl sqlx::SqlSafeStr, args: Vec<Arg>) -> Result<u64, sqlx::Error> {
        Store::execute(self, sql, args).await
    }
    async fn fetch_all_cancellable<T: Record>(
        &self,
        sql: impl sqlx::SqlSafeStr,
        args: Vec<Arg>,
        pid: &std::sync::atomic::AtomicI64,
    ) -> Result<Vec<T>, sqlx::Error> {
        Store::fetch_all_cancellable(self, sql, args, pid).await
    }
    fn pick(&self, sqlite: &'static str, postgres: &'static str) -> &'static str {
        Store::pick(self, sqlite, postgres)
    }
}

/// `Tx`'s query methods and its direct SQLite path, for tests.
#[allow(async_fn_in_trait)]
pub trait TxSql {
    /// Runs a query and decodes every row.
    async fn fetch_all<T: Record>(&mut self, sql: impl sqlx::SqlSafeStr, args: Vec<Arg>)
    -> Result<Vec<T>, sqlx::Error>;
    /// Runs a query and decodes the first row, if any.
    async fn fetch_optional<T: Record>(
        &mut self,
        sql: impl sqlx::SqlSafeStr,
        args: Vec<Arg>,
    ) -> Result<Option<T>, sqlx::Error>;
    /// Runs a query that must return a row.
    async fn fetch_one<T: Record>(&mut self, sql: impl sqlx::SqlSafeStr, args: Vec<Arg>) -> Result<T, sqlx::Error>;
    /// Runs a statement; the rows it touched.
    async fn execute(&mut self, sql: impl sqlx::SqlSafeStr, args: Vec<Arg>) -> Result<u64, sqlx::Error>;
    /// Runs `f` with the transaction's SQLite connection (`Tx::direct`).
    async fn direct<R>(&mut self, f: impl FnOnce(&Direct<'_>) -> Result<R, sqlx::Error>) -> Result<R, sqlx::Error>;
    /// Chooses the statement for this dialect.
    fn pick(&self, sqlite: &'static str, postgres: &'static str) -> &'static str;
}

impl TxSql for Tx {
    async fn fetch_all<T: Record>(
        &mut self,
        sql: impl sqlx::SqlSafeStr,
        args: Vec<Arg>,
    ) -> Result<Vec<T>, sqlx::Error> {
        Tx::fetch_all(self, sql, args).await
    }
    async fn fetch_optional<T: Record>(
        &mut self,
        sql: impl sqlx::SqlSafeStr,
        args: Vec<Arg>,
    ) -> Result<Option<T>, sqlx::Error> {
        Tx::fetch_optional(self, sql, args).await
    }
    async fn fetch_one<T: Record>(&mut self, sql: impl sqlx::SqlSafeStr, args: Vec<Arg>) -> Result<T, sqlx::Error> {
        Tx::fetch_one(self, sql, args).await
    }
    async fn execute(&mut self, sql: impl sqlx::SqlSafeStr, args: Vec<Arg>) -> Result<u64, sqlx::Error> {
        Tx::execute(self, sql, args).await
    }
    async fn direct<R>(&mut self, f: impl FnOnce(&Direct<'_>) -> Result<R, sqlx::Error>) -> Result<R, sqlx::Error> {
        Tx::direct(self, f).await
    }
    fn pick(&self, sqlite: &'static str, postgres: &'static str) -> &'static str {
        Tx::pick(self, sqlite, postgres)
    }
}

/// Closes the replica's pool under a running store: to the store, what a
/// standby dying between two lag checks looks like (every read on it is
/// lost), while the shared test standby stays up.
pub async fn lose_replica(store: &Store) {
    if let Some(r) = &store.replica {
        r.store.close().await;
    }
}

/// Whether the server `Store::reads` picks now is a hot standby (asked on
/// the connection that serves the read): the tests' proof that a read went
/// to the replica.
pub async fn reads_in_recovery(store: &Store) -> Result<bool, sqlx::Error> {
    let (r,): (bool,) = store.reads().fetch_one("SELECT pg_is_in_recovery()", vec![]).await?;
    Ok(r)
}
