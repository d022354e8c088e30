//! A list's state, held by its `ListScreen`: its rows, selection and
//! paging, where the rows stand in the whole list, and how a page or a
//! count that arrives changes it. The loads are spawned in list_screen.rs.

use super::task::TaskId;
use crate::store::count::ListCount;
use crate::store::lists::{ListKind, ListRow};
use crate::store::{Dir, Page};

/// Where the selection goes when a page arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Select {
    First,
    Last,
    Index(usize),
    /// The row of this id, wherever it is now; if it left the page, the
    /// row now at this index (the nearest): a reload another session's
    /// change caused keeps the operator's selection.
    Keep {
        id: i64,
        index: usize,
    },
}

/// One area's list: the rows on screen and how to fetch their neighbours.
#[derive(Debug, Clone)]
pub struct Pane {
    pub kind: ListKind,
    pub rows: Vec<ListRow>,
    pub selected: usize,
    pub more_before: bool,
    pub more_after: bool,
    pub loading: Option<(TaskId, bool, Select)>,
    pub loaded: bool,
    pub error: Option<String>,
    pub filter: String,
    /// Where the first row on screen stands in the whole list (0-based);
    /// `None` after jumping to the end of a list too long to count.
    pub offset: Option<usize>,
    /// How the page being loaded places its first row: set by `load`.
    pub(super) next_offset: NextOffset,
    /// How many rows the whole list holds, once counted.
    pub total: Option<ListCount>,
    /// The running count of this list.
    pub(super) count_task: Option<TaskId>,
}

/// Where a page being loaded starts in the whole list, as far as is known
/// when it is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NextOffset {
    /// At this absolute row.
    At(usize),
    /// Ending just before this absolute row (a page before).
    EndingBefore(usize),
    /// At the end of the list.
    End,
    Unknown,
}

impl Pane {
    /// The absolute position (1-based) of the selected row, when known.
    pub fn position(&self) -> Option<usize> {
        self.offset.map(|o| o + self.selected + 1)
    }
}

impl Pane {
    pub(super) fn new(kind: ListKind) -> Pane {
        Pane {
            kind,
            rows: Vec::new(),
            selected: 0,
            more_before: false,
            more_after: false,
            loading: None,
            loaded: false,
            error: None,
            filter: String::new(),
            offset: Some(0),
            next_offset: NextOffset::At(0),
            total: None,
            count_task: None,
        }
    }
}

impl Pane {
    /// Where a page asked for in direction `dir` will start, from where the
    /// rows on screen stand.
    pub(super) fn next_offset_for(&self, dir: &Dir) -> NextOffset {
        let at = |key: &crate::store::Cursor| {
            let i = self.rows.iter().position(|r| &r.key == key)?;
            Some(self.offset? + i)
        };
        match dir {
            Dir::First => NextOffset::At(0),
            Dir::Last => NextOffset::End,
            Dir::After(k) => at(k).map_or(NextOffset::Unknown, |a| NextOffset::At(a + 1)),
            Dir::From(k) => at(k).map_or(NextOffset::Unknown, NextOffset::At),
            Dir::Before(k) => at(k).map_or(NextOffset::Unknown, NextOffset::EndingBefore),
        }
    }

    /// A page arrived for load `id`: shown, unless a newer load replaced
    /// that one; a step past the edge that finds nothing keeps the rows.
    pub(super) fn arrived(&mut self, id: TaskId, result: Result<Page<ListRow>, String>) {
        let Some((loading, edge, select)) = self.loading else { return };
        if loading != id {
            return;
        }
        self.loading = None;
        let page = match result {
            Ok(page) => page,
            Err(e) => return self.error = Some(e),
        };
        self.error = None;
        self.loaded = true;
        if edge && page.rows.is_empty() {
            self.more_after &= page.more_after;
            self.more_before &= page.more_before;
            return;
        }
        self.rows = page.rows;
        self.more_before = page.more_before;
        self.more_after = page.more_after;
        self.offset = placed(self.next_offset, self.rows.len(), self.more_before, self.total);
        let last = self.rows.len().saturating_sub(1);
        self.selected = match select {
            Select::First => 0,
            Select::Last => last,
            Select::Index(i) => i.min(last),
            Select::Keep { id, index } => self.rows.iter().position(|r| r.id == id).unwrap_or(index.min(last)),
        };
    }

    /// The count `id` of the whole list arrived.
    pub(super) fn counted(&mut self, id: TaskId, result: Result<ListCount, String>) {
        if self.count_task != Some(id) {
            return;
        }
        self.count_task = None;
        // A failed count leaves the footer without a total; the list itself still works.
        self.total = result.ok();
        // The end of a list reached before it was counted is placed now.
        if self.offset.is_none() && !self.more_after {
            self.offset = placed(NextOffset::End, self.rows.len(), self.more_before, self.total);
        }
    }
}

/// Where a page of `len` rows that arrived stands in the whole list.
fn placed(next: NextOffset, len: usize, more_before: bool, total: Option<ListCount>) -> Option<usize> {
    if !more_before {
        return Some(0);
    }
    match next {
        NextOffset::At(a) => Some(a),
        NextOffset::EndingBefore(a) => Some(a.saturating_sub(len)),
        NextOffset::End => total.and_then(|t| t.exact()).map(|n| (n as usize).saturating_sub(len)),
        NextOffset::Unknown => None,
    }
}
