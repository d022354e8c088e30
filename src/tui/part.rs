//! A part of a screen read on its own (a tab, a page): not asked for yet,
//! being read by a task, shown, or failed with the reason to show in its place.

use super::task::TaskId;
use crate::action::Action;
use crate::store::{Cursor, Dir, Page};

/// What a screen holds of one read.
#[derive(Debug, Clone, Default)]
pub enum Part<T> {
    /// Not asked for yet: the screen `wants` it when it is shown.
    #[default]
    Unasked,
    /// Asked for, by the task with this id (0 until the app says which).
    Loading(TaskId),
    Shown(Box<T>),
    /// Refused or failed: the reason, said where the part would show.
    Failed(String),
}

impl<T> Part<T> {
    /// The part, once shown.
    pub fn shown(&self) -> Option<&T> {
        match self {
            Part::Shown(t) => Some(t),
            _ => None,
        }
    }

    /// Whether it waits for task `id`.
    pub fn waits_for(&self, id: TaskId) -> bool {
        matches!(self, Part::Loading(t) if *t == id)
    }

    /// Whether it is being read.
    pub fn loading(&self) -> bool {
        matches!(self, Part::Loading(_))
    }

    /// Takes the answer of its task: the value, or the reason it failed.
    pub fn settle(&mut self, answer: Result<T, String>) {
        *self = match answer {
            Ok(v) => Part::Shown(Box::new(v)),
            Err(e) => Part::Failed(e),
        };
    }

    /// What to draw in its place when it is not shown: a line saying why.
    pub fn placeholder(&self, what: &str) -> Option<String> {
        match self {
            Part::Shown(_) => None,
            Part::Unasked | Part::Loading(_) => Some(format!("Loading {what}…")),
            Part::Failed(e) => Some(e.clone()),
        }
    }
}

/// Moves `selected` within `page` (`page_len` rows when full, each row's
/// key read by `key`); at an edge with more beyond it, the page to read and
/// the row to select in it. `None` when the action is no movement.
pub fn page_move<R>(
    action: Action,
    selected: &mut usize,
    page: &Page<R>,
    key: impl Fn(&R) -> Cursor,
    page_len: usize,
) -> Option<Option<(Dir, usize)>> {
    let rows = page.rows.len();
    let load = |dir: Dir, at: usize| Some(Some((dir, at)));
    match action {
        Action::Down if *selected + 1 < rows => *selected += 1,
        Action::Down | Action::PageDown if page.more_after => {
            return page.rows.last().map_or(Some(None), |r| load(Dir::After(key(r)), 0));
        }
        Action::Up if *selected > 0 => *selected -= 1,
        Action::Up | Action::PageUp if page.more_before => {
            return page.rows.first().map_or(Some(None), |r| load(Dir::Before(key(r)), page_len - 1));
        }
        Action::Down | Action::PageDown => *selected = rows.saturating_sub(1),
        Action::Up | Action::PageUp => *selected = 0,
        Action::Top => return load(Dir::First, 0),
        Action::Bottom => return load(Dir::Last, page_len - 1),
        _ => return None,
    }
    Some(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_move_stays_in_the_page_until_an_edge_with_more_beyond_it() {
        let edges = |more_before, more_after| Page { rows: vec![1i64, 2, 3], more_before, more_after };
        let key = |n: &i64| vec![crate::store::Arg::I64(Some(*n))];
        let mut at = 1;
        assert_eq!(page_move(Action::Down, &mut at, &edges(false, true), key, 50), Some(None));
        assert_eq!(at, 2);
        // At the last row with more after: the next page, its first row.
        let next = page_move(Action::Down, &mut at, &edges(false, true), key, 50);
        assert!(matches!(next, Some(Some((Dir::After(_), 0)))), "{next:?}");
        // With nothing after, the last row stays.
        assert_eq!(page_move(Action::PageDown, &mut at, &edges(false, false), key, 50), Some(None));
        assert_eq!(at, 2);
        at = 0;
        let back = page_move(Action::Up, &mut at, &edges(true, false), key, 50);
        assert!(matches!(back, Some(Some((Dir::Before(_), 49)))), "{back:?}");
        assert!(matches!(
            page_move(Action::Bottom, &mut at, &edges(false, false), key, 50),
            Some(Some((Dir::Last, 49)))
        ));
        assert_eq!(page_move(Action::Open, &mut at, &edges(false, false), key, 50), None);
    }

    #[test]
    fn a_part_waits_for_its_own_task_and_says_why_it_is_not_shown() {
        let mut p: Part<u8> = Part::Loading(3);
        assert!(p.waits_for(3) && !p.waits_for(4) && p.loading());
        assert_eq!(p.placeholder("billing").as_deref(), Some("Loading billing…"));
        p.settle(Err("group X has no bills yet".into()));
        assert_eq!(p.placeholder("billing").as_deref(), Some("group X has no bills yet"));
        p.settle(Ok(7));
        assert_eq!(p.shown(), Some(&7));
        assert_eq!(p.placeholder("billing"), None);
    }
}
