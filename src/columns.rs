//! How each list is shown: its column titles and widths, and the cells of
//! a row (dates, ages, due times, masks and short forms). One place for the
//! terminal's table, the CSV export and the CLI's plain lines, so they agree.
//! Cells are sanitized here, once, so nothing from the database reaches the
//! terminal with control characters in it; SSNs and tax IDs are masked.

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::date_format::DateFormat;
use crate::domain::ssn::mask;
use crate::domain::text::sanitize;
use crate::store::lists::{ListItem, ListKind};

/// A column: its title and width; `FILL` columns share what is left.
pub type Column = (&'static str, u16);

/// The width of a column that takes a share of the remaining space.
pub const FILL: u16 = 0;

/// The columns of a list.
pub fn columns(kind: ListKind) -> &'static [Column] {
    match kind {
        ListKind::Cases(_) => &[
            ("Case", 8),
            ("Due", 5),
            ("P", 1),
            ("!", 2),
            ("Status", 11),
            ("Company", FILL),
            ("Group", 9),
            ("Subscriber", FILL),
            ("Assignee", 8),
            ("Age", 4),
        ],
        ListKind::Members => {
            &[("Name", FILL), ("Member", 8), ("Type", 11), ("Group", 9), ("Born", 10), ("SSN", 11), ("Status", 10)]
        }
        ListKind::Brokers => {
            &[("NPN", 10), ("Name", FILL), ("Agency", FILL), ("Tax ID", 11), ("States", 12), ("Status", 10)]
        }
        ListKind::Staff => &[("Login", 12), ("Name", FILL), ("Role", 10), ("Status", 8), ("Since", 10)],
        ListKind::Accounts => {
            &[("Email", FILL), ("Name", FILL), ("Kind", 12), ("Status", 20), ("Last login", 10), ("Fails", 5)]
        }
        ListKind::Imports { .. } => &[
            ("Job", 5),
            ("Status", 9),
            ("Kind", 11),
            ("Employer", FILL),
            ("File", FILL),
            ("OK", 6),
            ("Failed", 6),
            ("Age", 4),
        ],
        ListKind::Codes => &[
            ("Code", 4),
            ("Purpose", 12),
            ("Subject", FILL),
            ("Last4", 5),
            ("Issued by", 9),
            ("Issued", 10),
            ("Expires", 10),
            ("Status", 7),
            ("Tries", 5),
        ],
        ListKind::Employers => &[("Legal name", FILL), ("EIN", 10), ("Groups", 6)],
        ListKind::ReportJobs => {
            &[("Job", 5), ("Report", FILL), ("Status", 9), ("Rows", 8), ("Queued by", 10), ("Queued", 16)]
        }
        ListKind::ReportSchedules => {
            &[("Id", 4), ("Report", FILL), ("State", 6), ("Repeat", 7), ("At", 5), ("Zone", 16), ("Next run", 16)]
        }
    }
}

/// A moment as a list shows it: the day as `format` shows it, and the UTC time.
fn moment(t: DateTime<Utc>, format: &DateFormat) -> String {
    format!("{} {}", format.show(t.date_naive()), t.format("%H:%M"))
}

/// A row's cells in its list's column order, ages and due times as of
/// `now`, dates as `format` shows them (`ui.date_format`).
pub fn cells(item: &ListItem, now: DateTime<Utc>, format: &DateFormat) -> Vec<String> {
    let date = |d: NaiveDate| format.show(d);
    match item {
        ListItem::Case(c) => vec![
            c.case_number.clone(),
            // While information is awaited the SLA clock is paused.
            if c.status == "awaiting_info" { "pause".to_owned() } else { due(now, c.sla_due_at) },
            c.priority.to_string(),
            if c.missing_paperwork { "!".to_owned() } else { String::new() },
            // Short forms keep the column narrow at 80 columns.
            match c.status.as_str() {
                "awaiting_info" => "awaiting".to_owned(),
                "closed_no_response" => "no_response".to_owned(),
                _ => c.status.clone(),
            },
            sanitize(&c.company_name),
            sanitize(&c.group_numbers),
            sanitize(c.subscriber_name.as_deref().unwrap_or("")),
            c.assignee.clone().unwrap_or_else(|| "-".into()),
            age(now, c.submitted_at),
        ],
        ListItem::Member(m) => vec![
            sanitize(&format!("{}, {}", m.last_name, m.first_name)),
            m.member_number.clone(),
            m.member_type.clone(),
            m.group_number.clone(),
            date(m.birth_date),
            mask(m.ssn_last4.as_deref()),
            // Short forms keep the column narrow; the type column says COBRA.
            m.status.strip_prefix("cobra_").unwrap_or(&m.status).to_owned(),
        ],
        ListItem::Broker(b) => vec![
            b.npn.clone(),
            sanitize(&format!("{}, {}", b.last_name, b.first_name)),
            sanitize(b.agency.as_deref().unwrap_or("-")),
            mask(Some(&b.tax_id_last4)),
            sanitize(&b.states_appointed),
            b.status.clone(),
        ],
        ListItem::Account(a) => vec![
            sanitize(&a.email),
            sanitize(&format!("{}, {}", a.last_name, a.first_name)),
            a.kind.clone(),
            a.status.clone(),
            a.last_login_at.map(|t| date(t.date_naive())).unwrap_or_else(|| "never".into()),
            a.failed_logins.to_string(),
        ],
        ListItem::Staff(s) => {
            vec![s.login.clone(), sanitize(&s.name), s.role.clone(), s.status.clone(), date(s.created_at.date_naive())]
        }
        ListItem::Import(j) => vec![
            j.id.to_string(),
            j.status.clone(),
            j.kind.clone(),
            sanitize(&j.employer),
            sanitize(&j.file_name),
            j.ok_rows.to_string(),
            j.failed_rows.to_string(),
            age(now, j.uploaded_at),
        ],
        ListItem::Code(c) => vec![
            c.id.to_string(),
            // The subject says whose; the purpose word says which kind.
            match c.purpose.as_str() {
                "employer_registration" | "portal_registration" => "registration".to_owned(),
                "broker_verification" => "verification".to_owned(),
                _ => c.purpose.replace('_', " "),
            },
            sanitize(&c.subject),
            c.last4.clone(),
            c.issued_by.clone(),
            date(c.issued_at.date_naive()),
            date(c.expires_at.date_naive()),
            // As shown: the store made it `expired` once past its time.
            c.status.clone(),
            c.attempts.to_string(),
        ],
        ListItem::Employer(e) => vec![sanitize(&e.legal_name), e.ein.clone(), e.groups.to_string()],
        ListItem::ReportJob(j) => vec![
            j.id.to_string(),
            sanitize(&j.report),
            j.status.clone(),
            j.rows_written.to_string(),
            sanitize(&j.requested_by),
            moment(j.requested_at, format),
        ],
        ListItem::ReportSchedule(s) => vec![
            s.id.to_string(),
            sanitize(&s.report),
            if s.paused { "paused" } else { "active" }.to_owned(),
            s.repeat.clone(),
            sanitize(&s.at_time),
            sanitize(&s.zone),
            s.next_at.map_or_else(|| "none".to_owned(), |t| moment(t, format)),
        ],
    }
}

/// `3d`, `5h`, `12m`: how long ago (or, negative, how far ahead) a moment is.
pub fn age(now: DateTime<Utc>, t: DateTime<Utc>) -> String {
    let secs = (now - t).num_seconds();
    let (sign, s) = if secs < 0 { ("-", -secs) } else { ("", secs) };
    let v = if s >= 86_400 {
        format!("{}d", s / 86_400)
    } else if s >= 3_600 {
        format!("{}h", s / 3_600)
    } else {
        format!("{}m", s / 60)
    };
    format!("{sign}{v}")
}

/// A due time relative to now: `overdue 2d` or `in 5h`.
pub fn due(now: DateTime<Utc>, t: DateTime<Utc>) -> String {
    if (t - now).num_seconds().abs() < 60 {
        "now".to_owned()
    } else if t < now {
        format!("-{}", age(now, t))
    } else {
        format!("+{}", age(t, now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn ages_and_dues_read_naturally() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
        assert_eq!(age(now, now - chrono::Duration::days(3)), "3d");
        assert_eq!(age(now, now - chrono::Duration::minutes(5)), "5m");
        assert_eq!(due(now, now - chrono::Duration::hours(2)), "-2h");
        assert_eq!(due(now, now + chrono::Duration::hours(5)), "+5h");
    }
}
