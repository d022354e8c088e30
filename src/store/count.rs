//! How many rows a list holds, counted up to a cap: the footer's "row 3 of
//! 78" or "of 10 000+". Counting stops at the cap, so a list of a million
//! members costs what a list of ten thousand costs.

use super::Store;
use super::lists::{ListKind, ListRequest, unpaged};
use crate::domain::case::CaseView;

/// Where counting stops by default: past it the footer says "10 000+".
pub const CAP: u64 = 10_000;

/// A list's size as far as it was counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListCount {
    /// The list holds exactly this many rows.
    Exact(u64),
    /// The list holds more than this many rows (the cap).
    Over(u64),
}

impl ListCount {
    /// The exact size, when it is known.
    pub fn exact(self) -> Option<u64> {
        match self {
            ListCount::Exact(n) => Some(n),
            ListCount::Over(_) => None,
        }
    }

    /// "78" or "10 000+", digits grouped by thin spaces of thousands.
    pub fn label(self) -> String {
        match self {
            ListCount::Exact(n) => grouped(n),
            ListCount::Over(cap) => format!("{}+", grouped(cap)),
        }
    }
}

/// `10000` as `10 000`.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// Counts the rows of the list `req` asks for (its kind, filter and
/// search; its page and direction are ignored), stopping past `cap`. The
/// query is cancellable through `req.backend_pid` like a page's.
pub async fn count(store: &Store, req: &ListRequest, cap: u64) -> Result<ListCount, sqlx::Error> {
    // A shared case view unfiltered: its count is kept (`case_counts`).
    if let ListKind::Cases(view) = req.kind
        && view != CaseView::Mine
        && req.filter.trim().is_empty()
        && req.search.is_none()
        && let Some(n) = super::cases::kept_count(store, view).await?
    {
        let n = u64::try_from(n).unwrap_or(0);
        return Ok(if n > cap { ListCount::Over(cap) } else { ListCount::Exact(n) });
    }
    let store = store.reads();
    let mut q = unpaged(req);
    q.prepend("SELECT COUNT(*) AS n FROM (");
    // Reading one row past the cap tells "exactly the cap" from "more".
    let limit = i64::try_from(cap.saturating_add(1)).unwrap_or(i64::MAX);
    q.push(" LIMIT ").bind(limit).push(") counted");
    let (sql, args) = q.into_parts();
    let rows: Vec<(i64,)> = store.fetch_all_cancellable(sql, args, &req.backend_pid).await?;
    let n = rows.first().map_or(0, |r| u64::try_from(r.0).unwrap_or(0));
    Ok(if n > cap { ListCount::Over(cap) } else { ListCount::Exact(n) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_with_grouped_thousands() {
        assert_eq!(ListCount::Exact(78).label(), "78");
        assert_eq!(ListCount::Exact(1234).label(), "1 234");
        assert_eq!(ListCount::Over(10_000).label(), "10 000+");
        assert_eq!(ListCount::Exact(1_000_000).label(), "1 000 000");
        assert_eq!(ListCount::Over(5).exact(), None);
    }
}
