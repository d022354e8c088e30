//! A form at work: opening it (or its draft), its keys and pastes, the
//! submit that checks every field, and its drawing. The fields are in form.rs.

use crossterm::event::{Event, KeyCode, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::app::{App, Mode};
use super::form::{Form, FormKind};
use super::modal::{Unsent, pasted_text};
use crate::domain::role::parse_role;
use crate::domain::text::sanitize;
use crate::keys::Key;

impl App {
    /// Opens a form of `kind`, or the draft of one left with Esc.
    pub(super) fn open_form(&mut self, kind: FormKind) {
        self.open_form_with(kind, &[]);
    }

    /// Opens a form of `kind` filled from a record, or the draft of one left with Esc.
    pub(super) fn open_form_with(&mut self, kind: FormKind, values: &[(&str, String)]) {
        match self.form_draft.take_if(|f| f.kind == kind) {
            Some(f) => {
                self.open_modal(Mode::Form(f));
                self.say("your earlier text is back: Esc leaves it again");
            }
            None => {
                let mut form = Form::new(kind, self.ops.now().date_naive());
                form.prefill(values);
                self.open_modal(Mode::Form(Box::new(form)));
            }
        }
    }

    pub(super) fn form_key(&mut self, key: Key, mut form: Box<Form>) {
        let ctrl = |c: char| key.code == KeyCode::Char(c) && key.mods == KeyModifiers::CONTROL;
        let n = form.fields.len();
        match key.code {
            KeyCode::Esc => return self.leave_form(form),
            _ if super::modal::is_ctrl_c(key) => return self.leave_form(form),
            KeyCode::Enter => return self.submit_form(form),
            // Help opens over the form; closing it shows the form as it was.
            KeyCode::F(1) => {
                self.mode = Mode::Form(form);
                return self.open_help();
            }
            _ if ctrl('s') => return self.submit_form(form),
            KeyCode::Tab | KeyCode::Down => form.focus = (form.focus + 1) % n,
            KeyCode::BackTab | KeyCode::Up => form.focus = (form.focus + n - 1) % n,
            _ => {
                let field = &mut form.fields[form.focus];
                if field.input.handle_event(&Event::Key(key.to_event())).is_some() {
                    field.recheck(false);
                }
            }
        }
        self.mode = Mode::Form(form);
    }

    /// A paste into a form goes into the focused field, on one line.
    pub(super) fn paste_into_form(&mut self, mut form: Box<Form>, text: &str) {
        let field = &mut form.fields[form.focus];
        let value = format!("{}{}", field.input.value(), pasted_text(text, false));
        field.input = Input::new(value);
        field.recheck(false);
        self.mode = Mode::Form(form);
    }

    fn leave_form(&mut self, form: Box<Form>) {
        self.close_modal();
        if form.values().iter().all(|v| v.trim().is_empty()) {
            self.say("cancelled; nothing was changed");
        } else {
            self.form_draft = Some(form);
            self.say("cancelled; nothing was changed. Your text is kept: open the form again to finish it");
        }
    }

    fn submit_form(&mut self, mut form: Box<Form>) {
        if !form.check_all() {
            let label = form.fields[form.focus].label;
            self.mode = Mode::Form(form);
            return self.complain(format!("{label}: fix the marked field(s), then Enter or Ctrl-S again"));
        }
        let (before, refusals) = (self.op_task, self.refusals);
        self.close_modal();
        let values: Vec<String> = form.values().into_iter().map(str::to_owned).collect();
        match form.kind {
            FormKind::StaffCreate => {
                // Each value passed its field's check above.
                let role = parse_role(&values[2]);
                if let Ok(role) = role {
                    self.run_staff_create(values[0].trim().to_owned(), role, values[1].clone());
                }
            }
            FormKind::Change(kind) => {
                let fields = form.changed();
                if fields.is_empty() {
                    self.open_modal(Mode::Form(form));
                    return self.complain("nothing changed: type the new values, then Enter");
                }
                self.check_change(kind, fields);
            }
            FormKind::Report(i) => {
                let params: Vec<(String, String)> = form
                    .fields
                    .iter()
                    .filter(|f| !f.input.value().trim().is_empty())
                    .map(|f| (f.label.to_owned(), f.input.value().trim().to_owned()))
                    .collect();
                self.run_report(i, params);
            }
        }
        self.keep_for_refusal(before, refusals, Unsent::Form(form));
    }
}

/// Draws the form over the body: a row per field with its error beneath
/// (wrapped, never cut), scrolled to the focused field when taller than the screen.
pub fn draw_form(f: &mut Frame, app: &App, form: &Form, body: Rect) {
    let t = &app.theme;
    let w = body.width.saturating_sub(4).min(90);
    let inner_w = usize::from(w.saturating_sub(2)).max(1);
    let star_w = usize::from(matches!(form.kind, FormKind::Report(_)));
    let label_w = form.fields.iter().map(|f| f.label.len()).max().unwrap_or(0) + 2 + star_w;
    let input_w = inner_w.saturating_sub(label_w + 1);
    let mut lines = Vec::new();
    // The focused field's row and the cursor's column in it.
    let mut cursor = None;
    for (i, field) in form.fields.iter().enumerate() {
        let focused = i == form.focus;
        let value = field.input.value();
        let scroll = field.input.visual_scroll(input_w);
        let shown: String = if value.is_empty() && !focused {
            field.hint.to_owned()
        } else {
            sanitize(&value.chars().skip(scroll).collect::<String>())
        };
        let style = if value.is_empty() && !focused {
            t.dim
        } else if focused {
            t.key
        } else {
            ratatui::style::Style::new()
        };
        // A report's required parameters carry a `*` (other forms need every field).
        let star = if matches!(form.kind, FormKind::Report(_)) && field.required() { "*" } else { "" };
        let label = format!("{:>w$} ", format!("{star}{}", field.label), w = label_w - 1);
        lines.push(Line::from(vec![Span::styled(label, t.header), Span::styled(shown, style)]));
        if focused {
            let x = field.input.visual_cursor().saturating_sub(scroll);
            cursor = Some(((label_w + x).min(inner_w - 1) as u16, lines.len() as u16 - 1));
        }
        if let Some(e) = field.error.as_deref() {
            let text = format!("{:w$}✗ {}", "", sanitize(e), w = label_w);
            for row in super::widgets::wrap(&text, inner_w, label_w + 2) {
                lines.push(Line::from(Span::styled(row, t.error)));
            }
        }
    }
    lines.push(Line::from(Span::styled("Tab next field · Enter or Ctrl-S saves · Esc keeps it as a draft", t.dim)));
    let h = (lines.len() as u16 + 2).min(body.height);
    let r = super::widgets::centered(body, w, h);
    f.render_widget(Clear, r);
    let block = Block::default().borders(Borders::ALL).title(format!(" {} ", form.title));
    let inner = block.inner(r);
    let (cx, cy) = cursor.unwrap_or((0, 0));
    let scroll = (cy + 2).saturating_sub(inner.height);
    f.render_widget(Paragraph::new(lines).block(block).scroll((scroll, 0)), r);
    if cursor.is_some() {
        f.set_cursor_position((inner.x + cx, inner.y + cy - scroll));
    }
}
