//! An 834's additions of new subscribers, a run of consecutive ones at a
//! time: each checked by the same field rules and cross-record rules as the
//! form's (and the per-loop path's) addition, then the run's members, their
//! History rows, audit rows and row records written together (one statement
//! a member, and one for all of each of the rest) instead of a dozen
//! statements and a savepoint a loop. A loop that is anything else (a
//! dependent, a change, a member on file, an HD with a plan) ends the run
//! and takes the per-loop path, so loops still apply in file order.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;

use super::apply::runs;
use super::pipeline::Prepared;
use super::values::*;
use crate::crypto::DataKey;
use crate::domain::import_spec::{ImportKind, Value};
use crate::domain::maintenance::{self as rules, ChangeKind};
use crate::import::Row;
use crate::ops::maintenance::{added_fields, added_json};
use crate::ops::{OpError, Ops};
use crate::store::Tx;
use crate::store::audit::{self, AuditEntry};
use crate::store::imports::{self as store, JobHead};
use crate::store::maintenance::{self as members, MemberFields, NewChange, NewMember};

const KIND: ImportKind = ImportKind::X12_834;

/// The fields of an addition, as a form would type them (see `ChangeKind::AddMember`).
const ADDED: &[&str] = &[
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
];

/// A new subscriber ready to be added with its run.
struct Addition<'a> {
    row: &'a Row,
    natural_key: &'a str,
    group_id: i64,
    start: NaiveDate,
    fields: MemberFields,
}

impl Ops {
    /// Applies a batch of 834 member loops in file order: runs of new
    /// subscribers together, every other loop on its own.
    pub(super) async fn apply_834_batch(
        &self,
        tx: &mut Tx,
        key: &DataKey,
        job: &JobHead,
        groups: &HashMap<String, i64>,
        rows: &[Prepared],
    ) -> Result<(), OpError> {
        let mut effective: HashMap<i64, NaiveDate> = HashMap::new();
        let mut run: Vec<Addition<'_>> = Vec::new();
        let mut ssns: HashSet<Vec<u8>> = HashSet::new();
        for p in rows {
            match self.addition(tx, key, groups, &mut effective, &p.row).await? {
                Some(a) if a.fields.ssn_index.as_ref().is_some_and(|i| ssns.insert(i.clone())) => run.push(a),
                _ => {
                    // The run first: this loop may be about one of its members.
                    self.add_run(tx, job, std::mem::take(&mut run)).await?;
                    ssns.clear();
                    self.apply_834_row(tx, key, job, groups, &p.row).await?;
                }
            }
        }
        self.add_run(tx, job, run).await
    }

    /// The loop as a new subscriber to add, when it is one whose every check
    /// passes; `None` sends it down the per-loop path, which says why not.
    async fn addition<'a>(
        &self,
        tx: &mut Tx,
        key: &DataKey,
        groups: &HashMap<String, i64>,
        effective: &mut HashMap<i64, NaiveDate>,
        row: &'a Row,
    ) -> Result<Option<Addition<'a>>, OpError> {
        let Ok(checked) = &row.checked else { return Ok(None) };
        let v = &checked.values;
        let t = |n: &str| text(KIND, v, n);
        let adds = matches!(t("maintenance_type").as_deref(), Some("021" | "030"));
        if !adds || t("relationship").as_deref() != Some("self") || t("plan_code").is_some() {
            return Ok(None);
        }
        if crate::import::x12::members::extra_coverage(v).next().is_some() {
            return Ok(None);
        }
        let Some(group_id) = t("group_number").and_then(|g| groups.get(&g).copied()) else { return Ok(None) };
        let ssn = match value(KIND, v, "ssn") {
            Some(Value::Ssn(s)) => s.digits().to_owned(),
            _ => t("subscriber_id").unwrap_or_default(),
        };
        let mut typed: Vec<(&str, String)> = ADDED
            .iter()
            .filter_map(|n| match value(KIND, v, n)? {
                Value::Text(x) => Some((*n, x.clone())),
                Value::Date(d) => Some((*n, d.to_string())),
                _ => None,
            })
            .collect();
        let start = date(KIND, v, "coverage_start").or(date(KIND, v, "effective_date"));
        typed.push(("member_type", "SUBSCRIBER".into()));
        typed.push(("ssn", ssn.clone()));
        typed.extend(start.map(|d| ("coverage_start", d.to_string())));
        let typed: Vec<(&str, &str)> = typed.iter().map(|(k, x)| (*k, x.as_str())).collect();
        let Ok(values) = rules::check_fields(ChangeKind::AddMember, &typed, self.now().date_naive()) else {
            return Ok(None);
        };
        let Some(start) = start else { return Ok(None) };
        let group_start = match effective.get(&group_id) {
            Some(d) => *d,
            None => {
                let number = t("group_number").unwrap_or_default();
                let Some(g) = members::group(tx, &number).await? else { return Ok(None) };
                effective.insert(group_id, g.original_effective_date);
                g.original_effective_date
            }
        };
        let fields = added_fields(&values, key);
        if rules::inside_group_period(start, group_start, None).is_err()
            || rules::born_by_coverage(fields.birth_date, start).is_err()
        {
            return Ok(None);
        }
        // On file already (under any loaded key): a change, not an addition.
        for index in key.blind_indexes("ssn", &ssn) {
            if members::ssn_holder(tx, &index).await?.is_some() {
                return Ok(None);
            }
        }
        Ok(Some(Addition { row, natural_key: &checked.natural_key, group_id, start, fields }))
    }

    /// Adds a run of new subscribers with their History rows, audit rows and
    /// row records.
    async fn add_run(&self, tx: &mut Tx, job: &JobHead, run: Vec<Addition<'_>>) -> Result<(), OpError> {
        if run.is_empty() {
            return Ok(());
        }
        let now = self.now();
        let login = self.operator().login.clone();
        let ids = store::member_ids(tx, run.len() as i64).await?;
        let (mut changes, mut entries, mut outcomes) = (Vec::new(), Vec::new(), Vec::new());
        for (a, id) in run.iter().zip(ids) {
            let new = NewMember {
                id,
                group_id: a.group_id,
                subscriber_id: None,
                relationship: "self",
                fields: &a.fields,
                created_at: now,
            };
            let number = members::insert(tx, new).await?;
            let json = added_json(&a.fields, a.start, id);
            let summary = rules::timeline_line(&number, ChangeKind::AddMember, &[], "");
            changes.extend(members::change_values(NewChange {
                member_id: id,
                case_id: None,
                kind: ChangeKind::AddMember.as_str(),
                operator: &login,
                at: now,
                effective_on: Some(a.start),
                summary: &summary,
                changes: &json.changes,
                restore: json.restore,
            }));
            let mut e: AuditEntry = self.entry(crate::action::Action::MemberAdd, &format!("member:{number}"), true);
            (e.before, e.after) = (Some(json.before), Some(json.after));
            e.reason = Some(format!("import job {} (x12-834), member loop at segment {}", job.id, a.row.number));
            entries.push(e);
            outcomes.push((a.row.number as i64, a.natural_key.to_owned(), "applied"));
        }
        tx.insert_rows("member_changes", members::CHANGE_COLUMNS, changes).await?;
        audit::write_many(tx, &entries, now).await?;
        tx.insert_rows("import_rows", store::ROW_COLUMNS, runs(job.id, outcomes)).await?;
        Ok(())
    }
}
