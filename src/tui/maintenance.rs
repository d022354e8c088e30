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
use crate::ops::maintenance::{ChangeDone, ChangeRequest};

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

/// `FIELD=VALUE FIELD=VALUE …` as pairs; a word without `=` continues the
/// value before it, so `address_line=12 Elm St city=Austin` needs no quotes.
pub fn field_pairs(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut out: Vec<(String, String)> = Vec::new();
    for word in text.split_whitespace() {
        match (word.split_once('='), out.last_mut()) {
            (Some((k, v)), _) if !k.is_empty() => out.push((k.to_lowercase(), v.to_owned())),
            (_, Some((_, v))) => {
                v.push(' ');
                v.push_str(word);
            }
            (_, None) => return Err(format!("type FIELD=VALUE …, e.g. city=Austin (not {:?})", word)),
        }
    }
    if out.is_empty() {
        return Err("type FIELD=VALUE …, e.g. address_line=12 Elm St city=Austin".into());
    }
    Ok(out)
}

/// The fields of a change as typed after its `:` word.
pub fn typed_fields(kind: ChangeKind, text: &str) -> Result<Vec<(String, String)>, String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let f = |name: &str, v: &str| (name.to_owned(), v.to_owned());
    let usage = |u: &str| Err(format!("type :{u}"));
    match kind {
        ChangeKind::AddMember | ChangeKind::AddDependent | ChangeKind::Demographics => field_pairs(text),
        ChangeKind::Terminate => match words.as_slice() {
            [date, reason @ ..] if !reason.is_empty() => Ok(vec![f("end_date", date), f("reason", &reason.join(" "))]),
            _ => usage("terminate YYYY-MM-DD REASON"),
        },
        ChangeKind::Reinstate => match words.as_slice() {
            [date] => Ok(vec![f("effective_date", date)]),
            _ => usage("reinstate YYYY-MM-DD"),
        },
        ChangeKind::MemberType => match words.as_slice() {
            [t, date] => Ok(vec![f("member_type", &t.to_uppercase()), f("effective_date", date)]),
            _ => usage("change-type SUBSCRIBER|QB|DIRECT_BILL YYYY-MM-DD"),
        },
        ChangeKind::Event => match words.as_slice() {
            [code, date] => Ok(vec![f("event_code", code), f("event_date", date)]),
            _ => usage("event CODE(1-7) YYYY-MM-DD"),
        },
        ChangeKind::Enroll => match words.as_slice() {
            [plan, tier, date] => Ok(vec![f("plan_code", plan), f("tier", tier), f("coverage_start", date)]),
            _ => usage("enroll PLAN TIER YYYY-MM-DD"),
        },
        ChangeKind::ChangeTier => match words.as_slice() {
            [tier, date] => Ok(vec![f("tier", tier), f("effective_date", date)]),
            [plan, tier, date] => Ok(vec![f("plan_code", plan), f("tier", tier), f("effective_date", date)]),
            _ => usage("tier [PLAN] TIER YYYY-MM-DD"),
        },
        ChangeKind::EndEnrollment => match words.as_slice() {
            [date] => Ok(vec![f("end_date", date)]),
            [plan, date] => Ok(vec![f("plan_code", plan), f("end_date", date)]),
            _ => usage("end-enrollment [PLAN] YYYY-MM-DD"),
        },
        ChangeKind::Undo => Ok(Vec::new()),
    }
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
        let (ops, key, cfg) = (self.ops.clone(), self.key.clone(), self.maintenance);
        self.spawn_op("checking the change…".into(), async move {
            let result = match key {
                Some(k) => ops.change_member(&k, cfg, req.clone()).await.map_err(|e| e.to_string()),
                None => Err("no data key loaded".to_owned()),
            };
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
        let (ops, key, cfg) = (self.ops.clone(), self.key.clone(), self.maintenance);
        self.spawn_op("saving…".into(), async move {
            let r = match key {
                Some(k) => ops.change_member(&k, cfg, req).await.map(|d| d.summary).map_err(|e| e.to_string()),
                None => Err("no data key loaded".to_owned()),
            };
            Report::Op(r)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_typed_without_quotes_and_each_kind_says_its_form() {
        let pairs = field_pairs("address_line=12 Elm St City=Austin").unwrap();
        assert_eq!(pairs, vec![("address_line".into(), "12 Elm St".into()), ("city".into(), "Austin".into())]);
        assert!(field_pairs("Austin").unwrap_err().contains("FIELD=VALUE"));
        assert!(field_pairs("").is_err());
        let t = typed_fields(ChangeKind::Terminate, "2026-12-31 left the company").unwrap();
        assert_eq!(t[1], ("reason".into(), "left the company".into()));
        assert!(typed_fields(ChangeKind::Terminate, "2026-12-31").unwrap_err().contains(":terminate"));
        assert_eq!(typed_fields(ChangeKind::EndEnrollment, "MPPO 2026-12-31").unwrap()[0].1, "MPPO");
        assert_eq!(typed_fields(ChangeKind::MemberType, "qb 2026-12-01").unwrap()[0].1, "QB");
        assert!(typed_fields(ChangeKind::Undo, "").unwrap().is_empty());
    }
}
