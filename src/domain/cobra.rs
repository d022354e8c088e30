//! COBRA rules (BRIEF section 1): how long coverage lasts after each
//! qualifying event, when the election window closes, when premiums are
//! due and how late they may be, and which shortfalls do not count.

use chrono::{Duration, Months, NaiveDate};

/// The X12 (code list 1219) qualifying event's name.
pub fn event_name(code: i64) -> &'static str {
    match code {
        1 => "termination",
        2 => "reduction of hours",
        3 => "Medicare entitlement",
        4 => "death of employee",
        5 => "divorce",
        6 => "legal separation",
        7 => "dependent child losing status",
        _ => "unknown event",
    }
}

/// Months of continuation coverage: 18 for termination and reduced hours
/// (29 with a disability determination), 36 for the others.
pub fn coverage_months(code: i64, disability: bool) -> u32 {
    match code {
        1 | 2 if disability => 29,
        1 | 2 => 18,
        _ => 36,
    }
}

/// The last day to elect: 60 days after the later of losing coverage and the notice.
pub fn election_deadline(loss_of_coverage: NaiveDate, notice: NaiveDate) -> NaiveDate {
    loss_of_coverage.max(notice) + Duration::days(60)
}

/// The last day of continuation coverage.
pub fn coverage_end(loss_of_coverage: NaiveDate, months: u32) -> NaiveDate {
    loss_of_coverage.checked_add_months(Months::new(months)).unwrap_or(NaiveDate::MAX) - Duration::days(1)
}

/// The first premium is due 45 days after the election.
pub fn first_premium_due(election: NaiveDate) -> NaiveDate {
    election + Duration::days(45)
}

/// A premium may be paid up to 30 days after its due date.
pub fn grace_end(due: NaiveDate) -> NaiveDate {
    due + Duration::days(30)
}

/// The next monthly due date after `due` (the same day of the next month, or its last day).
pub fn next_due(due: NaiveDate) -> NaiveDate {
    due.checked_add_months(Months::new(1)).unwrap_or(due)
}

/// The facts the member view shows for one qualifying event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventFacts {
    pub months: u32,
    pub election_deadline: NaiveDate,
    pub coverage_end: NaiveDate,
    /// Set once the member has elected.
    pub first_premium_due: Option<NaiveDate>,
    pub first_premium_grace_end: Option<NaiveDate>,
}

/// Computes an event's facts.
pub fn event_facts(
    code: i64,
    disability: bool,
    loss_of_coverage: NaiveDate,
    notice: NaiveDate,
    election: Option<NaiveDate>,
) -> EventFacts {
    let months = coverage_months(code, disability);
    let due = election.map(first_premium_due);
    EventFacts {
        months,
        election_deadline: election_deadline(loss_of_coverage, notice),
        coverage_end: coverage_end(loss_of_coverage, months),
        first_premium_due: due,
        first_premium_grace_end: due.map(grace_end),
    }
}

/// How a premium was paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentStanding {
    Paid,
    /// Short by no more than the lesser of $50 or 10%: not a missed payment.
    ShortWithinRule {
        short_cents: i64,
    },
    /// Short by more than the rule allows.
    Short {
        short_cents: i64,
    },
    /// Paid after the grace period.
    Late,
    /// Nothing paid and the grace period is over.
    Missed,
    /// Nothing paid yet, still within the grace period.
    Open,
}

impl PaymentStanding {
    /// How the member view words it.
    pub fn describe(self) -> String {
        let dollars = |c: i64| format!("${}.{:02}", c / 100, c % 100);
        match self {
            PaymentStanding::Paid => "paid".into(),
            PaymentStanding::ShortWithinRule { short_cents } => {
                format!("short {} — within the $50/10% rule, counts as paid", dollars(short_cents))
            }
            PaymentStanding::Short { short_cents } => {
                format!("SHORT {} — more than the rule allows", dollars(short_cents))
            }
            PaymentStanding::Late => "LATE — after the 30-day grace period".into(),
            PaymentStanding::Missed => "MISSED — nothing paid by the end of grace".into(),
            PaymentStanding::Open => "due — within the grace period".into(),
        }
    }
}

/// The first day of the month after `d`: when coverage ends after an event
/// that names no loss-of-coverage date.
pub fn first_of_next_month(d: NaiveDate) -> NaiveDate {
    use chrono::Datelike;
    let (y, m) = if d.month() == 12 { (d.year() + 1, 1) } else { (d.year(), d.month() + 1) };
    NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(d)
}

/// The most a payment may fall short and still count: the lesser of $50 and 10% of the amount due.
pub fn shortfall_allowance(due_cents: i64) -> i64 {
    (due_cents / 10).min(5_000)
}

/// Judges a premium by what was paid and when.
pub fn payment_standing(
    due_cents: i64,
    due: NaiveDate,
    paid: Option<(i64, NaiveDate)>,
    today: NaiveDate,
) -> PaymentStanding {
    match paid {
        None if today > grace_end(due) => PaymentStanding::Missed,
        None => PaymentStanding::Open,
        Some((_, on)) if on > grace_end(due) => PaymentStanding::Late,
        Some((cents, _)) if cents >= due_cents => PaymentStanding::Paid,
        Some((cents, _)) => {
            let short_cents = due_cents - cents;
            if short_cents <= shortfall_allowance(due_cents) {
                PaymentStanding::ShortWithinRule { short_cents }
            } else {
                PaymentStanding::Short { short_cents }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_month_after_rolls_over_the_year() {
        assert_eq!(first_of_next_month(d(2026, 1, 31)), d(2026, 2, 1));
        assert_eq!(first_of_next_month(d(2026, 12, 15)), d(2027, 1, 1));
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn coverage_lasts_by_event() {
        assert_eq!(coverage_months(1, false), 18);
        assert_eq!(coverage_months(2, false), 18);
        assert_eq!(coverage_months(1, true), 29);
        for code in 3..=7 {
            assert_eq!(coverage_months(code, false), 36);
            assert_eq!(coverage_months(code, true), 36, "disability extends only 18-month events");
        }
        assert_eq!(coverage_end(d(2026, 1, 1), 18), d(2027, 6, 30));
        assert_eq!(coverage_end(d(2026, 1, 31), 1), d(2026, 2, 27));
    }

    #[test]
    fn the_election_window_counts_from_the_later_date() {
        assert_eq!(election_deadline(d(2026, 3, 1), d(2026, 3, 10)), d(2026, 5, 9));
        assert_eq!(election_deadline(d(2026, 3, 10), d(2026, 3, 1)), d(2026, 5, 9));
    }

    #[test]
    fn premiums_are_due_45_days_after_election_with_30_days_grace() {
        let f = event_facts(1, false, d(2026, 1, 1), d(2026, 1, 5), Some(d(2026, 2, 1)));
        assert_eq!(f.first_premium_due, Some(d(2026, 3, 18)));
        assert_eq!(f.first_premium_grace_end, Some(d(2026, 4, 17)));
        assert_eq!(f.months, 18);
        assert_eq!(event_facts(5, false, d(2026, 1, 1), d(2026, 1, 5), None).first_premium_due, None);
        assert_eq!(next_due(d(2026, 1, 31)), d(2026, 2, 28));
    }

    #[test]
    fn shortfalls_within_the_lesser_of_50_dollars_or_10_percent_count_as_paid() {
        let due = d(2026, 3, 1);
        let on = d(2026, 3, 5);
        let today = d(2026, 5, 1);
        // $612: the allowance is $50.
        assert_eq!(shortfall_allowance(61_200), 5_000);
        assert_eq!(
            payment_standing(61_200, due, Some((56_200, on)), today),
            PaymentStanding::ShortWithinRule { short_cents: 5_000 }
        );
        assert_eq!(
            payment_standing(61_200, due, Some((56_199, on)), today),
            PaymentStanding::Short { short_cents: 5_001 }
        );
        // $120: the allowance is $12.
        assert_eq!(
            payment_standing(12_000, due, Some((10_800, on)), today),
            PaymentStanding::ShortWithinRule { short_cents: 1_200 }
        );
        assert_eq!(
            payment_standing(12_000, due, Some((10_700, on)), today),
            PaymentStanding::Short { short_cents: 1_300 }
        );
        assert_eq!(payment_standing(12_000, due, Some((12_000, on)), today), PaymentStanding::Paid);
        assert_eq!(payment_standing(12_000, due, Some((12_000, d(2026, 4, 1))), today), PaymentStanding::Late);
        assert_eq!(payment_standing(12_000, due, None, today), PaymentStanding::Missed);
        assert_eq!(payment_standing(12_000, due, None, d(2026, 3, 20)), PaymentStanding::Open);
        assert!(PaymentStanding::ShortWithinRule { short_cents: 1_200 }.describe().contains("$12.00"));
    }
}
