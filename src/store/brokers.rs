//! Brokers, their agencies and licences, the access grants employers give
//! them, and their book of business.

use chrono::{DateTime, NaiveDate, Utc};

use super::{Sql, Store, Tx};
use crate::args;
use crate::crypto::DataKey;
use crate::domain::access::BrokerQuery;
use crate::domain::text::prefix_end;

/// A broker query made ready for the database (the tax ID as its blind index).
#[derive(Debug, Clone, PartialEq)]
pub struct BrokerSearch(Find);

#[derive(Debug, Clone, PartialEq)]
enum Find {
    All,
    Npn(String),
    /// Its blind index under each loaded key (two during a rotation).
    TaxIndex(Vec<Vec<u8>>),
    Email(String),
    Agency(String),
    Name(String),
}

impl BrokerSearch {
    /// Parses typed text; a tax ID needs the data key.
    pub fn parse(text: &str, key: Option<&DataKey>) -> Result<BrokerSearch, String> {
        let find = match crate::domain::access::parse_broker_query(text)? {
            BrokerQuery::All => Find::All,
            BrokerQuery::Npn(n) => Find::Npn(n),
            BrokerQuery::TaxId(t) => match key {
                Some(k) => Find::TaxIndex(k.blind_indexes("tax", &t)),
                None => return Err("searching by tax ID needs the data key, which is not loaded".into()),
            },
            BrokerQuery::Email(e) => Find::Email(e),
            BrokerQuery::Agency(a) => Find::Agency(a),
            BrokerQuery::Name(n) => Find::Name(n),
        };
        Ok(BrokerSearch(find))
    }

    /// Adds this search's WHERE clause (brokers `b`, agencies `a`); returns whether it added one.
    pub fn push_where(&self, q: &mut Sql) -> bool {
        match &self.0 {
            Find::All => return false,
            Find::Npn(n) => q.push(" WHERE b.npn = ").bind(n.clone()),
            Find::TaxIndex(ixs) => {
                q.push(" WHERE b.tax_id_index IN (");
                for (i, ix) in ixs.iter().enumerate() {
                    q.push(if i == 0 { "" } else { ", " }).bind(ix.clone());
                }
                q.push(")")
            }
            Find::Email(e) => q.push(" WHERE lower(b.email) = ").bind(e.clone()),
            Find::Agency(a) => {
                let pattern = format!("{}%", super::sql::escape_like(a));
                q.push(" WHERE lower(a.name) LIKE ").bind(pattern).push(" ESCAPE '\\'")
            }
            Find::Name(n) => {
                q.push(" WHERE b.last_name_key >= ").bind(n.clone()).push(" AND b.last_name_key < ").bind(prefix_end(n))
            }
        };
        true
    }
}

/// A broker as the broker view shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct BrokerDetail {
    pub id: i64,
    pub npn: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub tax_id_last4: String,
    pub states_appointed: String,
    pub status: String,
    pub agency_id: Option<i64>,
    pub agency: Option<String>,
    pub upline: Option<String>,
}

/// A state licence.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct Licence {
    pub state: String,
    pub license_number: String,
    pub expires_on: NaiveDate,
}

/// A portal user of the broker's office.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct OfficeUser {
    pub id: i64,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub status: String,
}

/// One grant as the book of business and the histories show it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct GrantRow {
    pub grant_id: i64,
    pub group_number: String,
    pub parent_number: Option<String>,
    pub group_status: String,
    pub original_effective_date: NaiveDate,
    pub renewal_date: NaiveDate,
    pub subscribers: i64,
    /// `broker NPN` or `agency NAME`: who holds the grant.
    pub holder: String,
    /// How this broker has it: `direct`, `agency`, or `downline` (an agency it is upline of; view only).
    pub via: String,
    pub can_view: bool,
    pub can_enroll: bool,
    pub can_bill: bool,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub granted_by: String,
}

/// A broker with everything the broker view shows.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BrokerFile {
    pub broker: BrokerDetail,
    pub licences: Vec<Licence>,
    pub office: Vec<OfficeUser>,
    /// Every grant reaching this broker, in force first, then by group.
    pub book: Vec<GrantRow>,
}

macro_rules! grant_select {
    () => {
        "SELECT a.id AS grant_id, g.group_number, p.group_number AS parent_number, g.status AS group_status, \
         g.original_effective_date, g.renewal_date, \
         (SELECT count(*) FROM members m WHERE m.group_id = g.id AND m.relationship = 'self') AS subscribers, \
         COALESCE('broker ' || br.npn, 'agency ' || ag.name) AS holder, "
    };
}

macro_rules! grant_from {
    () => {
        " a.can_view, a.can_enroll, a.can_bill, a.starts_on, a.ends_on, a.granted_by \
         FROM broker_access_grants a JOIN employer_groups g ON g.id = a.group_id \
         LEFT JOIN employer_groups p ON p.id = g.parent_group_id \
         LEFT JOIN brokers br ON br.id = a.broker_id LEFT JOIN agencies ag ON ag.id = a.agency_id "
    };
}

/// A broker by NPN with licences, office staff and book of business.
pub async fn file_by_npn(store: &Store, npn: &str, today: NaiveDate) -> Result<Option<BrokerFile>, sqlx::Error> {
    let store = store.reads();
    let broker: Option<BrokerDetail> = store
        .fetch_optional(
            "SELECT b.id, b.npn, b.first_name, b.last_name, b.email, b.tax_id_last4, b.states_appointed, b.status, \
             b.agency_id, a.name AS agency, u.name AS upline FROM brokers b LEFT JOIN agencies a ON a.id = b.agency_id \
             LEFT JOIN agencies u ON u.id = a.upline_agency_id WHERE b.npn = $1",
            args![npn],
        )
        .await?;
    let Some(broker) = broker else { return Ok(None) };
    let licences = store
        .fetch_all(
            "SELECT state, license_number, expires_on FROM broker_licenses WHERE broker_id = $1 ORDER BY state",
            args![broker.id],
        )
        .await?;
    let office = store
        .fetch_all(
            "SELECT id, email, first_name, last_name, status FROM portal_users WHERE broker_id = $1 ORDER BY name_key, id",
            args![broker.id],
        )
        .await?;
    let book = book(store, broker.id, broker.agency_id, today).await?;
    Ok(Some(BrokerFile { broker, licences, office, book }))
}

/// Every grant reaching a broker: its own, its agency's, and (view only)
/// those of agencies its agency is upline of; in force on `today` first.
pub async fn book(
    store: &Store,
    broker_id: i64,
    agency_id: Option<i64>,
    today: NaiveDate,
) -> Result<Vec<GrantRow>, sqlx::Error> {
    let store = store.reads();
    store
        .fetch_all(
            concat!(
                grant_select!(),
                "CASE WHEN a.broker_id = $1 THEN 'direct' WHEN a.agency_id = $2 THEN 'agency' ELSE 'downline' END AS via, ",
                grant_from!(),
                "WHERE a.broker_id = $1 OR a.agency_id = $2 \
                 OR a.agency_id IN (SELECT id FROM agencies WHERE upline_agency_id = $2) \
                 ORDER BY CASE WHEN a.starts_on <= $3 AND (a.ends_on IS NULL OR a.ends_on > $3) THEN 0 ELSE 1 END, \
                 g.group_number, a.starts_on, a.id"
            ),
            args![broker_id, agency_id, today],
        )
        .await
}

/// Every grant ever made on a group: which brokers can see it, with what, and since when.
pub async fn grants_for_group(store: &Store, group_number: &str) -> Result<Vec<GrantRow>, sqlx::Error> {
    let store = store.reads();
    store
        .fetch_all(
            concat!(
                grant_select!(),
                "'group' AS via, ",
                grant_from!(),
                "WHERE g.group_number = $1 ORDER BY a.starts_on, a.id"
            ),
            args![group_number],
        )
        .await
}

/// A group by number, with its employer.
pub async fn group_by_number(tx: &mut Tx, number: &str) -> Result<Option<(i64, i64, String)>, sqlx::Error> {
    tx.fetch_optional(
        "SELECT g.id, g.employer_id, e.ein FROM employer_groups g JOIN employers e ON e.id = g.employer_id \
         WHERE g.group_number = $1",
        args![number],
    )
    .await
}

/// A broker's id, agency and status by NPN.
pub async fn broker_by_npn(tx: &mut Tx, npn: &str) -> Result<Option<(i64, Option<i64>, String)>, sqlx::Error> {
    tx.fetch_optional("SELECT id, agency_id, status FROM brokers WHERE npn = $1", args![npn]).await
}

/// The id of a grant in force for the holder on the group, if any.
pub async fn grant_in_force(
    tx: &mut Tx,
    broker_id: Option<i64>,
    agency_id: Option<i64>,
    group_id: i64,
    day: NaiveDate,
) -> Result<Option<i64>, sqlx::Error> {
    let row: Option<(i64,)> = tx
        .fetch_optional(
            "SELECT id FROM broker_access_grants WHERE group_id = $1 \
             AND ((broker_id = $2) OR (agency_id = $3)) AND (ends_on IS NULL OR ends_on > $4) LIMIT 1",
            args![group_id, broker_id, agency_id, day],
        )
        .await?;
    Ok(row.map(|(id,)| id))
}

/// A new grant.
pub struct NewGrant {
    pub employer_id: i64,
    pub group_id: i64,
    pub broker_id: Option<i64>,
    pub agency_id: Option<i64>,
    pub perms: crate::domain::access::Perms,
    pub starts_on: NaiveDate,
    pub granted_by: String,
}

/// Stores a grant; returns its id.
pub async fn insert_grant(tx: &mut Tx, g: &NewGrant, now: DateTime<Utc>) -> Result<i64, sqlx::Error> {
    let (id,): (i64,) = tx
        .fetch_one(
            "INSERT INTO broker_access_grants (employer_id, group_id, broker_id, agency_id, can_view, can_enroll, \
             can_bill, starts_on, granted_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            args![
                g.employer_id,
                g.group_id,
                g.broker_id,
                g.agency_id,
                g.perms.view,
                g.perms.enrollment,
                g.perms.billing,
                g.starts_on,
                g.granted_by.clone(),
                now
            ],
        )
        .await?;
    Ok(id)
}

/// A grant's changeable fields.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct GrantHead {
    pub id: i64,
    pub broker_id: Option<i64>,
    pub can_view: bool,
    pub can_enroll: bool,
    pub can_bill: bool,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub row_version: i64,
}

/// A grant, locked for a change.
pub async fn lock_grant(tx: &mut Tx, id: i64) -> Result<Option<GrantHead>, sqlx::Error> {
    let sql = tx.pick(
        "SELECT id, broker_id, can_view, can_enroll, can_bill, starts_on, ends_on, row_version FROM broker_access_grants WHERE id = $1",
        "SELECT id, broker_id, can_view, can_enroll, can_bill, starts_on, ends_on, row_version FROM broker_access_grants WHERE id = $1 FOR UPDATE",
    );
    tx.fetch_optional(sql, args![id]).await
}

/// Saves a grant's permissions and end date if it is still at `row_version`.
pub async fn save_grant(tx: &mut Tx, g: &GrantHead) -> Result<bool, sqlx::Error> {
    let n = tx
        .execute(
            "UPDATE broker_access_grants SET can_view = $1, can_enroll = $2, can_bill = $3, ends_on = $4, \
             row_version = row_version + 1 WHERE id = $5 AND row_version = $6",
            args![g.can_view, g.can_enroll, g.can_bill, g.ends_on, g.id, g.row_version],
        )
        .await?;
    Ok(n == 1)
}

/// The groups an office staff user of a broker can reach on `day`: exactly
/// their broker's book in force, so revoking a broker's grant revokes it
/// for the office too.
pub async fn office_user_groups(store: &Store, user_id: i64, day: NaiveDate) -> Result<Vec<String>, sqlx::Error> {
    let b: Option<(Option<i64>, Option<i64>)> = store
        .fetch_optional(
            "SELECT u.broker_id, b.agency_id FROM portal_users u LEFT JOIN brokers b ON b.id = u.broker_id WHERE u.id = $1",
            args![user_id],
        )
        .await?;
    let Some((Some(broker), agency)) = b else { return Ok(Vec::new()) };
    let mut groups: Vec<String> = book(store, broker, agency, day)
        .await?
        .into_iter()
        .filter(|g| crate::domain::access::in_force(g.starts_on, g.ends_on, day))
        .map(|g| g.group_number)
        .collect();
    groups.dedup();
    Ok(groups)
}
