//! An 834's additions of new subscribers, a run of consecutive ones at a
//! time: each checked by the same field rules and cross-record rules as the
//! form's (and the per-loop path's) addition, then the run's members, their
//! History rows and row records written together (one statement a member,
//! and one for all of each of the rest), with one audit row for the run
//! naming its loops' members, instead of a dozen statements and a savepoint
//! a loop. A loop that is anything else (a
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
use crate::domain::text::fold_key;
use crate::import::Row;
use crate::ops::maintenance::{added_fields, added_history};
use crate::ops::{OpError, Ops};
use crate::store::audit::{self, AuditEntry};
use crate::store::imports::{self as store, JobHead};
use crate::store::maintenance::{self as members, MemberFields, NewChange};
use crate::store::x12 as lookups;
use crate::store::{Cell, SsnsOnFile, Tx};

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
        on_file: Option<&SsnsOnFile>,
    ) -> Result<(), OpError> {
        let mut effective: HashMap<i64, NaiveDate> = HashMap::new();
        let mut run: Vec<Addition<'_>> = Vec::new();
        let mut ssns: HashSet<Vec<u8>> = HashSet::new();
        for p in rows {
            match self.addition(tx, key, groups, &mut effective, &p.row).await? {
                Some(a) if a.fields.ssn_index.as_ref().is_some_and(|i| ssns.insert(i.clone())) => run.push(a),
                _ => {
                    // The run first: this loop may be about one of its members.
                    self.add_run(tx, key, job, groups, std::mem::take(&mut run), on_file).await?;
                    ssns.clear();
                    self.apply_834_row(tx, key, job, groups, &p.row).await?;
                }
            }
        }
        self.add_run(tx, key, job, groups, run, on_file).await
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
        // Whether a member holds the SSN already is asked for the whole run (`add_run`).
        Ok(Some(Addition { row, natural_key: &checked.natural_key, group_id, start, fields }))
    }

    /// Adds a run of new subscribers with their History rows, the run's
    /// audit row and row records, in bulk; those whose SSN a member holds already (the
    /// run's SSNs are looked up together) take the per-loop path after it,
    /// which finds them on file. Members of one run are independent of one
    /// another (subscribers, SSNs apart), so that order does not matter.
    async fn add_run(
        &self,
        tx: &mut Tx,
        key: &DataKey,
        job: &JobHead,
        groups: &HashMap<String, i64>,
        run: Vec<Addition<'_>>,
        on_file: Option<&SsnsOnFile>,
    ) -> Result<(), OpError> {
        if run.is_empty() {
            return Ok(());
        }
        // Only the SSNs that may be on file, when `on_file` says which.
        let indexes: Vec<&[u8]> = run
            .iter()
            .map(|a| a.fields.ssn_index.as_deref().unwrap_or_default())
            .filter(|i| on_file.is_none_or(|f| f.may_hold(i)))
            .collect();
        let held = match indexes.is_empty() {
            true => Default::default(),
            false => lookups::ssns_held(tx, &indexes).await?,
        };
        let (found, new): (Vec<_>, Vec<_>) =
            run.into_iter().partition(|a| a.fields.ssn_index.as_ref().is_some_and(|i| held.contains(i)));
        if !new.is_empty() {
            self.insert_run(tx, job, &new).await?;
        }
        for a in found {
            self.apply_834_row(tx, key, job, groups, a.row).await?;
        }
        Ok(())
    }

    /// Writes a run of new subscribers: the members in bulk, then their
    /// History rows, the run's audit row (`run_audit`) and row records.
    async fn insert_run(&self, tx: &mut Tx, job: &JobHead, run: &[Addition<'_>]) -> Result<(), OpError> {
        let now = self.now();
        let at = crate::store::sqlite_time(&now);
        let login = self.operator().login.clone();
        let ids = store::member_ids(tx, run.len() as i64).await?;
        let numbers: Vec<(String, String)> = ids.iter().map(|id| crate::store::members::numbers(*id)).collect();
        let keys: Vec<(String, String)> =
            run.iter().map(|a| (fold_key(&a.fields.first_name), fold_key(&a.fields.last_name))).collect();
        let cells: Vec<[Cell<'_>; 25]> = run
            .iter()
            .zip(&ids)
            .zip(&numbers)
            .zip(&keys)
            .map(|(((a, id), n), k)| member_cells(a, *id, n, k, &at))
            .collect();
        tx.insert_cells("members", crate::store::members::INSERT_COLUMNS, &cells).await?;
        let (mut changes, mut outcomes) = (Vec::new(), Vec::new());
        for ((a, id), (number, _)) in run.iter().zip(ids).zip(&numbers) {
            let (json, restore) = added_history(&a.fields, a.start, id);
            let summary = rules::timeline_line(number, ChangeKind::AddMember, &[], "");
            changes.extend(members::change_values(NewChange {
                member_id: id,
                case_id: None,
                kind: ChangeKind::AddMember.as_str(),
                operator: &login,
                at: now,
                effective_on: Some(a.start),
                summary: &summary,
                changes: &json,
                restore,
            }));
            outcomes.push((a.row.number as i64, a.natural_key.to_owned(), "applied"));
        }
        tx.insert_rows("member_changes", members::CHANGE_COLUMNS, changes).await?;
        audit::write(tx, &self.run_audit(job, run, &numbers), now).await?;
        tx.insert_rows("import_rows", store::ROW_COLUMNS, runs(job.id, outcomes)).await?;
        Ok(())
    }
}

impl Ops {
    /// The one audit row of a run of additions: which loops added which
    /// members (their details are in their History rows). A CSV import
    /// audits its job, not each row; an 834 run records no less than that,
    /// and each member's History row records what the form's would (see
    /// docs/imports.md, "What an 834 records").
    fn run_audit(&self, job: &JobHead, run: &[Addition<'_>], numbers: &[(String, String)]) -> AuditEntry {
        let mut e = self.entry(crate::action::Action::MemberAdd, &format!("import:{}", job.id), true);
        let (first, last) = (run.first().map_or(0, |a| a.row.number), run.last().map_or(0, |a| a.row.number));
        e.reason = Some(format!(
            "import job {} (x12-834), member loops at segments {first}–{last}: {} new subscribers",
            job.id,
            run.len()
        ));
        let added: Vec<serde_json::Value> = run
            .iter()
            .zip(numbers)
            .map(|(a, (number, _))| serde_json::json!({"loop": a.row.number, "member": number}))
            .collect();
        e.after = Some(serde_json::json!({ "added": added }));
        e
    }
}

/// A new subscriber's values in `members::INSERT_COLUMNS` order, as
/// `store::maintenance::insert` writes a form's addition.
fn member_cells<'a>(
    a: &'a Addition<'_>,
    id: i64,
    numbers: &'a (String, String),
    keys: &'a (String, String),
    at: &'a str,
) -> [Cell<'a>; 25] {
    let f = &a.fields;
    let opt = |v: &'a Option<String>| v.as_deref().map_or(Cell::Null, Cell::Text);
    let blob = |v: &'a Option<Vec<u8>>| v.as_deref().map_or(Cell::Null, Cell::Blob);
    [
        Cell::Int(id),
        Cell::Text(&numbers.0),
        Cell::Text(&numbers.1),
        Cell::Int(a.group_id),
        Cell::Null,
        Cell::Text(&f.member_type),
        Cell::Text("self"),
        Cell::Text(&f.first_name),
        Cell::Text(&f.last_name),
        Cell::Text(&keys.0),
        Cell::Text(&keys.1),
        Cell::Date(f.birth_date),
        Cell::Text(&f.gender),
        Cell::Text(&f.address_line),
        Cell::Text(&f.city),
        Cell::Text(&f.state),
        Cell::Text(&f.zip),
        opt(&f.phone),
        opt(&f.email),
        Cell::Text(&f.language),
        blob(&f.ssn_cipher),
        blob(&f.ssn_index),
        opt(&f.ssn_last4),
        Cell::Text(&f.status),
        Cell::Text(at),
    ]
}
