//! What an 834 member loop does: the maintenance changes its maintenance
//! type asks for (add, demographics, terminate, reinstate, enroll, change
//! tier), made through the same path as the member forms
//! (`Ops::file_change`), all of a loop's or none (a savepoint per loop).

use std::collections::HashMap;

use super::apply::{RowFault, fault};
use super::values::*;
use crate::crypto::DataKey;
use crate::domain::import_spec::{ImportKind, Value, X12_SOURCES};
use crate::domain::maintenance::ChangeKind;
use crate::import::Row;
use crate::ops::{OpError, Ops};
use crate::store::Tx;
use crate::store::imports::{self as store, JobHead};
use crate::store::maintenance as members;
use crate::store::x12 as lookups;

const KIND: ImportKind = ImportKind::X12_834;

/// The element a field of ours is read from, for an error that names it.
fn element(field: &str) -> &'static str {
    X12_SOURCES.iter().find(|s| s.name == field).map_or("INS", |s| s.element)
}

/// A change the maintenance path refused, as the loop's fault: the field it
/// names (a rule says `field: why`) shown as the element it came from.
fn refused(e: OpError, at: u64) -> RowFault {
    let (code, text) = match e {
        OpError::Invalid(m) => ("invalid", m),
        OpError::NotFound(m) => ("not_found", m),
        OpError::Conflict(m) => ("conflict", m),
        OpError::Refused(m) | OpError::RefusedRole(m) | OpError::ReadOnly(m) | OpError::Db(m) => ("refused", m),
    };
    let field = text.split_once(':').map(|(f, _)| f.trim()).filter(|f| X12_SOURCES.iter().any(|s| s.name == *f));
    let el = field.map_or("INS", element);
    fault(el, code, format!("member loop at segment {at} ({el}): {text}"))
}

/// The loop's value of a field as a form would type it.
fn typed(v: &[Option<Value>], name: &'static str) -> Option<(&'static str, String)> {
    let text = match value(KIND, v, name)? {
        Value::Text(t) => t.clone(),
        Value::Date(d) => d.to_string(),
        Value::Ssn(s) => s.digits().to_owned(),
        Value::Int(i) => i.to_string(),
        Value::Bool(b) => if *b { "Y" } else { "N" }.to_owned(),
    };
    Some((name, text))
}

fn all(v: &[Option<Value>], names: &[&'static str]) -> Vec<(&'static str, String)> {
    names.iter().filter_map(|n| typed(v, n)).collect()
}

/// Demographic fields a loop may change on a member on file. Not the SSN or
/// birth date: they identify the member (a form needs a supervisor for them).
const DEMOGRAPHICS: &[&str] =
    &["first_name", "last_name", "address_line", "city", "state", "zip", "phone", "email", "gender"];

impl Ops {
    /// Applies one 834 member loop and records its outcome: all its changes
    /// or, when one is refused, none of them.
    pub(super) async fn apply_834_row(
        &self,
        tx: &mut Tx,
        key: &DataKey,
        job: &JobHead,
        groups: &HashMap<String, i64>,
        row: &Row,
    ) -> Result<(), OpError> {
        let Ok(checked) = &row.checked else {
            return self.record_failed(tx, job, row).await;
        };
        tx.savepoint().await?;
        let outcome = match self.loop_changes(tx, key, job, groups, row.number, &checked.values).await {
            Err(OpError::Db(m)) => return Err(OpError::Db(m)),
            Err(e) => Err(refused(e, row.number)),
            Ok(r) => r,
        };
        if outcome.is_ok() {
            tx.release_savepoint().await?;
        } else {
            tx.rollback_to_savepoint().await?;
        }
        self.record_outcome(tx, job, row, &checked.natural_key, outcome).await
    }

    /// The changes of one loop; whether any changed something.
    async fn loop_changes(
        &self,
        tx: &mut Tx,
        key: &DataKey,
        job: &JobHead,
        groups: &HashMap<String, i64>,
        at: u64,
        v: &[Option<Value>],
    ) -> Result<Result<bool, RowFault>, OpError> {
        let t = |n: &str| text(KIND, v, n).unwrap_or_default();
        let (maintenance, relationship, id) = (t("maintenance_type"), t("relationship"), t("subscriber_id"));
        let source = format!("import job {} (x12-834), member loop at segment {at}", job.id);
        if let Some(g) = text(KIND, v, "group_number")
            && !groups.contains_key(&g)
        {
            return Ok(Err(fault(
                "REF02",
                "group_unknown",
                format!("member loop at segment {at} (REF02): group {g} (REF*1L) is not one of this employer's groups"),
            )));
        }
        let employer = job.employer_id;
        let subscriber = if id.starts_with('M') {
            lookups::number_of_employer(tx, employer, &id).await?
        } else {
            lookups::number_by_ssn(tx, employer, &key.blind_index("ssn", &id)).await?
        };
        let own_ssn = match value(KIND, v, "ssn") {
            Some(Value::Ssn(s)) => Some(s.digits().to_owned()),
            _ => None,
        };
        let member = if relationship == "self" {
            subscriber.clone()
        } else {
            let Some(sub) = &subscriber else {
                return Ok(Err(fault(
                    "REF02",
                    "subscriber_unknown",
                    format!(
                        "member loop at segment {at} (REF02): no subscriber {} on file in this employer's groups nor \
                         earlier in this file: a dependent's loop comes after its subscriber's",
                        crate::domain::ssn::redact(&id)
                    ),
                )));
            };
            match lookups::dependent_number(tx, sub, &t("first_name"), date(KIND, v, "birth_date")).await? {
                Some(n) => Some(n),
                None => match &own_ssn {
                    Some(s) => lookups::number_by_ssn(tx, employer, &key.blind_index("ssn", s)).await?,
                    None => None,
                },
            }
        };
        let mut changed = false;
        match maintenance.as_str() {
            "021" | "030" => {
                match (&member, relationship.as_str()) {
                    (Some(m), _) => {
                        changed |= self.demographics(tx, key, m, v, &source).await?;
                    }
                    (None, "self") => {
                        if text(KIND, v, "group_number").is_none() {
                            return Ok(Err(fault(
                                "REF02",
                                "required",
                                format!(
                                    "member loop at segment {at} (REF02): adding a subscriber needs the group number (REF*1L)"
                                ),
                            )));
                        }
                        let mut f = all(
                            v,
                            &[
                                "group_number",
                                "first_name",
                                "last_name",
                                "birth_date",
                                "gender",
                                "address_line",
                                "city",
                                "state",
                                "zip",
                                "phone",
                                "email",
                            ],
                        );
                        f.push(("member_type", "SUBSCRIBER".into()));
                        f.push(("ssn", own_ssn.clone().unwrap_or_else(|| id.clone())));
                        f.extend(start(v));
                        self.file_change(tx, key, ChangeKind::AddMember, None, &f, &source).await?;
                        changed = true;
                    }
                    (None, _) => {
                        let mut f = all(v, &["first_name", "last_name", "birth_date", "relationship", "ssn", "gender"]);
                        f.extend(start(v));
                        let sub = subscriber.as_deref();
                        self.file_change(tx, key, ChangeKind::AddDependent, sub, &f, &source).await?;
                        changed = true;
                    }
                }
                let Some(m) = self.loop_member(tx, key, employer, &member, &subscriber, v).await? else {
                    return Ok(Ok(changed));
                };
                match self.coverage(tx, key, &m, v, &source, at).await? {
                    Ok(c) => changed |= c,
                    Err(f) => return Ok(Err(f)),
                }
            }
            "001" => {
                let Some(m) = &member else { return Ok(Err(unknown(at, &relationship))) };
                changed |= self.demographics(tx, key, m, v, &source).await?;
                match self.coverage(tx, key, m, v, &source, at).await? {
                    Ok(c) => changed |= c,
                    Err(f) => return Ok(Err(f)),
                }
            }
            "024" => {
                let Some(m) = &member else { return Ok(Err(unknown(at, &relationship))) };
                let Some(end) = date(KIND, v, "coverage_end").or(date(KIND, v, "effective_date")) else {
                    return Ok(Err(fault(
                        "DTP03",
                        "required",
                        format!("member loop at segment {at} (DTP03): a termination needs DTP*349 or DTP*303"),
                    )));
                };
                let s = members::member(tx, m).await?.ok_or_else(|| OpError::NotFound(m.clone()))?;
                if s.fields.status == "terminated" && s.fields.terminated_on == Some(end) {
                    return Ok(Ok(false));
                }
                let f = vec![("end_date", end.to_string()), ("reason", format!("834 termination (job {})", job.id))];
                changed |= self.file_change(tx, key, ChangeKind::Terminate, Some(m), &f, &source).await?.is_some();
            }
            "025" => {
                let Some(m) = &member else { return Ok(Err(unknown(at, &relationship))) };
                let s = members::member(tx, m).await?.ok_or_else(|| OpError::NotFound(m.clone()))?;
                if s.fields.status == "active" {
                    return Ok(Ok(false));
                }
                let Some(on) = date(KIND, v, "effective_date").or(date(KIND, v, "coverage_start")) else {
                    return Ok(Err(fault(
                        "DTP03",
                        "required",
                        format!("member loop at segment {at} (DTP03): a reinstatement needs DTP*303 or DTP*348"),
                    )));
                };
                let f = vec![("effective_date", on.to_string())];
                changed |= self.file_change(tx, key, ChangeKind::Reinstate, Some(m), &f, &source).await?.is_some();
            }
            other => return Err(OpError::Invalid(format!("maintenance type {other} is not taken"))),
        }
        Ok(Ok(changed))
    }

    /// The member a loop is about once its addition is made: a subscriber
    /// just added is found by its SSN, a dependent under its subscriber.
    async fn loop_member(
        &self,
        tx: &mut Tx,
        key: &DataKey,
        employer: i64,
        member: &Option<String>,
        subscriber: &Option<String>,
        v: &[Option<Value>],
    ) -> Result<Option<String>, OpError> {
        if member.is_some() {
            return Ok(member.clone());
        }
        if text(KIND, v, "relationship").as_deref() == Some("self") {
            let ssn = match value(KIND, v, "ssn") {
                Some(Value::Ssn(s)) => s.digits().to_owned(),
                _ => text(KIND, v, "subscriber_id").unwrap_or_default(),
            };
            return Ok(lookups::number_by_ssn(tx, employer, &key.blind_index("ssn", &ssn)).await?);
        }
        let Some(sub) = subscriber else {
            return Ok(None);
        };
        let first = text(KIND, v, "first_name").unwrap_or_default();
        Ok(lookups::dependent_number(tx, sub, &first, date(KIND, v, "birth_date")).await?)
    }

    /// The loop's demographics on a member on file; whether they changed it.
    async fn demographics(
        &self,
        tx: &mut Tx,
        key: &DataKey,
        member: &str,
        v: &[Option<Value>],
        source: &str,
    ) -> Result<bool, OpError> {
        let f = all(v, DEMOGRAPHICS);
        if f.is_empty() {
            return Ok(false);
        }
        Ok(self.file_change(tx, key, ChangeKind::Demographics, Some(member), &f, source).await?.is_some())
    }

    /// The loop's HDs: for each with a plan, an enrollment in it from its
    /// DTP*348 when none is active, or its tier when the coverage level
    /// differs; whether they changed anything, or why the loop is refused.
    async fn coverage(
        &self,
        tx: &mut Tx,
        key: &DataKey,
        member: &str,
        v: &[Option<Value>],
        source: &str,
        at: u64,
    ) -> Result<Result<bool, RowFault>, OpError> {
        let when = |d: Option<&Option<Value>>| match d {
            Some(Some(Value::Date(d))) => Some(*d),
            _ => None,
        };
        let word = |t: Option<&Option<Value>>| match t {
            Some(Some(Value::Text(t))) => Some(t.clone()),
            _ => None,
        };
        let mut hds = Vec::new();
        if let Some(plan) = text(KIND, v, "plan_code") {
            let start = date(KIND, v, "coverage_start").or(date(KIND, v, "effective_date"));
            hds.push((plan, text(KIND, v, "tier"), start));
        }
        for hd in crate::import::x12::members::extra_coverage(v) {
            let Some(plan) = word(hd.first()) else { continue };
            let start = when(hd.get(2)).or(date(KIND, v, "effective_date"));
            hds.push((plan, word(hd.get(1)), start));
        }
        let mut changed = false;
        for (plan, tier, start) in hds {
            match self
                .one_coverage(tx, key, member, plan, tier, start, date(KIND, v, "effective_date"), source, at)
                .await?
            {
                Ok(c) => changed |= c,
                Err(f) => return Ok(Err(f)),
            }
        }
        Ok(Ok(changed))
    }

    /// One HD's coverage (see `coverage`).
    #[allow(clippy::too_many_arguments)]
    async fn one_coverage(
        &self,
        tx: &mut Tx,
        key: &DataKey,
        member: &str,
        plan: String,
        tier: Option<String>,
        start: Option<chrono::NaiveDate>,
        effective: Option<chrono::NaiveDate>,
        source: &str,
        at: u64,
    ) -> Result<Result<bool, RowFault>, OpError> {
        let s = members::member(tx, member).await?.ok_or_else(|| OpError::NotFound(member.to_owned()))?;
        let Some(plan_ref) = members::plan(tx, s.group_id, &plan).await?.filter(|p| p.group_id == s.group_id) else {
            return Ok(Err(fault(
                "HD04",
                "plan_unknown",
                format!("member loop at segment {at} (HD04): plan {plan} does not exist for the member's group"),
            )));
        };
        let active = members::active_enrollments(tx, s.id).await?;
        if let Some(e) = active.iter().find(|e| e.plan_code == plan) {
            let Some(tier) = tier.filter(|t| *t != e.tier) else { return Ok(Ok(false)) };
            let on = effective.or(start).unwrap_or(self.now().date_naive());
            let f = vec![("plan_code", plan), ("tier", tier), ("effective_date", on.to_string())];
            return Ok(Ok(self
                .file_change(tx, key, ChangeKind::ChangeTier, Some(member), &f, source)
                .await?
                .is_some()));
        }
        // An enrollment of this plan from this day, ended since, is not made again.
        if let Some(start) = start
            && store::enrollment_exists(tx, s.id, plan_ref.id, Some(start)).await?
        {
            return Ok(Ok(false));
        }
        let Some(tier) = tier else {
            return Ok(Err(fault(
                "HD05",
                "required",
                format!("member loop at segment {at} (HD05): an HD with a plan needs its coverage level"),
            )));
        };
        let mut f = vec![("plan_code", plan), ("tier", tier)];
        f.extend(start.map(|d| ("coverage_start", d.to_string())));
        Ok(Ok(self.file_change(tx, key, ChangeKind::Enroll, Some(member), &f, source).await?.is_some()))
    }
}

/// The coverage start a change takes: DTP*348, else DTP*303.
fn start(v: &[Option<Value>]) -> Option<(&'static str, String)> {
    date(KIND, v, "coverage_start").or(date(KIND, v, "effective_date")).map(|d| ("coverage_start", d.to_string()))
}

fn unknown(at: u64, relationship: &str) -> RowFault {
    let who = if relationship == "self" { "subscriber" } else { "dependent" };
    fault(
        "REF02",
        "member_unknown",
        format!("member loop at segment {at} (REF02): no such {who} on file in this employer's groups"),
    )
}
