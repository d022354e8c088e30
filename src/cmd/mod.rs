//! What each subcommand does; `main.rs` only dispatches here.

pub mod admin;
pub mod audit;
pub mod bench;
pub mod case;
pub mod code;
pub mod config;
pub mod demo;
pub mod imports;
pub mod info;
pub mod manual;
pub mod member;
pub mod script;
pub mod tui;

/// Prints a value as pretty JSON on stdout.
pub fn print_json(v: &impl serde::Serialize) {
    println!("{}", serde_json::to_string_pretty(v).expect("our types serialize"));
}

/// Prints an operation's result: `text` on success (or JSON), the refusal on stderr.
pub fn report<T: serde::Serialize>(
    json: bool,
    r: Result<T, crate::ops::OpError>,
    text: impl FnOnce(&T) -> String,
) -> u8 {
    match r {
        Ok(v) => {
            if json {
                print_json(&serde_json::json!({"ok": true, "result": v}));
            } else {
                println!("{}", text(&v));
            }
            0
        }
        Err(e) => {
            if json {
                print_json(&serde_json::json!({"ok": false, "error": e.to_string()}));
            }
            eprintln!("portaldesk: {e}");
            e.exit_code() as u8
        }
    }
}

/// The first page of a list, as the operator would see it.
pub fn first_page(
    ops: &crate::ops::Ops,
    kind: crate::store::lists::ListKind,
    filter: &str,
    search: Option<crate::store::lists::Search>,
    limit: usize,
) -> crate::store::lists::ListRequest {
    crate::store::lists::ListRequest {
        kind,
        filter: filter.to_owned(),
        dir: crate::store::Dir::First,
        limit: limit.clamp(1, 10_000),
        me: ops.operator().id,
        now: ops.now(),
        backend_pid: Default::default(),
        search,
    }
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

/// Fetches the first page of a list and prints it: one line a row, or JSON
/// `{name: rows, "more": …}`. Exit 1 when it is empty, for scripts.
pub async fn print_list(
    ops: &crate::ops::Ops,
    req: crate::store::lists::ListRequest,
    name: &str,
    json: bool,
) -> Result<u8, crate::fatal::Fatal> {
    let page = crate::store::lists::fetch(ops.store(), &req)
        .await
        .map_err(|e| crate::fatal::Fatal::new(crate::store::short_cause(&e)))?;
    if json {
        print_json(&serde_json::json!({name: rows_json(req.kind, &page.rows), "more": page.more_after}));
    } else {
        for r in &page.rows {
            println!("{}", r.cells.join("  "));
        }
    }
    Ok(if page.rows.is_empty() { 1 } else { 0 })
}
