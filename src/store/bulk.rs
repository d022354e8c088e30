//! Many rows into one table by each engine's bulk path: `COPY … FROM STDIN`
//! on PostgreSQL; on SQLite, in-process, prepared multi-row INSERTs bound
//! where the values lie (see `direct`).

use std::fmt::Write;

use super::arg::Cell;
use super::{Arg, Tx};

/// Rows in COPY's text format, written whole before the COPY starts:
/// written as it went, the server would wait on each part.
pub struct CopyRows {
    sql: String,
    data: String,
}

impl CopyRows {
    /// Rows for `table`'s `cols` (the caller's constants; every value is
    /// sent as data, never as SQL).
    pub fn new(table: &str, cols: &[&str]) -> CopyRows {
        CopyRows { sql: format!("COPY {table} ({}) FROM STDIN", cols.join(", ")), data: String::new() }
    }

    /// Adds a row, its values in the columns' order.
    pub fn push(&mut self, row: &[Cell<'_>]) {
        for (i, v) in row.iter().enumerate() {
            if i > 0 {
                self.data.push('\t');
            }
            copy_text(&mut self.data, v);
        }
        self.data.push('\n');
    }
}

impl Tx {
    /// Inserts `values`, one row after another, `cols.len()` values a row,
    /// by the engine's bulk path; the number inserted.
    pub async fn insert_rows(
        &mut self,
        table: &'static str,
        cols: &'static [&'static str],
        values: Vec<Arg>,
    ) -> Result<u64, sqlx::Error> {
        debug_assert_eq!(values.len() % cols.len(), 0, "{table}: a partial row");
        if values.is_empty() {
            return Ok(0);
        }
        match self {
            Tx::Postgres(..) => {
                let mut rows = CopyRows::new(table, cols);
                for row in values.chunks(cols.len()) {
                    rows.push(&row.iter().map(Arg::cell).collect::<Vec<_>>());
                }
                self.copy_in(rows).await
            }
            Tx::Sqlite(_) => self.direct(|db| db.insert(table, cols, values.iter().map(Arg::cell))).await,
        }
    }

    /// Inserts rows given as cells borrowed from the caller (each row
    /// `cols.len()` cells, in the columns' order) by the engine's bulk
    /// path: on SQLite bound where the values lie; on PostgreSQL by one
    /// COPY, its rows all written before it starts. The number inserted.
    pub async fn insert_cells<'c, R: AsRef<[Cell<'c>]> + Sync>(
        &mut self,
        table: &'static str,
        cols: &'static [&'static str],
        rows: &[R],
    ) -> Result<u64, sqlx::Error> {
        if let Some(r) = rows.iter().find(|r| r.as_ref().len() != cols.len()) {
            return Err(sqlx::Error::Protocol(format!(
                "{table}: a row of {} values for {} columns",
                r.as_ref().len(),
                cols.len()
            )));
        }
        match self {
            Tx::Sqlite(_) => {
                // The cells are walked inside the closure, on this thread:
                // no iterator of them is held across an await.
                self.direct(|db| db.insert(table, cols, rows.iter().flat_map(|r| r.as_ref().iter().copied()))).await
            }
            Tx::Postgres(..) => {
                let mut copy = CopyRows::new(table, cols);
                for r in rows {
                    copy.push(r.as_ref());
                }
                self.copy_in(copy).await
            }
        }
    }

    /// Sends rows written beforehand by PostgreSQL's COPY; the number inserted.
    pub(in crate::store) async fn copy_in(&mut self, rows: CopyRows) -> Result<u64, sqlx::Error> {
        let Tx::Postgres(t, ..) = self else {
            return Err(sqlx::Error::Protocol("COPY is PostgreSQL's".into()));
        };
        if rows.data.is_empty() {
            return Ok(0);
        }
        let mut copy = t.copy_in_raw(&rows.sql).await?;
        copy.send(rows.data.into_bytes()).await?;
        copy.finish().await
    }
}

/// One value in COPY's text format: `\N` for NULL, backslash escapes for
/// the characters that separate fields and rows, `\\x…` for bytes.
fn copy_text(out: &mut String, v: &Cell<'_>) {
    match v {
        Cell::Null => out.push_str("\\N"),
        Cell::Int(n) => {
            let _ = write!(out, "{n}");
        }
        Cell::Bool(b) => out.push(if *b { 't' } else { 'f' }),
        Cell::Blob(b) => {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\\\x");
            for byte in *b {
                out.push(char::from(HEX[usize::from(byte >> 4)]));
                out.push(char::from(HEX[usize::from(byte & 15)]));
            }
        }
        Cell::Text(s) if !s.contains(['\\', '\n', '\r', '\t']) => out.push_str(s),
        Cell::Text(s) => {
            for c in s.chars() {
                match c {
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    c => out.push(c),
                }
            }
        }
        Cell::Date(_) | Cell::Time(_) => {
            super::arg::push_cell_text(out, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args;

    #[test]
    fn copy_text_escapes_separators_and_marks_null() {
        let mut s = String::new();
        for v in args!["a\tb\\c\nd", None::<String>, vec![0_u8, 255], 7_i64, true] {
            copy_text(&mut s, &v.cell());
            s.push('|');
        }
        assert_eq!(s, "a\\tb\\\\c\\nd|\\N|\\\\x00ff|7|t|");
    }
}
