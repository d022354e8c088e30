//! Screens and the areas that hold them. Each area (a tab) has a stack of
//! screens: its list at the bottom (a `ListScreen`), and above it an open
//! case, member, broker or job; the breadcrumb is the stack. A screen draws
//! itself, handles the actions it offers (an action that needs the app
//! afterwards, a page to load or a screen to open, comes back as a
//! callback: `Handled::Then`), lists what it offers for the footer and `?`,
//! and takes its own task reports; the app sends an action to the screen
//! on top first.
//!
//! The trait is generic over the context a screen draws from (the app), so
//! this file names no screen and not the app: screens depend on it, never
//! the other way round.

use std::any::Any;

use ratatui::Frame;
use ratatui::layout::Rect;

pub use super::area::Area;
use super::pane::Pane;
use super::task::{Report, TaskId};
use crate::action::Action;

/// What a screen did with an action.
pub enum Handled<C> {
    /// Not one of its actions: the app handles it.
    Ignored,
    /// Done within the screen.
    Done,
    /// Taken; the app then runs this with itself (load a page, open the
    /// selected row's screen). A screen holds no reference to the app, so
    /// what needs the app comes back as a callback, as helix's compositor does.
    Then(Box<dyn FnOnce(&mut C)>),
}

impl<C> std::fmt::Debug for Handled<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Handled::Ignored => "Ignored",
            Handled::Done => "Done",
            Handled::Then(_) => "Then(…)",
        })
    }
}

/// A screen of an area's stack (its list, or a record above it). `C` is
/// what it draws from.
pub trait Screen<C>: Any {
    /// Its part of the breadcrumb.
    fn title(&self) -> String;

    /// Whether what it shows is still being read (the breadcrumb spins).
    fn loading(&self) -> bool;

    /// Moves within the screen (scroll, selection, tabs); false when the
    /// action is not one the screen moves by, so the app handles it.
    fn handle(&mut self, action: Action) -> bool;

    /// Handles an action, with what the app must do afterwards: what the
    /// app calls. By default the screen only moves within itself
    /// (`handle`); a screen that opens something or loads a page overrides it.
    fn act(&mut self, action: Action) -> Handled<C> {
        if self.handle(action) { Handled::Done } else { Handled::Ignored }
    }

    /// The list it shows, when the screen is an area's list: where the app
    /// reads the selection, the filter and the paging (the footer's count).
    fn list(&self) -> Option<&Pane> {
        None
    }

    /// As `list`, to change it (a new filter, a load started or cancelled).
    fn list_mut(&mut self) -> Option<&mut Pane> {
        None
    }

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

    /// A read the screen needs now (its first load, a tab shown for the
    /// first time, the next page, another year), as the request every
    /// surface sends; the app runs it through `Ops::execute` and tells the
    /// screen the task's id with `started`. Asked after the screen opens
    /// and after each action it moved by; `None` when it has what it shows.
    fn wants(&mut self) -> Option<crate::ops::request::Request> {
        None
    }

    /// The task running the request `wants` gave last: its report
    /// (`Report::Answer`) comes back through `on_report` with this id.
    fn started(&mut self, id: TaskId) {
        let _ = id;
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

/// One area's screens, bottom first: its list, then what was opened above it.
pub struct Stack<C> {
    /// Never empty: `[0]` is the area's list.
    screens: Vec<Box<dyn Screen<C>>>,
}

impl<C: 'static> Stack<C> {
    /// A stack showing `bottom` (the area's list).
    pub fn new(bottom: Box<dyn Screen<C>>) -> Self {
        Stack { screens: vec![bottom] }
    }

    /// Shows `screen` in place of what the area showed above its list: an
    /// area shows one record at a time, so opening another replaces it.
    pub fn open(&mut self, screen: Box<dyn Screen<C>>) {
        self.screens.truncate(1);
        self.screens.push(screen);
    }

    /// Shows `screen` above the one in front (a group opened from its
    /// employer): Esc comes back to it.
    pub fn push(&mut self, screen: Box<dyn Screen<C>>) {
        self.screens.push(screen);
    }

    /// Closes the top screen; false when only the list was left (it stays).
    pub fn pop(&mut self) -> bool {
        self.screens.len() > 1 && self.screens.pop().is_some()
    }

    /// Back to the list.
    pub fn clear(&mut self) {
        self.screens.truncate(1);
    }

    /// The screen in front: the top one, the list when nothing is open above it.
    pub fn front(&self) -> &dyn Screen<C> {
        &**self.screens.last().unwrap_or(&self.screens[0])
    }

    /// The screen in front, to send an action to.
    pub fn front_mut(&mut self) -> &mut (dyn Screen<C> + 'static) {
        let last = self.screens.len() - 1;
        &mut *self.screens[last]
    }

    /// The screen on top of the list, if one is open.
    pub fn top(&self) -> Option<&dyn Screen<C>> {
        self.screens.get(1..).and_then(|s| s.last()).map(|s| &**s)
    }

    /// The screen on top of the list, to move within.
    pub fn top_mut(&mut self) -> Option<&mut (dyn Screen<C> + 'static)> {
        self.screens.get_mut(1..).and_then(|s| s.last_mut()).map(|s| &mut **s)
    }

    /// The bottom screen: the area's list.
    pub fn bottom(&self) -> &dyn Screen<C> {
        &*self.screens[0]
    }

    /// The bottom screen, to change.
    pub fn bottom_mut(&mut self) -> &mut (dyn Screen<C> + 'static) {
        &mut *self.screens[0]
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
    /// it; a screen whose record is gone is closed here (the list never is).
    pub fn route(&mut self, id: TaskId, mut report: Report) -> Reported {
        for i in (0..self.screens.len()).rev() {
            match self.screens[i].on_report(id, report) {
                Reported::NotMine(r) => report = r,
                Reported::Gone(why) if i > 0 => {
                    self.screens.remove(i);
                    return Reported::Gone(why);
                }
                Reported::Gone(why) => return Reported::Failed(why),
                taken => return taken,
            }
        }
        Reported::NotMine(report)
    }

    /// The breadcrumb parts of the screens above the list, bottom first
    /// (the list's own part is `bottom().title()`).
    pub fn titles(&self) -> Vec<String> {
        self.screens.iter().skip(1).map(|s| s.title()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A screen that waits for task `waits` and answers `Gone` when its
    /// report says `"gone"`.
    struct Probe {
        name: &'static str,
        waits: TaskId,
        moved: u32,
    }

    impl Screen<()> for Probe {
        fn title(&self) -> String {
            self.name.to_owned()
        }
        fn loading(&self) -> bool {
            false
        }
        fn handle(&mut self, action: Action) -> bool {
            self.moved += 1;
            action == Action::Down
        }
        fn offers(&self) -> Vec<(Action, &'static str)> {
            Vec::new()
        }
        fn draw(&self, _: &mut Frame, _: &(), _: Rect) {}
        fn on_report(&mut self, id: TaskId, report: Report) -> Reported {
            match report {
                Report::Op(Err(e)) if id == self.waits && e == "gone" => {
                    Reported::Gone(format!("{} is gone", self.name))
                }
                Report::Op(_) if id == self.waits => Reported::Shown,
                other => Reported::NotMine(other),
            }
        }
    }

    fn probe(name: &'static str, waits: TaskId) -> Box<dyn Screen<()>> {
        Box::new(Probe { name, waits, moved: 0 })
    }

    #[test]
    fn opening_a_screen_replaces_the_one_shown_and_the_breadcrumb_follows() {
        let mut stack = Stack::<()>::new(probe("list", 0));
        assert!(stack.top().is_none());
        assert_eq!(stack.front().title(), "list", "the list is in front when nothing is open");
        stack.open(probe("C-1", 1));
        stack.open(probe("C-2", 2));
        assert_eq!(stack.titles(), ["C-2"]);
        assert!(stack.top_mut().is_some_and(|s| s.handle(Action::Down)));
        assert!(!stack.top_mut().is_some_and(|s| s.handle(Action::Up)), "Up is not the probe's");
        assert_eq!(stack.find::<Probe>().map(|p| p.moved), Some(2));
        assert!(stack.pop());
        assert!(!stack.pop(), "only the list was left");
        assert_eq!(stack.front().title(), "list", "the list is never popped");
        assert!(!stack.front_mut().handle(Action::Up));
    }

    #[test]
    fn a_pushed_screen_returns_to_the_one_below_and_opening_clears_both() {
        let mut stack = Stack::<()>::new(probe("list", 0));
        stack.open(probe("employer", 1));
        stack.push(probe("group", 2));
        assert_eq!(stack.titles(), ["employer", "group"]);
        assert!(stack.pop());
        assert_eq!(stack.titles(), ["employer"]);
        stack.push(probe("group", 3));
        stack.open(probe("other group", 4));
        assert_eq!(stack.titles(), ["other group"]);
    }

    #[test]
    fn a_report_goes_to_the_screen_waiting_for_it_and_a_gone_record_closes_its_screen() {
        let mut stack = Stack::<()>::new(probe("list", 3));
        stack.open(probe("job 7", 4));
        // Another task's report is handed back whole.
        match stack.route(5, Report::Op(Ok("other".into()))) {
            Reported::NotMine(Report::Op(Ok(text))) => assert_eq!(text, "other"),
            r => panic!("not handed back: {r:?}"),
        }
        assert!(matches!(stack.route(4, Report::Op(Ok(String::new()))), Reported::Shown));
        assert_eq!(stack.titles(), ["job 7"]);
        match stack.route(4, Report::Op(Err("gone".into()))) {
            Reported::Gone(why) => assert_eq!(why, "job 7 is gone"),
            r => panic!("not gone: {r:?}"),
        }
        assert!(stack.titles().is_empty(), "the screen whose record is gone closed");
        // The list takes its own reports, and is never closed by one.
        assert!(matches!(stack.route(3, Report::Op(Ok(String::new()))), Reported::Shown));
        assert!(matches!(stack.route(3, Report::Op(Err("gone".into()))), Reported::Failed(_)));
        assert_eq!(stack.bottom().title(), "list");
    }

    /// A screen whose Enter needs the app comes back as a callback run with the context.
    struct Opener;

    impl Screen<Vec<&'static str>> for Opener {
        fn title(&self) -> String {
            String::new()
        }
        fn loading(&self) -> bool {
            false
        }
        fn handle(&mut self, _: Action) -> bool {
            false
        }
        fn act(&mut self, action: Action) -> Handled<Vec<&'static str>> {
            match action {
                Action::Open => Handled::Then(Box::new(|log: &mut Vec<&'static str>| log.push("opened"))),
                _ => Handled::Ignored,
            }
        }
        fn offers(&self) -> Vec<(Action, &'static str)> {
            Vec::new()
        }
        fn draw(&self, _: &mut Frame, _: &Vec<&'static str>, _: Rect) {}
    }

    #[test]
    fn an_action_that_needs_the_app_comes_back_as_a_callback() {
        let mut stack = Stack::<Vec<&'static str>>::new(Box::new(Opener));
        let mut log = Vec::new();
        match stack.front_mut().act(Action::Open) {
            Handled::Then(f) => f(&mut log),
            h => panic!("no callback: {h:?}"),
        }
        assert_eq!(log, ["opened"]);
        assert!(matches!(stack.front_mut().act(Action::Down), Handled::Ignored));
    }
}
