//! Bind values that work on both backends, so each query is written once.
//!
//! Queries take `Vec<Arg>` instead of typed `.bind()` chains; `bind_sqlite` and `bind_pg` turn
//! them into the backend's own encoding. Timestamps are written to SQLite as
//! fixed-width RFC 3339 text so that text order is time order.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

/// One bound parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    I64(Option<i64>),
    Text(Option<String>),
    Bool(Option<bool>),
    Time(Option<DateTime<Utc>>),
    Date(Option<NaiveDate>),
    Bytes(Option<Vec<u8>>),
}

macro_rules! arg_from {
    ($ty:ty, $variant:ident, $conv:expr) => {
        impl From<$ty> for Arg {
            fn from(v: $ty) -> Self {
                Arg::$variant(Some($conv(v)))
            }
        }
        impl From<Option<$ty>> for Arg {
            fn from(v: Option<$ty>) -> Self {
                Arg::$variant(v.map($conv))
            }
        }
    };
}
arg_from!(i64, I64, |v| v);
arg_from!(i32, I64, i64::from);
arg_from!(bool, Bool, |v| v);
arg_from!(String, Text, |v| v);
arg_from!(&str, Text, str::to_owned);
arg_from!(&String, Text, String::clone);
arg_from!(DateTime<Utc>, Time, |v| v);
arg_from!(NaiveDate, Date, |v| v);
arg_from!(Vec<u8>, Bytes, |v| v);
arg_from!(&[u8], Bytes, <[u8]>::to_vec);

/// Builds a `Vec<Arg>` from values of mixed types: `args![id, "text", now]`.
#[macro_export]
macro_rules! args {
    () => { Vec::<$crate::store::Arg>::new() };
    ($($v:expr),+ $(,)?) => { vec![$($crate::store::Arg::from($v)),+] };
}

/// The text SQLite stores for a timestamp: fixed width, so it sorts as time.
pub fn sqlite_time(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, false)
}

/// A SQLite query for `sql` with `args` bound. Statements are written with
/// `$N` placeholders for both engines; SQLite gets anonymous `?` ones in text
/// order instead, because it looks a named parameter up by a linear scan per
/// bind, which made a 12 000-parameter batch insert quadratic.
pub(crate) fn bind_sqlite<'q, O: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>>(
    sql: impl sqlx::SqlSafeStr,
    args: Vec<Arg>,
) -> sqlx::query::QueryAs<'q, sqlx::Sqlite, O, sqlx::sqlite::SqliteArguments> {
    let sql = sql.into_sql_str();
    let (text, args) = anonymous_placeholders(sql.as_str(), args);
    let mut q = sqlx::query_as(sqlx::AssertSqlSafe(text));
    for a in args {
        q = match a {
            Arg::Text(v) => q.bind(v),
            Arg::I64(v) => q.bind(v),
            Arg::Bool(v) => q.bind(v),
            Arg::Bytes(v) => q.bind(v),
            a => q.bind(sqlite_text(&a).map(std::borrow::Cow::into_owned)),
        };
    }
    q
}

/// The text SQLite stores for a text, timestamp or date value (dates as
/// `YYYY-MM-DD`); `None` for any other value, or NULL.
pub(crate) fn sqlite_text(a: &Arg) -> Option<std::borrow::Cow<'_, str>> {
    match a.cell() {
        Cell::Text(t) => Some(t.into()),
        c => {
            let mut s = String::new();
            push_cell_text(&mut s, &c).then_some(s.into())
        }
    }
}

/// A value borrowed for the time of one statement: what an `Arg` holds,
/// or what a caller has at hand, without a copy (a million-row import
/// binds its rows' own strings).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    Null,
    Int(i64),
    Bool(bool),
    Text(&'a str),
    Blob(&'a [u8]),
    Date(NaiveDate),
    Time(&'a DateTime<Utc>),
}

impl Arg {
    /// This value, borrowed.
    pub fn cell(&self) -> Cell<'_> {
        match self {
            Arg::I64(Some(n)) => Cell::Int(*n),
            Arg::Bool(Some(b)) => Cell::Bool(*b),
            Arg::Text(Some(t)) => Cell::Text(t),
            Arg::Bytes(Some(b)) => Cell::Blob(b),
            Arg::Date(Some(d)) => Cell::Date(*d),
            Arg::Time(Some(t)) => Cell::Time(t),
            Arg::I64(None)
            | Arg::Bool(None)
            | Arg::Text(None)
            | Arg::Bytes(None)
            | Arg::Date(None)
            | Arg::Time(None) => Cell::Null,
        }
    }
}

/// Writes a date or timestamp as the text SQLite stores for it (and COPY
/// reads); whether `c` was one.
pub(crate) fn push_cell_text(out: &mut String, c: &Cell<'_>) -> bool {
    use std::fmt::Write;
    match c {
        // ISO 8601, `YYYY-MM-DD`, as `%F` writes it.
        Cell::Date(d) => write!(out, "{d}").is_ok(),
        Cell::Time(t) => {
            out.push_str(&sqlite_time(t));
            true
        }
        _ => false,
    }
}

/// `sql` with each `$N` outside quotes and comments turned into `?`, and the
/// arguments in the order the placeholders appear (repeated ones cloned).
fn anonymous_placeholders(sql: &str, args: Vec<Arg>) -> (String, Vec<Arg>) {
    let bytes = sql.as_bytes();
    let mut text = String::with_capacity(sql.len());
    let mut order: Vec<usize> = Vec::new();
    let (mut i, mut copied) = (0, 0);
    while i < bytes.len() {
        match bytes[i] {
            quote @ (b'\'' | b'"') => {
                i += 1;
                while i < bytes.len() && bytes[i] != quote {
                    i += 1;
                }
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'$' if bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                let digits = bytes[i + 1..].iter().take_while(|b| b.is_ascii_digit()).count();
                let n: usize = sql[i + 1..i + 1 + digits].parse().unwrap_or(0);
                text.push_str(&sql[copied..i]);
                text.push('?');
                order.push(n);
                i += digits;
                copied = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    text.push_str(&sql[copied.min(sql.len())..]);
    if order.iter().enumerate().all(|(k, &n)| n == k + 1) && order.len() == args.len() {
        return (text, args);
    }
    if order.is_empty() {
        // Already anonymous (`?`) or no parameters at all.
        return (sql.to_owned(), args);
    }
    // An unbound `$N` binds NULL, as SQLite does for a missing parameter.
    let ordered = order.iter().map(|&n| args.get(n.wrapping_sub(1)).cloned().unwrap_or(Arg::I64(None))).collect();
    (text, ordered)
}

pub(crate) fn bind_pg<'q, O>(
    mut q: sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments>,
    args: Vec<Arg>,
) -> sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments> {
    for a in args {
        q = match a {
            Arg::I64(v) => q.bind(v),
            Arg::Text(v) => q.bind(v),
            Arg::Bool(v) => q.bind(v),
            Arg::Time(v) => q.bind(v),
            Arg::Date(v) => q.bind(v),
            Arg::Bytes(v) => q.bind(v),
        };
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn sqlite_time_is_fixed_width_and_sorts_as_time() {
        let a = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
        let b = a + chrono::Duration::microseconds(500_000);
        let c = a + chrono::Duration::microseconds(1);
        let (sa, sb, sc) = (sqlite_time(&a), sqlite_time(&b), sqlite_time(&c));
        assert_eq!(sa, "2026-01-02T03:04:05.000000+00:00");
        assert_eq!(sa.len(), sb.len());
        assert!(sa < sc && sc < sb);
    }

    #[test]
    fn placeholders_become_anonymous_in_text_order() {
        let (sql, args) = anonymous_placeholders(
            "SELECT $1, $2 WHERE a = $1 -- $3\n AND b = '$2' AND \"$c\" = $10",
            args![7_i64, "x"],
        );
        assert_eq!(sql, "SELECT ?, ? WHERE a = ? -- $3\n AND b = '$2' AND \"$c\" = ?");
        assert_eq!(args, vec![Arg::I64(Some(7)), Arg::Text(Some("x".into())), Arg::I64(Some(7)), Arg::I64(None)]);
        let (sql, args) = anonymous_placeholders("VALUES ($1, $2)", args![1_i64, 2_i64]);
        assert_eq!((sql.as_str(), args), ("VALUES (?, ?)", args![1_i64, 2_i64]));
        let (sql, args) = anonymous_placeholders("VALUES (?, ?)", args![1_i64, 2_i64]);
        assert_eq!((sql.as_str(), args), ("VALUES (?, ?)", args![1_i64, 2_i64]));
    }

    #[test]
    fn args_macro_converts_mixed_values() {
        let v = args![1_i64, "x", None::<String>, true];
        assert_eq!(v, vec![Arg::I64(Some(1)), Arg::Text(Some("x".into())), Arg::Text(None), Arg::Bool(Some(true))]);
    }
}
