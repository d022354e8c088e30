//! Members: the search behind `:member` (the SSN through its keyed blind
//! index, never by decrypting rows), the member record with everything its
//! tabs show, and the eligibility check.

use chrono::{DateTime, NaiveDate, Utc};

use super::{Sql, Store};
use crate::args;
use crate::crypto::DataKey;
use crate::domain::member_query::{Lookup, MemberQuery};
use crate::domain::text::prefix_end;

/// A new member's member number and individual ID, both from its id.
pub fn numbers(id: i64) -> (String, String) {
    (format!("M{id:07}"), format!("I{:07}", id + 1_000_000))
}

/// The columns a new member is inserted with, in this order (the seeder
/// and the importer add members in bulk with `Tx::insert_rows`).
pub const INSERT_COLUMNS: &[&str] = &[
    "id",
    "member_number",
    "individual_id",
    "group_id",
    "subscriber_id",
    "member_type",
    "relationship",
    "first_name",
    "last_name",
    "first_name_key",
    "last_name_key",
    "birth_date",
    "gender",
    "address_line",
    "city",
    "state",
    "zip",
    "phone",
    "email",
    "language",
    "ssn_cipher",
    "ssn_index",
    "ssn_last4",
    "status",
    "created_at",
];

/// A member query made ready for the database: the SSN replaced by its blind index.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberSearch {
    find: Find,
    member_type: Option<&'static str>,
    group: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
enum Find {
    All,
    /// Its blind index under each loaded key (two during a rotation).
    SsnIndex(Vec<Vec<u8>>),
    MemberNumber(String),
    IndividualId(String),
    Name {
        last: String,
        first: Option<String>,
    },
    Last4 {
        last4: String,
        last: Option<String>,
        born: Option<NaiveDate>,
    },
}

impl MemberSearch {
    /// Prepares a parsed query; the SSN leaves here only as its HMAC, so
    /// searching by SSN needs the data key.
    pub fn new(q: &MemberQuery, key: Option<&DataKey>) -> Result<MemberSearch, String> {
        let find = match &q.lookup {
            Lookup::All => Find::All,
            Lookup::Ssn(ssn) => match key {
                Some(k) => Find::SsnIndex(k.blind_indexes("ssn", ssn.digits())),
                None => return Err("searching by SSN needs the data key, which is not loaded".into()),
            },
            Lookup::MemberId(m) => Find::MemberNumber(m.clone()),
            Lookup::IndividualId(i) => Find::IndividualId(i.clone()),
            Lookup::Name { last, first } => Find::Name { last: last.clone(), first: first.clone() },
            Lookup::Last4 { last4, last, born } => {
                Find::Last4 { last4: last4.clone(), last: last.clone(), born: *born }
            }
        };
        Ok(MemberSearch { find, member_type: q.member_type, group: q.group.clone() })
    }

    /// Parses typed text into a search (`None` for empty text: everyone).
    pub fn parse(text: &str, key: Option<&DataKey>) -> Result<Option<MemberSearch>, String> {
        if text.trim().is_empty() {
            return Ok(None);
        }
        let q = crate::domain::member_query::parse(text)?;
        MemberSearch::new(&q, key).map(Some)
    }

    /// Adds this search's conditions after `WHERE`; returns whether it added any.
    pub fn push_where(&self, q: &mut Sql) -> bool {
        let mut started = false;
        let mut and = |q: &mut Sql| {
            q.push(if started { " AND " } else { " WHERE " });
            started = true;
        };
        match &self.find {
            Find::All => {}
            Find::SsnIndex(ixs) => {
                and(q);
                q.push("m.ssn_index IN (");
                for (i, ix) in ixs.iter().enumerate() {
                    q.push(if i == 0 { "" } else { ", " }).bind(ix.clone());
                }
                q.push(")");
            }
            Find::MemberNumber(n) => {
                and(q);
                q.push("m.member_number = ").bind(n.clone());
            }
            Find::IndividualId(i) => {
                and(q);
                q.push("m.individual_id = ").bind(i.clone());
            }
            Find::Name { last, first } => {
                and(q);
                q.push("m.last_name_key >= ").bind(last.clone()).push(" AND m.last_name_key < ").bind(prefix_end(last));
                if let Some(f) = first {
                    q.push(" AND m.first_name_key >= ")
                        .bind(f.clone())
                        .push(" AND m.first_name_key < ")
                        .bind(prefix_end(f));
                }
            }
            Find::Last4 { last4, last, born } => {
                and(q);
                q.push("m.ssn_last4 = ").bind(last4.clone());
                if let Some(l) = last {
                    q.push(" AND m.last_name_key >= ")
                        .bind(l.clone())
                        .push(" AND m.last_name_key < ")
                        .bind(prefix_end(l));
                }
                if let Some(b) = born {
                    q.push(" AND m.birth_date = ").bind(*b);
                }
            }
        }
        if let Some(t) = self.member_type {
            and(q);
            q.push("m.member_type = ").bind(t);
        }
        if let Some(g) = &self.group {
            and(q);
            q.push("m.group_id = (SELECT id FROM employer_groups WHERE group_number = ").bind(g.clone()).push(")");
        }
        started
    }
}

/// The member record's own fields.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct MemberDetail {
    pub id: i64,
    pub member_number: String,
    pub individual_id: String,
    pub group_number: String,
    pub employer: String,
    pub member_type: String,
    pub relationship: String,
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
    pub ssn_last4: Option<String>,
    pub status: String,
    pub subscriber_id: Option<i64>,
}

/// A member it links to (subscriber or dependent).
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct Relative {
    pub member_number: String,
    pub first_name: String,
    pub last_name: String,
    pub relationship: String,
}

/// A qualifying event as stored.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct EventRow {
    pub event_code: i64,
    pub event_date: NaiveDate,
    pub loss_of_coverage_date: NaiveDate,
    pub notice_date: NaiveDate,
    pub election_date: Option<NaiveDate>,
    pub disability_extension: bool,
}

/// A plan enrollment.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct EnrollmentRow {
    pub plan_code: String,
    pub plan_name: String,
    pub tier: String,
    pub coverage_start: NaiveDate,
    pub coverage_end: Option<NaiveDate>,
    pub status: String,
}

/// A premium and what was paid against it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct PremiumRow {
    pub period_start: NaiveDate,
    pub due_date: NaiveDate,
    pub amount_cents: i64,
    pub paid_cents: Option<i64>,
    pub received_on: Option<NaiveDate>,
    pub method: Option<String>,
    pub reference: Option<String>,
}

/// A communication sent to the member.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct CommunicationRow {
    pub channel: String,
    pub subject: String,
    pub body: String,
    pub sent_at: DateTime<Utc>,
}

/// A letter on file.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct LetterRow {
    pub letter_type: String,
    pub file_name: String,
    pub created_at: DateTime<Utc>,
}

/// A case about the member.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct MemberCase {
    pub case_number: String,
    pub queue: String,
    pub status: String,
    pub subject: String,
    pub submitted_at: DateTime<Utc>,
}

/// Everything the member view's tabs show.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MemberFile {
    pub member: MemberDetail,
    pub subscriber: Option<Relative>,
    pub dependents: Vec<Relative>,
    pub events: Vec<EventRow>,
    pub enrollments: Vec<EnrollmentRow>,
    pub premiums: Vec<PremiumRow>,
    pub communications: Vec<CommunicationRow>,
    pub letters: Vec<LetterRow>,
    pub cases: Vec<MemberCase>,
    /// The changes made by hand, newest first (the History tab).
    pub history: Vec<super::maintenance::ChangeRow>,
}

/// Reads a member by member ID with everything its view shows.
pub async fn file_by_number(store: &Store, number: &str) -> Result<Option<MemberFile>, sqlx::Error> {
    let store = store.reads();
    let member: Option<MemberDetail> = store
        .fetch_optional(
            "SELECT m.id, m.member_number, m.individual_id, g.group_number, e.legal_name AS employer, m.member_type, \
             m.relationship, m.first_name, m.last_name, m.birth_date, m.gender, m.address_line, m.city, m.state, \
             m.zip, m.phone, m.email, m.language, m.ssn_last4, m.status, m.subscriber_id \
             FROM members m JOIN employer_groups g ON g.id = m.group_id JOIN employers e ON e.id = g.employer_id \
             WHERE m.member_number = $1",
            args![number],
        )
        .await?;
    let Some(member) = member else { return Ok(None) };
    let id = member.id;
    // The parts of the record are independent reads: run side by side on
    // the pool's connections, the record is drawn after the slowest one,
    // not after the sum of all (a member change redraws the view this way).
    let subscriber = async {
        match member.subscriber_id {
            Some(s) => {
                store
                    .fetch_optional(
                        "SELECT member_number, first_name, last_name, relationship FROM members WHERE id = $1",
                        args![s],
                    )
                    .await
            }
            None => Ok(None),
        }
    };
    let dependents = store.fetch_all(
        "SELECT member_number, first_name, last_name, relationship FROM members WHERE subscriber_id = $1 ORDER BY id",
        args![id],
    );
    let events = store.fetch_all(
        "SELECT event_code, event_date, loss_of_coverage_date, notice_date, election_date, disability_extension \
         FROM qualifying_events WHERE member_id = $1 ORDER BY event_date",
        args![id],
    );
    let enrollments = store.fetch_all(
        "SELECT p.plan_code, p.name AS plan_name, n.tier, n.coverage_start, n.coverage_end, n.status \
         FROM enrollments n JOIN plans p ON p.id = n.plan_id WHERE n.member_id = $1 ORDER BY n.coverage_start, n.id",
        args![id],
    );
    let premiums = store.fetch_all(
        "SELECT r.period_start, r.due_date, r.amount_cents, p.amount_cents AS paid_cents, p.received_on, p.method, \
         p.reference FROM premiums r LEFT JOIN payments p ON p.premium_id = r.id \
         WHERE r.member_id = $1 ORDER BY r.period_start, p.id",
        args![id],
    );
    let communications = store.fetch_all(
        "SELECT channel, subject, body, sent_at FROM communications WHERE member_id = $1 ORDER BY sent_at DESC, id",
        args![id],
    );
    let letters = store.fetch_all(
        "SELECT letter_type, file_name, created_at FROM letters WHERE member_id = $1 ORDER BY created_at DESC, id",
        args![id],
    );
    let cases = store.fetch_all(
        "SELECT case_number, queue, status, subject, submitted_at FROM cases WHERE member_id = $1 \
         ORDER BY CASE WHEN status IN ('new','open','awaiting_info') THEN 0 ELSE 1 END, submitted_at DESC",
        args![id],
    );
    let history = super::maintenance::history(store, id);
    let (subscriber, dependents, events, enrollments, premiums, communications, letters, cases, history) = tokio::try_join!(
        subscriber,
        dependents,
        events,
        enrollments,
        premiums,
        communications,
        letters,
        cases,
        history
    )?;
    Ok(Some(MemberFile {
        member,
        subscriber,
        dependents,
        events,
        enrollments,
        premiums,
        communications,
        letters,
        cases,
        history,
    }))
}

/// A member's id by member number.
pub async fn id_by_number(store: &Store, number: &str) -> Result<Option<i64>, sqlx::Error> {
    let row: Option<(i64,)> =
        store.fetch_optional("SELECT id FROM members WHERE member_number = $1", args![number]).await?;
    Ok(row.map(|(id,)| id))
}

/// The SSN ciphertext of a member and the id of the key it is under (NULL:
/// the key current when it was written), for a permitted, audited reveal.
pub async fn ssn_cipher(store: &Store, number: &str) -> Result<Option<Option<(Vec<u8>, Option<String>)>>, sqlx::Error> {
    let row: Option<(Option<Vec<u8>>, Option<String>)> = store
        .fetch_optional("SELECT ssn_cipher, ssn_key_id FROM members WHERE member_number = $1", args![number])
        .await?;
    Ok(row.map(|(c, k)| c.map(|c| (c, k))))
}

/// One member's coverage on a date: the enrollments in force then.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct Coverage {
    pub member_number: String,
    pub first_name: String,
    pub last_name: String,
    pub plan_code: Option<String>,
    pub plan_name: Option<String>,
    pub coverage_start: Option<NaiveDate>,
    pub coverage_end: Option<NaiveDate>,
}

/// The quick eligibility check: for the members a search finds (at most
/// `limit`), the plans in force on `on` (none: not eligible then).
pub async fn coverage_on(
    store: &Store,
    search: &MemberSearch,
    on: NaiveDate,
    limit: i64,
) -> Result<Vec<Coverage>, sqlx::Error> {
    let mut q = Sql::new(
        "SELECT m.member_number, m.first_name, m.last_name, p.plan_code, p.name AS plan_name, n.coverage_start, \
         n.coverage_end FROM members m JOIN employer_groups g ON g.id = m.group_id \
         LEFT JOIN enrollments n ON n.member_id = m.id AND n.status <> 'pending' AND n.coverage_start <= ",
    );
    q.bind(on).push(" AND (n.coverage_end IS NULL OR n.coverage_end >= ").bind(on).push(")");
    q.push(" LEFT JOIN plans p ON p.id = n.plan_id");
    search.push_where(&mut q);
    q.push(" ORDER BY m.last_name_key, m.first_name_key, m.id, p.plan_code LIMIT ").bind(limit);
    let (sql, args) = q.into_parts();
    store.fetch_all(sql, args).await
}

/// The eligibility answer, one line per member found: covered (with each
/// plan and its dates) or not.
pub fn describe_coverage(rows: &[Coverage]) -> Vec<String> {
    if rows.is_empty() {
        return vec!["No member matches.".into()];
    }
    let mut out: Vec<String> = Vec::new();
    let mut last: Option<&str> = None;
    for r in rows {
        let name = crate::domain::text::sanitize(&format!("{}, {}", r.last_name, r.first_name));
        if last != Some(r.member_number.as_str()) {
            let verdict = if r.plan_code.is_some() { "ELIGIBLE" } else { "NOT ELIGIBLE: no plan in force" };
            out.push(format!("{} {name}: {verdict}", r.member_number));
            last = Some(&r.member_number);
        }
        if let (Some(code), Some(plan), Some(start)) = (&r.plan_code, &r.plan_name, r.coverage_start) {
            let end = r.coverage_end.map(|d| d.format("%m/%d/%Y").to_string()).unwrap_or_else(|| "open".into());
            out.push(format!("    {code} {plan}: {} – {end}", start.format("%m/%d/%Y")));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(n: &str, plan: Option<(&str, &str)>) -> Coverage {
        Coverage {
            member_number: n.into(),
            first_name: "Zoë".into(),
            last_name: "O'Brien".into(),
            plan_code: plan.map(|p| p.0.into()),
            plan_name: plan.map(|p| p.1.into()),
            coverage_start: plan.map(|_| NaiveDate::from_ymd_opt(2025, 1, 1).unwrap()),
            coverage_end: None,
        }
    }

    #[test]
    fn coverage_reads_per_member() {
        let lines = describe_coverage(&[
            row("M1", Some(("MPPO", "Medical PPO 500"))),
            row("M1", Some(("DBAS", "Dental Basic"))),
            row("M2", None),
        ]);
        assert_eq!(
            lines,
            [
                "M1 O'Brien, Zoë: ELIGIBLE",
                "    MPPO Medical PPO 500: 01/01/2025 – open",
                "    DBAS Dental Basic: 01/01/2025 – open",
                "M2 O'Brien, Zoë: NOT ELIGIBLE: no plan in force"
            ]
        );
        assert_eq!(describe_coverage(&[]), ["No member matches."]);
    }
}
