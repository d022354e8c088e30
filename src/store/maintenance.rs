//! Eligibility maintenance: the member as a change reads it (every field a
//! change may set, and its version), the facts the cross-record rules
//! judge, the writes, and the `member_changes` rows behind the History tab,
//! a case's timeline and undo.

use chrono::{DateTime, NaiveDate, Utc};

use super::{Store, Tx};
use crate::args;
use crate::domain::text::fold_key;

/// A member as a change reads it: its own fields (what a change may set and
/// an undo puts back), its group's period, and its version for the
/// conflict check.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct MemberState {
    pub id: i64,
    pub member_number: String,
    pub group_id: i64,
    pub employer_id: i64,
    pub group_effective: NaiveDate,
    pub subscriber_id: Option<i64>,
    pub relationship: String,
    #[sqlx(flatten)]
    pub fields: MemberFields,
    pub row_version: i64,
}

/// The fields of a member a change may set, all in one row so that an
/// undo can put the whole of them back.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, sqlx::FromRow)]
pub struct MemberFields {
    pub member_type: String,
    pub first_name: String,
    pub last_name: String,
    pub birth_date: NaiveDate,
    pub gender: String,
    pub address_line: String,
    pub city: String,
    pub state: String,
    pub zip: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub language: String,
    pub ssn_cipher: Option<Vec<u8>>,
    pub ssn_index: Option<Vec<u8>>,
    pub ssn_last4: Option<String>,
    pub status: String,
    pub disabled: bool,
    pub terminated_on: Option<NaiveDate>,
    pub termination_reason: Option<String>,
}

const STATE_SELECT: &str = "SELECT m.id, m.member_number, m.group_id, g.employer_id, \
     g.original_effective_date AS group_effective, m.subscriber_id, m.relationship, m.member_type, m.first_name, \
     m.last_name, m.birth_date, m.gender, m.address_line, m.city, m.state, m.zip, m.phone, m.email, m.language, \
     m.ssn_cipher, m.ssn_index, m.ssn_last4, m.status, m.disabled, m.terminated_on, m.termination_reason, \
     m.row_version FROM members m JOIN employer_groups g ON g.id = m.group_id WHERE m.member_number = $1";

/// The member a change is about, read inside the change's transaction.
pub async fn member(tx: &mut Tx, number: &str) -> Result<Option<MemberState>, sqlx::Error> {
    tx.fetch_optional(STATE_SELECT, args![number]).await
}

/// Writes every changeable field if the member is still at `version`;
/// false when someone else changed it since it was read.
pub async fn set_fields(tx: &mut Tx, id: i64, version: i64, f: &MemberFields) -> Result<bool, sqlx::Error> {
    let n = tx
        .execute(
            "UPDATE members SET member_type = $1, first_name = $2, last_name = $3, first_name_key = $4, \
             last_name_key = $5, birth_date = $6, gender = $7, address_line = $8, city = $9, state = $10, zip = $11, \
             phone = $12, email = $13, language = $14, ssn_cipher = $15, ssn_index = $16, ssn_last4 = $17, \
             status = $18, disabled = $19, terminated_on = $20, termination_reason = $21, \
             row_version = row_version + 1 WHERE id = $22 AND row_version = $23",
            args![
                f.member_type.as_str(),
                f.first_name.as_str(),
                f.last_name.as_str(),
                fold_key(&f.first_name),
                fold_key(&f.last_name),
                f.birth_date,
                f.gender.as_str(),
                f.address_line.as_str(),
                f.city.as_str(),
                f.state.as_str(),
                f.zip.as_str(),
                f.phone.clone(),
                f.email.clone(),
                f.language.as_str(),
                f.ssn_cipher.clone(),
                f.ssn_index.clone(),
                f.ssn_last4.clone(),
                f.status.as_str(),
                f.disabled,
                f.terminated_on,
                f.termination_reason.clone(),
                id,
                version
            ],
        )
        .await?;
    Ok(n == 1)
}

/// Moves a member's version on (a change to its enrollments or events
/// changes the member as a whole); false when someone else got there first.
pub async fn bump(tx: &mut Tx, id: i64, version: i64) -> Result<bool, sqlx::Error> {
    let n = tx
        .execute(
            "UPDATE members SET row_version = row_version + 1 WHERE id = $1 AND row_version = $2",
            args![id, version],
        )
        .await?;
    Ok(n == 1)
}

/// A new member with everything a change gives it.
#[derive(Debug, Clone)]
pub struct NewMember<'a> {
    pub id: i64,
    pub group_id: i64,
    pub subscriber_id: Option<i64>,
    pub relationship: &'a str,
    pub fields: &'a MemberFields,
    pub created_at: DateTime<Utc>,
}

/// Adds a member (a subscriber, or a dependent under one); its member
/// number and individual ID come from its id.
pub async fn insert(tx: &mut Tx, m: NewMember<'_>) -> Result<String, sqlx::Error> {
    let (number, individual) = super::members::numbers(m.id);
    let f = m.fields;
    tx.execute(
        "INSERT INTO members (id, member_number, individual_id, group_id, subscriber_id, member_type, relationship, \
         first_name, last_name, first_name_key, last_name_key, birth_date, gender, address_line, city, state, zip, \
         phone, email, language, ssn_cipher, ssn_index, ssn_last4, status, disabled, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, \
         $22, $23, $24, $25, $26)",
        args![
            m.id,
            number.as_str(),
            individual,
            m.group_id,
            m.subscriber_id,
            f.member_type.as_str(),
            m.relationship,
            f.first_name.as_str(),
            f.last_name.as_str(),
            fold_key(&f.first_name),
            fold_key(&f.last_name),
            f.birth_date,
            f.gender.as_str(),
            f.address_line.as_str(),
            f.city.as_str(),
            f.state.as_str(),
            f.zip.as_str(),
            f.phone.clone(),
            f.email.clone(),
            f.language.as_str(),
            f.ssn_cipher.clone(),
            f.ssn_index.clone(),
            f.ssn_last4.clone(),
            f.status.as_str(),
            f.disabled,
            m.created_at
        ],
    )
    .await?;
    Ok(number)
}

/// An id for a member added by hand: PostgreSQL's sequence is first moved
/// past ids written by bulk loads, which bypass it.
pub async fn new_member_id(tx: &mut Tx) -> Result<i64, sqlx::Error> {
    super::imports::sync_member_ids(tx).await?;
    let ids = super::imports::member_ids(tx, 1).await?;
    ids.first().copied().ok_or(sqlx::Error::RowNotFound)
}

/// The group a new member joins, by group number: its id, employer and
/// effective date.
#[derive(Debug, Clone, Copy, PartialEq, sqlx::FromRow)]
pub struct GroupPeriod {
    pub id: i64,
    pub employer_id: i64,
    pub original_effective_date: NaiveDate,
}

/// The group with this number, if on file.
pub async fn group(tx: &mut Tx, group_number: &str) -> Result<Option<GroupPeriod>, sqlx::Error> {
    tx.fetch_optional(
        "SELECT id, employer_id, original_effective_date FROM employer_groups WHERE group_number = $1",
        args![group_number],
    )
    .await
}

/// The member number of whoever holds this SSN (by its blind index), if anyone.
pub async fn ssn_holder(tx: &mut Tx, index: &[u8]) -> Result<Option<String>, sqlx::Error> {
    let row: Option<(String,)> = tx
        .fetch_optional("SELECT member_number FROM members WHERE ssn_index = $1 LIMIT 1", args![index.to_vec()])
        .await?;
    Ok(row.map(|(n,)| n))
}

/// How many spouses the subscriber has on file and not terminated.
pub async fn spouses(tx: &mut Tx, subscriber: i64) -> Result<usize, sqlx::Error> {
    let (n,): (i64,) = tx
        .fetch_one(
            "SELECT count(*) FROM members WHERE subscriber_id = $1 AND relationship = 'spouse' \
             AND status <> 'terminated'",
            args![subscriber],
        )
        .await?;
    Ok(usize::try_from(n).unwrap_or(0))
}

/// The start of a member's coverage: its earliest enrollment's start.
pub async fn coverage_start(tx: &mut Tx, member: i64) -> Result<Option<NaiveDate>, sqlx::Error> {
    let row: (Option<NaiveDate>,) =
        tx.fetch_one("SELECT MIN(coverage_start) FROM enrollments WHERE member_id = $1", args![member]).await?;
    Ok(row.0)
}

/// A plan as an enrollment change needs it: which group it belongs to and its coverage type.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct PlanRef {
    pub id: i64,
    pub group_id: i64,
    pub coverage_type: String,
}

/// The plan with this code: the member's group's own if it has one, else
/// any other group's (so the refusal can say it belongs elsewhere).
pub async fn plan(tx: &mut Tx, group: i64, plan_code: &str) -> Result<Option<PlanRef>, sqlx::Error> {
    tx.fetch_optional(
        "SELECT id, group_id, coverage_type FROM plans WHERE plan_code = $1 \
         ORDER BY CASE WHEN group_id = $2 THEN 0 ELSE 1 END, id LIMIT 1",
        args![plan_code, group],
    )
    .await
}

/// An active enrollment of the member.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ActiveEnrollment {
    pub id: i64,
    pub plan_code: String,
    pub coverage_type: String,
    pub tier: String,
    pub coverage_start: NaiveDate,
}

/// The member's active enrollments.
pub async fn active_enrollments(tx: &mut Tx, member: i64) -> Result<Vec<ActiveEnrollment>, sqlx::Error> {
    tx.fetch_all(
        "SELECT n.id, p.plan_code, p.coverage_type, n.tier, n.coverage_start FROM enrollments n \
         JOIN plans p ON p.id = n.plan_id WHERE n.member_id = $1 AND n.status = 'active' ORDER BY n.id",
        args![member],
    )
    .await
}

/// Ends an enrollment on a date (or, with `None`, makes it active again: an undo).
pub async fn set_enrollment_end(tx: &mut Tx, id: i64, end: Option<NaiveDate>) -> Result<(), sqlx::Error> {
    tx.execute(
        "UPDATE enrollments SET coverage_end = $1, \
         status = CASE WHEN $1 IS NULL THEN 'active' ELSE 'terminated' END WHERE id = $2",
        args![end, id],
    )
    .await?;
    Ok(())
}

/// The member's enrollments a termination on `on` ended (a reinstatement
/// makes them active again).
pub async fn ended_on(tx: &mut Tx, member: i64, on: NaiveDate) -> Result<Vec<i64>, sqlx::Error> {
    let rows: Vec<(i64,)> = tx
        .fetch_all(
            "SELECT id FROM enrollments WHERE member_id = $1 AND status = 'terminated' AND coverage_end = $2 ORDER BY id",
            args![member, on],
        )
        .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// Sets an enrollment's tier.
pub async fn set_tier(tx: &mut Tx, id: i64, tier: &str) -> Result<(), sqlx::Error> {
    tx.execute("UPDATE enrollments SET tier = $1 WHERE id = $2", args![tier, id]).await?;
    Ok(())
}

/// The enrollment just added, by member, plan and start (for undo to find it).
pub async fn enrollment_id(tx: &mut Tx, member: i64, plan: i64, start: NaiveDate) -> Result<Option<i64>, sqlx::Error> {
    let row: Option<(i64,)> = tx
        .fetch_optional(
            "SELECT id FROM enrollments WHERE member_id = $1 AND plan_id = $2 AND coverage_start = $3 \
             ORDER BY id DESC LIMIT 1",
            args![member, plan, start],
        )
        .await?;
    Ok(row.map(|(id,)| id))
}

/// The case a change is made from: its id, the member it is about, and
/// whether an Exception Request Form is attached.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct CaseRef {
    pub id: i64,
    pub case_number: String,
    pub member_id: Option<i64>,
    pub has_exception_form: bool,
}

/// The case with this number, if on file.
pub async fn case(tx: &mut Tx, number: &str) -> Result<Option<CaseRef>, sqlx::Error> {
    tx.fetch_optional(
        "SELECT c.id, c.case_number, c.member_id, EXISTS (SELECT 1 FROM case_attachments a WHERE a.case_id = c.id \
         AND a.kind = 'exception_request_form') AS has_exception_form FROM cases c WHERE c.case_number = $1",
        args![number],
    )
    .await
}

/// Links a case to the member its change was made on, if it names none yet.
pub async fn link_case(tx: &mut Tx, case: i64, member: i64) -> Result<(), sqlx::Error> {
    tx.execute(
        "UPDATE cases SET member_id = $1, row_version = row_version + 1 WHERE id = $2 AND member_id IS NULL",
        args![member, case],
    )
    .await?;
    Ok(())
}

/// A change to record.
#[derive(Debug, Clone)]
pub struct NewChange<'a> {
    pub member_id: i64,
    pub case_id: Option<i64>,
    pub kind: &'a str,
    pub operator: &'a str,
    pub at: DateTime<Utc>,
    pub effective_on: Option<NaiveDate>,
    pub summary: &'a str,
    /// JSON: the fields before → after, SSNs masked.
    pub changes: &'a str,
    /// JSON: what an undo puts back, if it can.
    pub restore: Option<String>,
}

/// The columns of a change record, as an import inserts many at once
/// (`Tx::insert_rows`, in `NewChange`'s order).
pub const CHANGE_COLUMNS: &[&str] =
    &["member_id", "case_id", "kind", "operator", "at", "effective_on", "summary", "changes", "restore"];

/// A change record's values in `CHANGE_COLUMNS` order.
pub fn change_values(c: NewChange<'_>) -> Vec<crate::store::Arg> {
    args![c.member_id, c.case_id, c.kind, c.operator, c.at, c.effective_on, c.summary, c.changes, c.restore]
}

/// Records a change; its id.
pub async fn insert_change(tx: &mut Tx, c: NewChange<'_>) -> Result<i64, sqlx::Error> {
    let (id,): (i64,) = tx
        .fetch_one(
            "INSERT INTO member_changes (member_id, case_id, kind, operator, at, effective_on, summary, changes, \
             restore) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            args![c.member_id, c.case_id, c.kind, c.operator, c.at, c.effective_on, c.summary, c.changes, c.restore],
        )
        .await?;
    Ok(id)
}

/// A recorded change, as the History tab and undo read it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct ChangeRow {
    pub id: i64,
    pub kind: String,
    pub operator: String,
    pub at: DateTime<Utc>,
    pub effective_on: Option<NaiveDate>,
    pub case_number: Option<String>,
    pub summary: String,
    pub changes: String,
    #[serde(skip)]
    pub restore: Option<String>,
    pub undone_by: Option<i64>,
}

/// The change rows of a member, with what follows the filter (order, limit).
macro_rules! change_select {
    ($tail:literal) => {
        concat!(
            "SELECT c.id, c.kind, c.operator, c.at, c.effective_on, k.case_number, c.summary, c.changes, \
             c.restore, c.undone_by FROM member_changes c LEFT JOIN cases k ON k.id = c.case_id \
             WHERE c.member_id = $1 ",
            $tail
        )
    };
}

/// Every change of a member, newest first.
pub async fn history(store: &Store, member: i64) -> Result<Vec<ChangeRow>, sqlx::Error> {
    store.fetch_all(change_select!("ORDER BY c.id DESC"), args![member]).await
}

/// A member's last change, read in an undo's transaction.
pub async fn last_change(tx: &mut Tx, member: i64) -> Result<Option<ChangeRow>, sqlx::Error> {
    tx.fetch_optional(change_select!("ORDER BY c.id DESC LIMIT 1"), args![member]).await
}

/// Marks a change as reverted by a later one.
pub async fn mark_undone(tx: &mut Tx, id: i64, by: i64) -> Result<(), sqlx::Error> {
    tx.execute("UPDATE member_changes SET undone_by = $1 WHERE id = $2", args![by, id]).await?;
    Ok(())
}

/// Terminates a member a reverted change had added (never a delete: its
/// history and audit rows keep pointing at it).
pub async fn terminate_added(tx: &mut Tx, id: i64, on: NaiveDate) -> Result<(), sqlx::Error> {
    tx.execute(
        "UPDATE members SET status = 'terminated', terminated_on = $1, termination_reason = 'change reverted', \
         row_version = row_version + 1 WHERE id = $2",
        args![on, id],
    )
    .await?;
    Ok(())
}
