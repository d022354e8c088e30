//! Multi-field forms: one text input per field, Tab and Shift-Tab between
//! fields, each field checked as it is typed by the domain's own rule, Enter
//! or Ctrl-S submits, and a refused submit (here or by the database) keeps
//! every field. Esc keeps the form as a draft that opening it again brings back.

use crossterm::event::{Event, KeyCode, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::app::{App, Mode};
use super::modal::{Unsent, pasted_text};
use chrono::NaiveDate;

use crate::domain::import_spec::{Column, check_cell};
use crate::domain::maintenance::ChangeKind;
use crate::domain::role::{check_login, check_staff_name, parse_role};
use crate::domain::text::sanitize;
use crate::keys::Key;

/// A field's rule: the domain's check of what was typed.
pub type Check = fn(&str) -> Result<(), String>;

/// How a field is checked: by a rule of its own, or as the import
/// specification checks a cell of its column (member changes), so a form
/// accepts exactly what a CSV row would.
#[derive(Debug, Clone, Copy)]
enum Rule {
    Fn(Check),
    Column(&'static Column, NaiveDate),
}

/// One labelled input and its rule.
#[derive(Debug, Clone)]
pub struct Field {
    pub label: &'static str,
    /// What to type, shown while the field is empty.
    pub hint: &'static str,
    pub input: Input,
    rule: Rule,
    required: bool,
    /// Why the typed value is refused, once something was typed (or submitted).
    pub error: Option<String>,
}

impl Field {
    fn new(label: &'static str, hint: &'static str, check: Check) -> Field {
        Field { label, hint, input: Input::default(), rule: Rule::Fn(check), required: true, error: None }
    }

    fn column(col: &'static Column, today: NaiveDate) -> Field {
        let hint = if col.required { "required" } else { "optional" };
        Field {
            label: col.name,
            hint,
            input: Input::default(),
            rule: Rule::Column(col, today),
            required: col.required,
            error: None,
        }
    }

    fn recheck(&mut self, submitting: bool) {
        let value = self.input.value();
        self.error = if value.trim().is_empty() && (!submitting || !self.required) {
            None
        } else if value.trim().is_empty() {
            Some(format!("{} is needed", self.label.replace('_', " ")))
        } else {
            match self.rule {
                Rule::Fn(check) => check(value).err(),
                Rule::Column(col, today) => check_cell(col, value, today).err().map(|e| e.message),
            }
        };
    }
}

/// What a form collects, and so what submitting it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormKind {
    /// A new staff account: login, name, role.
    StaffCreate,
    /// A member change (its fields are the change kind's).
    Change(ChangeKind),
}

/// An open form.
#[derive(Debug, Clone)]
pub struct Form {
    pub kind: FormKind,
    pub title: &'static str,
    pub fields: Vec<Field>,
    pub focus: usize,
    /// The values it opened with (a record's own): only what differs is sent.
    pub prefilled: Vec<String>,
}

impl PartialEq for Form {
    fn eq(&self, other: &Form) -> bool {
        self.kind == other.kind && self.focus == other.focus && self.values() == other.values()
    }
}

impl Eq for Form {}

impl Form {
    /// An empty form of `kind`; `today` judges dates (birth dates not in the future).
    pub fn new(kind: FormKind, today: NaiveDate) -> Form {
        let fields: Vec<Field> = match kind {
            FormKind::StaffCreate => vec![
                Field::new("Login", "2-32 of a-z 0-9 . _ -", |s| check_login(s).map(drop)),
                Field::new("Name", "as the person writes it", |s| check_staff_name(s).map(drop)),
                Field::new("Role", "agent, supervisor or admin", |s| parse_role(s).map(drop)),
            ],
            FormKind::Change(k) => k.fields().iter().map(|c| Field::column(c, today)).collect(),
        };
        let title = match kind {
            FormKind::StaffCreate => "New staff account",
            FormKind::Change(k) => change_title(k),
        };
        let prefilled = vec![String::new(); fields.len()];
        Form { kind, title, fields, focus: 0, prefilled }
    }

    /// Fills fields from a record (by field name); what is filled is not
    /// sent again unless it is changed.
    pub fn prefill(&mut self, values: &[(&str, String)]) {
        for (i, f) in self.fields.iter_mut().enumerate() {
            if let Some((_, v)) = values.iter().find(|(n, _)| *n == f.label) {
                f.input = Input::new(v.clone());
                self.prefilled[i] = v.clone();
            }
        }
    }

    /// The fields typed or changed, by name: a member change's request.
    pub fn changed(&self) -> Vec<(String, String)> {
        self.fields
            .iter()
            .zip(&self.prefilled)
            .filter(|(f, was)| !f.input.value().trim().is_empty() && f.input.value() != was.as_str())
            .map(|(f, _)| (f.label.to_owned(), f.input.value().to_owned()))
            .collect()
    }

    /// What each field holds, in order.
    pub fn values(&self) -> Vec<&str> {
        self.fields.iter().map(|f| f.input.value()).collect()
    }

    /// Checks every field; true when all pass.
    fn check_all(&mut self) -> bool {
        for f in &mut self.fields {
            f.recheck(true);
        }
        match self.fields.iter().position(|f| f.error.is_some()) {
            Some(i) => {
                self.focus = i;
                false
            }
            None => true,
        }
    }
}

/// A member change form's title.
fn change_title(k: ChangeKind) -> &'static str {
    match k {
        ChangeKind::AddMember => "Add a member",
        ChangeKind::AddDependent => "Add a dependent",
        ChangeKind::Demographics => "Change demographics (only what you change is sent)",
        ChangeKind::MemberType => "Change the member type",
        ChangeKind::Terminate => "Terminate coverage",
        ChangeKind::Reinstate => "Reinstate coverage",
        ChangeKind::Event => "Record a qualifying event",
        ChangeKind::Enroll => "Enroll in a plan",
        ChangeKind::ChangeTier => "Change the tier",
        ChangeKind::EndEnrollment => "End an enrollment",
        ChangeKind::Undo => "Revert the last change",
    }
}

impl App {
    /// Opens a form of `kind`, or the draft of one left with Esc.
    pub(super) fn open_form(&mut self, kind: FormKind) {
        self.open_form_with(kind, &[]);
    }

    /// Opens a form of `kind` filled from a record, or the draft of one left with Esc.
    pub(super) fn open_form_with(&mut self, kind: FormKind, values: &[(&str, String)]) {
        match self.form_draft.take_if(|f| f.kind == kind) {
            Some(f) => {
                self.mode = Mode::Form(f);
                self.say("your earlier text is back: Esc leaves it again");
            }
            None => {
                let mut form = Form::new(kind, self.ops.now().date_naive());
                form.prefill(values);
                self.mode = Mode::Form(Box::new(form));
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
        self.mode = Mode::Normal;
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
        self.mode = Mode::Normal;
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
                    self.mode = Mode::Form(form);
                    return self.complain("nothing changed: type the new values, then Enter");
                }
                self.check_change(kind, fields);
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
    let label_w = form.fields.iter().map(|f| f.label.len()).max().unwrap_or(0) + 2;
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
        let label = format!("{:>w$} ", field.label, w = label_w - 1);
        lines.push(Line::from(vec![Span::styled(label, t.header), Span::styled(shown, style)]));
        if focused {
            let x = field.input.visual_cursor().saturating_sub(scroll);
            cursor = Some(((label_w + x).min(inner_w - 1) as u16, lines.len() as u16 - 1));
        }
        if let Some(e) = field.error.as_deref() {
            let text = format!("{:w$}✗ {}", "", sanitize(e), w = label_w);
            for row in super::view::wrap(&text, inner_w, label_w + 2) {
                lines.push(Line::from(Span::styled(row, t.error)));
            }
        }
    }
    lines.push(Line::from(Span::styled("Tab next field · Enter or Ctrl-S saves · Esc keeps it as a draft", t.dim)));
    let h = (lines.len() as u16 + 2).min(body.height);
    let r = super::view::centered(body, w, h);
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
