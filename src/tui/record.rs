//! A record the detail view shows (a portal account, a staff account, a
//! registration code, an import error row) and its labelled values. The
//! view's keys and drawing are in record_view.rs.

use chrono::{DateTime, Utc};

use crate::domain::text::sanitize;
use crate::store::imports::RowError;
use crate::store::records::{AccountRecord, CodeRecord};
use crate::store::staff::Staff;

/// A record the detail view shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    Account(Box<AccountRecord>),
    Staff(Box<Staff>),
    Code(Box<CodeRecord>),
    /// A row of an import job that failed, with the values it held (SSNs masked).
    ImportError {
        job: i64,
        error: Box<RowError>,
    },
}

/// The open detail view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordView {
    pub record: Record,
    pub scroll: u16,
}

fn when(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()).unwrap_or_else(|| "—".into())
}

fn yes(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

impl Record {
    /// The view's title and its labelled values, formatted for people.
    pub fn fields(&self) -> (String, Vec<(&'static str, String)>) {
        match self {
            Record::Account(a) => (
                format!("Portal user {}", sanitize(&a.email)),
                vec![
                    ("Name", sanitize(&format!("{} {}", a.first_name, a.last_name))),
                    ("Email", sanitize(&a.email)),
                    ("Kind", a.kind.replace('_', " ")),
                    ("Employer", a.employer.as_deref().map(sanitize).unwrap_or_else(|| "—".into())),
                    ("Broker", a.broker.as_deref().map(sanitize).unwrap_or_else(|| "—".into())),
                    ("Status", a.status.replace('_', " ")),
                    ("Failed logins", a.failed_logins.to_string()),
                    ("Last login", when(a.last_login_at)),
                    (
                        "Tools",
                        format!(
                            "eligibility {} · billing {} · commissions {} · book {}",
                            yes(a.tool_eligibility),
                            yes(a.tool_billing),
                            yes(a.tool_commissions),
                            yes(a.tool_book)
                        ),
                    ),
                    ("Created", when(Some(a.created_at))),
                ],
            ),
            Record::Staff(s) => (
                format!("Staff account {}", s.login),
                vec![
                    ("Login", s.login.clone()),
                    ("Name", sanitize(&s.name)),
                    ("Role", s.role.clone()),
                    ("Status", s.status.clone()),
                    ("Created", when(Some(s.created_at))),
                    ("Version", s.row_version.to_string()),
                ],
            ),
            Record::Code(c) => (
                format!("Code {} (…{})", c.item.id, c.item.last4),
                vec![
                    ("Purpose", c.item.purpose.replace('_', " ")),
                    ("For", format!("{} {}", c.subject_kind.replace('_', " "), sanitize(&c.item.subject))),
                    ("Ends in", c.item.last4.clone()),
                    ("Status", c.item.status.clone()),
                    ("Issued", format!("{} by {}", when(Some(c.item.issued_at)), c.item.issued_by)),
                    ("Expires", when(Some(c.item.expires_at))),
                    ("Attempts", c.item.attempts.to_string()),
                    ("Used", when(c.used_at)),
                    ("Revoked", when(c.revoked_at)),
                    ("Reason", c.revoke_reason.as_deref().map(sanitize).unwrap_or_else(|| "—".into())),
                    ("The code", "stored only as a hash: it was shown once, at issue".into()),
                ],
            ),
            Record::ImportError { job, error: e } => (
                format!("Import job {job}, row {}", e.row_number),
                vec![
                    ("Row", e.row_number.to_string()),
                    ("Field", sanitize(&e.field)),
                    ("Error", e.code.clone()),
                    ("Message", sanitize(&e.message)),
                    ("Values", sanitize(&e.raw_values)),
                ],
            ),
        }
    }
}
