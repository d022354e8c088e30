//! Rows in bulk, for seeding a million rows in seconds (the indexes
//! around them are `store::load`'s).

use crate::store::{Arg, Tx};

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
