//! Birth dates as people type or import them: one in the future is a
//! typing error and is refused; one over 120 years ago is possible but far
//! more likely a typo (1905 for 2005), so it needs someone to confirm it.
//! The import, the forms and the demo share these rules.

use chrono::{Datelike, Months, NaiveDate};

/// Birth dates longer ago than this many years need a confirmation.
pub const CONFIRM_OVER_YEARS: i32 = 120;

/// A birth date that may be recorded, possibly after a confirmation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BirthDate {
    /// Recorded as it is.
    Plausible,
    /// Recorded only once someone confirms it: the person would be `age`.
    NeedsConfirmation { age: i32 },
}

impl BirthDate {
    /// What to ask (a form) or say (an import, which cannot ask).
    pub fn question(self, date: NaiveDate) -> Option<String> {
        match self {
            BirthDate::Plausible => None,
            BirthDate::NeedsConfirmation { age } => Some(format!(
                "birth date {date} is over {CONFIRM_OVER_YEARS} years ago (age {age}): confirm it is right"
            )),
        }
    }
}

/// Checks a birth date against today: `Err` (with why) when it is in the
/// future, else whether it needs a confirmation.
pub fn check(date: NaiveDate, today: NaiveDate) -> Result<BirthDate, String> {
    if date > today {
        return Err(format!("birth date {date} is in the future (today is {today})"));
    }
    let limit = today.checked_sub_months(Months::new(12 * CONFIRM_OVER_YEARS as u32)).unwrap_or(NaiveDate::MIN);
    Ok(if date < limit { BirthDate::NeedsConfirmation { age: age_on(date, today) } } else { BirthDate::Plausible })
}

/// Full years from `born` to `on` (not before `born`).
pub fn age_on(born: NaiveDate, on: NaiveDate) -> i32 {
    let mut years = on.year() - born.year();
    if (on.month(), on.day()) < (born.month(), born.day()) {
        years -= 1;
    }
    years.max(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn future_dates_are_refused_today_is_fine() {
        let today = d(2026, 12, 3);
        let e = check(d(2026, 12, 4), today).unwrap_err();
        assert!(e.contains("in the future") && e.contains("2026-12-04"), "{e}");
        assert!(check(d(2125, 1, 1), today).is_err());
        assert_eq!(check(today, today), Ok(BirthDate::Plausible));
        assert_eq!(check(d(1985, 4, 12), today), Ok(BirthDate::Plausible));
    }

    #[test]
    fn over_120_years_needs_a_confirmation() {
        let today = d(2026, 12, 3);
        // Exactly 120 years ago is still plausible; a day earlier is not.
        assert_eq!(check(d(1906, 12, 3), today), Ok(BirthDate::Plausible));
        assert_eq!(check(d(1906, 12, 2), today), Ok(BirthDate::NeedsConfirmation { age: 120 }));
        assert_eq!(check(d(1905, 12, 3), today), Ok(BirthDate::NeedsConfirmation { age: 121 }));
        let leap = d(2028, 2, 29);
        assert_eq!(check(d(1908, 2, 29), leap), Ok(BirthDate::Plausible));
        assert_eq!(check(d(1908, 2, 28), leap), Ok(BirthDate::NeedsConfirmation { age: 120 }));
        assert_eq!(check(d(1826, 1, 1), today), Ok(BirthDate::NeedsConfirmation { age: 200 }));
        let q = BirthDate::NeedsConfirmation { age: 121 }.question(d(1905, 12, 3)).unwrap();
        assert!(q.contains("1905-12-03") && q.contains("age 121") && q.contains("confirm"), "{q}");
        assert_eq!(BirthDate::Plausible.question(today), None);
    }

    #[test]
    fn ages_count_full_years() {
        assert_eq!(age_on(d(2000, 2, 29), d(2026, 2, 28)), 25);
        assert_eq!(age_on(d(2000, 2, 29), d(2026, 3, 1)), 26);
        assert_eq!(age_on(d(2027, 1, 1), d(2026, 1, 1)), 0);
    }
}
