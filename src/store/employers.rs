//! Employers: found by name, EIN or group number (keyset paged), their
//! groups as a tree (each parent, then its suffixes), and the account's
//! communications.

use chrono::{DateTime, NaiveDate, Utc};

use super::{Cursor, Dir, Page, Sql, Store};
use crate::args;
use crate::domain::ein::Ein;
use crate::domain::text::{fold_key, prefix_end};

/// How an employer is looked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmployerFind {
    /// Every employer, by name.
    All,
    /// Legal names starting with this folded key.
    Name(String),
    /// Exactly this EIN (`NN-NNNNNNN`).
    Ein(String),
    /// The employer of this group number (a parent's or a suffix's).
    GroupNumber(String),
}

impl EmployerFind {
    /// Reads typed text: `ein:…`, `group:…` or `name:…` say what it is;
    /// otherwise an EIN's shape is an EIN, one word with a digit is a group
    /// number, anything else a name.
    pub fn parse(text: &str) -> Result<EmployerFind, String> {
        let t = crate::domain::text::sanitize_query(text);
        let t = t.trim();
        let (tag, rest) = match t.split_once(':') {
            Some((tag, rest)) if ["ein", "group", "name"].contains(&tag.trim().to_lowercase().as_str()) => {
                (Some(tag.trim().to_lowercase()), rest.trim())
            }
            _ => (None, t),
        };
        let ein = || Ein::parse(rest).map(|e| EmployerFind::Ein(e.to_string())).map_err(|e| e.to_string());
        let group = || {
            if rest.is_empty() || rest.chars().any(char::is_whitespace) {
                Err(format!(
                    "a group number is one word, such as ABC101-01; got {:?}",
                    crate::domain::text::clip(rest, 20)
                ))
            } else {
                Ok(EmployerFind::GroupNumber(rest.to_uppercase()))
            }
        };
        let name = || {
            let key = fold_key(rest);
            if key.is_empty() { EmployerFind::All } else { EmployerFind::Name(key) }
        };
        match tag.as_deref() {
            Some("ein") => ein(),
            Some("group") => group(),
            Some(_) => Ok(name()),
            None if rest.is_empty() => Ok(EmployerFind::All),
            None if Ein::parse(rest).is_ok() => ein(),
            None if !rest.contains(' ') && rest.chars().any(|c| c.is_ascii_digit()) => group(),
            None => Ok(name()),
        }
    }
}

/// An employer in a search's results.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct EmployerRow {
    pub id: i64,
    pub ein: String,
    pub legal_name: String,
    #[serde(skip)]
    pub name_key: String,
    /// Its groups, parents and suffixes.
    pub groups: i64,
}

impl EmployerRow {
    /// The row's sort key, for the next page.
    pub fn cursor(&self) -> Cursor {
        args![self.name_key.clone(), self.id]
    }
}

/// The search's statement before paging, and whether a WHERE is open: the
/// Employers list (`store::lists`) and `find` share it, so they agree.
pub(super) fn find_sql(find: &EmployerFind) -> (Sql, bool) {
    let mut q = Sql::new(
        "SELECT e.id, e.ein, e.legal_name, e.name_key, \
         (SELECT count(*) FROM employer_groups g WHERE g.employer_id = e.id) AS groups FROM employers e",
    );
    let started = match find {
        EmployerFind::All => false,
        EmployerFind::Name(key) => {
            q.push(" WHERE e.name_key >= ").bind(key.clone()).push(" AND e.name_key < ").bind(prefix_end(key));
            true
        }
        EmployerFind::Ein(ein) => {
            q.push(" WHERE e.ein = ").bind(ein.clone());
            true
        }
        EmployerFind::GroupNumber(n) => {
            q.push(" WHERE e.id = (SELECT employer_id FROM employer_groups WHERE group_number = ")
                .bind(n.clone())
                .push(")");
            true
        }
    };
    (q, started)
}

/// One page of employers matching `find`, by name.
pub async fn find(
    store: &Store,
    find: &EmployerFind,
    dir: &Dir,
    limit: usize,
) -> Result<Page<EmployerRow>, sqlx::Error> {
    let store = store.reads();
    let (mut q, started) = find_sql(find);
    q.keyset(&["e.name_key", "e.id"], false, dir, limit, started);
    let (sql, a) = q.into_parts();
    Ok(Page::from_fetched(store.fetch_all(sql, a).await?, limit, dir))
}

/// An employer by id.
pub async fn by_id(store: &Store, id: i64) -> Result<Option<EmployerRow>, sqlx::Error> {
    let store = store.reads();
    store
        .fetch_optional(
            "SELECT e.id, e.ein, e.legal_name, e.name_key, \
             (SELECT count(*) FROM employer_groups g WHERE g.employer_id = e.id) AS groups FROM employers e WHERE e.id = $1",
            args![id],
        )
        .await
}

/// A group as a node of its employer's tree.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct GroupNode {
    pub id: i64,
    pub group_number: String,
    pub parent_group_id: Option<i64>,
    pub suffix: Option<String>,
    pub name: String,
    pub status: String,
    pub original_effective_date: NaiveDate,
    pub renewal_date: NaiveDate,
    /// Subscribers (members who are their own subscriber), of every status.
    pub subscribers: i64,
}

/// An employer's groups: each parent (a group with no parent) followed by
/// its suffixes, parents by number and suffixes by number within them.
pub async fn group_tree(store: &Store, employer_id: i64) -> Result<Vec<GroupNode>, sqlx::Error> {
    let store = store.reads();
    store
        .fetch_all(
            "SELECT g.id, g.group_number, g.parent_group_id, g.suffix, g.name, g.status, g.original_effective_date, \
             g.renewal_date, (SELECT count(*) FROM members m WHERE m.group_id = g.id AND m.relationship = 'self') AS subscribers \
             FROM employer_groups g LEFT JOIN employer_groups p ON p.id = g.parent_group_id \
             WHERE g.employer_id = $1 \
             ORDER BY COALESCE(p.group_number, g.group_number), CASE WHEN g.parent_group_id IS NULL THEN 0 ELSE 1 END, \
             g.group_number, g.id",
            args![employer_id],
        )
        .await
}

/// A message or call on the account: to or about the employer, or one of its groups.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct CommunicationRow {
    pub id: i64,
    pub sent_at: DateTime<Utc>,
    pub channel: String,
    pub subject: String,
    pub body: String,
    /// The staff login or system that sent or logged it.
    pub sent_by: String,
    /// The group it concerns, if not the whole employer.
    pub group_number: Option<String>,
}

impl CommunicationRow {
    /// The row's sort key, for the next page.
    pub fn cursor(&self) -> Cursor {
        args![self.sent_at, self.id]
    }
}

/// A page of an employer's communications (with its groups' when `group` is
/// `None`, else one group's), newest first.
pub async fn communications(
    store: &Store,
    employer_id: i64,
    group: Option<i64>,
    dir: &Dir,
    limit: usize,
) -> Result<Page<CommunicationRow>, sqlx::Error> {
    let store = store.reads();
    let mut q = Sql::new(
        "SELECT c.id, c.sent_at, c.channel, c.subject, c.body, c.sent_by, g.group_number \
         FROM account_communications c LEFT JOIN employer_groups g ON g.id = c.group_id WHERE ",
    );
    match group {
        None => q.push("c.employer_id = ").bind(employer_id),
        Some(g) => q.push("c.group_id = ").bind(g),
    };
    q.keyset(&["c.sent_at", "c.id"], true, dir, limit, true);
    let (sql, a) = q.into_parts();
    Ok(Page::from_fetched(store.fetch_all(sql, a).await?, limit, dir))
}

/// How many rows each section of the employer view holds (the latest).
pub const SECTION_ROWS: i64 = 20;

/// A contact of one of the employer's groups.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct EmployerContact {
    pub group_number: String,
    pub role: String,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// The contacts of an employer's groups, by group then role.
pub async fn contacts(store: &Store, employer_id: i64) -> Result<Vec<EmployerContact>, sqlx::Error> {
    let store = store.reads();
    store
        .fetch_all(
            "SELECT g.group_number, c.role, c.name, c.phone, c.email FROM group_contacts c \
             JOIN employer_groups g ON g.id = c.group_id WHERE g.employer_id = $1 \
             ORDER BY g.group_number, CASE c.role WHEN 'admin' THEN 0 WHEN 'billing' THEN 1 WHEN 'hr' THEN 2 ELSE 3 END, \
             c.id LIMIT $2",
            args![employer_id, SECTION_ROWS * 3],
        )
        .await
}

/// A portal user of the employer (its staff on the employer portal).
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct EmployerUser {
    pub id: i64,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub status: String,
    pub last_login_at: Option<DateTime<Utc>>,
}

/// An employer's portal users, by name.
pub async fn portal_users(store: &Store, employer_id: i64) -> Result<Vec<EmployerUser>, sqlx::Error> {
    let store = store.reads();
    store
        .fetch_all(
            "SELECT id, email, first_name, last_name, status, last_login_at FROM portal_users \
             WHERE employer_id = $1 ORDER BY name_key, id LIMIT $2",
            args![employer_id, SECTION_ROWS],
        )
        .await
}

/// A registration code issued to the employer (never the code: its last four).
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct EmployerCode {
    pub id: i64,
    pub purpose: String,
    pub last4: String,
    pub issued_by: String,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// As stored; the ops layer shows `expired` once past `expires_at`.
    pub status: String,
}

/// An employer's registration codes, newest first.
pub async fn codes(store: &Store, employer_id: i64) -> Result<Vec<EmployerCode>, sqlx::Error> {
    let store = store.reads();
    store
        .fetch_all(
            "SELECT id, purpose, last4, issued_by, issued_at, expires_at, status FROM one_time_codes \
             WHERE subject_kind = 'employer' AND subject_id = $1 ORDER BY issued_at DESC, id DESC LIMIT $2",
            args![employer_id, SECTION_ROWS],
        )
        .await
}

/// An import job the employer uploaded.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct EmployerImport {
    pub id: i64,
    pub kind: String,
    pub file_name: String,
    pub status: String,
    pub uploaded_at: DateTime<Utc>,
    pub ok_rows: i64,
    pub failed_rows: i64,
}

/// An employer's import jobs, newest first.
pub async fn imports(store: &Store, employer_id: i64) -> Result<Vec<EmployerImport>, sqlx::Error> {
    let store = store.reads();
    store
        .fetch_all(
            "SELECT id, kind, file_name, status, uploaded_at, ok_rows, failed_rows FROM import_jobs \
             WHERE employer_id = $1 ORDER BY uploaded_at DESC, id DESC LIMIT $2",
            args![employer_id, SECTION_ROWS],
        )
        .await
}

/// A case filed about one of the employer's groups.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct EmployerCase {
    pub case_number: String,
    pub queue: String,
    pub status: String,
    pub subject: String,
    pub group_number: String,
    pub submitted_at: DateTime<Utc>,
}

/// The cases about an employer's groups, newest first (each group's through `cases_group`).
pub async fn cases(store: &Store, employer_id: i64) -> Result<Vec<EmployerCase>, sqlx::Error> {
    let store = store.reads();
    store
        .fetch_all(
            "SELECT c.case_number, c.queue, c.status, c.subject, g.group_number, c.submitted_at FROM cases c \
             JOIN employer_groups g ON g.id = c.group_id WHERE g.employer_id = $1 \
             ORDER BY c.submitted_at DESC, c.id DESC LIMIT $2",
            args![employer_id, SECTION_ROWS],
        )
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_say_or_show_what_they_are() {
        assert_eq!(EmployerFind::parse("12-3456789"), Ok(EmployerFind::Ein("12-3456789".into())));
        assert_eq!(EmployerFind::parse("123456789"), Ok(EmployerFind::Ein("12-3456789".into())));
        assert_eq!(EmployerFind::parse("abc101-01"), Ok(EmployerFind::GroupNumber("ABC101-01".into())));
        assert_eq!(EmployerFind::parse("Acme Tools"), Ok(EmployerFind::Name("acmetools".into())));
        assert_eq!(EmployerFind::parse("name: 3M"), Ok(EmployerFind::Name("3m".into())));
        assert_eq!(EmployerFind::parse("group:XYZ9"), Ok(EmployerFind::GroupNumber("XYZ9".into())));
        assert_eq!(EmployerFind::parse("  "), Ok(EmployerFind::All));
        assert!(EmployerFind::parse("ein:12-34").unwrap_err().contains("NN-NNNNNNN"));
        assert!(EmployerFind::parse("group:two words").unwrap_err().contains("one word"));
    }
}
