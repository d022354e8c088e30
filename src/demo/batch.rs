//! Rows in bulk and the indexes around them, for seeding a million rows in seconds.

use crate::store::{Arg, Backend, Tx};

/// Collects rows of one table and inserts them many at a time, by the
/// engine's bulk path (`Tx::insert_rows`).
pub struct Batch {
    table: &'static str,
    cols: &'static [&'static str],
    /// Rows held before they are sent.
    per_send: usize,
    pending: Vec<Arg>,
    /// Rows inserted so far.
    pub count: u64,
}

impl Batch {
    /// A batch for `table`, sent every 500 rows.
    pub fn new(table: &'static str, cols: &'static [&'static str]) -> Batch {
        Batch { table, cols, per_send: 500, pending: Vec::new(), count: 0 }
    }

    /// Adds a row, inserting a full batch when it has one. Rows may refer
    /// to rows of other batches not yet inserted: the seeder loads in a bulk
    /// transaction (`Store::begin_bulk`) that checks keys at the end.
    pub async fn push(&mut self, tx: &mut Tx, row: Vec<Arg>) -> Result<(), sqlx::Error> {
        debug_assert_eq!(row.len(), self.cols.len(), "{}", self.table);
        self.pending.extend(row);
        self.count += 1;
        if self.pending.len() == self.per_send * self.cols.len() {
            self.flush(tx).await?;
        }
        Ok(())
    }

    /// Inserts what is left.
    pub async fn flush(&mut self, tx: &mut Tx) -> Result<(), sqlx::Error> {
        tx.insert_rows(self.table, self.cols, std::mem::take(&mut self.pending)).await?;
        Ok(())
    }
}

/// The secondary indexes of the schema, as (name, CREATE statement): a
/// bulk load drops them and builds them again at the end, since sorting a
/// finished table into an index is far cheaper than inserting into it row
/// by row. Indexes behind PRIMARY KEY and UNIQUE constraints stay.
pub async fn secondary_indexes(tx: &mut Tx) -> Result<Vec<(String, String)>, sqlx::Error> {
    let sql = tx.pick(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name",
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() \
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname) ORDER BY i.indexname",
    );
    tx.fetch_all(sql, vec![]).await
}

/// Drops the given indexes (names read from the catalog above).
pub async fn drop_indexes(tx: &mut Tx, indexes: &[(String, String)]) -> Result<(), sqlx::Error> {
    for (name, _) in indexes {
        // The name comes from the database's own catalog, not from input.
        tx.execute(sqlx::AssertSqlSafe(format!("DROP INDEX {name}")), vec![]).await?;
    }
    Ok(())
}

/// Builds the indexes again from their saved definitions.
pub async fn create_indexes(tx: &mut Tx, indexes: &[(String, String)]) -> Result<(), sqlx::Error> {
    if tx.backend() == Backend::Postgres {
        // PostgreSQL will not index a table with deferred key checks pending: run them now.
        tx.execute("SET CONSTRAINTS ALL IMMEDIATE", vec![]).await?;
    }
    for (_, create) in indexes {
        // The definition comes from the database's own catalog.
        tx.execute(sqlx::AssertSqlSafe(create.clone()), vec![]).await?;
    }
    Ok(())
}
