//! Bind values that work on both backends, so each query is written once.
//!
//! Queries take `Vec<Arg>` instead of typed `.bind()` chains; `bind_all` turns
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

pub(crate) fn bind_sqlite<'q, O>(
    mut q: sqlx::query::QueryAs<'q, sqlx::Sqlite, O, sqlx::sqlite::SqliteArguments>,
    args: Vec<Arg>,
) -> sqlx::query::QueryAs<'q, sqlx::Sqlite, O, sqlx::sqlite::SqliteArguments> {
    for a in args {
        q = match a {
            Arg::I64(v) => q.bind(v),
            Arg::Text(v) => q.bind(v),
            Arg::Bool(v) => q.bind(v),
            Arg::Time(v) => q.bind(v.as_ref().map(sqlite_time)),
            Arg::Date(v) => q.bind(v),
            Arg::Bytes(v) => q.bind(v),
        };
    }
    q
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
    fn args_macro_converts_mixed_values() {
        let v = args![1_i64, "x", None::<String>, true];
        assert_eq!(v, vec![Arg::I64(Some(1)), Arg::Text(Some("x".into())), Arg::Text(None), Arg::Bool(Some(true))]);
    }
}
