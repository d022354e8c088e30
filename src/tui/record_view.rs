//! The detail view of a row whose list shows only part of it: a portal
//! account, a staff account, a registration code, an import error row. Every
//! value is shown whole, wrapped; the view scrolls and closes with Esc, q or Enter.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::app::{App, Mode};
use super::task::Report;
use crate::action::Action;
use crate::domain::text::sanitize;
use crate::keys::Key;
use crate::store::imports::RowError;
use crate::store::lists::ListKind;
use crate::store::records::{self, AccountRecord, CodeRecord};
use crate::store::short_cause;
use crate::store::staff::Staff;

/// A record the detail view shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    Account(Box<AccountRecord>),
    Staff(Box<Staff>),
    Code(Box<CodeRecord>),
    /// A row of an import job that failed, with the values it held (SSNs masked).
    ImportError {
        job: i64,
        error: Box<RowError>,
    },
}

/// The open detail view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordView {
    pub record: Record,
    pub scroll: u16,
}

fn when(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()).unwrap_or_else(|| "—".into())
}

fn yes(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

impl Record {
    /// The view's title and its labelled values, formatted for people.
    pub fn fields(&self) -> (String, Vec<(&'static str, String)>) {
        match self {
            Record::Account(a) => (
                format!("Portal user {}", sanitize(&a.email)),
                vec![
                    ("Name", sanitize(&format!("{} {}", a.first_name, a.last_name))),
                    ("Email", sanitize(&a.email)),
                    ("Kind", a.kind.replace('_', " ")),
                    ("Employer", a.employer.as_deref().map(sanitize).unwrap_or_else(|| "—".into())),
                    ("Broker", a.broker.as_deref().map(sanitize).unwrap_or_else(|| "—".into())),
                    ("Status", a.status.replace('_', " ")),
                    ("Failed logins", a.failed_logins.to_string()),
                    ("Last login", when(a.last_login_at)),
                    (
                        "Tools",
                        format!(
                            "eligibility {} · billing {} · commissions {} · book {}",
                            yes(a.tool_eligibility),
                            yes(a.tool_billing),
                            yes(a.tool_commissions),
                            yes(a.tool_book)
                        ),
                    ),
                    ("Created", when(Some(a.created_at))),
                ],
            ),
            Record::Staff(s) => (
                format!("Staff account {}", s.login),
                vec![
                    ("Login", s.login.clone()),
                    ("Name", sanitize(&s.name)),
                    ("Role", s.role.clone()),
                    ("Status", s.status.clone()),
                    ("Created", when(Some(s.created_at))),
                    ("Version", s.row_version.to_string()),
                ],
            ),
            Record::Code(c) => (
                format!("Code {} (…{})", c.item.id, c.item.last4),
                vec![
                    ("Purpose", c.item.purpose.replace('_', " ")),
                    ("For", format!("{} {}", c.subject_kind.replace('_', " "), sanitize(&c.item.subject))),
                    ("Ends in", c.item.last4.clone()),
                    ("Status", c.item.status.clone()),
                    ("Issued", format!("{} by {}", when(Some(c.item.issued_at)), c.item.issued_by)),
                    ("Expires", when(Some(c.item.expires_at))),
                    ("Attempts", c.item.attempts.to_string()),
                    ("Used", when(c.used_at)),
                    ("Revoked", when(c.revoked_at)),
                    ("Reason", c.revoke_reason.as_deref().map(sanitize).unwrap_or_else(|| "—".into())),
                    ("The code", "stored only as a hash: it was shown once, at issue".into()),
                ],
            ),
            Record::ImportError { job, error: e } => (
                format!("Import job {job}, row {}", e.row_number),
                vec![
                    ("Row", e.row_number.to_string()),
                    ("Field", sanitize(&e.field)),
                    ("Error", e.code.clone()),
                    ("Message", sanitize(&e.message)),
                    ("Values", sanitize(&e.raw_values)),
                ],
            ),
        }
    }
}

impl App {
    /// Enter on a row of the accounts, staff or codes list: loads its record.
    pub(super) fn open_record(&mut self) {
        let pane = self.pane();
        let Some(row) = pane.rows.get(pane.selected) else { return self.nothing_selected() };
        let (kind, id, store) = (pane.kind, row.id, self.ops.store().clone());
        let work = async move {
            let loaded = match kind {
                ListKind::Accounts => records::account(&store, id).await.map(|r| r.map(|a| Record::Account(a.into()))),
                ListKind::Staff => {
                    crate::store::staff::by_id(&store, id).await.map(|r| r.map(|s| Record::Staff(s.into())))
                }
                ListKind::Codes => records::code(&store, id).await.map(|r| r.map(|c| Record::Code(c.into()))),
                _ => Ok(None),
            };
            Report::Record(loaded.map_err(|e| short_cause(&e)))
        };
        self.record_task = Some(self.tasks.spawn(work));
    }

    /// A record arrived: show it, unless the operator has moved on.
    pub(super) fn on_record(&mut self, id: super::task::TaskId, result: Result<Option<Record>, String>) {
        if self.record_task != Some(id) {
            return;
        }
        self.record_task = None;
        match result {
            Ok(Some(record)) => self.mode = Mode::Record(Box::new(RecordView { record, scroll: 0 })),
            Ok(None) => self.complain("that row is gone: Ctrl-R reloads the list"),
            Err(e) => self.complain(format!("the record could not be read: {e}")),
        }
    }

    /// Shows a record that is already at hand (an import error row).
    pub(super) fn show_record(&mut self, record: Record) {
        self.mode = Mode::Record(Box::new(RecordView { record, scroll: 0 }));
    }

    pub(super) fn record_view_key(&mut self, key: Key, mut view: Box<RecordView>) {
        match self.keymap.action(key) {
            Some(Action::Down) => view.scroll = view.scroll.saturating_add(1),
            Some(Action::Up) => view.scroll = view.scroll.saturating_sub(1),
            Some(Action::Top) => view.scroll = 0,
            _ if super::modal::closes_popup(key) => return self.mode = Mode::Normal,
            _ => return self.complain("j/k scroll; Esc, q or Enter closes"),
        }
        self.mode = Mode::Record(view);
    }
}

/// Draws the detail view over the body.
pub fn draw_record(f: &mut Frame, app: &App, view: &RecordView, body: Rect) {
    let t = &app.theme;
    let (title, fields) = view.record.fields();
    let label_w = fields.iter().map(|(l, _)| l.len()).max().unwrap_or(0);
    let lines: Vec<Line> = fields
        .into_iter()
        .map(|(label, value)| {
            Line::from(vec![Span::styled(format!("{label:>label_w$}  "), t.header), Span::raw(value)])
        })
        .collect();
    let w = body.width.saturating_sub(4).min(100);
    let h = (lines.len() as u16 + 3).min(body.height);
    let r = super::view::centered(body, w, h);
    f.render_widget(Clear, r);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" {} ", sanitize(&title)))
        .title_bottom(Span::styled(" Esc, q or Enter closes · j/k scroll ", t.dim));
    f.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }).scroll((view.scroll, 0)), r);
}
