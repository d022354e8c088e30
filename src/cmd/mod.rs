//! What each subcommand does; `main.rs` only dispatches here.

pub mod admin;
pub mod bench;
pub mod case;
pub mod code;
pub mod demo;
pub mod info;
pub mod member;
pub mod script;
pub mod tui;

/// Prints a value as pretty JSON on stdout.
pub fn print_json(v: &impl serde::Serialize) {
    println!("{}", serde_json::to_string_pretty(v).expect("our types serialize"));
}

/// A list page as JSON objects keyed by the lower-cased column titles.
pub fn rows_json(
    kind: crate::store::lists::ListKind,
    rows: &[crate::store::lists::ListRow],
) -> Vec<serde_json::Map<String, serde_json::Value>> {
    let cols = crate::store::lists::columns(kind);
    rows.iter()
        .map(|r| cols.iter().zip(&r.cells).map(|((h, _), c)| (h.to_lowercase(), serde_json::json!(c))).collect())
        .collect()
}
