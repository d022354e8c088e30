//! How each kind of row is applied: a demographic batch set-based, a
//! dependent, event or plan row one at a time by natural key; and how row
//! outcomes are recorded.

use std::collections::HashMap;

use super::pipeline::*;
use super::values::*;
use crate::args;
use crate::crypto::DataKey;
use crate::domain::import_spec::{ImportKind, Value};
use crate::import::Row;
use crate::ops::{OpError, Ops};
use crate::store::imports::{self as store, JobHead};
use crate::store::{Arg, Cell, SsnsOnFile, Tx};

/// Why one row could not be applied (beyond the file's own checks).
pub(super) struct RowFault {
    pub(super) field: &'static str,
    pub(super) code: &'static str,
    pub(super) message: String,
}

/// A checked demographic row of one of the employer's groups, and the id
/// it gets when it is a new member.
pub(super) struct NewMember<'a> {
    pub(super) row: &'a Row,
    pub(super) checked: &'a crate::import::Checked,
    pub(super) group_id: i64,
    pub(super) derived: &'a Derived,
    pub(super) id: i64,
}

/// A new member's values, in `members::INSERT_COLUMNS` order, borrowed
/// from its row and its member numbers (`now` as the engine stores it).
pub(super) fn member_cells<'a>(r: &'a NewMember<'_>, numbers: &'a (String, String), now: &'a str) -> [Cell<'a>; 25] {
    let kind = ImportKind::Demographic;
    let v = &r.checked.values;
    let text = |n: &str| text_ref(kind, v, n).map_or(Cell::Null, Cell::Text);
    let required = |n: &str| Cell::Text(text_ref(kind, v, n).unwrap_or_default());
    [
        Cell::Int(r.id),
        Cell::Text(&numbers.0),
        Cell::Text(&numbers.1),
        Cell::Int(r.group_id),
        Cell::Null,
        Cell::Text(text_ref(kind, v, "member_type").unwrap_or("SUBSCRIBER")),
        Cell::Text("self"),
        required("first_name"),
        required("last_name"),
        Cell::Text(&r.derived.first_key),
        Cell::Text(&r.derived.last_key),
        date(kind, v, "birth_date").map_or(Cell::Null, Cell::Date),
        required("gender"),
        required("address_line"),
        required("city"),
        required("state"),
        required("zip"),
        text("phone"),
        text("email"),
        Cell::Text("English"),
        Cell::Blob(&r.derived.cipher),
        Cell::Blob(&r.derived.index),
        Cell::Text(&r.derived.last4),
        Cell::Text("active"),
        Cell::Text(now),
    ]
}

/// Adds new members by the engine's bulk path (`Tx::insert_cells`).
pub(super) async fn insert_members(tx: &mut Tx, added: &[NewMember<'_>], now: &str) -> Result<(), sqlx::Error> {
    use crate::store::members::INSERT_COLUMNS;
    let numbers: Vec<_> = added.iter().map(|r| crate::store::members::numbers(r.id)).collect();
    let rows: Vec<_> = added.iter().zip(&numbers).map(|(r, n)| member_cells(r, n, now)).collect();
    tx.insert_cells("members", INSERT_COLUMNS, &rows).await?;
    Ok(())
}

/// Row outcomes `(row, natural key, status)`, in row order, as records of
/// runs: consecutive rows of one outcome make one record (a batch of new
/// members is one), a row alone keeps its natural key.
pub(super) fn runs(job: i64, outcomes: Vec<(i64, String, &'static str)>) -> Vec<Arg> {
    let mut records = Vec::new();
    let mut outcomes = outcomes.into_iter().peekable();
    while let Some((first, key, status)) = outcomes.next() {
        let mut last = first;
        while outcomes.next_if(|(n, _, s)| *n == last + 1 && *s == status).is_some() {
            last += 1;
        }
        let key = if last == first { key } else { String::new() };
        records.extend(args![job, first, last, key, status]);
    }
    records
}

/// A failed row's values as kept with its errors: SSN columns are masked
/// by the reader; anything else shaped like an SSN is masked here.
pub(super) fn kept_values(row: &Row) -> String {
    crate::domain::ssn::redact(&row.raw.join(","))
}

/// A found record's outcome: whether the row changed it.
pub(super) fn applied_or_unchanged(applied: bool) -> &'static str {
    if applied { "applied" } else { "unchanged" }
}

pub(super) fn fault(field: &'static str, code: &'static str, message: String) -> RowFault {
    RowFault { field, code, message }
}

impl Ops {
    /// A batch of demographic rows, set-based: the members already on file
    /// looked up by SSN blind index (only the SSNs that may be, when
    /// `on_file` says which), the new ones inserted in bulk, the row records
    /// in one insert; an UPDATE for each member on file (it changes the row
    /// only when a detail differs). `groups` are the employer's, by number.
    pub(super) async fn apply_demographic_batch(
        &self,
        tx: &mut Tx,
        job: &JobHead,
        batch: &[Prepared],
        groups: &HashMap<String, i64>,
        on_file: Option<&SsnsOnFile>,
    ) -> Result<(), OpError> {
        let kind = ImportKind::Demographic;
        let mut ready = Vec::with_capacity(batch.len());
        let mut outcomes: Vec<(i64, String, &'static str)> = Vec::with_capacity(batch.len());
        for Prepared { row, derived } in batch {
            let Ok(checked) = &row.checked else {
                self.record_failed(tx, job, row).await?;
                continue;
            };
            let v = &checked.values;
            let group = text(kind, v, "group_number").unwrap_or_default();
            // The SSN is a required column: a checked row has one, sealed.
            let (Some(group_id), Some(derived)) = (groups.get(&group), derived) else {
                let f = fault("group_number", "group_unknown", format!("group {group} is not one of this employer's"));
                self.record_outcome(tx, job, row, &checked.natural_key, Err(f)).await?;
                continue;
            };
            ready.push(NewMember { row, checked, group_id: *group_id, derived, id: 0 });
        }
        // Only the SSNs that may be on file are looked up, when that is known.
        let ssns: Vec<&[u8]> = ready
            .iter()
            .map(|r| r.derived.index.as_slice())
            .filter(|ssn| on_file.is_none_or(|f| f.may_hold(ssn)))
            .collect();
        let group_ids: Vec<i64> = groups.values().copied().collect();
        let existing = store::members_by_ssn(tx, &ssns, &group_ids).await?;
        let new = ready.iter().filter(|r| !existing.contains_key(&r.derived.index)).count();
        let mut ids = store::member_ids(tx, new as i64).await?.into_iter();
        let mut added = Vec::with_capacity(new);
        // An SSN met again in the batch (in another group) names the member
        // its first row adds: updated once that one is in.
        let mut first_of: HashMap<&[u8], i64> = HashMap::new();
        let mut again = Vec::new();
        for mut r in ready {
            let number = r.row.number as i64;
            if let Some(id) = existing.get(&r.derived.index) {
                let applied = self.update_member(tx, *id, &r.checked.values).await?;
                outcomes.push((number, r.checked.natural_key.clone(), applied_or_unchanged(applied)));
                continue;
            }
            if let Some(id) = first_of.get(r.derived.index.as_slice()) {
                again.push((*id, r));
                continue;
            }
            r.id = ids.next().ok_or_else(|| OpError::Db("fewer member ids than new members".into()))?;
            first_of.insert(&r.derived.index, r.id);
            outcomes.push((number, r.checked.natural_key.clone(), "applied"));
            added.push(r);
        }
        insert_members(tx, &added, &crate::store::sqlite_time(&self.now())).await?;
        for (id, r) in again {
            let applied = self.update_member(tx, id, &r.checked.values).await?;
            outcomes.push((r.row.number as i64, r.checked.natural_key.clone(), applied_or_unchanged(applied)));
        }
        outcomes.sort_unstable_by_key(|o| o.0);
        tx.insert_rows("import_rows", store::ROW_COLUMNS, runs(job.id, outcomes)).await?;
        Ok(())
    }

    /// Updates a member's details from a demographic row; whether anything changed.
    pub(super) async fn update_member(&self, tx: &mut Tx, id: i64, v: &[Option<Value>]) -> Result<bool, OpError> {
        let kind = ImportKind::Demographic;
        let t = |n: &str| text(kind, v, n).unwrap_or_default();
        let (first, last) = (t("first_name"), t("last_name"));
        let (address_line, city, state, zip, gender) =
            (t("address_line"), t("city"), t("state"), t("zip"), t("gender"));
        let details = store::MemberDetails {
            first_name: &first,
            last_name: &last,
            birth_date: date(kind, v, "birth_date"),
            address_line: &address_line,
            city: &city,
            state: &state,
            zip: &zip,
            gender: &gender,
        };
        Ok(store::update_member_details(tx, id, &details).await?)
    }

    /// Applies one row inside a batch and records what happened to it.
    pub(super) async fn apply_row(
        &self,
        tx: &mut Tx,
        key: &DataKey,
        job: &JobHead,
        kind: ImportKind,
        row: &Row,
    ) -> Result<(), OpError> {
        let Ok(checked) = &row.checked else {
            return self.record_failed(tx, job, row).await;
        };
        let outcome = self.apply_values(tx, key, job.employer_id, kind, &checked.values).await?;
        self.record_outcome(tx, job, row, &checked.natural_key, outcome).await
    }

    /// Records a row that failed the file's checks, with each of its errors.
    pub(super) async fn record_failed(&self, tx: &mut Tx, job: &JobHead, row: &Row) -> Result<(), OpError> {
        let raw = kept_values(row);
        let number = row.number as i64;
        store::record_row(tx, job.id, number, "", "failed").await?;
        for e in row.checked.as_ref().err().into_iter().flatten() {
            store::record_error(tx, job.id, number, e.column, e.code, &e.message, &raw).await?;
        }
        Ok(())
    }

    /// Records what happened to a checked row: applied, unchanged, or its fault.
    pub(super) async fn record_outcome(
        &self,
        tx: &mut Tx,
        job: &JobHead,
        row: &Row,
        natural_key: &str,
        outcome: Result<bool, RowFault>,
    ) -> Result<(), OpError> {
        let number = row.number as i64;
        match outcome {
            Ok(applied) => store::record_row(tx, job.id, number, natural_key, applied_or_unchanged(applied)).await?,
            Err(f) => {
                let raw = kept_values(row);
                store::record_row(tx, job.id, number, natural_key, "failed").await?;
                store::record_error(tx, job.id, number, f.field, f.code, &f.message, &raw).await?;
            }
        }
        Ok(())
    }

    /// Finds the row's record by natural key and adds or updates it;
    /// `Ok(Ok(true))` when something changed, `Ok(Ok(false))` when it was
    /// already so, `Ok(Err(..))` when the row names what is not on file.
    pub(super) async fn apply_values(
        &self,
        tx: &mut Tx,
        key: &DataKey,
        employer: i64,
        kind: ImportKind,
        v: &[Option<Value>],
    ) -> Result<Result<bool, RowFault>, OpError> {
        let now = self.now();
        let t = |n: &str| text(kind, v, n).unwrap_or_default();
        match kind {
            // Demographic rows are applied a batch at a time (`apply_demographic_batch`).
            ImportKind::Demographic => Err(OpError::Db("demographic rows are applied in batches".into())),
            // 834 loops are applied by `apply_834_row`, with the employer's groups.
            ImportKind::X12_834 => Err(OpError::Db("834 member loops are applied by apply_834_row".into())),
            ImportKind::Dependent => {
                let Some(sub_ssn) = ssn(kind, v, "subscriber_ssn") else {
                    return Ok(Err(fault("subscriber_ssn", "ssn_invalid", "no SSN".into())));
                };
                let Some((sub, _)) =
                    store::member_by_ssn(tx, employer, &key.blind_index("ssn", sub_ssn.digits())).await?
                else {
                    return Ok(Err(fault(
                        "subscriber_ssn",
                        "subscriber_unknown",
                        "no subscriber with that SSN in this employer's groups".into(),
                    )));
                };
                let (first, last, born) = (t("first_name"), t("last_name"), date(kind, v, "birth_date"));
                if store::dependent_exists(tx, sub, &first, born).await? {
                    return Ok(Ok(false));
                }
                let Some(id) = store::member_ids(tx, 1).await?.pop() else {
                    return Err(OpError::Db("no member id".into()));
                };
                let (number, individual) = crate::store::members::numbers(id);
                let own = ssn(kind, v, "ssn");
                let gender = text(kind, v, "gender").unwrap_or_else(|| "U".into());
                let relationship = t("relationship");
                let dependent = store::NewDependent {
                    id,
                    member_number: &number,
                    individual_id: &individual,
                    subscriber: sub,
                    relationship: &relationship,
                    first_name: &first,
                    last_name: &last,
                    birth_date: born,
                    gender: &gender,
                    ssn_cipher: own.as_ref().map(|s| key.encrypt(s.digits())),
                    ssn_index: own.as_ref().map(|s| key.blind_index("ssn", s.digits())),
                    ssn_last4: own.as_ref().map(|s| s.last4().to_owned()),
                    created_at: now,
                };
                store::insert_dependent(tx, dependent).await?;
                Ok(Ok(true))
            }
            ImportKind::Event => {
                let member = t("member_id");
                let Some((mid, _)) = store::member_of(tx, employer, &member).await? else {
                    return Ok(Err(fault(
                        "member_id",
                        "member_unknown",
                        format!("no member {member} in this employer's groups"),
                    )));
                };
                let (code, on) = (int(kind, v, "event_code"), date(kind, v, "event_date"));
                if store::event_exists(tx, mid, code, on).await? {
                    return Ok(Ok(false));
                }
                let loss = date(kind, v, "loss_of_coverage_date").or(on.map(crate::domain::cobra::first_of_next_month));
                let event = store::NewEvent {
                    member_id: mid,
                    event_code: code,
                    event_date: on,
                    loss_of_coverage_date: loss,
                    notice_date: date(kind, v, "notice_date"),
                    disability_extension: int(kind, v, "disability_extension").unwrap_or(0) == 1,
                    created_at: now,
                };
                store::insert_event(tx, event).await?;
                Ok(Ok(true))
            }
            ImportKind::Plan => {
                let member = t("member_id");
                let Some((mid, gid)) = store::member_of(tx, employer, &member).await? else {
                    return Ok(Err(fault(
                        "member_id",
                        "member_unknown",
                        format!("no member {member} in this employer's groups"),
                    )));
                };
                let code = t("plan_code");
                let Some(plan_id) = store::plan_id(tx, gid, &code).await? else {
                    return Ok(Err(fault(
                        "plan_code",
                        "plan_unknown",
                        format!("plan {code} does not exist for this member's group"),
                    )));
                };
                let start = date(kind, v, "coverage_start");
                if store::enrollment_exists(tx, mid, plan_id, start).await? {
                    return Ok(Ok(false));
                }
                let tier = t("tier");
                let enrollment = store::NewEnrollment {
                    member_id: mid,
                    plan_id,
                    tier: &tier,
                    coverage_start: start,
                    coverage_end: date(kind, v, "coverage_end"),
                };
                store::insert_enrollment(tx, enrollment).await?;
                Ok(Ok(true))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consecutive_rows_of_one_outcome_make_one_record() {
        let o = |n: i64, s: &'static str| (n, format!("k{n}"), s);
        let outcomes = vec![
            o(2, "applied"),
            o(3, "applied"),
            o(4, "applied"),
            o(5, "unchanged"),
            o(7, "applied"),
            o(8, "applied"),
        ];
        let records: Vec<Vec<Arg>> = runs(9, outcomes).chunks(5).map(<[Arg]>::to_vec).collect();
        assert_eq!(
            records,
            vec![
                args![9_i64, 2_i64, 4_i64, "", "applied"],
                args![9_i64, 5_i64, 5_i64, "k5", "unchanged"],
                args![9_i64, 7_i64, 8_i64, "", "applied"],
            ]
        );
    }
}
