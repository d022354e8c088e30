//! What an 834 import looks up beyond the CSV kinds': members by the
//! subscriber identifier of a loop, dependents by name and birth date, and
//! the subscribers a full file may leave out.

use chrono::NaiveDate;

use super::{Store, Tx};
use crate::args;
use crate::domain::text::fold_key;

/// The member number of a member of the employer's groups with this SSN
/// blind index (a subscriber before a dependent sharing it), if any.
pub async fn number_by_ssn(tx: &mut Tx, employer: i64, index: &[u8]) -> Result<Option<String>, sqlx::Error> {
    let r: Option<(String,)> = tx
        .fetch_optional(
            "SELECT m.member_number FROM members m WHERE m.ssn_index = $2 \
             AND m.group_id IN (SELECT id FROM employer_groups WHERE employer_id = $1) \
             ORDER BY CASE WHEN m.relationship = 'self' THEN 0 ELSE 1 END, m.id LIMIT 1",
            args![employer, index],
        )
        .await?;
    Ok(r.map(|r| r.0))
}

/// A member number as written, if it is of the employer's groups.
pub async fn number_of_employer(tx: &mut Tx, employer: i64, number: &str) -> Result<Option<String>, sqlx::Error> {
    let r: Option<(String,)> = tx
        .fetch_optional(
            "SELECT m.member_number FROM members m WHERE m.member_number = $2 \
             AND m.group_id IN (SELECT id FROM employer_groups WHERE employer_id = $1)",
            args![employer, number],
        )
        .await?;
    Ok(r.map(|r| r.0))
}

/// A dependent of the subscriber by first name and, when given, birth date.
pub async fn dependent_number(
    tx: &mut Tx,
    subscriber: &str,
    first_name: &str,
    birth_date: Option<NaiveDate>,
) -> Result<Option<String>, sqlx::Error> {
    let r: Option<(String,)> = tx
        .fetch_optional(
            "SELECT d.member_number FROM members d JOIN members s ON s.id = d.subscriber_id \
             WHERE s.member_number = $1 AND d.first_name_key = $2 AND ($3 IS NULL OR d.birth_date = $3) \
             ORDER BY d.id LIMIT 1",
            args![subscriber, fold_key(first_name), birth_date],
        )
        .await?;
    Ok(r.map(|r| r.0))
}

/// An active subscriber of the employer's groups, as a full file's preview
/// of terminations lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct Subscriber {
    pub member_number: String,
    pub first_name: String,
    pub last_name: String,
    #[serde(skip)]
    pub ssn_index: Option<Vec<u8>>,
}

/// The active subscribers of the employer's groups, by member number.
pub async fn active_subscribers(store: &Store, employer: i64) -> Result<Vec<Subscriber>, sqlx::Error> {
    store
        .fetch_all(
            "SELECT m.member_number, m.first_name, m.last_name, m.ssn_index FROM members m \
             WHERE m.relationship = 'self' AND m.status = 'active' \
             AND m.group_id IN (SELECT id FROM employer_groups WHERE employer_id = $1) ORDER BY m.member_number",
            args![employer],
        )
        .await
}

/// Which of these SSN blind indexes a member holds already, in any group:
/// an addition's SSN must be nobody's. SQLite steps one prepared lookup per
/// SSN in-process (`Tx::direct`); PostgreSQL takes them in one statement.
pub async fn ssns_held(tx: &mut Tx, ssns: &[&[u8]]) -> Result<std::collections::HashSet<Vec<u8>>, sqlx::Error> {
    use super::Cell;
    let mut held = std::collections::HashSet::new();
    if let Tx::Postgres(t, named, _) = tx {
        let rows: Vec<(Vec<u8>,)> = sqlx::query_as("SELECT ssn_index FROM members WHERE ssn_index = ANY($1)")
            .persistent(*named)
            .bind(ssns)
            .fetch_all(&mut **t)
            .await?;
        held.extend(rows.into_iter().map(|r| r.0));
        return Ok(held);
    }
    tx.direct(|db| {
        let mut find = db.prepare::<1>("SELECT id FROM members WHERE ssn_index = ?1 LIMIT 1")?;
        for ssn in ssns {
            let mut found = false;
            find.run(&[Cell::Blob(ssn)], |_| found = true)?;
            if found {
                held.insert(ssn.to_vec());
            }
        }
        Ok(())
    })
    .await?;
    Ok(held)
}
