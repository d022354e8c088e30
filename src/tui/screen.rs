//! Screens and the areas that hold them. Each area (a tab) shows its list,
//! and above it a stack of screens (an open case, member, broker or job);
//! the breadcrumb is the stack. A screen draws itself, moves within itself
//! and lists what it offers for the footer and `?`; the app sends an action
//! to the screen on top first.
//!
//! The trait is generic over the context a screen draws from (the app), so
//! this file names no other module of the TUI: screens depend on it, never
//! the other way round.

use std::any::Any;

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::action::{Action, SPECS};

/// The six areas, in the order of their number keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Area {
    Cases,
    Members,
    Brokers,
    Accounts,
    Imports,
    Codes,
}

impl Area {
    /// Every area, in tab order.
    pub const ALL: [Area; 6] = [Area::Cases, Area::Members, Area::Brokers, Area::Accounts, Area::Imports, Area::Codes];

    /// The tab's title.
    pub fn title(self) -> &'static str {
        match self {
            Area::Cases => "Cases",
            Area::Members => "Members",
            Area::Brokers => "Brokers",
            Area::Accounts => "Accounts",
            Area::Imports => "Imports",
            Area::Codes => "Codes",
        }
    }

    /// The action that shows this area (its number key).
    pub fn action(self) -> Action {
        match self {
            Area::Cases => Action::AreaCases,
            Area::Members => Action::AreaMembers,
            Area::Brokers => Action::AreaBrokers,
            Area::Accounts => Action::AreaAccounts,
            Area::Imports => Action::AreaImports,
            Area::Codes => Action::AreaCodes,
        }
    }

    /// The area an `area.*` action shows.
    pub fn of_action(action: Action) -> Option<Area> {
        Area::ALL.into_iter().find(|a| a.action() == action)
    }

    /// Where the area stands among the tabs (0-based).
    pub fn index(self) -> usize {
        self as usize
    }

    /// The prefix of the actions only this area's list offers (its rows'
    /// actions), if any: other lists leave them out of their footer.
    pub fn own_actions(self) -> Option<&'static str> {
        match self {
            Area::Cases => Some("case."),
            Area::Members => Some("member."),
            Area::Codes => Some("code."),
            _ => None,
        }
    }

    /// What this area's list offers: the action table's footer entries,
    /// less the row actions of the other areas' lists (and, on the case list,
    /// those that need the case open).
    pub fn list_offers(self) -> Vec<(Action, &'static str)> {
        let own = self.own_actions();
        let others: Vec<&str> = Area::ALL.iter().filter_map(|a| a.own_actions()).filter(|p| Some(*p) != own).collect();
        SPECS
            .iter()
            .filter(|s| !others.iter().any(|p| s.name.starts_with(p)))
            .filter(|s| {
                !matches!(self, Area::Cases)
                    || !matches!(
                        s.action,
                        Action::CaseAssignMe | Action::CaseNote | Action::CaseRequestInfo | Action::CaseResolve
                    )
            })
            .filter_map(|s| s.footer.map(|word| (s.action, word)))
            .collect()
    }

    /// Whether the area shows the queue strip (case counts per view) above its list.
    pub fn has_queue_strip(self) -> bool {
        matches!(self, Area::Cases)
    }
}

/// A screen shown above an area's list. `C` is what it draws from.
pub trait Screen<C>: Any {
    /// Its part of the breadcrumb.
    fn title(&self) -> String;

    /// Whether what it shows is still being read (the breadcrumb spins).
    fn loading(&self) -> bool;

    /// Moves within the screen (scroll, selection, tabs); false when the
    /// action is not one the screen moves by, so the app handles it.
    fn handle(&mut self, action: Action) -> bool;

    /// What the screen offers, with the footer's word for each, before the
    /// operator's role and the record's state are asked.
    fn offers(&self) -> Vec<(Action, &'static str)>;

    /// Draws it in the list's place.
    fn draw(&self, f: &mut Frame, ctx: &C, r: Rect);
}

/// The screens above one area's list, bottom first.
pub struct Stack<C> {
    screens: Vec<Box<dyn Screen<C>>>,
}

impl<C: 'static> Default for Stack<C> {
    fn default() -> Self {
        Stack { screens: Vec::new() }
    }
}

impl<C: 'static> Stack<C> {
    /// Shows `screen` in place of what the area showed above its list: an
    /// area shows one record at a time, so opening another replaces it.
    pub fn open(&mut self, screen: Box<dyn Screen<C>>) {
        self.screens.clear();
        self.screens.push(screen);
    }

    /// Closes the top screen; false when only the list was left.
    pub fn pop(&mut self) -> bool {
        self.screens.pop().is_some()
    }

    /// Back to the list.
    pub fn clear(&mut self) {
        self.screens.clear();
    }

    /// Whether only the list shows.
    pub fn is_empty(&self) -> bool {
        self.screens.is_empty()
    }

    /// The screen on top.
    pub fn top(&self) -> Option<&dyn Screen<C>> {
        self.screens.last().map(|s| &**s)
    }

    /// The screen on top, to move within.
    pub fn top_mut(&mut self) -> Option<&mut (dyn Screen<C> + 'static)> {
        self.screens.last_mut().map(|s| &mut **s)
    }

    /// The topmost screen of type `T`.
    pub fn find<T: Screen<C>>(&self) -> Option<&T> {
        self.screens.iter().rev().find_map(|s| (&**s as &dyn Any).downcast_ref::<T>())
    }

    /// The topmost screen of type `T`, to change.
    pub fn find_mut<T: Screen<C>>(&mut self) -> Option<&mut T> {
        self.screens.iter_mut().rev().find_map(|s| (&mut **s as &mut dyn Any).downcast_mut::<T>())
    }

    /// Closes every screen of type `T` (its record is gone).
    pub fn close<T: Screen<C>>(&mut self) {
        self.screens.retain(|s| !(&**s as &dyn Any).is::<T>());
    }

    /// The breadcrumb parts of the screens, bottom first.
    pub fn titles(&self) -> Vec<String> {
        self.screens.iter().map(|s| s.title()).collect()
    }
}
