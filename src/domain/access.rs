//! Broker access and accounts: grant permissions, whether a grant is in
//! force, what a broker query means, and the shapes of tax IDs and emails.

use chrono::NaiveDate;

use super::text::{clip, fold_key, sanitize, sanitize_query};

/// What a grant lets a broker do with a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Perms {
    pub view: bool,
    pub enrollment: bool,
    pub billing: bool,
}

impl Perms {
    /// Parses `view,enrollment,billing` (any of them; view is implied by the others).
    pub fn parse(s: &str) -> Result<Perms, String> {
        let mut p = Perms::default();
        for word in s.split(',').map(str::trim).filter(|w| !w.is_empty()) {
            match word.to_lowercase().as_str() {
                "view" => p.view = true,
                "enrollment" | "enroll" => p.enrollment = true,
                "billing" | "bill" => p.billing = true,
                other => {
                    return Err(format!("no permission {:?}: use view, enrollment, billing", clip(other, 20)));
                }
            }
        }
        if p == Perms::default() {
            return Err("name the permissions: view, enrollment, billing (comma-separated)".into());
        }
        // Enrolling or billing without seeing the group is meaningless.
        p.view = true;
        Ok(p)
    }

    /// `view,enrollment` as written back.
    pub fn describe(self) -> String {
        let mut v = Vec::new();
        if self.view {
            v.push("view");
        }
        if self.enrollment {
            v.push("enrollment");
        }
        if self.billing {
            v.push("billing");
        }
        v.join(",")
    }
}

/// Whether a grant dated `starts_on`..`ends_on` is in force on `day`
/// (the end date is the first day without access).
pub fn in_force(starts_on: NaiveDate, ends_on: Option<NaiveDate>, day: NaiveDate) -> bool {
    starts_on <= day && ends_on.is_none_or(|e| day < e)
}

/// A tax ID as nine digits: `NN-NNNNNNN` (EIN) or `NNN-NN-NNNN` (an
/// individual producer's SSN), dashes optional.
pub fn parse_tax_id(s: &str) -> Result<String, String> {
    let t = s.trim();
    let digits: String = t.chars().filter(char::is_ascii_digit).collect();
    let shaped = t.chars().all(|c| c.is_ascii_digit() || c == '-') && digits.len() == 9;
    if !shaped {
        return Err("a tax ID is 9 digits: NN-NNNNNNN or NNN-NN-NNNN".into());
    }
    Ok(digits)
}

/// Checks an email address enough to refuse what is surely wrong: control
/// characters (a newline would let a header be injected), spaces, no `@`.
pub fn check_email(s: &str) -> Result<String, String> {
    let t = s.trim();
    let bad = t.is_empty()
        || t.len() > 254
        || t.chars().any(|c| c.is_control() || c.is_whitespace())
        || t.matches('@').count() != 1
        || t.starts_with('@')
        || t.ends_with('@')
        || !t.split('@').nth(1).is_some_and(|d| d.contains('.'));
    if bad {
        return Err(format!("{:?} is not an email address", clip(&sanitize(t), 40)));
    }
    Ok(t.to_lowercase())
}

/// What a broker query means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BrokerQuery {
    All,
    Npn(String),
    /// Nine digits, found through the tax ID's blind index.
    TaxId(String),
    Email(String),
    /// Lower-case agency-name prefix (`agency:…`).
    Agency(String),
    /// Folded last-name prefix.
    Name(String),
}

/// Parses `:brokers QUERY`: an NPN (digits), a tax ID (`NN-NNNNNNN` or
/// `NNN-NN-NNNN`), an email, `agency:NAME`, or a last name.
pub fn parse_broker_query(q: &str) -> Result<BrokerQuery, String> {
    let t = sanitize_query(q).trim().to_owned();
    if t.chars().count() > 200 {
        return Err("the query is too long: at most 200 characters".into());
    }
    if t.is_empty() {
        return Ok(BrokerQuery::All);
    }
    if let Some(a) = t.strip_prefix("agency:") {
        let k = a.trim().to_lowercase();
        return if k.is_empty() { Err("agency: needs a name".into()) } else { Ok(BrokerQuery::Agency(k)) };
    }
    if t.contains('@') {
        return check_email(&t).map(BrokerQuery::Email);
    }
    if t.contains('-') {
        return parse_tax_id(&t).map(BrokerQuery::TaxId);
    }
    if t.bytes().all(|b| b.is_ascii_digit()) {
        return super::npn::parse_npn(&t).map(BrokerQuery::Npn);
    }
    if t.bytes().any(|b| b.is_ascii_digit()) {
        return Err(format!("{:?} is not an NPN, tax ID, email or name", clip(&t, 30)));
    }
    let k = fold_key(&t);
    if k.is_empty() { Err("type a name, NPN, tax ID or email".into()) } else { Ok(BrokerQuery::Name(k)) }
}

/// A grant as typed at its prompt, `GROUP[,GROUP…] PERMS [DATE]`: the
/// groups (upper-cased), the permissions and the first day, if given.
pub fn parse_grant(text: &str) -> Result<(Vec<String>, Perms, Option<NaiveDate>), String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let (groups, perms, date) = match words.as_slice() {
        [g, p] => (g, p, None),
        [g, p, d] => (g, p, Some(super::member_query::parse_date(d)?)),
        _ => return Err("type GROUP[,GROUP…] PERMISSIONS [YYYY-MM-DD], e.g. ABC101,ABC101-01 view,enrollment".into()),
    };
    let groups: Vec<String> = groups.split(',').filter(|g| !g.is_empty()).map(str::to_uppercase).collect();
    Ok((groups, Perms::parse(perms)?, date))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_grant_names_groups_permissions_and_a_start() {
        let (groups, perms, from) = parse_grant("abc101,ABC101-01 view,billing 2026-07-01").unwrap();
        assert_eq!(groups, vec!["ABC101".to_owned(), "ABC101-01".to_owned()]);
        assert_eq!(perms, Perms { view: true, enrollment: false, billing: true });
        assert_eq!(from, NaiveDate::from_ymd_opt(2026, 7, 1));
        assert_eq!(parse_grant("ABC101 view").unwrap().2, None);
        assert!(parse_grant("ABC101").unwrap_err().contains("GROUP[,GROUP…] PERMISSIONS"));
        assert!(parse_grant("ABC101 admin").unwrap_err().contains("no permission"));
        assert!(parse_grant("ABC101 view 2026-13-40").is_err());
    }

    #[test]
    fn permissions_parse_and_imply_view() {
        assert_eq!(Perms::parse("view").unwrap(), Perms { view: true, enrollment: false, billing: false });
        assert_eq!(Perms::parse("enrollment, billing").unwrap(), Perms { view: true, enrollment: true, billing: true });
        assert_eq!(Perms::parse("view,enrollment").unwrap().describe(), "view,enrollment");
        assert!(Perms::parse("").unwrap_err().contains("name the permissions"));
        assert!(Perms::parse("view,admin").unwrap_err().contains("no permission"));
    }

    #[test]
    fn grants_are_in_force_from_start_until_end() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        assert!(in_force(d(1, 1), None, d(6, 1)));
        assert!(!in_force(d(7, 1), None, d(6, 1)));
        assert!(in_force(d(1, 1), Some(d(6, 2)), d(6, 1)));
        assert!(!in_force(d(1, 1), Some(d(6, 1)), d(6, 1)));
    }

    #[test]
    fn tax_ids_and_emails_have_shapes() {
        assert_eq!(parse_tax_id("12-3456789").unwrap(), "123456789");
        assert_eq!(parse_tax_id("912-34-5678").unwrap(), "912345678");
        assert!(parse_tax_id("12-345678").is_err());
        assert!(parse_tax_id("12-34567890").is_err());
        assert!(parse_tax_id("AB-3456789").is_err());
        assert_eq!(check_email(" Jo@Agency.Example ").unwrap(), "jo@agency.example");
        assert!(check_email("jo@agency.example\nBcc: x@y.z").is_err());
        assert!(check_email("jo agency@x.y").is_err());
        assert!(check_email("jo@localhost").is_err());
        assert!(check_email("@x.y").is_err());
    }

    #[test]
    fn broker_queries_are_detected() {
        assert_eq!(parse_broker_query("1234567"), Ok(BrokerQuery::Npn("1234567".into())));
        assert!(parse_broker_query("12345678901").unwrap_err().contains("NPN"));
        assert!(parse_broker_query("12a4").unwrap_err().contains("not an NPN"));
        assert_eq!(parse_broker_query("12-3456789"), Ok(BrokerQuery::TaxId("123456789".into())));
        assert!(parse_broker_query("12-34").unwrap_err().contains("tax ID"));
        assert_eq!(parse_broker_query("Rosa@Agency.example"), Ok(BrokerQuery::Email("rosa@agency.example".into())));
        assert_eq!(parse_broker_query("agency:Lone Star"), Ok(BrokerQuery::Agency("lone star".into())));
        assert_eq!(parse_broker_query("Díaz"), Ok(BrokerQuery::Name("diaz".into())));
        assert_eq!(parse_broker_query("  "), Ok(BrokerQuery::All));
    }
}
