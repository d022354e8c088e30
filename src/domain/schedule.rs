//! When a scheduled report runs next (issue 25, point 3): a pure function of
//! the schedule, its time zone and a moment, so that daylight-saving changes,
//! month ends and catch-up after downtime are decided here and tested here,
//! never by a worker's clock arithmetic.
//!
//! Wall-clock times are the operator's: "daily at 02:30 in New York" stays at
//! 02:30 local across a DST change. A local time the spring change skips runs
//! when the clock reaches it after the jump (02:30 → 03:30 local, the gap's
//! length later); a time the autumn change repeats runs once, the first time.
//! A monthly day past the month's end runs on its last day.

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

/// How often a report runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeat {
    /// Once, at the schedule's first moment.
    Once,
    Daily,
    /// Weekly on this day.
    Weekly(Weekday),
    /// Monthly on this day of the month (1–31; past the month's end, its last day).
    Monthly(u32),
}

/// A report schedule: a local wall-clock time in a zone and how it repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    pub repeat: Repeat,
    /// For `Once`, the local date; for repeats, the first date it may run.
    pub start: NaiveDate,
    /// Local time of day of every run.
    pub at: NaiveTime,
    pub zone: Tz,
}

impl Schedule {
    /// Checks what an operator typed: a one-off in the past, or a monthly
    /// day outside 1–31, is refused with the reason (never silently skipped).
    pub fn new(
        repeat: Repeat,
        start: NaiveDate,
        at: NaiveTime,
        zone: Tz,
        now: DateTime<Utc>,
    ) -> Result<Schedule, String> {
        if let Repeat::Monthly(day) = repeat
            && !(1..=31).contains(&day)
        {
            return Err(format!("a monthly schedule runs on day 1 to 31 of the month; {day} is not one"));
        }
        let s = Schedule { repeat, start, at, zone };
        if repeat == Repeat::Once && s.next_after(now - Duration::seconds(1)).is_none() {
            return Err(format!(
                "{start} {} ({zone}) is in the past: a one-off schedule needs a time to come",
                at.format("%H:%M")
            ));
        }
        Ok(s)
    }

    /// The first run strictly after `after`, or None when a one-off has run.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let local_after = after.with_timezone(&self.zone).date_naive();
        // Start looking a day early: the local date of `after` may already be
        // past the slot's instant in the zone.
        let mut day = self.start.max(local_after.pred_opt().unwrap_or(local_after));
        // A monthly schedule finds a slot within two months; 800 days bounds
        // every repeat without looping forever on a bad zone.
        for _ in 0..800 {
            if self.runs_on(day) {
                let at = instant(self.zone, day.and_time(self.at));
                if at > after {
                    return Some(at);
                }
                if self.repeat == Repeat::Once {
                    return None;
                }
            } else if self.repeat == Repeat::Once && day > self.start {
                return None;
            }
            day = day.succ_opt()?;
        }
        None
    }

    /// What a worker does at `now` for a schedule whose last slot run was
    /// `last` (None: never run): one run however many slots were missed,
    /// for the latest of them (the worker records it as `last`, so the
    /// others are never run), and the next slot after `now`.
    pub fn due(&self, last: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Due {
        let mut at =
            last.unwrap_or_else(|| instant(self.zone, self.start.and_time(NaiveTime::MIN)) - Duration::seconds(1));
        let mut run = None;
        while let Some(slot) = self.next_after(at).filter(|slot| *slot <= now) {
            run = Some(slot);
            at = slot;
        }
        Due { run, next: self.next_after(now) }
    }

    fn runs_on(&self, day: NaiveDate) -> bool {
        if day < self.start {
            return false;
        }
        match self.repeat {
            Repeat::Once => day == self.start,
            Repeat::Daily => true,
            Repeat::Weekly(w) => day.weekday() == w,
            Repeat::Monthly(d) => day.day() == d.min(last_day(day)),
        }
    }
}

impl Schedule {
    /// A schedule as an operator types it: a first local date and time
    /// (`YYYY-MM-DD HH:MM`), how it repeats (once, daily, weekly on that
    /// date's weekday, monthly on that date's day) and an IANA zone.
    pub fn typed(at: &str, every: &str, zone: &str, now: DateTime<Utc>) -> Result<Schedule, String> {
        let first = NaiveDateTime::parse_from_str(at.trim(), "%Y-%m-%d %H:%M")
            .map_err(|_| format!("--at takes a local date and time, YYYY-MM-DD HH:MM; got {:?}", at.trim()))?;
        let zone: Tz =
            zone.trim().parse().map_err(|_| format!("{:?} is not a time zone (e.g. America/New_York)", zone.trim()))?;
        let start = first.date();
        let repeat = match every.trim() {
            "once" | "" => Repeat::Once,
            "daily" => Repeat::Daily,
            "weekly" => Repeat::Weekly(start.weekday()),
            "monthly" => Repeat::Monthly(start.day()),
            other => return Err(format!("a schedule repeats once, daily, weekly or monthly; not {other:?}")),
        };
        Schedule::new(repeat, start, first.time(), zone, now)
    }

    /// How it is stored: the repeat's word and its day (weekday 1–7 from
    /// Monday, or day of the month), the time as `HH:MM`, the zone's name.
    pub fn parts(&self) -> (&'static str, Option<i64>, String, &'static str) {
        let (word, on) = match self.repeat {
            Repeat::Once => ("once", None),
            Repeat::Daily => ("daily", None),
            Repeat::Weekly(w) => ("weekly", Some(i64::from(w.number_from_monday()))),
            Repeat::Monthly(d) => ("monthly", Some(i64::from(d))),
        };
        (word, on, self.at.format("%H:%M").to_string(), self.zone.name())
    }

    /// Reads a stored schedule back (`parts`' inverse).
    pub fn stored(repeat: &str, on: Option<i64>, start: NaiveDate, at: &str, zone: &str) -> Result<Schedule, String> {
        let at = NaiveTime::parse_from_str(at, "%H:%M").map_err(|_| format!("stored time {at:?} is not HH:MM"))?;
        let zone: Tz = zone.parse().map_err(|_| format!("stored zone {zone:?} is unknown"))?;
        let day =
            || on.and_then(|d| u32::try_from(d).ok()).ok_or_else(|| format!("a {repeat} schedule without its day"));
        let repeat = match repeat {
            "once" => Repeat::Once,
            "daily" => Repeat::Daily,
            "weekly" => Repeat::Weekly(
                Weekday::try_from(u8::try_from(day()?.saturating_sub(1)).unwrap_or(0))
                    .map_err(|_| "a bad weekday".to_owned())?,
            ),
            "monthly" => Repeat::Monthly(day()?),
            other => return Err(format!("stored repeat {other:?} is unknown")),
        };
        Ok(Schedule { repeat, start, at, zone })
    }
}

/// A worker's decision for one schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    /// The slot to run now (missed slots collapse into this one).
    pub run: Option<DateTime<Utc>>,
    /// When to look again.
    pub next: Option<DateTime<Utc>>,
}

/// The instant a local wall-clock time names: the first of two in the
/// autumn overlap; in the spring gap, the same wall time the gap's length on.
fn instant(zone: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(first, _) => first.with_timezone(&Utc),
        LocalResult::None => {
            // Read in the offset before the gap, the wall time names the
            // instant the gap's length later on the new clock.
            let before = zone.offset_from_utc_datetime(&(local - Duration::hours(3)));
            let utc = local - Duration::seconds(i64::from(chrono::Offset::fix(&before).local_minus_utc()));
            Utc.from_utc_datetime(&utc)
        }
    }
}

fn last_day(day: NaiveDate) -> u32 {
    let (y, m) = if day.month() == 12 { (day.year() + 1, 1) } else { (day.year(), day.month() + 1) };
    NaiveDate::from_ymd_opt(y, m, 1).and_then(|d| d.pred_opt()).map_or(28, |d| d.day())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::America::New_York;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }
    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }
    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }
    fn local(x: DateTime<Utc>) -> String {
        x.with_timezone(&New_York).format("%Y-%m-%d %H:%M %Z").to_string()
    }
    fn sched(repeat: Repeat, start: NaiveDate, at: NaiveTime) -> Schedule {
        Schedule { repeat, start, at, zone: New_York }
    }

    #[test]
    fn a_daily_run_keeps_its_wall_clock_time_across_both_changes() {
        let s = sched(Repeat::Daily, d(2026, 3, 1), t(9, 0));
        // Spring: 8 March 2026, clocks go 02:00 EST → 03:00 EDT.
        let before = s.next_after(utc("2026-03-07T15:00:00Z")).unwrap();
        let after = s.next_after(before).unwrap();
        assert_eq!(local(before), "2026-03-08 09:00 EDT");
        assert_eq!(after - before, Duration::hours(24));
        assert_eq!(before, utc("2026-03-08T13:00:00Z"));
        // Autumn: 1 November 2026, 02:00 EDT → 01:00 EST; that day is 25 hours long.
        let s = sched(Repeat::Daily, d(2026, 10, 1), t(9, 0));
        let sat = s.next_after(utc("2026-10-31T12:00:00Z")).unwrap();
        let sun = s.next_after(sat).unwrap();
        assert_eq!((local(sat), local(sun)), ("2026-10-31 09:00 EDT".into(), "2026-11-01 09:00 EST".into()));
        assert_eq!(sun - sat, Duration::hours(25));
    }

    #[test]
    fn a_time_the_spring_change_skips_runs_after_the_jump_and_a_repeated_one_runs_once() {
        let s = sched(Repeat::Daily, d(2026, 3, 1), t(2, 30));
        let gap = s.next_after(utc("2026-03-08T00:00:00Z")).unwrap();
        assert_eq!(local(gap), "2026-03-08 03:30 EDT");
        assert_eq!(local(s.next_after(gap).unwrap()), "2026-03-09 02:30 EDT");
        let s = sched(Repeat::Daily, d(2026, 10, 1), t(1, 30));
        let first = s.next_after(utc("2026-11-01T04:00:00Z")).unwrap();
        assert_eq!(local(first), "2026-11-01 01:30 EDT");
        let next = s.next_after(first).unwrap();
        assert_eq!(local(next), "2026-11-02 01:30 EST", "the repeated 01:30 EST is not a second run");
    }

    #[test]
    fn a_monthly_day_past_the_months_end_runs_on_its_last_day() {
        let s = sched(Repeat::Monthly(31), d(2026, 1, 1), t(6, 0));
        let mut at = utc("2026-01-01T00:00:00Z");
        let mut seen = Vec::new();
        for _ in 0..4 {
            at = s.next_after(at).unwrap();
            seen.push(local(at)[..10].to_owned());
        }
        assert_eq!(seen, ["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30"]);
        let leap = sched(Repeat::Monthly(30), d(2028, 2, 1), t(6, 0));
        assert_eq!(&local(leap.next_after(utc("2028-02-01T00:00:00Z")).unwrap())[..10], "2028-02-29");
    }

    #[test]
    fn a_weekly_run_falls_on_its_day_and_a_year_end_is_crossed() {
        let s = sched(Repeat::Weekly(Weekday::Mon), d(2026, 12, 1), t(7, 15));
        let a = s.next_after(utc("2026-12-26T00:00:00Z")).unwrap();
        let b = s.next_after(a).unwrap();
        assert_eq!((local(a), local(b)), ("2026-12-28 07:15 EST".into(), "2027-01-04 07:15 EST".into()));
    }

    #[test]
    fn missed_slots_run_once_on_catch_up_never_once_each() {
        let s = sched(Repeat::Daily, d(2026, 6, 1), t(9, 0));
        let last = utc("2026-06-01T13:00:00Z"); // 1 June 09:00 EDT ran.
        let now = utc("2026-06-05T20:00:00Z"); // workers were down four days.
        let due = s.due(Some(last), now);
        assert_eq!(due.run, Some(utc("2026-06-05T13:00:00Z")), "one run, for the latest missed slot");
        assert_eq!(due.next, Some(utc("2026-06-06T13:00:00Z")));
        // Having run it, the worker records that slot: nothing more is due until the next.
        assert_eq!(s.due(due.run, now).run, None);
        assert_eq!(s.due(due.run, utc("2026-06-06T13:00:00Z")).run, Some(utc("2026-06-06T13:00:00Z")));
        // Never run: the first slot on or after the start.
        assert_eq!(s.due(None, utc("2026-06-01T12:00:00Z")).run, None);
        assert_eq!(s.due(None, utc("2026-06-01T14:00:00Z")).run, Some(utc("2026-06-01T13:00:00Z")));
    }

    #[test]
    fn a_typed_schedule_is_stored_and_read_back_the_same() {
        let now = utc("2026-12-03T12:00:00Z");
        for every in ["once", "daily", "weekly", "monthly"] {
            let s = Schedule::typed("2026-12-31 02:30", every, "America/New_York", now).unwrap();
            let (word, on, at, zone) = s.parts();
            assert_eq!(word, every);
            assert_eq!(Schedule::stored(word, on, s.start, &at, zone), Ok(s));
        }
        assert_eq!(
            Schedule::typed("2026-12-31 02:30", "weekly", "UTC", now).unwrap().repeat,
            Repeat::Weekly(Weekday::Thu)
        );
        assert!(Schedule::typed("12/31/2026", "daily", "UTC", now).unwrap_err().contains("YYYY-MM-DD HH:MM"));
        assert!(Schedule::typed("2026-12-31 02:30", "hourly", "UTC", now).unwrap_err().contains("once, daily"));
        assert!(Schedule::typed("2026-12-31 02:30", "daily", "Mars/Olympus", now).unwrap_err().contains("time zone"));
    }

    #[test]
    fn a_one_off_runs_once_and_one_in_the_past_is_refused() {
        let now = utc("2026-12-03T12:00:00Z");
        let once = Schedule::new(Repeat::Once, d(2026, 12, 4), t(8, 0), New_York, now).unwrap();
        let at = once.next_after(now).unwrap();
        assert_eq!(local(at), "2026-12-04 08:00 EST");
        assert_eq!(once.next_after(at), None);
        let err = Schedule::new(Repeat::Once, d(2026, 12, 2), t(8, 0), New_York, now).unwrap_err();
        assert!(err.contains("in the past"), "{err}");
        let err = Schedule::new(Repeat::Monthly(32), d(2026, 12, 2), t(8, 0), New_York, now).unwrap_err();
        assert!(err.contains("day 1 to 31"), "{err}");
    }
}
