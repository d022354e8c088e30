//! The detail view of a row whose list shows only part of it: a portal
//! account, a staff account, a registration code, an import error row. Every
//! value is shown whole, wrapped; the view scrolls and closes with Esc, q or Enter.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::app::{App, Mode};
use super::record::{Record, RecordView};
use super::task::Report;
use crate::action::Action;
use crate::domain::text::sanitize;
use crate::keys::Key;
use crate::store::lists::ListKind;
use crate::store::records;
use crate::store::short_cause;

impl App {
    /// Enter on a row of the accounts, staff or codes list (a row `id` of
    /// a list of `kind`): loads its record.
    pub(super) fn open_record(&mut self, kind: ListKind, id: i64) {
        let store = self.ops.store().clone();
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
            Ok(Some(record)) => self.open_modal(Mode::Record(Box::new(RecordView { record, scroll: 0 }))),
            Ok(None) => self.complain("that row is gone: Ctrl-R reloads the list"),
            Err(e) => self.complain(format!("the record could not be read: {e}")),
        }
    }

    /// Shows a record that is already at hand (an import error row).
    pub(super) fn show_record(&mut self, record: Record) {
        self.open_modal(Mode::Record(Box::new(RecordView { record, scroll: 0 })));
    }

    pub(super) fn record_view_key(&mut self, key: Key, mut view: Box<RecordView>) {
        match self.keymap.action(key) {
            Some(Action::Down) => view.scroll = view.scroll.saturating_add(1),
            Some(Action::Up) => view.scroll = view.scroll.saturating_sub(1),
            Some(Action::Top) => view.scroll = 0,
            _ if super::modal::closes_popup(key) => return self.close_modal(),
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
    let r = super::widgets::centered(body, w, h);
    f.render_widget(Clear, r);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" {} ", sanitize(&title)))
        .title_bottom(Span::styled(" Esc, q or Enter closes · j/k scroll ", t.dim));
    f.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }).scroll((view.scroll, 0)), r);
}
