//! Automatic logoff (HIPAA §164.312(a)(2)(iii)): after `ui.idle_lock_minutes`
//! without a key the screen hides every record behind a lock and masks a
//! revealed SSN; typing the operator's login unlocks it. What was open,
//! typed text included, is there again after. Lock and unlock are audited.

use crossterm::event::{Event, KeyCode};
use ratatui::Frame;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::app::App;
use super::task::Report;
use crate::action::Action;
use crate::keys::Key;

impl App {
    /// Locks the screen (after idle ticks, or `:lock`).
    pub(super) fn lock(&mut self, why: &str) {
        if self.locked.is_some() {
            return;
        }
        self.locked = Some(Input::default());
        self.lock_error = None;
        // A revealed SSN is masked again, not kept behind the lock.
        if let Some(s) = self.screen_mut::<super::members::MemberScreen>() {
            s.revealed = None;
        }
        self.audit_session(Action::SessionLock);
        self.say(format!("locked: {why}"));
    }

    /// Counts a tick towards the idle lock.
    pub(super) fn idle_tick(&mut self) {
        if self.idle_lock_ticks > 0 && self.locked.is_none() && self.tick - self.last_input >= self.idle_lock_ticks {
            let minutes = self.idle_lock_ticks * self.tick_ms / 60_000;
            self.lock(&format!("{minutes} minute(s) without a key"));
        }
    }

    /// A key while locked goes to the login field and nowhere else.
    pub(super) fn lock_key(&mut self, key: Key) {
        let Some(input) = &mut self.locked else { return };
        if super::modal::is_ctrl_c(key) {
            self.quit = true;
            return;
        }
        if key.code != KeyCode::Enter {
            input.handle_event(&Event::Key(key.to_event()));
            return;
        }
        let typed = input.value().trim().to_owned();
        if typed == self.ops.operator().login {
            self.locked = None;
            self.audit_session(Action::SessionUnlock);
            self.say("unlocked");
        } else {
            input.reset();
            self.lock_error = Some("that is not the login of this session: type yours, or quit with Ctrl-C".into());
        }
    }

    fn audit_session(&mut self, action: Action) {
        let (ops, entity) = (self.ops.clone(), format!("session:{}", self.ops.operator().login));
        // Nobody waits for it; a failure is said, not swallowed.
        self.tasks.spawn_background(async move {
            let audited = ops.audit_event(action, &entity).await;
            Report::Op(audited.map(|()| String::new()).map_err(|e| format!("the lock could not be audited: {e}")))
        });
    }
}

/// The lock screen: nothing of what is open, only how to unlock.
pub fn draw_lock(f: &mut Frame, app: &App, input: &Input) {
    let area = f.area();
    f.render_widget(Clear, area);
    let t = &app.theme;
    let login_shown: String = input.value().chars().map(|_| '•').collect();
    let mut lines = vec![
        Line::from(Span::styled(" portaldesk is locked ", t.banner)),
        Line::from(""),
        Line::from(format!("Signed in as {} ({}).", app.ops.operator().login, app.ops.role().as_str())),
        Line::from("Records are hidden while the screen is locked."),
        Line::from(""),
        Line::from(vec![Span::raw("Type your login and Enter: "), Span::styled(login_shown, t.key)]),
    ];
    // Its own message only: a report arriving meanwhile may name a record.
    if let Some(e) = &app.lock_error {
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(e.clone(), t.error)));
    }
    let block = Block::default().borders(Borders::ALL);
    f.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }), area);
}
