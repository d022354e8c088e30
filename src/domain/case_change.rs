//! What each case action does to a case: the status rules, the SLA pause
//! while information is awaited, and the timeline entries it leaves. Pure,
//! so the ops layer only loads, applies, saves and audits.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};

use super::case::{CaseStatus, Queue};
use super::text::sanitize_multiline;

/// The longest note or resolution comment, in characters: a page of text,
/// far beyond any real note, small enough for every screen and export.
pub const TEXT_MAX: usize = 20_000;

/// The fields of a case that actions change.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseState {
    pub status: CaseStatus,
    pub priority: i64,
    pub assignee: Option<i64>,
    /// The assignee's login, for timeline wording.
    pub assignee_login: Option<String>,
    pub sla_due_at: DateTime<Utc>,
    pub info_due_at: Option<DateTime<Utc>>,
    /// When information was last requested: the SLA clock has been paused since.
    pub paused_at: Option<DateTime<Utc>>,
    pub resolution: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// A change an operator (or the sweep) makes to one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseChange {
    Assign {
        to: i64,
        login: String,
    },
    Note {
        text: String,
        to_submitter: bool,
    },
    RequestInfo {
        due: DateTime<Utc>,
    },
    InfoReceived,
    Resolve {
        comment: String,
    },
    Reopen,
    Priority(i64),
    /// The sweep: information did not arrive by its due date.
    CloseNoResponse,
}

/// One line the change adds to the case's timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineEntry {
    /// A `case_events.kind`.
    pub kind: &'static str,
    pub body: String,
}

fn entry(kind: &'static str, body: impl Into<String>) -> TimelineEntry {
    TimelineEntry { kind, body: body.into() }
}

fn status_entry(from: CaseStatus, to: CaseStatus, why: Option<&str>) -> TimelineEntry {
    let body = match why {
        Some(w) => format!("{} → {}: {w}", from.as_str(), to.as_str()),
        None => format!("{} → {}", from.as_str(), to.as_str()),
    };
    entry("status", body)
}

/// Cleans typed text for storage (no escape sequences or control
/// characters, line breaks kept) and checks it is there and not too long.
pub fn clean_text(what: &str, text: &str) -> Result<String, String> {
    let n = text.chars().count();
    if n > TEXT_MAX {
        return Err(format!("the {what} is {n} characters long; the limit is {TEXT_MAX}"));
    }
    let t = sanitize_multiline(text).trim().to_owned();
    if t.is_empty() {
        return Err(format!("the {what} is empty: type what was done or found"));
    }
    Ok(t)
}

/// `n` business days (Monday to Friday) after `from`.
pub fn add_business_days(from: NaiveDate, n: u32) -> NaiveDate {
    let mut d = from;
    let mut left = n;
    while left > 0 {
        d += Duration::days(1);
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    d
}

/// The default due date for requested information: the end of the day
/// `business_days` business days from now.
pub fn default_info_due(now: DateTime<Utc>, business_days: u32) -> DateTime<Utc> {
    end_of_day(add_business_days(now.date_naive(), business_days))
}

/// The last second of a date: a due date typed as a day means the whole day.
pub fn end_of_day(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(23, 59, 59).expect("23:59:59 is a valid time").and_utc()
}

/// Whether a case lacks the paperwork its kind needs: a retroactive
/// eligibility-maintenance request needs an Exception Request Form.
pub fn missing_paperwork(queue: Queue, retroactive: bool, has_exception_form: bool) -> bool {
    queue == Queue::Eligibility && retroactive && !has_exception_form
}

/// The kinds of change an operator makes, to say which a case can take
/// before anything is typed (the footer and help offer only those).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Assign,
    Note,
    RequestInfo,
    InfoReceived,
    Resolve,
    Reopen,
    Priority,
}

/// Whether a case in `status` can take a change of `kind`: `apply`'s status
/// rules, asked ahead.
pub fn can_take(status: CaseStatus, kind: ChangeKind) -> bool {
    match kind {
        ChangeKind::Assign | ChangeKind::Note | ChangeKind::Resolve | ChangeKind::Priority => !status.is_closed(),
        ChangeKind::RequestInfo => !status.is_closed() && status != CaseStatus::AwaitingInfo,
        ChangeKind::InfoReceived => status == CaseStatus::AwaitingInfo,
        ChangeKind::Reopen => status.is_closed(),
    }
}

/// Applies a change, or says why it cannot be made. On success returns the
/// new state and the timeline entries to append (in order).
pub fn apply(
    state: &CaseState,
    change: &CaseChange,
    now: DateTime<Utc>,
) -> Result<(CaseState, Vec<TimelineEntry>), String> {
    use CaseStatus::*;
    let from = state.status;
    let mut next = state.clone();
    let mut log = Vec::new();
    let closed = |verb: &str| format!("it is {} and cannot be {verb}; reopen it first", from.as_str());
    match change {
        CaseChange::Assign { to, login } => {
            if from.is_closed() {
                return Err(closed("assigned"));
            }
            if state.assignee == Some(*to) {
                return Err(format!("it is already assigned to {login}"));
            }
            let body = match &state.assignee_login {
                Some(was) => format!("assigned to {login} (was {was})"),
                None => format!("assigned to {login}"),
            };
            log.push(entry("assignment", body));
            next.assignee = Some(*to);
            next.assignee_login = Some(login.clone());
            if from == New {
                next.status = Open;
                log.push(status_entry(New, Open, None));
            }
        }
        CaseChange::Note { text, to_submitter } => {
            if from.is_closed() {
                return Err(closed("noted"));
            }
            let text = clean_text("note", text)?;
            log.push(entry(if *to_submitter { "note_submitter" } else { "note_internal" }, text));
        }
        CaseChange::RequestInfo { due } => {
            if from == AwaitingInfo {
                return Err("information is already requested; record it as received first".into());
            }
            if from.is_closed() {
                return Err(closed("put on hold"));
            }
            if *due <= now {
                return Err(format!("the due date {} is not in the future", due.format("%Y-%m-%d")));
            }
            next.status = AwaitingInfo;
            next.info_due_at = Some(*due);
            next.paused_at = Some(now);
            log.push(entry(
                "info_requested",
                format!("additional information requested, due {}; SLA clock paused", due.format("%Y-%m-%d")),
            ));
            log.push(status_entry(from, AwaitingInfo, None));
        }
        CaseChange::InfoReceived => {
            if from != AwaitingInfo {
                return Err(format!("it is {}, not awaiting information", from.as_str()));
            }
            // The clock resumes: the SLA moves by as long as it was paused.
            let paused = state.paused_at.map(|p| (now - p).max(Duration::zero())).unwrap_or_default();
            next.sla_due_at = state.sla_due_at + paused;
            next.status = if state.assignee.is_some() { Open } else { New };
            next.info_due_at = None;
            next.paused_at = None;
            log.push(entry(
                "info_received",
                format!("information received; SLA due moved to {}", next.sla_due_at.format("%Y-%m-%d %H:%M")),
            ));
            log.push(status_entry(from, next.status, None));
        }
        CaseChange::Resolve { comment } => {
            if from.is_closed() {
                return Err(format!("it is already {}", from.as_str()));
            }
            let comment = clean_text("resolution comment", comment)?;
            next.status = Resolved;
            next.resolution = Some(comment.clone());
            next.closed_at = Some(now);
            next.info_due_at = None;
            next.paused_at = None;
            log.push(status_entry(from, Resolved, Some(&comment)));
        }
        CaseChange::Reopen => {
            if !from.is_closed() {
                return Err(format!("it is {}, not closed", from.as_str()));
            }
            next.status = if state.assignee.is_some() { Open } else { New };
            next.resolution = None;
            next.closed_at = None;
            log.push(status_entry(from, next.status, None));
        }
        CaseChange::Priority(p) => {
            if !(1..=4).contains(p) {
                return Err(format!("priority {p} is out of range: 1 (urgent) to 4 (low)"));
            }
            if from.is_closed() {
                return Err(closed("reprioritised"));
            }
            if state.priority == *p {
                return Err(format!("its priority is already {p}"));
            }
            next.priority = *p;
            log.push(entry("priority", format!("priority {} → {p}", state.priority)));
        }
        CaseChange::CloseNoResponse => {
            let due = match (from, state.info_due_at) {
                (AwaitingInfo, Some(due)) if due < now => due,
                _ => return Err("it is not awaiting information past its due date".into()),
            };
            next.status = ClosedNoResponse;
            next.closed_at = Some(now);
            next.paused_at = None;
            let why = format!("no information by {}", due.format("%Y-%m-%d"));
            log.push(status_entry(from, ClosedNoResponse, Some(&why)));
        }
    }
    Ok((next, log))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap()
    }

    fn state(status: CaseStatus) -> CaseState {
        CaseState {
            status,
            priority: 3,
            assignee: None,
            assignee_login: None,
            sla_due_at: now() + Duration::days(2),
            info_due_at: None,
            paused_at: None,
            resolution: None,
            closed_at: None,
        }
    }

    fn assign(to: i64, login: &str) -> CaseChange {
        CaseChange::Assign { to, login: login.into() }
    }

    #[test]
    fn business_days_skip_weekends() {
        let fri = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        assert_eq!(add_business_days(fri, 1), NaiveDate::from_ymd_opt(2026, 11, 23).unwrap());
        assert_eq!(add_business_days(fri, 10), NaiveDate::from_ymd_opt(2026, 12, 4).unwrap());
        assert_eq!(add_business_days(fri, 0), fri);
        let due = default_info_due(now(), 10);
        assert_eq!(due, Utc.with_ymd_and_hms(2026, 12, 7, 23, 59, 59).unwrap());
    }

    #[test]
    fn due_dates_parse_in_both_forms() {
        use crate::domain::member_query::parse_date;
        let d = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        assert_eq!(parse_date(" 2026-12-04 "), Ok(d));
        assert_eq!(parse_date("12/04/2026"), Ok(d));
        assert!(parse_date("02/30/2026").unwrap_err().contains("YYYY-MM-DD"));
        assert!(parse_date("").is_err());
    }

    #[test]
    fn assigning_a_new_case_opens_it() {
        let (s, log) = apply(&state(CaseStatus::New), &assign(7, "ana"), now()).unwrap();
        assert_eq!((s.status, s.assignee), (CaseStatus::Open, Some(7)));
        assert_eq!(log, vec![entry("assignment", "assigned to ana"), entry("status", "new → open")]);
        let (s2, log2) = apply(&s, &assign(8, "bo"), now()).unwrap();
        assert_eq!((s2.status, s2.assignee), (CaseStatus::Open, Some(8)));
        assert_eq!(log2, vec![entry("assignment", "assigned to bo (was ana)")]);
        assert!(apply(&s2, &assign(8, "bo"), now()).unwrap_err().contains("already assigned"));
    }

    #[test]
    fn requesting_information_pauses_the_sla_and_receiving_resumes_it() {
        let mut open = state(CaseStatus::Open);
        open.assignee = Some(1);
        let due = now() + Duration::days(14);
        let (waiting, log) = apply(&open, &CaseChange::RequestInfo { due }, now()).unwrap();
        assert_eq!(waiting.status, CaseStatus::AwaitingInfo);
        assert_eq!(waiting.info_due_at, Some(due));
        assert_eq!(log[1], entry("status", "open → awaiting_info"));
        let later = now() + Duration::days(3);
        let (back, _) = apply(&waiting, &CaseChange::InfoReceived, later).unwrap();
        assert_eq!(back.status, CaseStatus::Open);
        assert_eq!(back.sla_due_at, open.sla_due_at + Duration::days(3));
        assert_eq!(back.info_due_at, None);
        assert!(apply(&waiting, &CaseChange::RequestInfo { due }, now()).is_err());
        assert!(apply(&open, &CaseChange::RequestInfo { due: now() }, now()).unwrap_err().contains("future"));
        assert!(apply(&open, &CaseChange::InfoReceived, now()).unwrap_err().contains("not awaiting"));
    }

    #[test]
    fn resolving_needs_a_comment_and_closes_once() {
        let open = state(CaseStatus::Open);
        let empty = CaseChange::Resolve { comment: " \n\u{1b}[2J ".into() };
        assert!(apply(&open, &empty, now()).unwrap_err().contains("empty"));
        let (done, log) = apply(&open, &CaseChange::Resolve { comment: "Added the dependent.".into() }, now()).unwrap();
        assert_eq!(done.status, CaseStatus::Resolved);
        assert_eq!(done.resolution.as_deref(), Some("Added the dependent."));
        assert_eq!(done.closed_at, Some(now()));
        assert_eq!(log, vec![entry("status", "open → resolved: Added the dependent.")]);
        assert!(apply(&done, &CaseChange::Resolve { comment: "again".into() }, now()).unwrap_err().contains("already"));
        assert!(apply(&done, &CaseChange::Note { text: "x".into(), to_submitter: false }, now()).is_err());
        assert!(apply(&done, &assign(1, "a"), now()).unwrap_err().contains("reopen"));
        assert!(!can_take(done.status, ChangeKind::Resolve) && can_take(done.status, ChangeKind::Reopen));
        let (again, _) = apply(&done, &CaseChange::Reopen, now()).unwrap();
        assert!(can_take(again.status, ChangeKind::Resolve) && !can_take(again.status, ChangeKind::InfoReceived));
        assert_eq!((again.status, again.resolution.clone(), again.closed_at), (CaseStatus::New, None, None));
        assert!(apply(&again, &CaseChange::Reopen, now()).is_err());
    }

    #[test]
    fn notes_are_cleaned_and_bounded() {
        let open = state(CaseStatus::Open);
        let note = CaseChange::Note { text: "line one\r\n\u{1b}]0;pwn\u{7}line two".into(), to_submitter: true };
        let (_, log) = apply(&open, &note, now()).unwrap();
        assert_eq!(log, vec![entry("note_submitter", "line one\nline two")]);
        let huge = CaseChange::Note { text: "x".repeat(1 << 20), to_submitter: false };
        assert!(apply(&open, &huge, now()).unwrap_err().contains("limit is 20000"));
    }

    #[test]
    fn priority_stays_in_range_and_changes() {
        let open = state(CaseStatus::Open);
        assert!(apply(&open, &CaseChange::Priority(5), now()).unwrap_err().contains("1 (urgent)"));
        assert!(apply(&open, &CaseChange::Priority(3), now()).unwrap_err().contains("already"));
        let (s, log) = apply(&open, &CaseChange::Priority(1), now()).unwrap();
        assert_eq!(s.priority, 1);
        assert_eq!(log, vec![entry("priority", "priority 3 → 1")]);
    }

    #[test]
    fn the_sweep_closes_only_past_due_waits() {
        let mut waiting = state(CaseStatus::AwaitingInfo);
        waiting.info_due_at = Some(now() - Duration::hours(1));
        let (closed, log) = apply(&waiting, &CaseChange::CloseNoResponse, now()).unwrap();
        assert_eq!(closed.status, CaseStatus::ClosedNoResponse);
        assert_eq!(log, vec![entry("status", "awaiting_info → closed_no_response: no information by 2026-11-23")]);
        waiting.info_due_at = Some(now() + Duration::hours(1));
        assert!(apply(&waiting, &CaseChange::CloseNoResponse, now()).is_err());
        assert!(apply(&state(CaseStatus::Open), &CaseChange::CloseNoResponse, now()).is_err());
    }

    #[test]
    fn only_retroactive_eligibility_cases_need_the_form() {
        assert!(missing_paperwork(Queue::Eligibility, true, false));
        assert!(!missing_paperwork(Queue::Eligibility, true, true));
        assert!(!missing_paperwork(Queue::Eligibility, false, false));
        assert!(!missing_paperwork(Queue::Billing, true, false));
    }
}
