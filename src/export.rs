//! CSV exports of a list: every row the list's query finds, walked page by
//! page, with the cells the screen shows (SSNs masked) and nothing a
//! spreadsheet would run as a formula.

use std::path::Path;

use crate::columns::{cells, columns};
use crate::domain::text::csv_safe;
use crate::store::lists::{self, ListRequest};
use crate::store::{Dir, Store, short_cause};

/// Writes an import job's row errors to `path`, to correct outside and
/// upload again: row, field, code, message and the row's values (SSNs
/// already masked when they were recorded).
pub fn import_errors_csv(errors: &[crate::store::imports::RowError], path: &Path) -> Result<usize, String> {
    let mut out = csv::Writer::from_path(path).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let fail = |e: csv::Error| format!("writing {} failed: {e}", path.display());
    out.write_record(["row", "field", "code", "message", "values"]).map_err(fail)?;
    for e in errors {
        let row = e.row_number.to_string();
        let cells = [row.as_str(), &e.field, &e.code, &e.message, &e.raw_values];
        out.write_record(cells.iter().map(|c| csv_safe(c))).map_err(fail)?;
    }
    out.flush().map_err(|e| format!("writing {} failed: {e}", path.display()))?;
    Ok(errors.len())
}

/// Writes the whole list behind `req` to `path`; returns how many rows.
pub async fn export_csv(store: &Store, mut req: ListRequest, path: &Path) -> Result<usize, String> {
    let mut out = csv::Writer::from_path(path).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let fail = |e: csv::Error| format!("writing {} failed: {e}", path.display());
    out.write_record(columns(req.kind).iter().map(|(h, _)| *h)).map_err(fail)?;
    req.dir = Dir::First;
    req.limit = 1000;
    let mut n = 0;
    loop {
        let page = lists::fetch(store, &req).await.map_err(|e| short_cause(&e))?;
        for r in &page.rows {
            out.write_record(cells(&r.item, req.now, &req.date_format).iter().map(|c| csv_safe(c))).map_err(fail)?;
        }
        n += page.rows.len();
        match page.rows.last() {
            Some(last) if page.more_after => req.dir = Dir::After(last.key.clone()),
            _ => break,
        }
    }
    out.flush().map_err(|e| format!("writing {} failed: {e}", path.display()))?;
    Ok(n)
}
