//! Multi-field forms: one text input per field, Tab and Shift-Tab between
//! fields, each field checked as it is typed by the domain's own rule, Enter
//! or Ctrl-S submits, and a refused submit (here or by the database) keeps
//! every field. Esc keeps the form as a draft that opening it again brings back.
//! This file holds a form's fields and checks; its keys and drawing are in
//! form_view.rs.

use chrono::NaiveDate;
use tui_input::Input;

use crate::domain::import_spec::{Column, check_cell};
use crate::domain::maintenance::ChangeKind;
use crate::domain::report_catalogue::{Param, REPORTS};
use crate::domain::role::{check_login, check_staff_name, parse_role};

/// A field's rule: the domain's check of what was typed.
pub type Check = fn(&str) -> Result<(), String>;

/// How a field is checked: by a rule of its own, or as the import
/// specification checks a cell of its column (member changes), so a form
/// accepts exactly what a CSV row would.
#[derive(Debug, Clone, Copy)]
enum Rule {
    Fn(Check),
    Column(&'static Column, NaiveDate),
    /// A report's parameter, checked as the catalogue checks it.
    Param(&'static Param),
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

    fn param(p: &'static Param) -> Field {
        Field {
            label: p.name,
            hint: p.help,
            input: Input::default(),
            rule: Rule::Param(p),
            required: p.required,
            error: None,
        }
    }

    /// Whether the field must be filled (the form marks it with `*`).
    pub fn required(&self) -> bool {
        self.required
    }

    pub(super) fn recheck(&mut self, submitting: bool) {
        let value = self.input.value();
        self.error = if value.trim().is_empty() && (!submitting || !self.required) {
            None
        } else if value.trim().is_empty() {
            Some(format!("{} is needed", self.label.replace('_', " ")))
        } else {
            match self.rule {
                Rule::Fn(check) => check(value).err(),
                Rule::Column(col, today) => check_cell(col, value, today).err().map(|e| e.message),
                Rule::Param(p) => p.check_value(value.trim()).err(),
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
    /// A report's parameters: the catalogue's report at this index.
    Report(usize),
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
            FormKind::Report(i) => REPORTS.get(i).map_or(&[][..], |r| r.params).iter().map(Field::param).collect(),
        };
        let title = match kind {
            FormKind::StaffCreate => "New staff account",
            FormKind::Change(k) => change_title(k),
            FormKind::Report(i) => REPORTS.get(i).map_or("Run a report", |r| r.title),
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
    pub(super) fn check_all(&mut self) -> bool {
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
