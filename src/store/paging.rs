//! Keyset paging: lists move by the sort key of their edge rows, never by
//! OFFSET, so page 10 000 costs what page 1 costs and no list loads a table.

use super::Arg;

/// The sort key of a row: the values of the sort columns, `id` last.
pub type Cursor = Vec<Arg>;

/// Which page to fetch, relative to the rows on screen.
#[derive(Debug, Clone, PartialEq)]
pub enum Dir {
    /// The first page in sort order.
    First,
    /// The last page in sort order (`G`).
    Last,
    /// The page after the row with this key.
    After(Cursor),
    /// The page before the row with this key.
    Before(Cursor),
    /// The page starting at the row with this key (refreshing in place).
    From(Cursor),
}

/// One page of rows in sort order.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub rows: Vec<T>,
    /// There is at least one row before the first one here.
    pub more_before: bool,
    /// There is at least one row after the last one here.
    pub more_after: bool,
}

impl<T> Page<T> {
    /// Shapes `limit + 1` fetched rows into a page: the extra row only tells
    /// that more exist; rows fetched backwards are put back in sort order.
    pub fn from_fetched(mut rows: Vec<T>, limit: usize, dir: &Dir) -> Page<T> {
        let more = rows.len() > limit;
        rows.truncate(limit);
        let backwards = matches!(dir, Dir::Last | Dir::Before(_));
        if backwards {
            rows.reverse();
        }
        let (more_before, more_after) = match dir {
            Dir::First => (false, more),
            Dir::Last => (more, false),
            Dir::After(_) | Dir::From(_) => (true, more),
            Dir::Before(_) => (more, true),
        };
        Page { rows, more_before, more_after }
    }

    /// Converts the rows, keeping the paging facts.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            rows: self.rows.into_iter().map(f).collect(),
            more_before: self.more_before,
            more_after: self.more_after,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forward_page_reports_more_after_only_with_extra_row() {
        let p = Page::from_fetched(vec![1, 2, 3], 2, &Dir::First);
        assert_eq!(p.rows, vec![1, 2]);
        assert!(!p.more_before && p.more_after);
        let p = Page::from_fetched(vec![1, 2], 2, &Dir::First);
        assert!(!p.more_after);
    }

    #[test]
    fn backward_page_is_returned_in_sort_order() {
        let p = Page::from_fetched(vec![9, 8, 7], 2, &Dir::Last);
        assert_eq!(p.rows, vec![8, 9]);
        assert!(p.more_before && !p.more_after);
        let p = Page::from_fetched(vec![5, 4], 2, &Dir::Before(vec![Arg::I64(Some(6))]));
        assert_eq!(p.rows, vec![4, 5]);
        assert!(!p.more_before && p.more_after);
    }
}
