//! Social Security numbers: parsing, the spreadsheet repair, masking.
//!
//! The SSA issues no SSN with an area number of 900–999: those are ITINs
//! (taxpayer numbers for people without an SSN), so a number being
//! recorded there is refused. Search still finds numbers recorded before
//! that rule.

use std::fmt;

/// A well-formed SSN, held as its nine digits.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Ssn(String);

/// Why text is not an SSN.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SsnError {
    #[error("an SSN has 9 digits (NNN-NN-NNNN); {0} digits were given")]
    Length(usize),
    #[error("an SSN has only digits and dashes")]
    NotDigits,
    #[error("not a valid SSN: area 000 or 666, group 00 and serial 0000 are never issued")]
    NeverIssued,
    #[error("{0}-… is not an SSN: numbers starting 900–999 are ITINs, which the SSA never issues as SSNs")]
    Itin(String),
}

impl Ssn {
    /// Parses `123-45-6789` or `123456789`, strictly, for search: it finds
    /// numbers recorded before ITINs were refused.
    pub fn parse(s: &str) -> Result<Ssn, SsnError> {
        let digits = digits_only(s)?;
        if digits.len() != 9 {
            return Err(SsnError::Length(digits.len()));
        }
        Self::check(digits)
    }

    /// Parses a number about to be recorded (an import, a form, the demo):
    /// as `parse`, and an ITIN (area 900–999) is refused too.
    pub fn parse_new(s: &str) -> Result<Ssn, SsnError> {
        let ssn = Self::parse(s)?;
        if is_itin_area(&ssn.0) {
            return Err(SsnError::Itin(ssn.0[..3].to_owned()));
        }
        Ok(ssn)
    }

    fn check(d: String) -> Result<Ssn, SsnError> {
        let (area, group, serial) = (&d[0..3], &d[3..5], &d[5..9]);
        if area == "000" || area == "666" || group == "00" || serial == "0000" {
            return Err(SsnError::NeverIssued);
        }
        Ok(Ssn(d))
    }

    /// The nine digits, for encryption and the blind index only.
    pub fn digits(&self) -> &str {
        &self.0
    }

    /// The last four digits, stored in clear for recognition.
    pub fn last4(&self) -> &str {
        &self.0[5..]
    }

    /// `NNN-NN-NNNN`, for a permitted, audited reveal.
    pub fn formatted(&self) -> String {
        format!("{}-{}-{}", &self.0[0..3], &self.0[3..5], &self.0[5..])
    }
}

/// Never prints the number: a stray `{:?}` in a log shows the mask.
impl fmt::Debug for Ssn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&mask(Some(self.last4())))
    }
}

/// Masks anything in `text` shaped like an SSN (`123-45-6789`, `123456789`):
/// for text that is shown or kept after it was typed, such as breadcrumbs
/// and the command history.
pub fn redact(text: &str) -> String {
    static SSN_LIKE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"(^|[^0-9])[0-9]{3}-?[0-9]{2}-?([0-9]{4})($|[^0-9])").expect("a valid pattern")
    });
    // Matches may touch (`…6789 123…`): repeat until nothing changes.
    let mut out = text.to_owned();
    loop {
        let next = SSN_LIKE.replace_all(&out, "${1}***-**-${2}${3}").into_owned();
        if next == out {
            return out;
        }
        out = next;
    }
}

/// A cell of an SSN column as it may be kept or shown, valid or not: its
/// last four digits (`***-**-5678`), `***` when it has fewer, empty if empty.
/// An 8-digit "SSN" is most likely a real one that lost its leading zero.
pub fn mask_cell(cell: &str) -> String {
    let digits: Vec<char> = cell.chars().filter(char::is_ascii_digit).collect();
    match digits.len() {
        0 if cell.trim().is_empty() => String::new(),
        n if n >= 4 => mask(Some(&digits[n - 4..].iter().collect::<String>())),
        _ => "***".into(),
    }
}

/// `***-**-1234`, or `(none)` for members without an SSN.
pub fn mask(last4: Option<&str>) -> String {
    match last4 {
        Some(l) => format!("***-**-{l}"),
        None => "(none)".to_owned(),
    }
}

/// Whether nine digits start with an area the SSA leaves to ITINs (900–999).
pub fn is_itin_area(digits: &str) -> bool {
    digits.starts_with('9')
}

fn digits_only(s: &str) -> Result<String, SsnError> {
    let t = s.trim();
    if t.chars().any(|c| !(c.is_ascii_digit() || c == '-' || c == ' ')) {
        return Err(SsnError::NotDigits);
    }
    Ok(t.chars().filter(char::is_ascii_digit).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssn_shaped_text_is_redacted() {
        assert_eq!(redact("member 912-34-5678"), "member ***-**-5678");
        assert_eq!(redact("member 912345678 and 923-45-1111"), "member ***-**-5678 and ***-**-1111");
        assert_eq!(redact("1234 smith"), "1234 smith");
        assert_eq!(redact("M0000042"), "M0000042");
        assert_eq!(redact("9123456789"), "9123456789", "ten digits are not an SSN");
    }

    #[test]
    fn parses_with_and_without_dashes() {
        assert_eq!(Ssn::parse("912-34-5678").unwrap().digits(), "912345678");
        assert_eq!(Ssn::parse(" 912345678 ").unwrap().formatted(), "912-34-5678");
    }

    #[test]
    fn rejects_wrong_lengths_letters_and_never_issued() {
        assert_eq!(Ssn::parse("91234567"), Err(SsnError::Length(8)));
        assert_eq!(Ssn::parse("9123456789"), Err(SsnError::Length(10)));
        assert_eq!(Ssn::parse("91a-34-5678"), Err(SsnError::NotDigits));
        assert!(matches!(Ssn::parse("000-00-0000"), Err(SsnError::NeverIssued)));
        assert!(matches!(Ssn::parse("666-12-3456"), Err(SsnError::NeverIssued)));
        assert!(matches!(Ssn::parse("912-00-3456"), Err(SsnError::NeverIssued)));
        assert!(matches!(Ssn::parse("912-34-0000"), Err(SsnError::NeverIssued)));
    }

    #[test]
    fn itins_are_refused_for_new_numbers_and_still_found_by_search() {
        assert_eq!(Ssn::parse_new("900-12-3456"), Err(SsnError::Itin("900".into())));
        assert_eq!(Ssn::parse_new("999123456"), Err(SsnError::Itin("999".into())));
        assert!(Ssn::parse_new("912-34-5678").unwrap_err().to_string().contains("ITIN"));
        assert_eq!(Ssn::parse_new("899-12-3456").unwrap().digits(), "899123456");
        assert_eq!(Ssn::parse_new("001-01-0001").unwrap().digits(), "001010001");
        // The shape is checked first: an 8-digit ITIN is a length error.
        assert_eq!(Ssn::parse_new("91234567"), Err(SsnError::Length(8)));
        assert!(matches!(Ssn::parse_new("666-12-3456"), Err(SsnError::NeverIssued)));
        assert_eq!(Ssn::parse("912-34-5678").unwrap().digits(), "912345678");
        assert!(is_itin_area("900000000") && !is_itin_area("899999999"));
    }

    #[test]
    fn debug_and_mask_never_show_the_number() {
        let s = Ssn::parse("912-34-5678").unwrap();
        assert_eq!(format!("{s:?}"), "***-**-5678");
        assert_eq!(mask(None), "(none)");
    }

    #[test]
    fn ssn_cells_are_masked_whatever_they_hold() {
        assert_eq!(mask_cell("12345678"), "***-**-5678");
        assert_eq!(mask_cell(" 123-45-6789 "), "***-**-6789");
        assert_eq!(mask_cell("12"), "***");
        assert_eq!(mask_cell("n/a"), "***");
        assert_eq!(mask_cell("  "), "");
    }
}
