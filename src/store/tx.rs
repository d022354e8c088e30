//! Transactions over either backend, with the same query methods as `Store`.

use sqlx::{Postgres, Sqlite, Transaction};

/// An open transaction. Dropping it without `commit` rolls back.
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    /// With whether statements are prepared under a name the connection
    /// keeps (not behind a transaction pooler, which keeps none), and the
    /// primary's read replica, told of the commit (reads go to the primary
    /// until the replica has replayed it).
    Postgres(Transaction<'static, Postgres>, bool, Option<super::replica::Shared>),
}

impl Tx {
    /// Makes every change in the transaction durable.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(t) => t.commit().await,
            Tx::Postgres(t, _, replica) => {
                t.commit().await?;
                if let Some(r) = replica {
                    r.wrote();
                }
                Ok(())
            }
        }
    }

    /// Undoes every change in the transaction.
    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(t) => t.rollback().await,
            Tx::Postgres(t, ..) => t.rollback().await,
        }
    }

    /// The engine behind this transaction.
    pub fn backend(&self) -> super::Backend {
        match self {
            Tx::Sqlite(_) => super::Backend::Sqlite,
            Tx::Postgres(..) => super::Backend::Postgres,
        }
    }

    /// Chooses the statement for this dialect where the two differ.
    pub(in crate::store) fn pick(&self, sqlite: &'static str, postgres: &'static str) -> &'static str {
        match self {
            Tx::Sqlite(_) => sqlite,
            Tx::Postgres(..) => postgres,
        }
    }
}

/// Generates `fetch_all`, `fetch_optional`, `fetch_one` and `execute` for a
/// type, given how to reach its SQLite or PostgreSQL executor: the bodies are
/// the same for a pool and a transaction, so they are written once here.
/// They are the store's own (`pub(in crate::store)`): the rest of the crate
/// calls typed store functions, never SQL.
macro_rules! executor_methods {
    ($ty:ty as [$all:ident, $optional:ident, $one:ident, $execute:ident], [$($recv:tt)*], match $e:expr => { $sq:pat => sqlite($sx:expr), $pq:pat => pg($px:expr, $named:expr) $(,)? }) => {
        impl $ty {
            /// Runs a query and decodes every row.
            pub(in crate::store) async fn $all<T: $crate::store::Record>(
                $($recv)*,
                sql: impl sqlx::SqlSafeStr,
                args: Vec<$crate::store::Arg>,
            ) -> Result<Vec<T>, sqlx::Error> {
                match $e {
                    $sq => $crate::store::arg::bind_sqlite(sql, args).fetch_all($sx).await,
                    $pq => $crate::store::arg::bind_pg(sqlx::query_as(sql).persistent($named), args).fetch_all($px).await,
                }
            }

            /// Runs a query and decodes the first row, if any.
            pub(in crate::store) async fn $optional<T: $crate::store::Record>(
                $($recv)*,
                sql: impl sqlx::SqlSafeStr,
                args: Vec<$crate::store::Arg>,
            ) -> Result<Option<T>, sqlx::Error> {
                match $e {
                    $sq => $crate::store::arg::bind_sqlite(sql, args).fetch_optional($sx).await,
                    $pq => $crate::store::arg::bind_pg(sqlx::query_as(sql).persistent($named), args).fetch_optional($px).await,
                }
            }

            /// Runs a query that must return a row.
            pub(in crate::store) async fn $one<T: $crate::store::Record>(
                $($recv)*,
                sql: impl sqlx::SqlSafeStr,
                args: Vec<$crate::store::Arg>,
            ) -> Result<T, sqlx::Error> {
                match $e {
                    $sq => $crate::store::arg::bind_sqlite(sql, args).fetch_one($sx).await,
                    $pq => $crate::store::arg::bind_pg(sqlx::query_as(sql).persistent($named), args).fetch_one($px).await,
                }
            }

            /// Runs a statement and returns the number of rows it touched.
            pub(in crate::store) async fn $execute(
                $($recv)*,
                sql: impl sqlx::SqlSafeStr,
                args: Vec<$crate::store::Arg>,
            ) -> Result<u64, sqlx::Error> {
                match $e {
                    $sq => {
                        let q: sqlx::query::QueryAs<'_, sqlx::Sqlite, (), _> = $crate::store::arg::bind_sqlite(sql, args);
                        Ok(sqlx::Executor::execute($sx, q).await?.rows_affected())
                    }
                    $pq => {
                        let q: sqlx::query::QueryAs<'_, sqlx::Postgres, (), _> = $crate::store::arg::bind_pg(sqlx::query_as(sql).persistent($named), args);
                        Ok(sqlx::Executor::execute($px, q).await?.rows_affected())
                    }
                }
            }
        }
    };
}
pub(crate) use executor_methods;

executor_methods!(Tx as [fetch_all, fetch_optional, fetch_one, execute], [&mut self], match self => {
    Tx::Sqlite(t) => sqlite(&mut **t),
    Tx::Postgres(t, named, _) => pg(&mut **t, *named),
});

impl Tx {
    /// Marks where one import row's writes begin, so a row refused halfway
    /// is undone alone (`rollback_to_savepoint`) and the batch goes on.
    pub async fn savepoint(&mut self) -> Result<(), sqlx::Error> {
        self.execute("SAVEPOINT import_row", vec![]).await.map(drop)
    }

    /// Keeps the row's writes: the savepoint is let go.
    pub async fn release_savepoint(&mut self) -> Result<(), sqlx::Error> {
        self.execute("RELEASE SAVEPOINT import_row", vec![]).await.map(drop)
    }

    /// Undoes the row's writes since `savepoint` and lets it go.
    pub async fn rollback_to_savepoint(&mut self) -> Result<(), sqlx::Error> {
        self.execute("ROLLBACK TO SAVEPOINT import_row", vec![]).await?;
        self.execute("RELEASE SAVEPOINT import_row", vec![]).await.map(drop)
    }
}
