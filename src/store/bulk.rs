//! Many rows into one table by each engine's bulk path: `COPY … FROM STDIN`
//! on PostgreSQL, multi-row INSERTs on SQLite (in-process, where binding
//! costs little).

use std::fmt::Write;

use super::{Arg, Tx};

impl Tx {
    /// Inserts `values`, one row after another, `cols.len()` values a row.
    /// Table and column names are the caller's constants; every value is
    /// sent as data, never as SQL.
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
            Tx::Postgres(t) => {
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
                let sql = format!("COPY {table} ({}) FROM STDIN", cols.join(", "));
                let mut copy = t.copy_in_raw(&sql).await?;
                copy.send(data.into_bytes()).await?;
                copy.finish().await
            }
            Tx::Sqlite(_) => {
                // Well under SQLite's 32 766 bound parameters.
                let per_stmt = (30_000 / cols.len()).max(1);
                let mut n = 0;
                let mut values = values.into_iter();
                loop {
                    let chunk: Vec<Arg> = values.by_ref().take(per_stmt * cols.len()).collect();
                    if chunk.is_empty() {
                        return Ok(n);
                    }
                    let sql = insert_sql(table, cols, chunk.len() / cols.len());
                    n += self.execute(sqlx::AssertSqlSafe(sql), chunk).await?;
                }
            }
        }
    }
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
