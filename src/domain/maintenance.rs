//! Eligibility maintenance: the changes a case asks for, as one model that
//! forms, CSV rows and (later) X12 834 loops all build, and the rules judged
//! before any is written. A field's format is the import specification's
//! (`import_spec::check_cell`), so a form field accepts exactly the text a
//! CSV cell would; the rules across records (a child's age, one spouse, a
//! coverage inside its group's period, ...) are the functions below, each
//! naming the field it refuses so a form can put the message beside it.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::birth_date::age_on;
use super::import_spec::{CellError, Column, Format, Value, check_cell, opt, req};
use super::role::Role;

/// A kind of maintenance change. Its name is stable: the audit action
/// (`member.<name>`), the CLI's subcommand and the History tab use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeKind {
    AddMember,
    AddDependent,
    Demographics,
    MemberType,
    Terminate,
    Reinstate,
    Event,
    Enroll,
    ChangeTier,
    EndEnrollment,
    Undo,
}

impl ChangeKind {
    /// Every kind, in the order forms and documentation list them.
    pub const ALL: [ChangeKind; 11] = [
        ChangeKind::AddMember,
        ChangeKind::AddDependent,
        ChangeKind::Demographics,
        ChangeKind::MemberType,
        ChangeKind::Terminate,
        ChangeKind::Reinstate,
        ChangeKind::Event,
        ChangeKind::Enroll,
        ChangeKind::ChangeTier,
        ChangeKind::EndEnrollment,
        ChangeKind::Undo,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::AddMember => "add_member",
            ChangeKind::AddDependent => "add_dependent",
            ChangeKind::Demographics => "demographics",
            ChangeKind::MemberType => "member_type",
            ChangeKind::Terminate => "terminate",
            ChangeKind::Reinstate => "reinstate",
            ChangeKind::Event => "event",
            ChangeKind::Enroll => "enroll",
            ChangeKind::ChangeTier => "change_tier",
            ChangeKind::EndEnrollment => "end_enrollment",
            ChangeKind::Undo => "undo",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<ChangeKind> {
        ChangeKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The fields a form or file gives for this change, with the import
    /// specification's formats. All optional for a demographics change:
    /// only what is typed changes.
    pub fn fields(self) -> &'static [Column] {
        match self {
            ChangeKind::AddMember => ADD_MEMBER,
            ChangeKind::AddDependent => ADD_DEPENDENT,
            ChangeKind::Demographics => DEMOGRAPHICS,
            ChangeKind::MemberType => MEMBER_TYPE,
            ChangeKind::Terminate => TERMINATE,
            ChangeKind::Reinstate => REINSTATE,
            ChangeKind::Event => EVENT,
            ChangeKind::Enroll => ENROLL,
            ChangeKind::ChangeTier => CHANGE_TIER,
            ChangeKind::EndEnrollment => END_ENROLLMENT,
            ChangeKind::Undo => &[],
        }
    }

    /// The field whose date a change takes effect on, which the retro rule
    /// judges; `None` for changes without one (demographics take effect now).
    pub fn effective_field(self) -> Option<&'static str> {
        match self {
            ChangeKind::AddMember | ChangeKind::AddDependent | ChangeKind::Enroll => Some("coverage_start"),
            ChangeKind::Terminate | ChangeKind::EndEnrollment => Some("end_date"),
            ChangeKind::Reinstate | ChangeKind::ChangeTier | ChangeKind::MemberType => Some("effective_date"),
            ChangeKind::Event => Some("event_date"),
            ChangeKind::Demographics | ChangeKind::Undo => None,
        }
    }
}

const ADD_MEMBER: &[Column] = &[
    req("group_number", Format::Group),
    req("member_type", Format::MemberType),
    req("ssn", Format::Ssn),
    req("first_name", Format::Text(60)),
    req("last_name", Format::Text(60)),
    req("birth_date", Format::BirthDate),
    req("gender", Format::Gender),
    req("address_line", Format::Text(120)),
    req("city", Format::Text(60)),
    req("state", Format::State),
    req("zip", Format::Zip),
    opt("phone", Format::Text(30)),
    opt("email", Format::Text(254)),
    opt("language", Format::Text(40)),
    req("coverage_start", Format::Date),
];

const ADD_DEPENDENT: &[Column] = &[
    req("first_name", Format::Text(60)),
    req("last_name", Format::Text(60)),
    req("birth_date", Format::BirthDate),
    req("relationship", Format::Relationship),
    opt("ssn", Format::Ssn),
    opt("gender", Format::Gender),
    opt("disabled", Format::YesNo),
    req("coverage_start", Format::Date),
];

const DEMOGRAPHICS: &[Column] = &[
    opt("first_name", Format::Text(60)),
    opt("last_name", Format::Text(60)),
    opt("address_line", Format::Text(120)),
    opt("city", Format::Text(60)),
    opt("state", Format::State),
    opt("zip", Format::Zip),
    opt("phone", Format::Text(30)),
    opt("email", Format::Text(254)),
    opt("gender", Format::Gender),
    opt("language", Format::Text(40)),
    opt("birth_date", Format::BirthDate),
    opt("ssn", Format::Ssn),
];

const MEMBER_TYPE: &[Column] = &[req("member_type", Format::MemberType), req("effective_date", Format::Date)];

const TERMINATE: &[Column] = &[req("end_date", Format::Date), req("reason", Format::Text(200))];

const REINSTATE: &[Column] = &[req("effective_date", Format::Date)];

const EVENT: &[Column] = &[
    req("event_code", Format::EventCode),
    req("event_date", Format::Date),
    opt("notice_date", Format::Date),
    opt("loss_of_coverage_date", Format::Date),
    opt("disability_extension", Format::YesNo),
];

const ENROLL: &[Column] =
    &[req("plan_code", Format::PlanCode), req("tier", Format::Tier), req("coverage_start", Format::Date)];

const CHANGE_TIER: &[Column] =
    &[opt("plan_code", Format::PlanCode), req("tier", Format::Tier), req("effective_date", Format::Date)];

const END_ENROLLMENT: &[Column] = &[opt("plan_code", Format::PlanCode), req("end_date", Format::Date)];

/// Fields only a supervisor may change: they identify the person, and a
/// wrong one attaches a record to someone else.
pub fn needs_supervisor(kind: ChangeKind, field: &str) -> bool {
    kind == ChangeKind::Demographics && matches!(field, "birth_date" | "ssn")
}

/// A change's fields as typed, checked one by one with the import
/// specification's rules: the checked values by field name, or every
/// field's error (a form shows each beside its field). Fields the change
/// does not have are refused by name, so a misspelt `--set` is not ignored.
pub fn check_fields(
    kind: ChangeKind,
    typed: &[(&str, &str)],
    today: NaiveDate,
) -> Result<Vec<(&'static str, Value)>, Vec<CellError>> {
    let cols = kind.fields();
    let mut values = Vec::new();
    let mut errors = Vec::new();
    for (name, _) in typed {
        if !cols.iter().any(|c| c.name == *name) {
            let known: Vec<&str> = cols.iter().map(|c| c.name).collect();
            errors.push(CellError {
                column: "field",
                code: "field_unknown",
                message: format!(
                    "{:?} is not a field of this change; its fields: {}",
                    super::text::clip(name, 30),
                    known.join(", ")
                ),
            });
        }
    }
    for col in cols {
        let raw = typed.iter().rev().find(|(n, _)| *n == col.name).map(|(_, v)| *v).unwrap_or("");
        match check_cell(col, raw, today) {
            Ok(Some(v)) => values.push((col.name, v)),
            Ok(None) => {}
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() { Ok(values) } else { Err(errors) }
}

/// Why a change is refused by a rule across records: the field to show it
/// beside, and words for the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    pub field: &'static str,
    pub message: String,
}

fn refuse(field: &'static str, message: String) -> Result<(), RuleError> {
    Err(RuleError { field, message })
}

/// The age up to which a child is covered without a disability.
pub const CHILD_AGE_LIMIT: i32 = 26;

/// A child dependent is under 26 on the coverage date unless flagged disabled.
pub fn child_age(birth: NaiveDate, on: NaiveDate, disabled: bool) -> Result<(), RuleError> {
    let age = age_on(birth, on);
    if age >= CHILD_AGE_LIMIT && !disabled {
        return refuse(
            "birth_date",
            format!(
                "a child is covered until {CHILD_AGE_LIMIT}; this one is {age} on {on}: mark the dependent disabled if that applies"
            ),
        );
    }
    Ok(())
}

/// A subscriber has at most one spouse covered.
pub fn one_spouse(spouses_on_file: usize) -> Result<(), RuleError> {
    if spouses_on_file > 0 {
        return refuse("relationship", "the subscriber already has a spouse on file".into());
    }
    Ok(())
}

/// Nobody is covered before they are born.
pub fn born_by_coverage(birth: NaiveDate, coverage_start: NaiveDate) -> Result<(), RuleError> {
    if birth > coverage_start {
        return refuse("birth_date", format!("the birth date {birth} is after the coverage start {coverage_start}"));
    }
    Ok(())
}

/// Coverage starts inside the group's effective period: on or after its
/// original effective date and before its cancellation, if any.
pub fn inside_group_period(
    start: NaiveDate,
    group_effective: NaiveDate,
    group_cancelled: Option<NaiveDate>,
) -> Result<(), RuleError> {
    if start < group_effective {
        return refuse(
            "coverage_start",
            format!("coverage cannot start {start}, before the group's effective date {group_effective}"),
        );
    }
    if let Some(end) = group_cancelled.filter(|end| start >= *end) {
        return refuse("coverage_start", format!("coverage cannot start {start}: the group was cancelled {end}"));
    }
    Ok(())
}

/// A termination or enrollment end is not before the coverage began.
pub fn end_after_start(end: NaiveDate, coverage_start: NaiveDate) -> Result<(), RuleError> {
    if end < coverage_start {
        return refuse("end_date", format!("the end date {end} is before the coverage start {coverage_start}"));
    }
    Ok(())
}

/// One active enrollment per coverage type (medical, dental, vision):
/// `active` lists the member's active enrollments' coverage types.
pub fn one_active_per_type(active: &[&str], coverage_type: &str) -> Result<(), RuleError> {
    if active.contains(&coverage_type) {
        return refuse(
            "plan_code",
            format!("the member already has an active {coverage_type} enrollment: end it first or change its tier"),
        );
    }
    Ok(())
}

/// An SSN is on one member only: `holder` is the member number already
/// holding it, if any; `this` the member being changed (none when adding).
pub fn ssn_unused(holder: Option<&str>, this: Option<&str>) -> Result<(), RuleError> {
    match holder {
        Some(h) if Some(h) != this => refuse("ssn", format!("this SSN is on file for member {h}")),
        _ => Ok(()),
    }
}

/// The plan is one of the member's own group.
pub fn plan_of_group(plan_group: i64, member_group: i64, plan_code: &str) -> Result<(), RuleError> {
    if plan_group != member_group {
        return refuse("plan_code", format!("plan {plan_code} is not a plan of the member's group"));
    }
    Ok(())
}

/// A change taking effect more than `retro_days` before today needs a
/// supervisor and an Exception Request Form on the case it is made from.
pub fn retro(
    effective: NaiveDate,
    today: NaiveDate,
    retro_days: u32,
    role: Role,
    has_exception_form: bool,
) -> Result<(), RuleError> {
    let limit = today - Duration::days(i64::from(retro_days));
    if effective >= limit {
        return Ok(());
    }
    let field = "effective_date";
    if role < Role::Supervisor {
        return refuse(
            field,
            format!(
                "{effective} is more than {retro_days} days ago: a retroactive change needs a supervisor and an Exception Request Form on the case"
            ),
        );
    }
    if !has_exception_form {
        return refuse(
            field,
            format!(
                "{effective} is more than {retro_days} days ago: attach an Exception Request Form to the case first (make the change from that case)"
            ),
        );
    }
    Ok(())
}

/// A member's last change can be reverted within `minutes` of it.
pub fn undo_window(changed_at: DateTime<Utc>, now: DateTime<Utc>, minutes: u32) -> Result<(), RuleError> {
    if now - changed_at > Duration::minutes(i64::from(minutes)) {
        return refuse(
            "change",
            format!("the last change was made over {minutes} minutes ago; make a new change instead"),
        );
    }
    Ok(())
}

/// One field's value before and after a change, as shown in the preview,
/// kept in the audit row and listed on the History tab.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// The fields that differ between `before` and `after` (by name), SSNs
/// masked to their last four digits: a preview and an audit row never
/// hold a whole SSN.
pub fn diff(before: &[(&str, Option<String>)], after: &[(&str, Option<String>)]) -> Vec<FieldChange> {
    let shown = |field: &str, v: &Option<String>| match (field, v) {
        ("ssn", Some(s)) => Some(super::ssn::mask_cell(s)),
        (_, v) => v.clone(),
    };
    let mut out = Vec::new();
    for (field, new) in after {
        let old = before.iter().find(|(f, _)| f == field).and_then(|(_, v)| v.clone());
        if old.as_deref() != new.as_deref() {
            out.push(FieldChange { field: (*field).to_owned(), before: shown(field, &old), after: shown(field, new) });
        }
    }
    out
}

/// The line a case's timeline gets for a change, e.g. "M0001234: address changed".
pub fn timeline_line(member_number: &str, kind: ChangeKind, changes: &[FieldChange], who: &str) -> String {
    let what = match kind {
        ChangeKind::AddMember => "added".to_owned(),
        ChangeKind::AddDependent => format!("dependent {who} added"),
        ChangeKind::Demographics => {
            let address = ["address_line", "city", "state", "zip"];
            let mut names: Vec<&str> = Vec::new();
            for c in changes {
                let name = if address.contains(&c.field.as_str()) { "address" } else { c.field.as_str() };
                if !names.contains(&name) {
                    names.push(name);
                }
            }
            format!("{} changed", names.join(", ").replace('_', " "))
        }
        ChangeKind::MemberType => "member type changed".into(),
        ChangeKind::Terminate => "coverage terminated".into(),
        ChangeKind::Reinstate => "coverage reinstated".into(),
        ChangeKind::Event => "qualifying event recorded".into(),
        ChangeKind::Enroll => "enrolled".into(),
        ChangeKind::ChangeTier => "tier changed".into(),
        ChangeKind::EndEnrollment => "enrollment ended".into(),
        ChangeKind::Undo => "last change reverted".into(),
    };
    format!("{member_number}: {what}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn names_round_trip_and_every_kind_with_a_date_has_that_field() {
        for k in ChangeKind::ALL {
            assert_eq!(ChangeKind::parse(k.as_str()), Some(k));
            if let Some(f) = k.effective_field() {
                assert!(k.fields().iter().any(|c| c.name == f), "{} lacks {f}", k.as_str());
            }
        }
        assert_eq!(ChangeKind::parse("delete"), None);
    }

    #[test]
    fn fields_are_checked_by_the_import_rules_and_unknown_ones_named() {
        let today = d(2026, 12, 3);
        let ok = check_fields(
            ChangeKind::AddDependent,
            &[
                ("first_name", "Noah"),
                ("last_name", "Park"),
                ("birth_date", "03/14/2015"),
                ("relationship", "Child"),
                ("coverage_start", "2026-12-01"),
            ],
            today,
        )
        .unwrap();
        assert!(ok.contains(&("birth_date", Value::Date(d(2015, 3, 14)))));
        assert!(ok.contains(&("relationship", Value::Text("child".into()))));

        let errs = check_fields(
            ChangeKind::AddDependent,
            &[("first_name", "Noah"), ("birth_date", "2030-01-01"), ("colour", "red"), ("coverage_start", "12.1.26")],
            today,
        )
        .unwrap_err();
        let codes: Vec<(&str, &str)> = errs.iter().map(|e| (e.column, e.code)).collect();
        assert!(codes.contains(&("field", "field_unknown")), "{codes:?}");
        assert!(codes.contains(&("last_name", "required")));
        assert!(codes.contains(&("birth_date", "birth_date_future")));
        assert!(codes.contains(&("relationship", "required")));
        assert!(codes.contains(&("coverage_start", "date_invalid")));

        let long = "x".repeat(10_000);
        let errs = check_fields(ChangeKind::Demographics, &[("first_name", &long)], today).unwrap_err();
        assert_eq!((errs[0].column, errs[0].code), ("first_name", "too_long"));
        let errs = check_fields(ChangeKind::Demographics, &[("last_name", "Park\u{202E}krap")], today).unwrap_err();
        assert_eq!(errs[0].code, "invisible_character");
        // Nothing typed is nothing to change, not an error.
        assert_eq!(check_fields(ChangeKind::Demographics, &[], today).unwrap(), vec![]);
    }

    #[test]
    fn only_identity_fields_need_a_supervisor() {
        assert!(needs_supervisor(ChangeKind::Demographics, "ssn"));
        assert!(needs_supervisor(ChangeKind::Demographics, "birth_date"));
        assert!(!needs_supervisor(ChangeKind::Demographics, "city"));
        assert!(!needs_supervisor(ChangeKind::AddDependent, "birth_date"));
    }

    #[test]
    fn a_child_is_covered_until_26_unless_disabled() {
        let on = d(2026, 12, 1);
        assert!(child_age(d(2000, 12, 2), on, false).is_ok()); // 25, a day short of 26
        let e = child_age(d(2000, 12, 1), on, false).unwrap_err();
        assert_eq!(e.field, "birth_date");
        assert!(e.message.contains("this one is 26"), "{}", e.message);
        assert!(child_age(d(1986, 1, 1), on, true).is_ok()); // a child of 40, disabled
        assert!(child_age(d(1986, 1, 1), on, false).is_err());
    }

    #[test]
    fn record_rules_refuse_with_the_field_named() {
        assert!(one_spouse(0).is_ok());
        assert_eq!(one_spouse(1).unwrap_err().field, "relationship");
        assert!(born_by_coverage(d(2026, 1, 1), d(2026, 1, 1)).is_ok());
        assert_eq!(born_by_coverage(d(2026, 2, 1), d(2026, 1, 1)).unwrap_err().field, "birth_date");
        assert!(end_after_start(d(2026, 1, 1), d(2026, 1, 1)).is_ok());
        assert_eq!(end_after_start(d(2025, 12, 31), d(2026, 1, 1)).unwrap_err().field, "end_date");
        assert!(one_active_per_type(&["dental"], "medical").is_ok());
        assert_eq!(one_active_per_type(&["dental", "medical"], "medical").unwrap_err().field, "plan_code");
        assert!(ssn_unused(None, None).is_ok());
        assert!(ssn_unused(Some("M1"), Some("M1")).is_ok());
        let e = ssn_unused(Some("M1"), Some("M2")).unwrap_err();
        assert!(e.message.contains("M1"));
        assert!(ssn_unused(Some("M1"), None).is_err());
        assert!(plan_of_group(3, 3, "MPPO").is_ok());
        assert!(plan_of_group(3, 4, "MPPO").unwrap_err().message.contains("MPPO"));
    }

    #[test]
    fn coverage_starts_inside_the_groups_period() {
        let eff = d(2020, 1, 1);
        assert!(inside_group_period(d(2020, 1, 1), eff, None).is_ok());
        assert!(inside_group_period(d(2019, 12, 31), eff, None).unwrap_err().message.contains("2020-01-01"));
        assert!(inside_group_period(d(2024, 5, 31), eff, Some(d(2024, 6, 1))).is_ok());
        assert!(inside_group_period(d(2024, 6, 1), eff, Some(d(2024, 6, 1))).is_err());
    }

    #[test]
    fn a_retro_change_needs_a_supervisor_and_the_form() {
        let today = d(2026, 12, 3);
        let recent = today - Duration::days(60);
        let old = today - Duration::days(61);
        assert!(retro(recent, today, 60, Role::Agent, false).is_ok());
        assert!(retro(today + Duration::days(30), today, 60, Role::Agent, false).is_ok());
        let agent = retro(old, today, 60, Role::Agent, true).unwrap_err();
        assert!(agent.message.contains("needs a supervisor"), "{}", agent.message);
        let no_form = retro(old, today, 60, Role::Supervisor, false).unwrap_err();
        assert!(no_form.message.contains("Exception Request Form"), "{}", no_form.message);
        assert!(retro(old, today, 60, Role::Supervisor, true).is_ok());
        assert!(retro(old, today, 60, Role::Admin, true).is_ok());
    }

    #[test]
    fn undo_is_open_for_its_window_only() {
        let at = DateTime::parse_from_rfc3339("2026-12-03T10:00:00Z").unwrap().with_timezone(&Utc);
        assert!(undo_window(at, at + Duration::minutes(30), 30).is_ok());
        assert!(undo_window(at, at + Duration::minutes(31), 30).is_err());
    }

    #[test]
    fn a_diff_names_changed_fields_with_ssns_masked() {
        let before = [("city", Some("Austin".to_owned())), ("ssn", Some("123456789".to_owned())), ("phone", None)];
        let after = [
            ("city", Some("Dallas".to_owned())),
            ("ssn", Some("123456780".to_owned())),
            ("phone", None),
            ("email", Some("a@b.c".to_owned())),
        ];
        let changes = diff(&before, &after);
        assert_eq!(changes.len(), 3);
        assert_eq!(
            changes[0],
            FieldChange { field: "city".into(), before: Some("Austin".into()), after: Some("Dallas".into()) }
        );
        assert_eq!(changes[1].before.as_deref(), Some("***-**-6789"));
        assert_eq!(changes[1].after.as_deref(), Some("***-**-6780"));
        assert_eq!(changes[2], FieldChange { field: "email".into(), before: None, after: Some("a@b.c".into()) });
        let line = timeline_line("M0001234", ChangeKind::Demographics, &changes, "");
        assert_eq!(line, "M0001234: address, ssn, email changed");
        assert_eq!(
            timeline_line("M0001234", ChangeKind::AddDependent, &[], "Noah Park"),
            "M0001234: dependent Noah Park added"
        );
    }
}
