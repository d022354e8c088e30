//! The one date format every screen uses (`ui.date_format`), checked at
//! start: a format that could show two dates alike, or that chrono cannot
//! render for a date, is refused before the first screen.

use std::fmt::Write;

use chrono::NaiveDate;

/// A strftime date format that tells every date apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateFormat(String);

/// ISO 8601, the default and the form typed dates take.
pub const ISO: &str = "%Y-%m-%d";

impl Default for DateFormat {
    fn default() -> DateFormat {
        DateFormat(ISO.to_owned())
    }
}

impl DateFormat {
    /// Checks `spec`: it must render a date (no time fields, no unknown
    /// `%` items) and show the day, the month and the whole year, so that
    /// no two dates look the same.
    pub fn parse(spec: &str) -> Result<DateFormat, String> {
        let base = NaiveDate::from_ymd_opt(2031, 11, 23).unwrap_or_default();
        let shown = render(spec, base).ok_or_else(|| format!("{spec:?} is not a chrono date format"))?;
        // Each other date differs from the base in one part only: the day,
        // the month, the year, the century, and a day/month swap.
        let others = [(2031, 11, 22), (2031, 10, 23), (2032, 11, 23), (1931, 11, 23), (2031, 12, 11)];
        for (y, m, d) in others {
            let other = NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
            if render(spec, other).as_deref() == Some(shown.as_str()) {
                return Err(format!(
                    "{spec:?} shows {base} and {other} alike: it needs the day, the month and the four-digit year (e.g. %Y-%m-%d, %d/%m/%Y)"
                ));
            }
        }
        Ok(DateFormat(spec.to_owned()))
    }

    /// `d` in this format.
    pub fn show(&self, d: NaiveDate) -> String {
        // A checked format always renders; ISO is the safe answer otherwise.
        render(&self.0, d).unwrap_or_else(|| d.format(ISO).to_string())
    }

    /// The strftime text.
    pub fn spec(&self) -> &str {
        &self.0
    }
}

/// `d` rendered with `spec`, or `None` when chrono cannot (it would panic
/// in `to_string`).
fn render(spec: &str, d: NaiveDate) -> Option<String> {
    let items: Vec<chrono::format::Item> = chrono::format::StrftimeItems::new(spec).collect();
    if items.iter().any(|i| matches!(i, chrono::format::Item::Error)) {
        return None;
    }
    let mut out = String::new();
    write!(out, "{}", d.format_with_items(items.into_iter())).ok()?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unambiguous_formats_pass_and_render() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 4).unwrap();
        assert_eq!(DateFormat::default().show(d), "2026-03-04");
        assert_eq!(DateFormat::parse("%d/%m/%Y").unwrap().show(d), "04/03/2026");
        assert_eq!(DateFormat::parse("%d %b %Y").unwrap().show(d), "04 Mar 2026");
    }

    #[test]
    fn ambiguous_or_broken_formats_are_refused() {
        for bad in ["%m/%d", "%y-%m-%d", "%Y-%m", "%H:%M", "%Q", "date", "%Y-%m-%d %H:%M"] {
            assert!(DateFormat::parse(bad).is_err(), "{bad} should be refused");
        }
        let e = DateFormat::parse("%y-%m-%d").unwrap_err();
        assert!(e.contains("alike") && e.contains("four-digit year"), "{e}");
    }
}
