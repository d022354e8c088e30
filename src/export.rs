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

/// The columns of a group's subscriber export.
pub const SUBSCRIBER_COLUMNS: [&str; 10] =
    ["group", "subscriber_id", "last_name", "first_name", "type", "birth_date", "ssn", "plan", "status", "alerts"];

/// Writes every subscriber of `scope` (one group, or a parent's family) to
/// `path`, a page at a time on a reader of its own (on SQLite one
/// connection with a small cache) so memory does not grow with the group:
/// SSNs masked, alerts as of `today` by name. Returns how many rows.
pub async fn subscribers_csv(
    store: &Store,
    scope: crate::store::groups::SubscriberScope,
    status: Option<&str>,
    today: chrono::NaiveDate,
    path: &Path,
) -> Result<usize, String> {
    // A 256 KB buffer: a write to the file per few thousand rows.
    let mut out = csv::WriterBuilder::new()
        .buffer_capacity(256 * 1024)
        .from_path(path)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let fail = |e: csv::Error| format!("writing {} failed: {e}", path.display());
    out.write_record(SUBSCRIBER_COLUMNS).map_err(fail)?;
    let groups = crate::store::groups::scope_groups(store, scope).await.map_err(|e| short_cause(&e))?;
    let reader = store.streaming_reader().await.map_err(|e| short_cause(&e))?;
    let read = reader.as_ref().unwrap_or(store);
    let mut n = 0;
    // Group by group (a range scan each), in the order the family's list has.
    for group in groups {
        n += subscribers_of_group(read, &mut out, group, status, today, path).await?;
    }
    out.flush().map_err(|e| format!("writing {} failed: {e}", path.display()))?;
    Ok(n)
}

async fn subscribers_of_group(
    store: &Store,
    out: &mut csv::Writer<std::fs::File>,
    group: i64,
    status: Option<&str>,
    today: chrono::NaiveDate,
    path: &Path,
) -> Result<usize, String> {
    let fail = |e: csv::Error| format!("writing {} failed: {e}", path.display());
    let mut birth = String::new();
    crate::store::groups::each_subscriber(store, group, status, |s| {
        use std::fmt::Write;
        let alerts = crate::domain::billing::subscriber_alerts(s.birth_date, s.status, today);
        let alerts: std::borrow::Cow<'_, str> = match alerts.as_slice() {
            [] => "".into(),
            [one] => one.name().into(),
            all => all.iter().map(|a| a.name()).collect::<Vec<_>>().join(" ").into(),
        };
        birth.clear();
        let _ = write!(birth, "{}", s.birth_date);
        let ssn = crate::domain::ssn::mask(s.ssn_last4);
        let cells: [&str; 10] = [
            s.group_number,
            s.member_number,
            s.last_name,
            s.first_name,
            s.member_type,
            &birth,
            &ssn,
            s.plan.unwrap_or_default(),
            s.status,
            &alerts,
        ];
        out.write_record(cells.map(|c| safe_cell(c)).iter().map(|c| c.as_bytes())).map_err(fail)
    })
    .await
    .map_err(|e| short_cause(&e))?
}

/// A cell as an export writes it: the screen's text (`sanitize`), made
/// formula-safe (`csv_safe`), borrowed when neither changes it.
fn safe_cell(cell: &str) -> std::borrow::Cow<'_, str> {
    use crate::domain::text::{csv_safe_cow, sanitize_cow};
    match sanitize_cow(cell) {
        std::borrow::Cow::Borrowed(c) => csv_safe_cow(c),
        std::borrow::Cow::Owned(c) => std::borrow::Cow::Owned(csv_safe_cow(&c).into_owned()),
    }
}

/// The columns of a book-of-business export.
pub const BOOK_COLUMNS: [&str; 12] = [
    "group",
    "parent",
    "suffix",
    "name",
    "status",
    "original_effective_date",
    "renewal_date",
    "plan",
    "subscribers",
    "past_due",
    "turning_65",
    "alerts",
];

/// Writes the book of business under `filter` to `path`, a page of 1 000
/// at a time: each group with its alerts as of `today`. Returns how many rows.
pub async fn book_csv(
    store: &Store,
    filter: &crate::store::book::BookFilter,
    today: chrono::NaiveDate,
    path: &Path,
) -> Result<usize, String> {
    let mut out = csv::Writer::from_path(path).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let fail = |e: csv::Error| format!("writing {} failed: {e}", path.display());
    out.write_record(BOOK_COLUMNS).map_err(fail)?;
    let mut dir = Dir::First;
    let mut n = 0;
    loop {
        let page = crate::store::book::page(store, filter, today, &dir, 1000).await.map_err(|e| short_cause(&e))?;
        for r in &page.rows {
            let facts = crate::ops::employers::book_facts(r);
            let alerts: Vec<&str> = crate::domain::billing::group_alerts(&facts, today)
                .into_iter()
                .map(crate::domain::billing::Alert::name)
                .collect();
            let cells = [
                r.group_number.clone(),
                r.parent_number.clone().unwrap_or_default(),
                r.suffix.clone().unwrap_or_default(),
                r.name.clone(),
                r.status.clone(),
                r.original_effective_date.to_string(),
                r.renewal_date.to_string(),
                r.plan.clone().unwrap_or_default(),
                r.subscribers.to_string(),
                crate::domain::billing::dollars(facts.past_due_cents),
                r.turning_65.to_string(),
                alerts.join(" "),
            ];
            out.write_record(cells.iter().map(|c| csv_safe(&crate::domain::text::sanitize(c)))).map_err(fail)?;
        }
        n += page.rows.len();
        match page.rows.last() {
            Some(last) if page.more_after => dir = Dir::After(last.cursor()),
            _ => break,
        }
    }
    out.flush().map_err(|e| format!("writing {} failed: {e}", path.display()))?;
    Ok(n)
}
