//! A checked row's values by column name, typed.

use chrono::NaiveDate;

use crate::domain::import_spec::{ImportKind, Value};

/// The checked value of a column of the row.
pub(super) fn value<'a>(kind: ImportKind, values: &'a [Option<Value>], name: &str) -> Option<&'a Value> {
    let i = kind.columns().iter().position(|c| c.name == name)?;
    values.get(i)?.as_ref()
}

pub(super) fn text(kind: ImportKind, values: &[Option<Value>], name: &str) -> Option<String> {
    text_ref(kind, values, name).map(str::to_owned)
}

pub(super) fn text_ref<'a>(kind: ImportKind, values: &'a [Option<Value>], name: &str) -> Option<&'a str> {
    match value(kind, values, name)? {
        Value::Text(t) => Some(t),
        _ => None,
    }
}

pub(super) fn date(kind: ImportKind, values: &[Option<Value>], name: &str) -> Option<NaiveDate> {
    match value(kind, values, name)? {
        Value::Date(d) => Some(*d),
        _ => None,
    }
}

pub(super) fn ssn(kind: ImportKind, values: &[Option<Value>], name: &str) -> Option<crate::domain::ssn::Ssn> {
    match value(kind, values, name)? {
        Value::Ssn(s) => Some(s.clone()),
        _ => None,
    }
}

pub(super) fn int(kind: ImportKind, values: &[Option<Value>], name: &str) -> Option<i64> {
    match value(kind, values, name)? {
        Value::Int(n) => Some(*n),
        Value::Bool(b) => Some(i64::from(*b)),
        _ => None,
    }
}
