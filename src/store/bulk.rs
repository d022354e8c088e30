//! Many rows into one table by each engine's bulk path: `COPY … FROM STDIN`
//! on PostgreSQL, multi-row INSERTs on SQLite (in-process, where binding
//! costs little).

use std::fmt::Write;
use std::sync::Arc;

use sqlx::sqlite::SqliteArguments;

use super::{Arg, Backend, Tx};

/// Rows encoded for one engine's bulk path, apart from any transaction: the
/// importer encodes a statement's rows while the one before it runs, so the
/// writer does not wait for them.
pub struct BulkRows(Body);

enum Body {
    Empty,
    /// `COPY … FROM STDIN` and its data, in COPY's text format.
    Copy(String, String),
    /// Multi-row INSERTs and their values.
    Insert(Vec<(String, SqliteArguments)>),
}

impl BulkRows {
    /// Encodes `values`, one row after another, `cols.len()` values a row.
    /// Table and column names are the caller's constants; every value is
    /// sent as data, never as SQL.
    pub fn encode(
        backend: Backend,
        table: &'static str,
        cols: &'static [&'static str],
        values: Vec<Arg>,
    ) -> Result<BulkRows, sqlx::Error> {
        debug_assert_eq!(values.len() % cols.len(), 0, "{table}: a partial row");
        if values.is_empty() {
            return Ok(BulkRows(Body::Empty));
        }
        Ok(BulkRows(match backend {
            Backend::Postgres => {
                let mut data = String::with_capacity(values.len() * 16);
                for row in values.chunks(cols.len()) {
                    for (i, v) in row.iter().enumerate() {
                        if i > 0 {
                            data.push('\t');
                        }
                        copy_text(&mut data, v);
                    }
                    data.push('\n');
                }
                Body::Copy(format!("COPY {table} ({}) FROM STDIN", cols.join(", ")), data)
            }
            Backend::Sqlite => {
                // Well under SQLite's 32 766 bound parameters.
                let per_stmt = (30_000 / cols.len()).max(1) * cols.len();
                let mut statements = Vec::with_capacity(values.len().div_ceil(per_stmt));
                let mut values = values.into_iter().peekable();
                while values.peek().is_some() {
                    let chunk = values.by_ref().take(per_stmt);
                    let (rows, args) = sqlite_rows(chunk, cols.len(), per_stmt).map_err(sqlx::Error::Encode)?;
                    statements.push((insert_sql(table, cols, rows), args));
                }
                Body::Insert(statements)
            }
        }))
    }
}

impl Tx {
    /// Inserts `values` by the engine's bulk path (see `BulkRows::encode`).
    pub async fn insert_rows(
        &mut self,
        table: &'static str,
        cols: &'static [&'static str],
        values: Vec<Arg>,
    ) -> Result<u64, sqlx::Error> {
        let rows = BulkRows::encode(self.backend(), table, cols, values)?;
        self.insert_bulk(rows).await
    }

    /// Inserts rows encoded beforehand; the number inserted.
    pub async fn insert_bulk(&mut self, rows: BulkRows) -> Result<u64, sqlx::Error> {
        match (self, rows.0) {
            (_, Body::Empty) => Ok(0),
            (Tx::Postgres(t), Body::Copy(sql, data)) => {
                let mut copy = t.copy_in_raw(&sql).await?;
                copy.send(data.into_bytes()).await?;
                copy.finish().await
            }
            (Tx::Sqlite(t), Body::Insert(statements)) => {
                let mut n = 0;
                for (sql, args) in statements {
                    let q = sqlx::query_with(sqlx::AssertSqlSafe(sql), args);
                    n += sqlx::Executor::execute(&mut **t, q).await?.rows_affected();
                }
                Ok(n)
            }
            _ => Err(sqlx::Error::Protocol("rows encoded for the other engine".into())),
        }
    }
}

/// SQLite arguments for rows of `cols` values, and how many rows they make.
/// A text equal to the one above it in its column (a constant, a common
/// city or date) shares that one's copy: otherwise each is copied again, an
/// allocation here and a free on the writer's thread, a million rows over.
fn sqlite_rows(
    values: impl Iterator<Item = Arg>,
    cols: usize,
    capacity: usize,
) -> Result<(usize, SqliteArguments), sqlx::error::BoxDynError> {
    let mut args = SqliteArguments::default();
    sqlx::Arguments::reserve(&mut args, capacity, 0);
    let mut above: Vec<Option<(Arg, Arc<str>)>> = vec![None; cols];
    let mut n = 0;
    for (i, v) in values.enumerate() {
        n = i + 1;
        let above = &mut above[i % cols];
        let shared = match above {
            Some((prev, text)) if *prev == v => text.clone(),
            _ => match super::arg::sqlite_text(&v) {
                Some(text) => {
                    let text: Arc<str> = Arc::from(text);
                    *above = Some((v, text.clone()));
                    text
                }
                None => {
                    super::arg::add_sqlite(&mut args, v)?;
                    continue;
                }
            },
        };
        sqlx::Arguments::add(&mut args, shared)?;
    }
    Ok((n / cols, args))
}

/// `INSERT OR FAIL INTO table (cols) VALUES (?, ?…), …` for `rows` rows:
/// SQLite only, so written anonymous at once rather than rewritten from
/// `$N`. `OR FAIL` stops at a broken constraint without undoing the rows
/// before it, so SQLite keeps no statement journal (a copy of every page
/// the statement touches); the caller's transaction is rolled back on any
/// error, and those rows with it.
fn insert_sql(table: &str, cols: &[&str], rows: usize) -> String {
    let row = format!("({})", vec!["?"; cols.len()].join(", "));
    format!("INSERT OR FAIL INTO {table} ({}) VALUES {}", cols.join(", "), vec![row; rows].join(", "))
}

/// One value in COPY's text format: `\N` for NULL, backslash escapes for
/// the characters that separate fields and rows, `\\x…` for bytes.
fn copy_text(out: &mut String, v: &Arg) {
    match v {
        Arg::I64(Some(n)) => {
            let _ = write!(out, "{n}");
        }
        Arg::Bool(Some(b)) => out.push(if *b { 't' } else { 'f' }),
        Arg::Time(Some(t)) => out.push_str(&super::arg::sqlite_time(t)),
        Arg::Date(Some(d)) => {
            let _ = write!(out, "{d}");
        }
        Arg::Bytes(Some(b)) => {
            out.push_str("\\\\x");
            for byte in b {
                let _ = write!(out, "{byte:02x}");
            }
        }
        Arg::Text(Some(s)) => {
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
        Arg::I64(None) | Arg::Bool(None) | Arg::Time(None) | Arg::Date(None) | Arg::Bytes(None) | Arg::Text(None) => {
            out.push_str("\\N")
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
            copy_text(&mut s, &v);
            s.push('|');
        }
        assert_eq!(s, "a\\tb\\\\c\\nd|\\N|\\\\x00ff|7|t|");
    }

    #[test]
    fn builds_placeholders_per_row() {
        assert_eq!(insert_sql("t", &["a", "b"], 2), "INSERT OR FAIL INTO t (a, b) VALUES (?, ?), (?, ?)");
    }
}
