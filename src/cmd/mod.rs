//! What each subcommand does; `main.rs` only dispatches here.

pub mod admin;
pub mod audit;
pub mod bench;
pub mod case;
pub mod code;
pub mod commissions;
pub mod config;
pub mod demo;
pub mod employers;
pub mod imports;
pub mod info;
pub mod json;
pub mod json_examples;
pub mod json_examples_employers;
pub mod key;
pub mod manual;
pub mod member;
pub mod reports;
pub mod script;
pub mod tui;

/// Prints an operation's result: `text` on success, or the JSON envelope;
/// a refusal on stderr (and, under `--json`, as the error envelope on stdout).
pub fn report<T: serde::Serialize>(
    json: bool,
    r: Result<T, crate::ops::OpError>,
    text: impl FnOnce(&T) -> String,
) -> u8 {
    match r {
        Ok(v) => {
            if json {
                json::print_ok(&v);
            } else {
                println!("{}", text(&v));
            }
            0
        }
        Err(e) => {
            if json {
                json::print_error((&e).into(), &e.to_string());
            }
            eprintln!("portaldesk: {e}");
            e.exit_code() as u8
        }
    }
}

/// A read's answer, its database failure made the fatal one reads have
/// always given (exit 2, the cause alone); refusals stay for `report`.
pub fn read<T>(r: Result<T, crate::ops::OpError>) -> Result<Result<T, crate::ops::OpError>, crate::fatal::Fatal> {
    match r {
        Err(crate::ops::OpError::Db(cause)) => {
            Err(crate::fatal::Fatal::of(crate::error_code::ErrorCode::Database, cause))
        }
        r => Ok(r),
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
        date_format: Default::default(),
        search,
    }
}

/// Fetches the first page of a list and prints it: one line a row, or the
/// typed rows in the envelope (`{"ok": true, "result": {"cases": […], "more": …}}`).
/// Exit 1 when it is empty, for scripts.
pub async fn print_list(
    ops: &crate::ops::Ops,
    env: &crate::ops::request::Env<'_>,
    req: crate::store::lists::ListRequest,
    view: Option<String>,
    json: bool,
) -> Result<u8, crate::fatal::Fatal> {
    let list = crate::ops::request::Request::List(req.clone());
    let page = read(ops.ask::<crate::store::paging::Page<crate::store::lists::ListRow>>(env, list).await)?
        .map_err(|e| crate::fatal::Fatal::of((&e).into(), e.to_string()))?;
    let empty = page.rows.is_empty();
    if json {
        let rows = json::Rows::of(req.kind, page.rows.into_iter().map(|r| r.item));
        json::print_ok(&json::ListPage { view, rows, more: page.more_after });
    } else {
        for r in &page.rows {
            println!("{}", crate::columns::cells(&r.item, req.now, &req.date_format).join("  "));
        }
        // The case list has always said so; other lists' lines stay rows alone.
        if page.more_after && view.is_some() {
            println!("… more: raise --limit or narrow with --filter");
        }
    }
    Ok(if empty { 1 } else { 0 })
}
