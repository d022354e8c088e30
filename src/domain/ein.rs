//! Employer identification numbers (`NN-NNNNNNN`).

use std::fmt;

/// A well-formed EIN, held as its nine digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ein(String);

/// Why text is not an EIN.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EinError {
    #[error("an EIN is 9 digits written NN-NNNNNNN; got {0:?}")]
    Shape(String),
    #[error("EIN prefix 00 is never assigned")]
    Prefix,
}

impl Ein {
    /// Parses `12-3456789` or `123456789`.
    pub fn parse(s: &str) -> Result<Ein, EinError> {
        let t = s.trim();
        let shape_ok = match t.len() {
            9 => t.bytes().all(|b| b.is_ascii_digit()),
            10 => t.as_bytes()[2] == b'-' && t.bytes().enumerate().all(|(i, b)| i == 2 || b.is_ascii_digit()),
            _ => false,
        };
        if !shape_ok {
            return Err(EinError::Shape(crate::domain::text::clip(t, 20)));
        }
        let d: String = t.chars().filter(char::is_ascii_digit).collect();
        if d.starts_with("00") {
            return Err(EinError::Prefix);
        }
        Ok(Ein(d))
    }
}

impl fmt::Display for Ein {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", &self.0[..2], &self.0[2..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats() {
        assert_eq!(Ein::parse("12-3456789").unwrap().to_string(), "12-3456789");
        assert_eq!(Ein::parse("123456789").unwrap().to_string(), "12-3456789");
    }

    #[test]
    fn rejects_bad_shapes() {
        for bad in ["1-23456789", "12-345678", "12-34567890", "ab-cdefghi", "", "00-1234567"] {
            assert!(Ein::parse(bad).is_err(), "{bad}");
        }
    }
}
