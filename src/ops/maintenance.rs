//! Eligibility maintenance: the change a case asks for, made by hand. Each
//! change is checked field by field with the import specification's rules
//! and across records with `domain::maintenance`, then written with its
//! audit row (before → after, SSNs masked) and a `member_changes` row (the
//! History tab, the case's timeline, and what an undo puts back) in one
//! transaction. A dry run does all of it and rolls back.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{OpError, Ops};
use crate::action::Action;
use crate::config::MaintenanceConfig;
use crate::crypto::DataKey;
use crate::domain::import_spec::Value;
use crate::domain::maintenance::{self as rules, ChangeKind, FieldChange, RuleError};
use crate::domain::role::Role;
use crate::domain::ssn::Ssn;
use crate::store::Tx;
use crate::store::maintenance::{self as store, MemberFields, MemberState};

/// Why a change that would change nothing is refused (a file's change
/// that finds the member already so is `unchanged` instead).
const NOTHING_TO_CHANGE: &str = "nothing to change: what was typed is what is on file";

/// A change as the CLI, a form or a file asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRequest {
    pub kind: ChangeKind,
    /// The member it is about (the subscriber, for a new dependent); none
    /// when adding a member.
    pub member: Option<String>,
    /// The fields as typed, by name (see `ChangeKind::fields`).
    pub fields: Vec<(String, String)>,
    /// The case it is made from, which gets the timeline entry.
    pub case: Option<String>,
    /// The member's version when the operator read it: a change made
    /// since is refused rather than overwritten.
    pub version: Option<i64>,
    /// Check and preview only: nothing is written, not even the audit row.
    pub dry_run: bool,
}

/// What a change did (or, in a dry run, would do).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangeDone {
    pub member_number: String,
    pub kind: &'static str,
    pub summary: String,
    pub changes: Vec<FieldChange>,
    pub case_number: Option<String>,
    pub applied: bool,
    pub change_id: Option<i64>,
    /// The member's version the change was checked against: a preview's
    /// confirmation applies it only if nobody changed the member since.
    pub version: Option<i64>,
}

/// The action a change kind is audited as.
pub fn action_of(kind: ChangeKind) -> Action {
    match kind {
        ChangeKind::AddMember => Action::MemberAdd,
        ChangeKind::AddDependent => Action::MemberAddDependent,
        ChangeKind::Demographics => Action::MemberUpdate,
        ChangeKind::MemberType => Action::MemberChangeType,
        ChangeKind::Terminate => Action::MemberTerminate,
        ChangeKind::Reinstate => Action::MemberReinstate,
        ChangeKind::Event => Action::MemberAddEvent,
        ChangeKind::Enroll => Action::MemberEnroll,
        ChangeKind::ChangeTier => Action::MemberChangeTier,
        ChangeKind::EndEnrollment => Action::MemberEndEnrollment,
        ChangeKind::Undo => Action::MemberUndo,
    }
}

/// What an undo puts back, kept with the change (its SSN cipher stays sealed).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Restore {
    /// The member's own fields before the change.
    fields: Option<MemberFields>,
    /// A member the change added, to be terminated again.
    added_member: Option<i64>,
    /// Enrollments the change ended, to be made active again.
    reopen: Vec<i64>,
    /// Enrollments the change began, to be ended on their start.
    end: Vec<(i64, NaiveDate)>,
    /// Enrollments whose tier changed, with the tier before.
    tiers: Vec<(i64, String)>,
}

/// The checked values of a change, by field name.
struct Values(Vec<(&'static str, Value)>);

impl Values {
    fn get(&self, name: &str) -> Option<&Value> {
        self.0.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }
    fn text(&self, name: &str) -> Option<String> {
        match self.get(name) {
            Some(Value::Text(t)) => Some(t.clone()),
            Some(Value::Int(i)) => Some(i.to_string()),
            _ => None,
        }
    }
    fn date(&self, name: &str) -> Option<NaiveDate> {
        match self.get(name) {
            Some(Value::Date(d)) => Some(*d),
            _ => None,
        }
    }
    fn ssn(&self, name: &str) -> Option<&Ssn> {
        match self.get(name) {
            Some(Value::Ssn(s)) => Some(s),
            _ => None,
        }
    }
    fn int(&self, name: &str) -> Option<i64> {
        match self.get(name) {
            Some(Value::Int(i)) => Some(*i),
            _ => None,
        }
    }
    fn yes(&self, name: &str) -> bool {
        matches!(self.get(name), Some(Value::Bool(true)))
    }
}

fn rule(e: RuleError) -> OpError {
    OpError::Invalid(format!("{}: {}", e.field, e.message))
}

fn missing(what: &str) -> OpError {
    OpError::NotFound(crate::domain::text::clip(what, 60))
}

/// The fields of a member as a preview and the audit row show them.
fn shown(f: &MemberFields) -> Vec<(&'static str, Option<String>)> {
    vec![
        ("member_type", Some(f.member_type.clone())),
        ("first_name", Some(f.first_name.clone())),
        ("last_name", Some(f.last_name.clone())),
        ("birth_date", Some(f.birth_date.to_string())),
        ("gender", Some(f.gender.clone())),
        ("address_line", Some(f.address_line.clone())),
        ("city", Some(f.city.clone())),
        ("state", Some(f.state.clone())),
        ("zip", Some(f.zip.clone())),
        ("phone", f.phone.clone()),
        ("email", f.email.clone()),
        ("language", Some(f.language.clone())),
        ("ssn", f.ssn_last4.as_ref().map(|l| format!("*****{l}"))),
        ("status", Some(f.status.clone())),
        ("disabled", Some(if f.disabled { "Y" } else { "N" }.to_owned())),
        ("terminated_on", f.terminated_on.map(|d| d.to_string())),
        ("termination_reason", f.termination_reason.clone()),
    ]
}

fn seal_ssn(f: &mut MemberFields, key: &DataKey, ssn: &Ssn) {
    f.ssn_cipher = Some(key.encrypt(ssn.digits()));
    f.ssn_index = Some(key.blind_index("ssn", ssn.digits()));
    f.ssn_last4 = Some(ssn.last4().to_owned());
}

/// A new member's fields from an addition's checked values (a form's or a
/// file's: see `ChangeKind::AddMember`), its SSN sealed.
pub(crate) fn added_fields(v: &[(&'static str, Value)], key: &DataKey) -> MemberFields {
    let v = Values(v.to_vec());
    let mut f = MemberFields {
        member_type: v.text("member_type").unwrap_or_else(|| "SUBSCRIBER".into()),
        first_name: v.text("first_name").unwrap_or_default(),
        last_name: v.text("last_name").unwrap_or_default(),
        birth_date: v.date("birth_date").unwrap_or_default(),
        gender: v.text("gender").unwrap_or_else(|| "U".into()),
        address_line: v.text("address_line").unwrap_or_default(),
        city: v.text("city").unwrap_or_default(),
        state: v.text("state").unwrap_or_default(),
        zip: v.text("zip").unwrap_or_default(),
        phone: v.text("phone"),
        email: v.text("email"),
        language: v.text("language").unwrap_or_else(|| "English".into()),
        ssn_cipher: None,
        ssn_index: None,
        ssn_last4: None,
        status: "active".into(),
        disabled: false,
        terminated_on: None,
        termination_reason: None,
    };
    if let Some(ssn) = v.ssn("ssn") {
        seal_ssn(&mut f, key, ssn);
    }
    f
}

/// What an addition's History row holds: the fields it set (SSN masked)
/// with the coverage start, and what an undo puts back (JSON).
fn added_record(f: &MemberFields, start: NaiveDate, id: i64) -> (Vec<FieldChange>, Restore) {
    let mut changes = rules::diff(&[], &shown(f));
    changes.push(FieldChange { field: "coverage_start".into(), before: None, after: Some(start.to_string()) });
    (changes, Restore { added_member: Some(id), ..Restore::default() })
}

/// An addition's History row values, as JSON: the fields it set (SSN
/// masked) with the coverage start, and what an undo puts back (an 834
/// run's additions, written in bulk, as `add_member` records one).
pub(crate) fn added_history(f: &MemberFields, start: NaiveDate, id: i64) -> (String, Option<String>) {
    let (changes, restore) = added_record(f, start, id);
    (serde_json::to_string(&changes).unwrap_or_else(|_| "[]".into()), serde_json::to_string(&restore).ok())
}

/// A change worked out inside its transaction, ready to be recorded.
struct Worked {
    member_id: i64,
    member_number: String,
    changes: Vec<FieldChange>,
    restore: Option<Restore>,
    /// Who the timeline line names (a new dependent).
    who: String,
    /// The change an undo reverts.
    undoes: Option<i64>,
}

impl Ops {
    /// `member.*`: makes one maintenance change (or, with `dry_run`,
    /// checks it and says what it would change). Refusals by role, the
    /// retro rule's included, are audited; nothing is half-written.
    pub async fn change_member(
        &self,
        key: &DataKey,
        cfg: MaintenanceConfig,
        req: ChangeRequest,
    ) -> Result<ChangeDone, OpError> {
        let action = action_of(req.kind);
        let number = req.member.as_deref().map(|m| m.trim().to_uppercase());
        let entity = match &number {
            Some(n) => format!("member:{}", crate::domain::text::clip(n, 20)),
            None => "member:new".to_owned(),
        };
        let r = self.change_member_inner(key, cfg, &req, action, number.as_deref(), &entity).await;
        if let Err(OpError::RefusedRole(_)) = &r
            && self.role() >= action.spec().min_role
        {
            // The role sufficed for the action but not for this change
            // (an identity field, a retro date): `begin` did not audit it.
            self.audit_refusal(action, &entity).await?;
        }
        r
    }

    async fn change_member_inner(
        &self,
        key: &DataKey,
        cfg: MaintenanceConfig,
        req: &ChangeRequest,
        action: Action,
        number: Option<&str>,
        entity: &str,
    ) -> Result<ChangeDone, OpError> {
        let today = self.now().date_naive();
        let typed: Vec<(&str, &str)> = req.fields.iter().map(|(k, v)| (k.trim(), v.as_str())).collect();
        let values = Values(rules::check_fields(req.kind, &typed, today).map_err(|errs| {
            OpError::Invalid(errs.iter().map(|e| format!("{}: {}", e.column, e.message)).collect::<Vec<_>>().join("; "))
        })?);
        if req.kind == ChangeKind::Demographics
            && self.role() < Role::Supervisor
            && let Some((field, _)) = values.0.iter().find(|(f, _)| rules::needs_supervisor(req.kind, f))
        {
            return Err(OpError::RefusedRole(format!(
                "changing a member's {} needs the supervisor role; {} is an agent",
                field.replace('_', " "),
                self.operator().login
            )));
        }
        let mut change = self.begin(action, entity).await?;
        let tx = &mut change.tx;
        let writes_ssn = values.ssn("ssn").is_some() || req.kind == ChangeKind::Undo;
        if writes_ssn && let Some(r) = crate::store::key_rotation::running_tx(tx).await? {
            return Err(OpError::Refused(format!(
                "a data key rotation to key {} is under way (see `portaldesk key status`): changes that write an \
                 SSN wait until it finishes, so every SSN is sealed under the key that stays",
                r.new_key_id
            )));
        }
        let case = match &req.case {
            Some(c) => Some(
                store::case(tx, &c.trim().to_uppercase())
                    .await?
                    .ok_or_else(|| missing(&format!("no case {}", c.trim())))?,
            ),
            None => None,
        };
        let effective = req.kind.effective_field().and_then(|f| values.date(f));
        if let Some(on) = effective {
            let has_form = case.as_ref().is_some_and(|c| c.has_exception_form);
            rules::retro(on, today, cfg.retro_days, self.role(), has_form).map_err(|e| {
                if self.role() < Role::Supervisor {
                    OpError::RefusedRole(e.message)
                } else {
                    OpError::Refused(e.message)
                }
            })?;
        }
        let state = match number {
            Some(n) => Some(store::member(tx, n).await?.ok_or_else(|| missing(&format!("no member {n}")))?),
            None if req.kind == ChangeKind::AddMember => None,
            None => return Err(OpError::Invalid("name the member: a member ID, M and digits".into())),
        };
        if let (Some(s), Some(v)) = (&state, req.version)
            && s.row_version != v
        {
            let last = store::last_change(tx, s.id).await?;
            return Err(OpError::Conflict(format!(
                "{} was changed since you opened it{}: look again before changing it",
                s.member_number,
                last.map(|l| format!(" ({} by {} at {})", l.summary, l.operator, l.at.format("%H:%M")))
                    .unwrap_or_default()
            )));
        }
        if let (Some(c), Some(s)) = (&case, &state)
            && c.member_id.is_some_and(|m| m != s.id && Some(m) != s.subscriber_id)
        {
            return Err(OpError::Refused(format!("case {} is about another member", c.case_number)));
        }
        let version = state.as_ref().map(|s| s.row_version);
        let worked = match (req.kind, state) {
            (ChangeKind::AddMember, _) => self.add_member(tx, key, &values).await?,
            (ChangeKind::Undo, Some(s)) => self.undo(tx, cfg, &s).await?,
            (kind, Some(s)) => self.change_of(tx, key, kind, &values, s).await?,
            (_, None) => return Err(OpError::Invalid("name the member: a member ID, M and digits".into())),
        };
        let summary = rules::timeline_line(&worked.member_number, req.kind, &worked.changes, &worked.who);
        if req.dry_run {
            drop(change);
            return Ok(ChangeDone {
                member_number: worked.member_number,
                kind: req.kind.as_str(),
                summary,
                changes: worked.changes,
                case_number: case.map(|c| c.case_number),
                applied: false,
                change_id: None,
                version,
            });
        }
        let changes_json = serde_json::to_string(&worked.changes).unwrap_or_else(|_| "[]".into());
        let restore = worked.restore.as_ref().and_then(|r| serde_json::to_string(r).ok());
        let login = self.operator().login.clone();
        let id = store::insert_change(
            &mut change.tx,
            store::NewChange {
                member_id: worked.member_id,
                case_id: case.as_ref().map(|c| c.id),
                kind: req.kind.as_str(),
                operator: &login,
                at: self.now(),
                effective_on: effective,
                summary: &summary,
                changes: &changes_json,
                restore,
            },
        )
        .await?;
        if let Some(undone) = worked.undoes {
            store::mark_undone(&mut change.tx, undone, id).await?;
        }
        if let Some(c) = &case {
            store::link_case(&mut change.tx, c.id, worked.member_id).await?;
        }
        let side = |pick: fn(&FieldChange) -> &Option<String>| {
            serde_json::Value::Object(
                worked.changes.iter().map(|c| (c.field.clone(), serde_json::json!(pick(c)))).collect(),
            )
        };
        let (before, after) = (side(|c| &c.before), side(|c| &c.after));
        let audited = format!("member:{}", worked.member_number);
        self.finish(
            change,
            &audited,
            Some(before),
            Some(after),
            case.as_ref().map(|c| format!("case {}", c.case_number)),
        )
        .await?;
        Ok(ChangeDone {
            member_number: worked.member_number,
            kind: req.kind.as_str(),
            summary,
            changes: worked.changes,
            case_number: case.map(|c| c.case_number),
            applied: true,
            change_id: Some(id),
            version: version.map(|v| v + 1),
        })
    }

    /// A maintenance change an import file asks for (an 834 member loop),
    /// made inside the file's batch transaction `tx`: the same field checks,
    /// cross-record rules, writes, `member_changes` row (History) and audit
    /// row as a form's change. A file has no case, so no Exception Request
    /// Form: the retro rule is not judged, as for CSV rows (the job's
    /// operator and file are audited with it). `Ok(None)` when the member is
    /// already as the change would make it.
    pub(crate) async fn file_change(
        &self,
        tx: &mut Tx,
        key: &DataKey,
        kind: ChangeKind,
        member: Option<&str>,
        typed: &[(&'static str, String)],
        source: &str,
    ) -> Result<Option<ChangeDone>, OpError> {
        let today = self.now().date_naive();
        let typed: Vec<(&str, &str)> = typed.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let values = Values(rules::check_fields(kind, &typed, today).map_err(|errs| {
            OpError::Invalid(errs.iter().map(|e| format!("{}: {}", e.column, e.message)).collect::<Vec<_>>().join("; "))
        })?);
        let worked = match (kind, member) {
            (ChangeKind::AddMember, _) => self.add_member(tx, key, &values).await?,
            (_, Some(n)) => {
                let s = store::member(tx, n).await?.ok_or_else(|| missing(&format!("no member {n}")))?;
                match self.change_of(tx, key, kind, &values, s).await {
                    Err(OpError::Invalid(m)) if m == NOTHING_TO_CHANGE => return Ok(None),
                    r => r?,
                }
            }
            (_, None) => return Err(OpError::Invalid("name the member: a member ID, M and digits".into())),
        };
        let summary = rules::timeline_line(&worked.member_number, kind, &worked.changes, &worked.who);
        let changes_json = serde_json::to_string(&worked.changes).unwrap_or_else(|_| "[]".into());
        let restore = worked.restore.as_ref().and_then(|r| serde_json::to_string(r).ok());
        let login = self.operator().login.clone();
        let effective = kind.effective_field().and_then(|f| values.date(f));
        let id = store::insert_change(
            tx,
            store::NewChange {
                member_id: worked.member_id,
                case_id: None,
                kind: kind.as_str(),
                operator: &login,
                at: self.now(),
                effective_on: effective,
                summary: &summary,
                changes: &changes_json,
                restore,
            },
        )
        .await?;
        let side = |pick: fn(&FieldChange) -> &Option<String>| {
            serde_json::Value::Object(
                worked.changes.iter().map(|c| (c.field.clone(), serde_json::json!(pick(c)))).collect(),
            )
        };
        let mut e = self.entry(action_of(kind), &format!("member:{}", worked.member_number), true);
        (e.before, e.after) = (Some(side(|c| &c.before)), Some(side(|c| &c.after)));
        e.reason = Some(source.to_owned());
        crate::store::audit::write(tx, &e, self.now()).await?;
        Ok(Some(ChangeDone {
            member_number: worked.member_number,
            kind: kind.as_str(),
            summary,
            changes: worked.changes,
            case_number: None,
            applied: true,
            change_id: Some(id),
            version: None,
        }))
    }

    async fn add_member(&self, tx: &mut Tx, key: &DataKey, v: &Values) -> Result<Worked, OpError> {
        let group_number = v.text("group_number").unwrap_or_default();
        let group =
            store::group(tx, &group_number).await?.ok_or_else(|| missing(&format!("no group {group_number}")))?;
        let start = v.date("coverage_start").unwrap_or_default();
        let birth = v.date("birth_date").unwrap_or_default();
        rules::inside_group_period(start, group.original_effective_date, None).map_err(rule)?;
        rules::born_by_coverage(birth, start).map_err(rule)?;
        if let Some(ssn) = v.ssn("ssn") {
            let holder = ssn_holder(tx, key, ssn).await?;
            rules::ssn_unused(holder.as_deref(), None).map_err(rule)?;
        }
        let f = added_fields(&v.0, key);
        let id = store::new_member_id(tx).await?;
        let who = format!("{} {}", f.first_name, f.last_name);
        let number = store::insert(
            tx,
            store::NewMember {
                id,
                group_id: group.id,
                subscriber_id: None,
                relationship: "self",
                fields: &f,
                created_at: self.now(),
            },
        )
        .await?;
        let (changes, restore) = added_record(&f, start, id);
        Ok(Worked { member_id: id, member_number: number, changes, restore: Some(restore), who, undoes: None })
    }

    /// Every change of an existing member but undo.
    async fn change_of(
        &self,
        tx: &mut Tx,
        key: &DataKey,
        kind: ChangeKind,
        v: &Values,
        s: MemberState,
    ) -> Result<Worked, OpError> {
        let mut after = s.fields.clone();
        let mut restore = Restore { fields: Some(s.fields.clone()), ..Restore::default() };
        let mut extra: Vec<FieldChange> = Vec::new();
        let mut member_id = s.id;
        let mut member_number = s.member_number.clone();
        let mut who = String::new();
        let coverage = store::coverage_start(tx, s.id).await?;
        let active = store::active_enrollments(tx, s.id).await?;
        match kind {
            ChangeKind::Demographics => {
                for (field, _) in &v.0 {
                    let t = v.text(field);
                    match *field {
                        "first_name" => after.first_name = t.unwrap_or_default(),
                        "last_name" => after.last_name = t.unwrap_or_default(),
                        "address_line" => after.address_line = t.unwrap_or_default(),
                        "city" => after.city = t.unwrap_or_default(),
                        "state" => after.state = t.unwrap_or_default(),
                        "zip" => after.zip = t.unwrap_or_default(),
                        "phone" => after.phone = t,
                        "email" => after.email = t,
                        "gender" => after.gender = t.unwrap_or_default(),
                        "language" => after.language = t.unwrap_or_default(),
                        "birth_date" => {
                            let birth = v.date(field).unwrap_or(after.birth_date);
                            if let Some(start) = coverage {
                                rules::born_by_coverage(birth, start).map_err(rule)?;
                            }
                            after.birth_date = birth;
                        }
                        "ssn" => {
                            if let Some(ssn) = v.ssn(field) {
                                let holder = ssn_holder(tx, key, ssn).await?;
                                rules::ssn_unused(holder.as_deref(), Some(&s.member_number)).map_err(rule)?;
                                seal_ssn(&mut after, key, ssn);
                            }
                        }
                        _ => {}
                    }
                }
            }
            ChangeKind::MemberType => {
                if s.relationship != "self" {
                    return Err(OpError::Refused(format!(
                        "{} is a dependent: a dependent's type follows its subscriber",
                        s.member_number
                    )));
                }
                after.member_type = v.text("member_type").unwrap_or_default();
            }
            ChangeKind::Terminate => {
                let end = v.date("end_date").unwrap_or_default();
                if s.fields.status == "terminated" {
                    return Err(OpError::Refused(format!(
                        "{} is already terminated{}",
                        s.member_number,
                        s.fields.terminated_on.map(|d| format!(" on {d}")).unwrap_or_default()
                    )));
                }
                if let Some(start) = coverage {
                    rules::end_after_start(end, start).map_err(rule)?;
                }
                after.status = "terminated".into();
                after.terminated_on = Some(end);
                after.termination_reason = v.text("reason");
                for e in &active {
                    store::set_enrollment_end(tx, e.id, Some(end.max(e.coverage_start))).await?;
                    restore.reopen.push(e.id);
                    extra.push(FieldChange {
                        field: format!("enrollment {}", e.plan_code),
                        before: Some("active".into()),
                        after: Some(format!("ended {}", end.max(e.coverage_start))),
                    });
                }
            }
            ChangeKind::Reinstate => {
                if s.fields.status != "terminated" {
                    return Err(OpError::Refused(format!(
                        "{} is {}, not terminated: nothing to reinstate",
                        s.member_number, s.fields.status
                    )));
                }
                after.status = "active".into();
                after.terminated_on = None;
                after.termination_reason = None;
                if let Some(ended) = s.fields.terminated_on {
                    for id in store::ended_on(tx, s.id, ended).await? {
                        store::set_enrollment_end(tx, id, None).await?;
                        restore.end.push((id, ended));
                    }
                    if !restore.end.is_empty() {
                        extra.push(FieldChange {
                            field: "enrollments".into(),
                            before: Some(format!("ended {ended}")),
                            after: Some(format!("{} active again", restore.end.len())),
                        });
                    }
                }
            }
            ChangeKind::AddDependent => {
                if s.relationship != "self" {
                    return Err(OpError::Refused(format!(
                        "{} is a dependent: add the dependent under its subscriber",
                        s.member_number
                    )));
                }
                let start = v.date("coverage_start").unwrap_or_default();
                let birth = v.date("birth_date").unwrap_or_default();
                let relationship = v.text("relationship").unwrap_or_default();
                rules::inside_group_period(start, s.group_effective, None).map_err(rule)?;
                rules::born_by_coverage(birth, start).map_err(rule)?;
                if relationship == "spouse" {
                    rules::one_spouse(store::spouses(tx, s.id).await?).map_err(rule)?;
                } else {
                    rules::child_age(birth, start, v.yes("disabled")).map_err(rule)?;
                }
                let mut dep = MemberFields {
                    member_type: "DEPENDENT".into(),
                    first_name: v.text("first_name").unwrap_or_default(),
                    last_name: v.text("last_name").unwrap_or_default(),
                    birth_date: birth,
                    gender: v.text("gender").unwrap_or_else(|| "U".into()),
                    phone: None,
                    email: None,
                    ssn_cipher: None,
                    ssn_index: None,
                    ssn_last4: None,
                    status: "active".into(),
                    disabled: v.yes("disabled"),
                    terminated_on: None,
                    termination_reason: None,
                    ..s.fields.clone()
                };
                if let Some(ssn) = v.ssn("ssn") {
                    let holder = ssn_holder(tx, key, ssn).await?;
                    rules::ssn_unused(holder.as_deref(), None).map_err(rule)?;
                    seal_ssn(&mut dep, key, ssn);
                }
                let id = store::new_member_id(tx).await?;
                let number = store::insert(
                    tx,
                    store::NewMember {
                        id,
                        group_id: s.group_id,
                        subscriber_id: Some(s.id),
                        relationship: &relationship,
                        fields: &dep,
                        created_at: self.now(),
                    },
                )
                .await?;
                who = format!("{} {}", dep.first_name, dep.last_name);
                extra.push(FieldChange {
                    field: "dependent".into(),
                    before: None,
                    after: Some(format!("{number} {who}")),
                });
                extra.push(FieldChange { field: "relationship".into(), before: None, after: Some(relationship) });
                extra.push(FieldChange { field: "birth_date".into(), before: None, after: Some(birth.to_string()) });
                restore = Restore { added_member: Some(id), ..Restore::default() };
                member_id = s.id;
                member_number = s.member_number.clone();
            }
            ChangeKind::Event => {
                let code = v.int("event_code").unwrap_or_default();
                let on = v.date("event_date").unwrap_or_default();
                let loss = v.date("loss_of_coverage_date").unwrap_or(on);
                let notice = v.date("notice_date").unwrap_or(on);
                let disability = v.yes("disability_extension");
                crate::store::imports::insert_event(
                    tx,
                    crate::store::imports::NewEvent {
                        member_id: s.id,
                        event_code: Some(code),
                        event_date: Some(on),
                        loss_of_coverage_date: Some(loss),
                        notice_date: Some(notice),
                        disability_extension: disability,
                        created_at: self.now(),
                    },
                )
                .await?;
                let facts = crate::domain::cobra::event_facts(code, disability, loss, notice, None);
                extra.push(FieldChange {
                    field: "event".into(),
                    before: None,
                    after: Some(format!("{code} {} on {on}", crate::domain::cobra::event_name(code))),
                });
                extra.push(FieldChange {
                    field: "election_deadline".into(),
                    before: None,
                    after: Some(facts.election_deadline.to_string()),
                });
                extra.push(FieldChange {
                    field: "cobra_coverage_end".into(),
                    before: None,
                    after: Some(format!("{} ({} months)", facts.coverage_end, facts.months)),
                });
                restore = Restore::default();
            }
            ChangeKind::Enroll => {
                let code = v.text("plan_code").unwrap_or_default();
                let tier = v.text("tier").unwrap_or_default();
                let start = v.date("coverage_start").unwrap_or_default();
                let plan =
                    store::plan(tx, s.group_id, &code).await?.ok_or_else(|| missing(&format!("no plan {code}")))?;
                rules::plan_of_group(plan.group_id, s.group_id, &code).map_err(rule)?;
                let types: Vec<&str> = active.iter().map(|e| e.coverage_type.as_str()).collect();
                rules::one_active_per_type(&types, &plan.coverage_type).map_err(rule)?;
                rules::inside_group_period(start, s.group_effective, None).map_err(rule)?;
                rules::born_by_coverage(s.fields.birth_date, start).map_err(rule)?;
                if s.fields.status == "terminated" {
                    return Err(OpError::Refused(format!("{} is terminated: reinstate it first", s.member_number)));
                }
                crate::store::imports::insert_enrollment(
                    tx,
                    crate::store::imports::NewEnrollment {
                        member_id: s.id,
                        plan_id: plan.id,
                        tier: &tier,
                        coverage_start: Some(start),
                        coverage_end: None,
                    },
                )
                .await?;
                let id = store::enrollment_id(tx, s.id, plan.id, start).await?.unwrap_or_default();
                extra.push(FieldChange {
                    field: format!("enrollment {code}"),
                    before: None,
                    after: Some(format!("{tier} from {start}")),
                });
                restore = Restore { end: vec![(id, start)], ..Restore::default() };
            }
            ChangeKind::ChangeTier | ChangeKind::EndEnrollment => {
                let e = pick_enrollment(&active, v.text("plan_code"), &s.member_number)?;
                if kind == ChangeKind::ChangeTier {
                    let tier = v.text("tier").unwrap_or_default();
                    if tier == e.tier {
                        return Err(OpError::Invalid(format!("tier: {} is already {tier}", e.plan_code)));
                    }
                    store::set_tier(tx, e.id, &tier).await?;
                    extra.push(FieldChange {
                        field: format!("tier {}", e.plan_code),
                        before: Some(e.tier.clone()),
                        after: Some(tier),
                    });
                    restore = Restore { tiers: vec![(e.id, e.tier.clone())], ..Restore::default() };
                } else {
                    let end = v.date("end_date").unwrap_or_default();
                    rules::end_after_start(end, e.coverage_start).map_err(rule)?;
                    store::set_enrollment_end(tx, e.id, Some(end)).await?;
                    extra.push(FieldChange {
                        field: format!("enrollment {}", e.plan_code),
                        before: Some("active".into()),
                        after: Some(format!("ended {end}")),
                    });
                    restore = Restore { reopen: vec![e.id], ..Restore::default() };
                }
            }
            ChangeKind::AddMember | ChangeKind::Undo => {}
        }
        let mut changes = rules::diff(&shown(&s.fields), &shown(&after));
        changes.extend(extra);
        if changes.is_empty() {
            return Err(OpError::Invalid(NOTHING_TO_CHANGE.into()));
        }
        if !store::set_fields(tx, s.id, s.row_version, &after).await? {
            return Err(OpError::Conflict(format!("{} was changed by someone else meanwhile", s.member_number)));
        }
        if restore.fields.is_some() && after == s.fields {
            restore.fields = None;
        }
        Ok(Worked { member_id, member_number, changes, restore: Some(restore), who, undoes: None })
    }

    /// Reverts the member's last change (within the undo window) by a new one.
    async fn undo(&self, tx: &mut Tx, cfg: MaintenanceConfig, s: &MemberState) -> Result<Worked, OpError> {
        let last = store::last_change(tx, s.id)
            .await?
            .ok_or_else(|| missing(&format!("{} has no change to revert", s.member_number)))?;
        if last.kind == ChangeKind::Undo.as_str() || last.undone_by.is_some() {
            return Err(OpError::Refused(format!(
                "the last change of {} was already reverted; make a new change instead",
                s.member_number
            )));
        }
        rules::undo_window(last.at, self.now(), cfg.undo_minutes).map_err(|e| OpError::Refused(e.message))?;
        let restore: Restore = last
            .restore
            .as_deref()
            .and_then(|r| serde_json::from_str(r).ok())
            .filter(|r: &Restore| {
                r.fields.is_some()
                    || r.added_member.is_some()
                    || !r.reopen.is_empty()
                    || !r.end.is_empty()
                    || !r.tiers.is_empty()
            })
            .ok_or_else(|| {
                OpError::Refused(format!(
                    "a {} change cannot be reverted by undo; make a new change",
                    last.kind.replace('_', " ")
                ))
            })?;
        let today = self.now().date_naive();
        if let Some(f) = &restore.fields
            && !store::set_fields(tx, s.id, s.row_version, f).await?
        {
            return Err(OpError::Conflict(format!("{} was changed by someone else meanwhile", s.member_number)));
        }
        if restore.fields.is_none() && !store::bump(tx, s.id, s.row_version).await? {
            return Err(OpError::Conflict(format!("{} was changed by someone else meanwhile", s.member_number)));
        }
        if let Some(id) = restore.added_member {
            store::terminate_added(tx, id, today).await?;
        }
        for id in &restore.reopen {
            store::set_enrollment_end(tx, *id, None).await?;
        }
        for (id, start) in &restore.end {
            store::set_enrollment_end(tx, *id, Some(*start)).await?;
        }
        for (id, tier) in &restore.tiers {
            store::set_tier(tx, *id, tier).await?;
        }
        let done: Vec<FieldChange> = serde_json::from_str(&last.changes).unwrap_or_default();
        let changes =
            done.into_iter().map(|c| FieldChange { field: c.field, before: c.after, after: c.before }).collect();
        Ok(Worked {
            member_id: s.id,
            member_number: s.member_number.clone(),
            changes,
            restore: None,
            who: String::new(),
            undoes: Some(last.id),
        })
    }

    /// A member's changes, newest first (the History tab, `member history`).
    pub async fn member_history(&self, number: &str) -> Result<Vec<store::ChangeRow>, OpError> {
        let number = number.trim().to_uppercase();
        let id = crate::store::members::id_by_number(self.store(), &number)
            .await?
            .ok_or_else(|| missing(&format!("no member {number}")))?;
        Ok(store::history(self.store(), id).await?)
    }
}

/// Who holds this SSN already, under any loaded key (a rotation may be under way).
async fn ssn_holder(tx: &mut Tx, key: &DataKey, ssn: &Ssn) -> Result<Option<String>, OpError> {
    for index in key.blind_indexes("ssn", ssn.digits()) {
        if let Some(holder) = store::ssn_holder(tx, &index).await? {
            return Ok(Some(holder));
        }
    }
    Ok(None)
}

fn pick_enrollment<'a>(
    active: &'a [store::ActiveEnrollment],
    plan: Option<String>,
    member: &str,
) -> Result<&'a store::ActiveEnrollment, OpError> {
    match plan {
        Some(code) => active
            .iter()
            .find(|e| e.plan_code == code)
            .ok_or_else(|| OpError::Invalid(format!("plan_code: {member} has no active enrollment in {code}"))),
        None if active.len() == 1 => Ok(&active[0]),
        None if active.is_empty() => Err(OpError::Refused(format!("{member} has no active enrollment"))),
        None => Err(OpError::Invalid(format!(
            "plan_code: {member} has {} active enrollments: name the plan ({})",
            active.len(),
            active.iter().map(|e| e.plan_code.as_str()).collect::<Vec<_>>().join(", ")
        ))),
    }
}
