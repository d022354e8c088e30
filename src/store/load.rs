//! What a bulk load (the demo seeder) does around its rows: the secondary
//! indexes dropped and built again, id sequences moved past rows written
//! with ids of their own, and fresh planner statistics.

use super::{Backend, Store, Tx};
use crate::args;

/// A secondary index of the schema: its name and its CREATE statement,
/// both read from the database's own catalog.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Index {
    pub name: String,
    pub create: String,
}

/// The secondary indexes of the schema: a bulk load drops them and builds
/// them again at the end, since sorting a finished table into an index is
/// far cheaper than inserting into it row by row. Indexes behind PRIMARY
/// KEY and UNIQUE constraints stay.
pub async fn secondary_indexes(tx: &mut Tx) -> Result<Vec<Index>, sqlx::Error> {
    let sql = tx.pick(
        "SELECT name, sql AS \"create\" FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name",
        "SELECT i.indexname AS name, i.indexdef AS \"create\" FROM pg_indexes i WHERE i.schemaname = current_schema() \
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname) ORDER BY i.indexname",
    );
    tx.fetch_all(sql, args![]).await
}

/// Drops the given indexes (names read from the catalog above).
pub async fn drop_indexes(tx: &mut Tx, indexes: &[Index]) -> Result<(), sqlx::Error> {
    for index in indexes {
        // The name comes from the database's own catalog, not from input.
        tx.execute(sqlx::AssertSqlSafe(format!("DROP INDEX {}", index.name)), args![]).await?;
    }
    Ok(())
}

/// Builds the indexes again from their saved definitions.
pub async fn create_indexes(tx: &mut Tx, indexes: &[Index]) -> Result<(), sqlx::Error> {
    if tx.backend() == Backend::Postgres {
        // PostgreSQL will not index a table with deferred key checks pending: run them now.
        tx.execute("SET CONSTRAINTS ALL IMMEDIATE", args![]).await?;
    }
    for index in indexes {
        // The definition comes from the database's own catalog.
        tx.execute(sqlx::AssertSqlSafe(index.create.clone()), args![]).await?;
    }
    Ok(())
}

/// Moves each table's id sequence past its largest id (PostgreSQL; rows
/// written with ids of their own leave it behind). Nothing on SQLite.
/// `tables` are the caller's constants, never input.
pub async fn sync_id_sequences(tx: &mut Tx, tables: &[&'static str]) -> Result<(), sqlx::Error> {
    if tx.backend() != Backend::Postgres {
        return Ok(());
    }
    for table in tables {
        let sql = format!("SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))");
        let _: Option<(i64,)> = tx.fetch_optional(sqlx::AssertSqlSafe(sql), args![]).await?;
    }
    Ok(())
}

/// Fresh planner statistics, so the planners pick the indexes from the
/// first query; on SQLite sampled (`analysis_limit`), which is enough for
/// that. On PostgreSQL a VACUUM too: it sets the visibility map, without
/// which a count over an index (a group's subscribers in the book of
/// business) reads every row's page: 190 ms for a page of the 200 000-member
/// demo's book before, 9 ms after (vacuuming `members` took 0.15 s); a
/// queue's count of 10 000 open cases in the million-member demo, 20 ms
/// before and 3 ms after.
pub async fn analyze(store: &Store) -> Result<(), sqlx::Error> {
    match store.backend() {
        Backend::Sqlite => {
            store.execute("PRAGMA analysis_limit = 1000", args![]).await?;
            store.execute("ANALYZE", args![]).await?;
        }
        Backend::Postgres => {
            // This schema's tables only: a database-wide VACUUM would also
            // visit every other schema sharing the database.
            let tables: Vec<(String,)> = store
                .fetch_all(
                    "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1",
                    args![],
                )
                .await?;
            for (table,) in tables {
                // The name comes from the database's own catalog, quoted.
                let sql = format!("VACUUM (ANALYZE) \"{}\"", table.replace('"', "\"\""));
                store.outside_transaction(sqlx::AssertSqlSafe(sql)).await?;
            }
        }
    }
    Ok(())
}
