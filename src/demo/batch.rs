//! Multi-row INSERTs, for seeding a million rows in seconds.

use std::sync::Arc;

use crate::store::{Arg, Backend, Tx};

/// Collects rows of one table and inserts them many per statement.
pub struct Batch {
    table: &'static str,
    cols: &'static [&'static str],
    per_stmt: usize,
    /// The statement for a full batch, made on first use (it depends on the engine).
    full_sql: Option<Arc<str>>,
    pending: Vec<Arg>,
    /// Rows inserted so far.
    pub count: u64,
}

/// `$1, $2…` as every statement is written (the store gives SQLite `?`).
fn insert_sql(table: &str, cols: &[&str], rows: usize) -> String {
    let mut s = format!("INSERT INTO {table} ({}) VALUES ", cols.join(", "));
    let mut n = 0;
    for r in 0..rows {
        if r > 0 {
            s.push_str(", ");
        }
        s.push('(');
        for c in 0..cols.len() {
            if c > 0 {
                s.push_str(", ");
            }
            n += 1;
            s.push('$');
            s.push_str(&n.to_string());
        }
        s.push(')');
    }
    s
}

impl Batch {
    /// A batch for `table`; statements hold as many rows as stay well under
    /// both engines' bound-parameter limits.
    pub fn new(table: &'static str, cols: &'static [&'static str]) -> Batch {
        let per_stmt = (30_000 / cols.len()).min(500);
        Batch { table, cols, per_stmt, full_sql: None, pending: Vec::new(), count: 0 }
    }

    /// Adds a row, inserting a full statement's worth when it has one. Rows
    /// may refer to rows of other batches not yet inserted: the seeder loads
    /// in a bulk transaction (`Store::begin_bulk`) that checks keys at the end.
    pub async fn push(&mut self, tx: &mut Tx, row: Vec<Arg>) -> Result<(), sqlx::Error> {
        debug_assert_eq!(row.len(), self.cols.len(), "{}", self.table);
        self.pending.extend(row);
        self.count += 1;
        if self.pending.len() == self.per_stmt * self.cols.len() {
            let sql =
                self.full_sql.get_or_insert_with(|| insert_sql(self.table, self.cols, self.per_stmt).into()).clone();
            let args = std::mem::take(&mut self.pending);
            // Table and column names are static; every value is bound.
            tx.execute(sqlx::AssertSqlSafe(sql), args).await?;
        }
        Ok(())
    }

    /// Inserts what is left.
    pub async fn flush(&mut self, tx: &mut Tx) -> Result<(), sqlx::Error> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let rows = self.pending.len() / self.cols.len();
        let args = std::mem::take(&mut self.pending);
        let sql = insert_sql(self.table, self.cols, rows);
        tx.execute(sqlx::AssertSqlSafe(sql), args).await?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_numbered_placeholders_per_row() {
        assert_eq!(insert_sql("t", &["a", "b"], 2), "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)");
    }
}
