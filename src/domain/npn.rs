//! National Producer Numbers: up to 10 digits.

/// Parses an NPN, refusing letters and more than 10 digits.
pub fn parse_npn(s: &str) -> Result<String, String> {
    let t = s.trim();
    if t.is_empty() || t.len() > 10 || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("an NPN is 1 to 10 digits; got {:?}", crate::domain::text::clip(t, 20)));
    }
    Ok(t.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_digits_up_to_ten() {
        assert_eq!(parse_npn(" 1234567 ").unwrap(), "1234567");
        assert!(parse_npn("1234567890").is_ok());
        assert!(parse_npn("12345678901").is_err());
        assert!(parse_npn("12a4").is_err());
        assert!(parse_npn("").is_err());
    }
}
