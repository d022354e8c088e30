//! Member maintenance on screen: `:edit`, `:add-dependent`, `:terminate` …
//! on the open member (`:add-member` anywhere). What was typed is checked
//! by the ops layer in a dry run first, shown as a preview (before → after)
//! to confirm with y, then applied with the member's version from the
//! preview, so a colleague's change in between is refused, not overwritten.
//! A case open in the Cases area that is about this member, or about
//! nobody yet, is the case the change is made from (named in the preview).

use super::app::App;
use super::form::FormKind;
use super::modal::{Confirm, Pending};
use super::task::Report;
use crate::action::Action;
use crate::domain::maintenance::ChangeKind;
use crate::domain::text::sanitize;
use crate::domain::typed_change::typed_fields;
use crate::ops::maintenance::{ChangeDone, ChangeRequest};
use crate::ops::request::Request;

/// The change kind an action makes, if it is a member change.
pub fn kind_of(action: Action) -> Option<ChangeKind> {
    Some(match action {
        Action::MemberAdd => ChangeKind::AddMember,
        Action::MemberAddDependent => ChangeKind::AddDependent,
        Action::MemberUpdate => ChangeKind::Demographics,
        Action::MemberChangeType => ChangeKind::MemberType,
        Action::MemberTerminate => ChangeKind::Terminate,
        Action::MemberReinstate => ChangeKind::Reinstate,
        Action::MemberAddEvent => ChangeKind::Event,
        Action::MemberEnroll => ChangeKind::Enroll,
        Action::MemberChangeTier => ChangeKind::ChangeTier,
        Action::MemberEndEnrollment => ChangeKind::EndEnrollment,
        Action::MemberUndo => ChangeKind::Undo,
        _ => return None,
    })
}

/// The preview's lines: what changes, and the case it is made from.
pub fn preview_lines(done: &ChangeDone) -> Vec<String> {
    let v = |x: &Option<String>| x.clone().unwrap_or_else(|| "—".into());
    let mut lines: Vec<String> =
        done.changes.iter().map(|c| sanitize(&format!("{}: {} → {}", c.field, v(&c.before), v(&c.after)))).collect();
    if let Some(c) = &done.case_number {
        lines.push(format!("made from case {c} (its timeline gets: {})", sanitize(&done.summary)));
    }
    lines
}

impl App {
    /// A member change from a key or a `:` command: with nothing typed
    /// after the word, its form (filled from the member for demographics);
    /// else checked in a dry run, then shown to confirm.
    pub(super) fn maintain(&mut self, action: Action, text: String) {
        let Some(kind) = kind_of(action) else { return };
        if self.lacks_role(action) {
            return;
        }
        if kind != ChangeKind::AddMember && self.open_member_number().is_none() {
            return self.complain("open a member first (2, then Enter, or :member QUERY)");
        }
        if text.trim().is_empty() && !kind.fields().is_empty() {
            let values = if kind == ChangeKind::Demographics { self.demographics() } else { Vec::new() };
            return self.open_form_with(FormKind::Change(kind), &values);
        }
        match typed_fields(kind, &text) {
            Ok(fields) => self.check_change(kind, fields),
            Err(e) => self.complain(e),
        }
    }

    fn open_member_number(&self) -> Option<String> {
        let s = self.top::<super::members::MemberScreen>()?;
        s.file.as_ref().map(|_| s.number.clone())
    }

    /// The open member's demographics, as its form starts with them.
    fn demographics(&self) -> Vec<(&'static str, String)> {
        let Some(m) = self.screen::<super::members::MemberScreen>().and_then(|s| s.file.as_ref()).map(|f| &f.member)
        else {
            return Vec::new();
        };
        vec![
            ("first_name", m.first_name.clone()),
            ("last_name", m.last_name.clone()),
            ("address_line", m.address_line.clone()),
            ("city", m.city.clone()),
            ("state", m.state.clone()),
            ("zip", m.zip.clone()),
            ("phone", m.phone.clone().unwrap_or_default()),
            ("email", m.email.clone().unwrap_or_default()),
            ("gender", m.gender.clone()),
            ("language", m.language.clone()),
            ("birth_date", m.birth_date.to_string()),
        ]
    }

    /// Checks a change in a dry run; its preview comes back to confirm.
    pub(super) fn check_change(&mut self, kind: ChangeKind, fields: Vec<(String, String)>) {
        let member = if kind == ChangeKind::AddMember { None } else { self.open_member_number() };
        if kind != ChangeKind::AddMember && member.is_none() {
            return self.complain("open a member first (2, then Enter, or :member QUERY)");
        }
        let case = self.change_case(member.as_deref());
        let req = ChangeRequest { kind, member, fields, case, version: None, dry_run: true };
        let run = self.runner();
        self.spawn_op("checking the change…".into(), async move {
            let result = run.ask(Request::MemberChange(req.clone())).await.map_err(|e| e.to_string());
            Report::ChangePreview { request: Box::new(req), result: result.map(Box::new) }
        });
    }

    /// The case open in the Cases area, when it is about this member (or
    /// its subscriber) or about no member yet.
    fn change_case(&self, member: Option<&str>) -> Option<String> {
        let file = self.screen::<super::cases::CaseScreen>()?.file.as_ref()?;
        let about = file.case.member_number.as_deref();
        let subscriber = self
            .screen::<super::members::MemberScreen>()
            .and_then(|s| s.file.as_ref())
            .and_then(|f| f.subscriber.as_ref().map(|r| r.member_number.clone()));
        (about.is_none() || about == member || about == subscriber.as_deref()).then(|| file.case.case_number.clone())
    }

    /// The dry run came back: refuse with its reason, or ask.
    pub(super) fn on_change_preview(&mut self, request: ChangeRequest, result: Result<Box<ChangeDone>, String>) {
        match result {
            Err(e) => self.complain(e),
            Ok(done) => {
                self.message = None;
                let applied = ChangeRequest { dry_run: false, version: done.version, ..request };
                self.confirm(Confirm {
                    title: format!("{} — apply?", sanitize(&done.summary)),
                    lines: preview_lines(&done),
                    pending: Pending::Member(Box::new(applied)),
                });
            }
        }
    }

    /// Applies a confirmed change; the member view is read again after it.
    pub(super) fn run_member_change(&mut self, req: ChangeRequest) {
        let run = self.runner();
        self.spawn_op("saving…".into(), async move {
            let r = run.ask::<ChangeDone>(Request::MemberChange(req)).await;
            Report::Op(r.map(|d| d.summary).map_err(|e| e.to_string()))
        });
    }
}
