//! Case queues, statuses and the named views over them.

use std::fmt;

/// The reason for inquiry chosen on the portal form; each is a work queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Queue {
    Eligibility,
    Enrollment,
    Billing,
    Support,
}

impl Queue {
    /// Every queue, in the order the portal form lists them.
    pub const ALL: [Queue; 4] = [Queue::Eligibility, Queue::Enrollment, Queue::Billing, Queue::Support];

    /// The stored and typed name.
    pub fn as_str(self) -> &'static str {
        match self {
            Queue::Eligibility => "eligibility",
            Queue::Enrollment => "enrollment",
            Queue::Billing => "billing",
            Queue::Support => "support",
        }
    }

    /// Parses a stored or typed name.
    pub fn parse(s: &str) -> Option<Queue> {
        Queue::ALL.into_iter().find(|q| q.as_str() == s)
    }
}

/// Where a case is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CaseStatus {
    New,
    Open,
    AwaitingInfo,
    Resolved,
    ClosedNoResponse,
}

impl CaseStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::New => "new",
            CaseStatus::Open => "open",
            CaseStatus::AwaitingInfo => "awaiting_info",
            CaseStatus::Resolved => "resolved",
            CaseStatus::ClosedNoResponse => "closed_no_response",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<CaseStatus> {
        [Self::New, Self::Open, Self::AwaitingInfo, Self::Resolved, Self::ClosedNoResponse]
            .into_iter()
            .find(|c| c.as_str() == s)
    }

    /// Whether work on the case is finished.
    pub fn is_closed(self) -> bool {
        matches!(self, CaseStatus::Resolved | CaseStatus::ClosedNoResponse)
    }
}

/// A list of cases as `:cases NAME` names it: a queue or a cross-queue view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CaseView {
    Queue(Queue),
    Mine,
    Unassigned,
    Awaiting,
    All,
}

impl CaseView {
    /// Every view, in the order the tabs show them.
    pub const ALL: [CaseView; 8] = [
        CaseView::Queue(Queue::Eligibility),
        CaseView::Queue(Queue::Enrollment),
        CaseView::Queue(Queue::Billing),
        CaseView::Queue(Queue::Support),
        CaseView::Mine,
        CaseView::Unassigned,
        CaseView::Awaiting,
        CaseView::All,
    ];

    /// The name used by `:cases NAME`.
    pub fn name(self) -> &'static str {
        match self {
            CaseView::Queue(q) => q.as_str(),
            CaseView::Mine => "mine",
            CaseView::Unassigned => "unassigned",
            CaseView::Awaiting => "awaiting",
            CaseView::All => "all",
        }
    }

    /// Parses `:cases NAME`.
    pub fn parse(s: &str) -> Option<CaseView> {
        CaseView::ALL.into_iter().find(|v| v.name() == s)
    }
}

impl fmt::Display for CaseView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `C-000123` from a numeric case id: at least six digits.
pub fn case_number(n: i64) -> String {
    format!("C-{n:06}")
}

/// Parses `C-000123` (or `c-123`, or plain digits) to the number it names.
pub fn parse_case_number(s: &str) -> Option<i64> {
    let t = s.trim();
    let digits = t.strip_prefix("C-").or_else(|| t.strip_prefix("c-")).unwrap_or(t);
    if digits.is_empty() || digits.len() > 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_round_trip_by_name() {
        for v in CaseView::ALL {
            assert_eq!(CaseView::parse(v.name()), Some(v));
        }
        assert_eq!(CaseView::parse("nope"), None);
    }

    #[test]
    fn case_numbers_have_six_digits_at_least() {
        assert_eq!(case_number(123), "C-000123");
        assert_eq!(case_number(12_345_678), "C-12345678");
        assert_eq!(parse_case_number("C-000123"), Some(123));
        assert_eq!(parse_case_number("c-7"), Some(7));
        assert_eq!(parse_case_number("C-"), None);
        assert_eq!(parse_case_number("C-12a"), None);
    }

    #[test]
    fn closed_statuses() {
        assert!(CaseStatus::Resolved.is_closed());
        assert!(!CaseStatus::AwaitingInfo.is_closed());
        assert_eq!(CaseStatus::parse("awaiting_info"), Some(CaseStatus::AwaitingInfo));
    }
}
