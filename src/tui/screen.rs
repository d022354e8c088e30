//! Screens and the areas that hold them. Each area (a tab) shows its list,
//! and above it a stack of screens (an open case, member, broker or job);
//! the breadcrumb is the stack. A screen draws itself, moves within itself
//! and lists what it offers for the footer and `?`; the app sends an action
//! to the screen on top first.
//!
//! The trait is generic over the context a screen draws from (the app), so
//! this file names no screen and not the app: screens depend on it, never
//! the other way round.

use std::any::Any;

use ratatui::Frame;
use ratatui::layout::Rect;

pub use super::area::Area;
use super::task::{Report, TaskId};
use crate::action::Action;

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

    /// A task's report: the screen takes the one it is waiting for (it
    /// remembers the task's id) and hands back any other.
    fn on_report(&mut self, id: TaskId, report: Report) -> Reported {
        let _ = id;
        Reported::NotMine(report)
    }
}

/// What a screen did with a task's report.
#[derive(Debug)]
pub enum Reported {
    /// Not the screen's: the report, for the next screen or the app.
    NotMine(Report),
    /// Shown.
    Shown,
    /// Its task failed: the reason to say; the screen stays (Ctrl-R retries).
    Failed(String),
    /// Its record is gone (no such case, member…): the reason to say; the screen closes.
    Gone(String),
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

    /// Offers a task's report to the screens, top first, until one takes
    /// it; a screen whose record is gone is closed here.
    pub fn route(&mut self, id: TaskId, mut report: Report) -> Reported {
        for i in (0..self.screens.len()).rev() {
            match self.screens[i].on_report(id, report) {
                Reported::NotMine(r) => report = r,
                Reported::Gone(why) => {
                    self.screens.remove(i);
                    return Reported::Gone(why);
                }
                taken => return taken,
            }
        }
        Reported::NotMine(report)
    }

    /// The breadcrumb parts of the screens, bottom first.
    pub fn titles(&self) -> Vec<String> {
        self.screens.iter().map(|s| s.title()).collect()
    }
}
