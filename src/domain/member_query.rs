//! What `:member <query>` and the Members filter mean (BRIEF section 4):
//! `ssn:123-45-6789`, `id:M000123`, `ind:I000123`, `name:smith[,john]`,
//! `1234 smith` or `1234 01/31/1980` (last four of the SSN with a last name
//! or a date of birth), or free text, auto-detected; plus `type:QB` and
//! `group:ABC101` to narrow any of them.

use chrono::NaiveDate;

use super::ssn::Ssn;
use super::text::{clip, fold_key, sanitize_query};

/// The longest query taken, in characters.
pub const QUERY_MAX: usize = 200;

/// How members are looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// Every member (in name order).
    All,
    Ssn(Ssn),
    MemberId(String),
    IndividualId(String),
    /// Folded last-name prefix, and optionally a folded first-name prefix.
    Name {
        last: String,
        first: Option<String>,
    },
    /// Last four of the SSN with a last-name prefix or a date of birth.
    Last4 {
        last4: String,
        last: Option<String>,
        born: Option<NaiveDate>,
    },
}

/// A parsed query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberQuery {
    pub lookup: Lookup,
    pub member_type: Option<&'static str>,
    pub group: Option<String>,
}

const TYPES: [&str; 4] = ["QB", "DIRECT_BILL", "SUBSCRIBER", "DEPENDENT"];

/// Parses a typed date, `YYYY-MM-DD` or `MM/DD/YYYY` (the two forms the
/// portals use everywhere: searches, due dates, import files).
pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    let t = s.trim();
    if let Some(d) = iso_date(t) {
        return Ok(d);
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(t, "%m/%d/%Y"))
        .map_err(|_| format!("{:?} is not a date: use YYYY-MM-DD or MM/DD/YYYY", clip(t, 20)))
}

/// `YYYY-MM-DD` exactly, read without a format string: an import reads
/// a million dates, nearly all this way. Anything else (or no such day)
/// is left to the general parser, which also says why.
fn iso_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| {
        b[r].iter().try_fold(0u32, |n, c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
    };
    NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)
}

fn looks_like_date(s: &str) -> bool {
    s.contains('/') || (s.len() == 10 && s.as_bytes().get(4) == Some(&b'-'))
}

fn id_of(prefix: char, s: &str) -> Option<String> {
    let mut chars = s.chars();
    let first = chars.next()?.to_ascii_uppercase();
    let rest = chars.as_str();
    (first == prefix && !rest.is_empty() && rest.len() <= 12 && rest.bytes().all(|b| b.is_ascii_digit()))
        .then(|| format!("{prefix}{rest}"))
}

/// The folded last and first name of `last[,first]`.
fn name_keys(text: &str) -> Result<(String, Option<String>), String> {
    let (last, first) = match text.split_once(',') {
        Some((l, f)) => (fold_key(l), Some(fold_key(f)).filter(|f| !f.is_empty())),
        None => (fold_key(text), None),
    };
    if last.is_empty() {
        return Err(format!("{:?} has no letters to search names by", clip(text, 30)));
    }
    Ok((last, first))
}

fn name(text: &str) -> Result<Lookup, String> {
    name_keys(text).map(|(last, first)| Lookup::Name { last, first })
}

fn ssn(text: &str) -> Result<Lookup, String> {
    Ssn::parse(text).map(Lookup::Ssn).map_err(|e| e.to_string())
}

/// Parses a query. Empty text is every member; anything else that cannot
/// be understood gets a message saying what would be.
pub fn parse(query: &str) -> Result<MemberQuery, String> {
    let n = query.chars().count();
    if n > QUERY_MAX {
        return Err(format!("the query is {n} characters long; at most {QUERY_MAX} are taken"));
    }
    let clean = sanitize_query(query);
    let mut member_type = None;
    let mut group = None;
    let mut rest = Vec::new();
    for word in clean.split_whitespace() {
        if let Some(t) = word.strip_prefix("type:") {
            let t = t.to_uppercase();
            member_type = Some(
                *TYPES
                    .iter()
                    .find(|x| **x == t)
                    .ok_or_else(|| format!("no member type {:?}: use {}", clip(&t, 20), TYPES.join(", ")))?,
            );
        } else if let Some(g) = word.strip_prefix("group:") {
            if g.is_empty() {
                return Err("group: needs a group number, e.g. group:ABC101".into());
            }
            group = Some(g.to_uppercase());
        } else {
            rest.push(word);
        }
    }
    let text = rest.join(" ");
    let lookup = if text.is_empty() {
        Lookup::All
    } else if let Some(v) = text.strip_prefix("ssn:") {
        ssn(v)?
    } else if let Some(v) = text.strip_prefix("id:") {
        Lookup::MemberId(
            id_of('M', v.trim())
                .ok_or_else(|| format!("{:?} is not a member ID: M followed by digits", clip(v, 20)))?,
        )
    } else if let Some(v) = text.strip_prefix("ind:") {
        Lookup::IndividualId(
            id_of('I', v.trim())
                .ok_or_else(|| format!("{:?} is not an individual ID: I followed by digits", clip(v, 20)))?,
        )
    } else if let Some(v) = text.strip_prefix("name:") {
        name(v)?
    } else {
        detect(&rest)?
    };
    Ok(MemberQuery { lookup, member_type, group })
}

/// Free text: 9 digits an SSN, `M…` a member ID, `I…` an individual ID,
/// four digits with a name or date the last four, else a name.
fn detect(words: &[&str]) -> Result<Lookup, String> {
    let text = words.join(" ");
    let digitish = |w: &str| !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit() || b == b'-');
    if words.len() == 1 {
        let w = words[0];
        if let Some(id) = id_of('M', w) {
            return Ok(Lookup::MemberId(id));
        }
        if let Some(id) = id_of('I', w) {
            return Ok(Lookup::IndividualId(id));
        }
        if w.len() == 4 && w.bytes().all(|b| b.is_ascii_digit()) {
            return Err(
                "the last four of an SSN need a last name or a date of birth: 1234 smith, 1234 01/31/1980".into()
            );
        }
        if digitish(w) {
            return ssn(w);
        }
    }
    if let Some(pos) = words.iter().position(|w| w.len() == 4 && w.bytes().all(|b| b.is_ascii_digit())) {
        let last4 = words[pos].to_owned();
        let others: Vec<&str> = words.iter().enumerate().filter(|(i, _)| *i != pos).map(|(_, w)| *w).collect();
        let other = others.join(" ");
        if looks_like_date(&other) {
            return Ok(Lookup::Last4 { last4, last: None, born: Some(parse_date(&other)?) });
        }
        let (last, _) = name_keys(&other)?;
        return Ok(Lookup::Last4 { last4, last: Some(last), born: None });
    }
    if text.bytes().any(|b| b.is_ascii_digit()) {
        return Err(format!(
            "{:?} is not a name, member ID (M…), individual ID (I…) or SSN (9 digits)",
            clip(&text, 30)
        ));
    }
    name(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(q: &str) -> Lookup {
        parse(q).unwrap().lookup
    }

    #[test]
    fn iso_dates_read_as_the_general_parser_reads_them() {
        for s in [
            "2024-02-29",
            "1980-01-01",
            "0001-12-31",
            "9999-12-31",
            "2023-02-29",
            "2024-13-01",
            "2024-00-10",
            "2024-1-05",
            "2024-01-5x",
            "+2024-01-05",
            "２０２４-01-05",
        ] {
            let general = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
            assert_eq!(iso_date(s).or(general), general, "{s}");
            assert_eq!(iso_date(s).is_some(), general.is_some() && s.len() == 10, "{s}");
        }
        assert_eq!(parse_date("02/30/2024").unwrap_err(), "\"02/30/2024\" is not a date: use YYYY-MM-DD or MM/DD/YYYY");
        assert_eq!(parse_date(" 03/01/2024 "), Ok(NaiveDate::from_ymd_opt(2024, 3, 1).unwrap()));
    }

    #[test]
    fn free_text_is_detected() {
        assert!(matches!(lookup("912-34-5678"), Lookup::Ssn(s) if s.digits() == "912345678"));
        assert!(matches!(lookup("912345678"), Lookup::Ssn(_)));
        assert_eq!(lookup("m0000123"), Lookup::MemberId("M0000123".into()));
        assert_eq!(lookup("I1000123"), Lookup::IndividualId("I1000123".into()));
        assert_eq!(lookup("O'Brien"), Lookup::Name { last: "obrien".into(), first: None });
        assert_eq!(lookup("Müller, Zoë"), Lookup::Name { last: "muller".into(), first: Some("zoe".into()) });
        assert_eq!(lookup("van der berg"), Lookup::Name { last: "vanderberg".into(), first: None });
        assert_eq!(
            lookup("1234 smith"),
            Lookup::Last4 { last4: "1234".into(), last: Some("smith".into()), born: None }
        );
        assert_eq!(
            lookup("01/31/1980 1234"),
            Lookup::Last4 { last4: "1234".into(), last: None, born: NaiveDate::from_ymd_opt(1980, 1, 31) }
        );
        assert_eq!(lookup(""), Lookup::All);
    }

    #[test]
    fn prefixes_force_a_field() {
        assert!(matches!(lookup("ssn:912-34-5678"), Lookup::Ssn(_)));
        assert_eq!(lookup("id:M42"), Lookup::MemberId("M42".into()));
        assert_eq!(lookup("ind:i7"), Lookup::IndividualId("I7".into()));
        assert_eq!(lookup("name:smith,john"), Lookup::Name { last: "smith".into(), first: Some("john".into()) });
        let q = parse("name:smith type:qb group:abc101").unwrap();
        assert_eq!((q.member_type, q.group.as_deref()), (Some("QB"), Some("ABC101")));
        let q = parse("type:DEPENDENT").unwrap();
        assert_eq!((q.lookup, q.member_type), (Lookup::All, Some("DEPENDENT")));
    }

    #[test]
    fn bad_queries_say_what_would_work() {
        assert!(parse("91234567").unwrap_err().contains("9 digits"), "8 digits");
        assert!(parse("9123456789").unwrap_err().contains("9 digits"), "10 digits");
        assert!(parse("000-00-0000").unwrap_err().contains("never issued"));
        assert!(parse("ssn:12a-45-6789").unwrap_err().contains("only digits"));
        assert!(parse("1234").unwrap_err().contains("last name or a date of birth"));
        assert!(parse("1234 02/30/2024").unwrap_err().contains("not a date"));
        assert!(parse("id:X12").unwrap_err().contains("member ID"));
        assert!(parse("type:boss").unwrap_err().contains("QB"));
        assert!(parse("smith2").unwrap_err().contains("not a name"));
        assert!(parse(&"x".repeat(10_000)).unwrap_err().contains("at most 200"));
        assert!(parse("'''").unwrap_err().contains("no letters"));
        // Control characters and escapes are dropped before anything else.
        assert_eq!(lookup("smi\u{1b}[31mth"), Lookup::Name { last: "smith".into(), first: None });
    }
}
