//! A group's billing and account rules: how an unpaid balance ages, which
//! alerts a group or a subscriber carries (past-due billing, a renewal
//! coming, a member turning 65, cancelled), when a group next renews, and
//! money shown as dollars. The figures themselves (balance forward, balance
//! due …) are computed in SQL by `store::employers::billing`; these rules
//! take them, or the invoices behind them, as plain values.

use chrono::{Datelike, Duration, Months, NaiveDate};

/// Days before a renewal that the group is flagged (the seed's "renewal
/// within 60 days"): time to send the renewal package.
pub const RENEWAL_WINDOW_DAYS: i64 = 60;

/// Days before a member's 65th birthday that the member (and the group) is
/// flagged: Medicare's initial enrollment period opens three months before.
pub const TURNING_65_WINDOW_DAYS: i64 = 90;

/// How far past its due date an unpaid amount is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Bucket {
    /// Due today or later: not delinquent.
    NotDue,
    /// 0 to 30 days past the due date.
    Days0To30,
    Days31To60,
    Days61To90,
    Over90,
}

impl Bucket {
    /// The bucket of an amount due on `due`, seen on `today`.
    pub fn of(due: NaiveDate, today: NaiveDate) -> Bucket {
        let days = (today - due).num_days();
        match days {
            i64::MIN..=0 => Bucket::NotDue,
            1..=30 => Bucket::Days0To30,
            31..=60 => Bucket::Days31To60,
            61..=90 => Bucket::Days61To90,
            _ => Bucket::Over90,
        }
    }

    /// The column title of the bucket.
    pub fn label(self) -> &'static str {
        match self {
            Bucket::NotDue => "not yet due",
            Bucket::Days0To30 => "0–30 days",
            Bucket::Days31To60 => "31–60 days",
            Bucket::Days61To90 => "61–90 days",
            Bucket::Over90 => "over 90 days",
        }
    }
}

/// One bill's net charge (its amount plus its adjustments) and due date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Charge {
    pub due_date: NaiveDate,
    pub cents: i64,
}

/// What is still owed, by how late it is, in cents.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Aging {
    pub not_due: i64,
    pub days_0_30: i64,
    pub days_31_60: i64,
    pub days_61_90: i64,
    pub over_90: i64,
    /// Paid beyond every charge (a credit on the account).
    pub credit: i64,
}

impl Aging {
    /// Everything whose due date has passed.
    pub fn past_due(&self) -> i64 {
        self.days_0_30 + self.days_31_60 + self.days_61_90 + self.over_90
    }

    /// The latest bucket holding money, if any is past due: how delinquent the group is.
    pub fn worst(&self) -> Option<Bucket> {
        [
            (Bucket::Over90, self.over_90),
            (Bucket::Days61To90, self.days_61_90),
            (Bucket::Days31To60, self.days_31_60),
            (Bucket::Days0To30, self.days_0_30),
        ]
        .into_iter()
        .find(|(_, c)| *c > 0)
        .map(|(b, _)| b)
    }

    fn add(&mut self, bucket: Bucket, cents: i64) {
        match bucket {
            Bucket::NotDue => self.not_due += cents,
            Bucket::Days0To30 => self.days_0_30 += cents,
            Bucket::Days31To60 => self.days_31_60 += cents,
            Bucket::Days61To90 => self.days_61_90 += cents,
            Bucket::Over90 => self.over_90 += cents,
        }
    }
}

/// Ages what is unpaid: payments settle the oldest bills first (so the past
/// due total equals the bills due before today less everything paid, as the
/// SQL figure `past_due_cents` has it), and what each bill still owes goes
/// to its bucket. `paid_cents` is every payment received through `today`.
pub fn aging(charges: &[Charge], paid_cents: i64, today: NaiveDate) -> Aging {
    let mut sorted = charges.to_vec();
    sorted.sort_by_key(|c| c.due_date);
    let mut left = paid_cents;
    let mut out = Aging::default();
    for c in sorted {
        let settled = left.min(c.cents).max(0);
        left -= settled;
        let owed = c.cents - settled;
        if owed > 0 {
            out.add(Bucket::of(c.due_date, today), owed);
        } else {
            // A credit bill (negative net) adds to what is left to apply.
            left -= owed;
        }
    }
    out.credit = left.max(0);
    out
}

/// What staff are warned of, on a group or a subscriber.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Alert {
    /// Money due before today is unpaid.
    PastDue,
    /// The group renews within `RENEWAL_WINDOW_DAYS`.
    Renewal,
    /// A member turns 65 within `TURNING_65_WINDOW_DAYS`.
    Turning65,
    /// The group (or subscriber) is cancelled.
    Cancelled,
}

impl Alert {
    /// Every alert, in the order they are shown.
    pub const ALL: [Alert; 4] = [Alert::PastDue, Alert::Renewal, Alert::Turning65, Alert::Cancelled];

    /// The stable name used in filters and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Alert::PastDue => "past_due",
            Alert::Renewal => "renewal",
            Alert::Turning65 => "turning_65",
            Alert::Cancelled => "cancelled",
        }
    }

    /// The short mark in an alert column (the seed's icons: $, 65 …).
    pub fn icon(self) -> &'static str {
        match self {
            Alert::PastDue => "$",
            Alert::Renewal => "R",
            Alert::Turning65 => "65",
            Alert::Cancelled => "X",
        }
    }

    /// Parses a filter's alert type; the message lists the valid ones.
    pub fn parse(s: &str) -> Result<Alert, String> {
        let t = s.trim().to_lowercase().replace(['-', ' '], "_");
        Alert::ALL.into_iter().find(|a| a.name() == t || (t == "65" && *a == Alert::Turning65)).ok_or_else(|| {
            format!(
                "unknown alert type {:?}: use one of {}",
                crate::domain::text::clip(s, 20),
                Alert::ALL.map(Alert::name).join(", ")
            )
        })
    }
}

/// The facts of a group its alerts are decided from (read by the store).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupFacts {
    /// `active`, `pending` or `terminated`.
    pub status: String,
    pub cancellation_date: Option<NaiveDate>,
    /// Month of the year the group renews in (1–12), if known.
    pub renewal_month: Option<u32>,
    /// Bills due before today less all payments through today, at least 0.
    pub past_due_cents: i64,
    /// Active members whose 65th birthday is within the window.
    pub turning_65: i64,
}

/// Whether a group is cancelled on `today`: terminated, or its cancellation date has come.
pub fn is_cancelled(status: &str, cancellation_date: Option<NaiveDate>, today: NaiveDate) -> bool {
    status == "terminated" || cancellation_date.is_some_and(|d| d <= today)
}

/// A group's alerts on `today`, in display order. A cancelled group is not
/// flagged for renewal.
pub fn group_alerts(f: &GroupFacts, today: NaiveDate) -> Vec<Alert> {
    let cancelled = is_cancelled(&f.status, f.cancellation_date, today);
    let mut out = Vec::new();
    if f.past_due_cents > 0 {
        out.push(Alert::PastDue);
    }
    if !cancelled && f.renewal_month.is_some_and(|m| renewal_months_within(today).contains(&m)) {
        out.push(Alert::Renewal);
    }
    if f.turning_65 > 0 {
        out.push(Alert::Turning65);
    }
    if cancelled {
        out.push(Alert::Cancelled);
    }
    out
}

/// A subscriber's alerts: turning 65 soon (if still covered), cancelled.
pub fn subscriber_alerts(birth_date: NaiveDate, status: &str, today: NaiveDate) -> Vec<Alert> {
    let ended = matches!(status, "terminated" | "cobra_expired");
    let mut out = Vec::new();
    if !ended && turns_65_soon(birth_date, today) {
        out.push(Alert::Turning65);
    }
    if ended {
        out.push(Alert::Cancelled);
    }
    out
}

/// The first of `month` on or after `today`: the group's next renewal.
/// A month outside 1–12 is clamped into it.
pub fn next_renewal(month: u32, today: NaiveDate) -> NaiveDate {
    let m = month.clamp(1, 12);
    let this_year = NaiveDate::from_ymd_opt(today.year(), m, 1).unwrap_or(today);
    if this_year >= today { this_year } else { NaiveDate::from_ymd_opt(today.year() + 1, m, 1).unwrap_or(today) }
}

/// The renewal months whose next renewal falls within the window from
/// `today`: the store filters the book of business by these, so the filter
/// and `group_alerts` agree.
pub fn renewal_months_within(today: NaiveDate) -> Vec<u32> {
    (1..=12).filter(|m| (next_renewal(*m, today) - today).num_days() <= RENEWAL_WINDOW_DAYS).collect()
}

/// The birth dates (inclusive) of members whose 65th birthday falls in the
/// next `TURNING_65_WINDOW_DAYS` days; the store's alert query binds them.
pub fn turning_65_births(today: NaiveDate) -> (NaiveDate, NaiveDate) {
    let back = Months::new(65 * 12);
    let from = today.checked_sub_months(back).unwrap_or(NaiveDate::MIN);
    let to = (today + Duration::days(TURNING_65_WINDOW_DAYS)).checked_sub_months(back).unwrap_or(NaiveDate::MIN);
    (from, to)
}

/// Whether someone born on `birth` turns 65 within the window.
pub fn turns_65_soon(birth: NaiveDate, today: NaiveDate) -> bool {
    let (from, to) = turning_65_births(today);
    (from..=to).contains(&birth)
}

/// Cents as dollars with thousands separators; a negative amount (a
/// payment, a credit) in parentheses, as on a bill: `($2,835.66)`.
pub fn dollars(cents: i64) -> String {
    let abs = cents.unsigned_abs();
    let whole = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    let s = format!("${grouped}.{:02}", abs % 100);
    if cents < 0 { format!("({s})") } else { s }
}

/// The name of a month (1–12), for "Renewal month".
pub fn month_name(month: u32) -> &'static str {
    const NAMES: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    NAMES.get((month as usize).wrapping_sub(1)).copied().unwrap_or("unknown month")
}

/// A waiting period in words, as enrollment shows it.
pub fn waiting_period(days: i64) -> String {
    match days {
        0 => "First of the month after hire".to_owned(),
        d => format!("First of the month after {d} days"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn buckets_start_the_day_after_the_due_date() {
        let due = d(2026, 6, 1);
        assert_eq!(Bucket::of(due, d(2026, 5, 20)), Bucket::NotDue);
        assert_eq!(Bucket::of(due, due), Bucket::NotDue);
        assert_eq!(Bucket::of(due, d(2026, 6, 2)), Bucket::Days0To30);
        assert_eq!(Bucket::of(due, d(2026, 7, 1)), Bucket::Days0To30);
        assert_eq!(Bucket::of(due, d(2026, 7, 2)), Bucket::Days31To60);
        assert_eq!(Bucket::of(due, d(2026, 7, 31)), Bucket::Days31To60);
        assert_eq!(Bucket::of(due, d(2026, 8, 1)), Bucket::Days61To90);
        assert_eq!(Bucket::of(due, d(2026, 8, 30)), Bucket::Days61To90);
        assert_eq!(Bucket::of(due, d(2026, 8, 31)), Bucket::Over90);
    }

    #[test]
    fn payments_settle_the_oldest_bills_first() {
        let today = d(2026, 6, 15);
        let bills = [
            Charge { due_date: d(2026, 6, 1), cents: 10_000 },
            Charge { due_date: d(2026, 3, 1), cents: 10_000 },
            Charge { due_date: d(2026, 5, 1), cents: 10_000 },
            Charge { due_date: d(2026, 7, 1), cents: 10_000 },
        ];
        // 150.00 paid: March's bill, then half of May's.
        let a = aging(&bills, 15_000, today);
        assert_eq!(a, Aging { not_due: 10_000, days_0_30: 10_000, days_31_60: 5_000, ..Aging::default() });
        assert_eq!(a.past_due(), 15_000);
        assert_eq!(a.worst(), Some(Bucket::Days31To60));
        // Nothing paid: March is over 90 days late.
        let a = aging(&bills, 0, today);
        assert_eq!((a.over_90, a.days_31_60, a.days_0_30, a.not_due), (10_000, 10_000, 10_000, 10_000));
        assert_eq!(a.worst(), Some(Bucket::Over90));
        // Overpaid: a credit, nothing owed.
        let a = aging(&bills, 45_000, today);
        assert_eq!(a, Aging { credit: 5_000, ..Aging::default() });
        assert_eq!(a.worst(), None);
    }

    #[test]
    fn a_credit_bill_is_applied_like_a_payment() {
        let today = d(2026, 6, 15);
        let bills =
            [Charge { due_date: d(2026, 4, 1), cents: -2_000 }, Charge { due_date: d(2026, 5, 1), cents: 10_000 }];
        assert_eq!(aging(&bills, 3_000, today).days_31_60, 5_000);
    }

    #[test]
    fn next_renewal_is_the_first_of_the_month_on_or_after_today() {
        assert_eq!(next_renewal(12, d(2026, 11, 23)), d(2026, 12, 1));
        assert_eq!(next_renewal(11, d(2026, 11, 23)), d(2027, 11, 1));
        assert_eq!(next_renewal(11, d(2026, 11, 1)), d(2026, 11, 1));
        assert_eq!(next_renewal(1, d(2026, 11, 23)), d(2027, 1, 1));
        assert_eq!(next_renewal(0, d(2026, 11, 23)), d(2027, 1, 1));
        assert_eq!(next_renewal(13, d(2026, 11, 23)), d(2026, 12, 1));
    }

    #[test]
    fn renewal_window_months_cross_the_year() {
        assert_eq!(renewal_months_within(d(2026, 11, 23)), vec![1, 12]);
        assert_eq!(renewal_months_within(d(2026, 11, 1)), vec![11, 12]);
        assert_eq!(renewal_months_within(d(2026, 3, 2)), vec![4, 5]);
    }

    #[test]
    fn turning_65_is_a_birth_date_window() {
        let today = d(2026, 11, 23);
        assert_eq!(turning_65_births(today), (d(1961, 11, 23), d(1962, 2, 21)));
        assert!(turns_65_soon(d(1961, 11, 23), today));
        assert!(turns_65_soon(d(1962, 2, 21), today));
        assert!(!turns_65_soon(d(1962, 2, 22), today));
        assert!(!turns_65_soon(d(1961, 11, 22), today), "already 65");
    }

    #[test]
    fn group_alerts_follow_the_facts() {
        let today = d(2026, 11, 23);
        let mut f = GroupFacts {
            status: "active".into(),
            cancellation_date: None,
            renewal_month: Some(6),
            past_due_cents: 0,
            turning_65: 0,
        };
        assert!(group_alerts(&f, today).is_empty());
        f.past_due_cents = 1;
        f.renewal_month = Some(12);
        f.turning_65 = 2;
        assert_eq!(group_alerts(&f, today), vec![Alert::PastDue, Alert::Renewal, Alert::Turning65]);
        f.status = "terminated".into();
        assert_eq!(group_alerts(&f, today), vec![Alert::PastDue, Alert::Turning65, Alert::Cancelled]);
        f.status = "active".into();
        f.cancellation_date = Some(d(2026, 12, 31));
        assert!(!group_alerts(&f, today).contains(&Alert::Cancelled), "cancels later");
        f.cancellation_date = Some(today);
        assert!(group_alerts(&f, today).contains(&Alert::Cancelled));
    }

    #[test]
    fn subscriber_alerts_flag_65_only_while_covered() {
        let today = d(2026, 11, 23);
        assert_eq!(subscriber_alerts(d(1962, 1, 5), "active", today), vec![Alert::Turning65]);
        assert_eq!(subscriber_alerts(d(1962, 1, 5), "terminated", today), vec![Alert::Cancelled]);
        assert!(subscriber_alerts(d(1980, 1, 5), "cobra_elected", today).is_empty());
    }

    #[test]
    fn alert_names_parse_back() {
        for a in Alert::ALL {
            assert_eq!(Alert::parse(a.name()), Ok(a));
        }
        assert_eq!(Alert::parse("Past-Due"), Ok(Alert::PastDue));
        assert_eq!(Alert::parse("65"), Ok(Alert::Turning65));
        assert!(Alert::parse("late").unwrap_err().contains("past_due, renewal, turning_65, cancelled"));
    }

    #[test]
    fn dollars_group_thousands_and_bracket_negatives() {
        assert_eq!(dollars(0), "$0.00");
        assert_eq!(dollars(5), "$0.05");
        assert_eq!(dollars(283_566), "$2,835.66");
        assert_eq!(dollars(-283_566), "($2,835.66)");
        assert_eq!(dollars(12_345_678_900), "$123,456,789.00");
        assert_eq!(dollars(100_000), "$1,000.00");
    }

    #[test]
    fn months_and_waiting_periods_read_as_words() {
        assert_eq!(month_name(12), "December");
        assert_eq!(month_name(0), "unknown month");
        assert_eq!(waiting_period(60), "First of the month after 60 days");
        assert_eq!(waiting_period(0), "First of the month after hire");
    }
}
