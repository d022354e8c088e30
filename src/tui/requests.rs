//! Screens' reads through the one entry point: a screen says what it
//! `wants` (a `Request`), the app runs it with `Ops::execute` as a task, and
//! the answer comes back to that screen as `Report::Answer`, matched by the
//! task's id. The employer and group screens and the broker's book read
//! this way; nothing here knows which screen asks.

use super::app::App;
use super::screen::{Area, Screen};
use super::task::{Report, TaskId};
use crate::ops::request::Request;

impl App {
    /// Runs `req` through `Ops::execute` as a task whose report is `Report::Answer`.
    pub(super) fn spawn_request(&mut self, req: Request) -> TaskId {
        let run = self.runner();
        self.tasks.spawn(async move { Report::Answer(run.execute(req).await.map(Box::new).map_err(|e| e.to_string())) })
    }

    /// Starts the reads the screen in front wants now (a screen asks for
    /// one thing at a time; a few at most, so a screen that always wants
    /// something cannot spin the loop).
    pub(super) fn pump_screen(&mut self) {
        for _ in 0..4 {
            let area = self.area;
            let Some(req) = self.stack_mut(area).top_mut().and_then(|s| s.wants()) else { return };
            let id = self.spawn_request(req);
            if let Some(s) = self.stack_mut(area).top_mut() {
                s.started(id);
            }
        }
    }

    /// Shows `screen` in area `a`, in place of what it showed, and starts its reads.
    pub(super) fn show_screen(&mut self, a: Area, screen: Box<dyn Screen<App>>) {
        self.open_screen(a, screen);
        self.pump_screen();
    }

    /// Shows `screen` above the one in front of area `a` (Esc comes back
    /// to it), and starts its reads.
    pub(super) fn push_screen(&mut self, a: Area, screen: Box<dyn Screen<App>>) {
        self.area = a;
        self.mode = super::app::Mode::Normal;
        self.stack_mut(a).push(screen);
        self.pump_screen();
    }
}
