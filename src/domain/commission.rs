//! Commission statements' keeping rule (seed 002): a broker sees the most
//! recent month by default and may look back over the last 18 months,
//! which is as long as statements are kept. The worker's purge and the
//! `commission list` search use this one window, so nothing searchable is
//! purged and nothing purged is offered.

use chrono::{Datelike, Months, NaiveDate};

/// How many statement months are kept (and searchable).
pub const KEPT_MONTHS: u32 = 18;

/// The first day of `day`'s month.
pub fn month_of(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// The oldest statement month kept on `today`: the 18 whole months before
/// the current one (a month's statement is issued after it ends). Older
/// statements are purged.
pub fn oldest_kept(today: NaiveDate) -> NaiveDate {
    month_of(today).checked_sub_months(Months::new(KEPT_MONTHS)).unwrap_or(NaiveDate::MIN)
}

/// The latest statement month on `today`: the month before the current one.
pub fn latest_month(today: NaiveDate) -> NaiveDate {
    month_of(today).checked_sub_months(Months::new(1)).unwrap_or(NaiveDate::MIN)
}

/// `YYYY-MM`, as typed and shown.
pub fn month_text(month: NaiveDate) -> String {
    format!("{:04}-{:02}", month.year(), month.month())
}

/// Reads a typed month (`YYYY-MM`) and checks it lies in the searchable
/// window on `today`; the refusal names the window.
pub fn searchable_month(typed: &str, today: NaiveDate) -> Result<NaiveDate, String> {
    let t = typed.trim();
    let month = NaiveDate::parse_from_str(&format!("{t}-01"), "%Y-%m-%d")
        .ok()
        .filter(|_| t.len() == 7)
        .ok_or_else(|| format!("a month is YYYY-MM; got {:?}", super::text::clip(t, 20)))?;
    let (from, to) = (oldest_kept(today), latest_month(today));
    if month < from || month > to {
        return Err(format!(
            "statements are kept {KEPT_MONTHS} months: {} to {} can be searched; {} cannot",
            month_text(from),
            month_text(to),
            month_text(month)
        ));
    }
    Ok(month)
}

/// A line's commission: `premium_cents` at `rate_bps` basis points,
/// rounded half away from zero to the cent.
pub fn commission_cents(premium_cents: i64, rate_bps: i64) -> i64 {
    let x = i128::from(premium_cents) * i128::from(rate_bps);
    let q = (x.abs() + 5_000) / 10_000;
    (if x < 0 { -q } else { q }) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn eighteen_whole_months_are_kept_and_searchable() {
        let today = d("2026-11-23");
        assert_eq!(oldest_kept(today), d("2025-05-01"));
        assert_eq!(latest_month(today), d("2026-10-01"));
        // May 2025 through October 2026 is 18 months.
        let months = (oldest_kept(today).year() * 12 + oldest_kept(today).month() as i32)
            ..=(latest_month(today).year() * 12 + latest_month(today).month() as i32);
        assert_eq!(months.count(), 18);
        // Month ends and a year boundary.
        assert_eq!(oldest_kept(d("2027-01-31")), d("2025-07-01"));
        assert_eq!(latest_month(d("2027-01-01")), d("2026-12-01"));
    }

    #[test]
    fn a_month_outside_the_window_is_refused_naming_it() {
        let today = d("2026-11-23");
        assert_eq!(searchable_month("2025-05", today), Ok(d("2025-05-01")));
        assert_eq!(searchable_month(" 2026-10 ", today), Ok(d("2026-10-01")));
        let old = searchable_month("2025-04", today).unwrap_err();
        assert!(old.contains("2025-05 to 2026-10") && old.contains("2025-04 cannot"), "{old}");
        assert!(searchable_month("2026-11", today).unwrap_err().contains("2026-11 cannot"));
        assert!(searchable_month("2026-13", today).unwrap_err().contains("YYYY-MM"));
        assert!(searchable_month("2026-1", today).unwrap_err().contains("YYYY-MM"));
    }

    #[test]
    fn commission_rounds_to_the_cent() {
        assert_eq!(commission_cents(100_000, 450), 4_500);
        assert_eq!(commission_cents(12_345, 500), 617); // 617.25
        assert_eq!(commission_cents(11_111, 450), 500); // 499.995 → 500
        assert_eq!(commission_cents(-11_111, 450), -500);
        assert_eq!(commission_cents(0, 600), 0);
    }
}
