//! Case operations: take, assign, note, request and receive information,
//! resolve, reopen, reprioritise, bulk changes and the awaiting-info sweep.
//!
//! Each one locks the case, checks the version the operator saw, applies
//! the pure rule of `domain::case_change`, saves with a `row_version`
//! check, appends the timeline and writes the audit row, in one transaction.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;

use super::{Change, OpError, Ops};
use crate::action::Action;
use crate::domain::case::{Queue, case_number, parse_case_number};
use crate::domain::case_change::{CaseChange, CaseState, apply};
use crate::store::cases::{self as store, CaseHead};
use crate::store::staff;

/// A case that was just claimed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Claimed {
    pub case_number: String,
    pub queue: String,
    pub priority: i64,
    pub sla_due_at: DateTime<Utc>,
}

/// A case after a change: what the screen and the CLI report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Changed {
    pub case_number: String,
    pub status: String,
    pub assignee: Option<String>,
    pub priority: i64,
    pub row_version: i64,
}

/// One case of a bulk change as the preview shows it: what would happen, or why not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BulkLine {
    pub case_number: String,
    /// The version previewed; applying refuses if the case moved on since.
    pub row_version: i64,
    pub outcome: Result<String, String>,
}

/// The action a change is audited and permitted as.
fn action_of(change: &CaseChange, me: i64) -> Action {
    match change {
        CaseChange::Assign { to, .. } if *to == me => Action::CaseAssignMe,
        CaseChange::Assign { .. } => Action::CaseAssign,
        CaseChange::Note { .. } => Action::CaseNote,
        CaseChange::RequestInfo { .. } => Action::CaseRequestInfo,
        CaseChange::InfoReceived => Action::CaseInfoReceived,
        CaseChange::Resolve { .. } => Action::CaseResolve,
        CaseChange::Reopen => Action::CaseReopen,
        CaseChange::Priority(_) => Action::CasePriority,
        CaseChange::CloseNoResponse => Action::CaseSweep,
    }
}

/// `C-000123` from what was typed (`c-123`, `123`), or a clear refusal.
pub fn normalize_number(typed: &str) -> Result<String, OpError> {
    parse_case_number(typed).map(case_number).ok_or_else(|| {
        OpError::Invalid(format!("{:?} is not a case ID: use C-000123", crate::domain::text::clip(typed, 20)))
    })
}

fn snapshot(s: &CaseState, version: i64) -> serde_json::Value {
    json!({
        "status": s.status.as_str(),
        "assignee": s.assignee_login,
        "priority": s.priority,
        "sla_due_at": s.sla_due_at,
        "info_due_at": s.info_due_at,
        "row_version": version,
    })
}

/// A bulk assignment leaves a case that already has the assignee alone
/// rather than refusing the whole batch over it.
fn unchanged(head: &CaseHead, what: &CaseChange) -> bool {
    matches!(what, CaseChange::Assign { to, .. } if head.assignee_id == Some(*to))
}

fn state_of(head: &CaseHead) -> Result<CaseState, OpError> {
    head.state().ok_or_else(|| OpError::Db(format!("{} has an unknown status {:?}", head.case_number, head.status)))
}

impl Ops {
    /// Applies one change to a locked case inside `change`: rule check, save
    /// with the version check, timeline, audit row. `seen` is the version the
    /// operator was looking at, if the request came from a screen.
    async fn apply_locked(
        &self,
        change: &mut Change,
        head: &CaseHead,
        seen: Option<i64>,
        what: &CaseChange,
    ) -> Result<Changed, OpError> {
        if let Some(v) = seen
            && v != head.row_version
        {
            return Err(OpError::Conflict(format!(
                "{} was changed by someone else since you opened it; nothing was changed — look again and retry",
                head.case_number
            )));
        }
        let before = state_of(head)?;
        let now = self.now();
        let (after, timeline) =
            apply(&before, what, now).map_err(|why| OpError::Refused(format!("{}: {why}", head.case_number)))?;
        if !store::save(&mut change.tx, head.id, head.row_version, &after).await? {
            return Err(OpError::Conflict(format!("{} was changed meanwhile; nothing was changed", head.case_number)));
        }
        let me = self.operator().id;
        for e in &timeline {
            store::add_event(&mut change.tx, head.id, Some(me), e.kind, &e.body, now).await?;
        }
        let reason = match what {
            CaseChange::Resolve { comment } => Some(crate::domain::text::clip(comment, 200)),
            _ => None,
        };
        // Sessions watching the queues hear of it at commit (PostgreSQL).
        crate::store::live::announce(&mut change.tx, self.origin()).await?;
        let entity = format!("case:{}", head.case_number);
        let (b, a) = (snapshot(&before, head.row_version), snapshot(&after, head.row_version + 1));
        self.record(change, &entity, Some(b), Some(a), reason).await?;
        Ok(Changed {
            case_number: head.case_number.clone(),
            status: after.status.as_str().to_owned(),
            assignee: after.assignee_login,
            priority: after.priority,
            row_version: head.row_version + 1,
        })
    }

    /// Makes one change to one case. A refusal changes nothing.
    pub async fn change_case(&self, number: &str, seen: Option<i64>, what: CaseChange) -> Result<Changed, OpError> {
        let number = normalize_number(number)?;
        let action = action_of(&what, self.operator().id);
        let mut change = self.begin(action, &format!("case:{number}")).await?;
        let head = store::lock_by_number(&mut change.tx, &number)
            .await?
            .ok_or_else(|| OpError::NotFound(format!("no case {number}")))?;
        let done = self.apply_locked(&mut change, &head, seen, &what).await?;
        change.tx.commit().await?;
        Ok(done)
    }

    /// The change that assigns a case to the staff account `login` (`me` for
    /// the operator): refused for an unknown or disabled account.
    pub async fn assignment(&self, login: &str) -> Result<CaseChange, OpError> {
        let login = login.trim();
        if login == "me" || login == self.operator().login {
            let me = self.operator();
            return Ok(CaseChange::Assign { to: me.id, login: me.login.clone() });
        }
        let s = staff::by_login(self.store(), login)
            .await?
            .ok_or_else(|| OpError::NotFound(format!("no staff account {:?}", crate::domain::text::clip(login, 40))))?;
        if !s.is_active() {
            return Err(OpError::Refused(format!(
                "staff account {} is {}: cases go to active staff only",
                s.login, s.status
            )));
        }
        Ok(CaseChange::Assign { to: s.id, login: s.login })
    }

    /// `case.claim_next`: assigns the unassigned new case of `queue` that is
    /// due first to the operator and opens it. `Ok(None)` when the queue has
    /// nothing to take.
    pub async fn claim_next(&self, queue: Queue) -> Result<Option<Claimed>, OpError> {
        let mut change = self.begin(Action::CaseClaimNext, &format!("queue:{}", queue.as_str())).await?;
        let Some(head) = store::next_unclaimed(&mut change.tx, queue).await? else {
            change.tx.rollback().await?;
            return Ok(None);
        };
        let me = self.operator();
        let take = CaseChange::Assign { to: me.id, login: me.login.clone() };
        self.apply_locked(&mut change, &head, None, &take).await?;
        change.tx.commit().await?;
        Ok(Some(Claimed {
            case_number: head.case_number,
            queue: head.queue,
            priority: head.priority,
            sla_due_at: head.sla_due_at,
        }))
    }

    /// What a bulk change would do to each case, without changing anything.
    pub async fn preview_bulk(&self, numbers: &[String], what: &CaseChange) -> Result<Vec<BulkLine>, OpError> {
        let now = self.now();
        let mut out = Vec::with_capacity(numbers.len());
        for typed in numbers {
            let number = normalize_number(typed)?;
            let head = store::head_by_number(self.store(), &number)
                .await?
                .ok_or_else(|| OpError::NotFound(format!("no case {number}")))?;
            if unchanged(&head, what) {
                let outcome = Ok(format!("already {}; left as it is", head.assignee_login.clone().unwrap_or_default()));
                out.push(BulkLine { case_number: number, row_version: head.row_version, outcome });
                continue;
            }
            let outcome = apply(&state_of(&head)?, what, now).map(|(after, _)| match what {
                CaseChange::Assign { login, .. } => format!(
                    "{} → {login}, {}",
                    head.assignee_login.as_deref().unwrap_or("unassigned"),
                    after.status.as_str()
                ),
                _ => format!("{} → {}", head.status, after.status.as_str()),
            });
            out.push(BulkLine { case_number: number, row_version: head.row_version, outcome });
        }
        Ok(out)
    }

    /// Applies a previewed bulk change (`case.bulk_assign` or
    /// `case.bulk_resolve`): all cases or none. Any case that moved on since
    /// the preview, or that the rule refuses, refuses the whole change.
    pub async fn apply_bulk(&self, lines: &[BulkLine], what: &CaseChange) -> Result<Vec<Changed>, OpError> {
        let action = match what {
            CaseChange::Assign { .. } => Action::CaseBulkAssign,
            CaseChange::Resolve { .. } => Action::CaseBulkResolve,
            _ => return Err(OpError::Invalid("only assignment and resolution can be done in bulk".into())),
        };
        if lines.is_empty() {
            return Err(OpError::Invalid("no cases are marked: mark some with Space first".into()));
        }
        let mut change = self.begin(action, &format!("cases:{}", lines.len())).await?;
        let mut done = Vec::with_capacity(lines.len());
        for line in lines {
            let head = store::lock_by_number(&mut change.tx, &line.case_number)
                .await?
                .ok_or_else(|| OpError::NotFound(format!("no case {}", line.case_number)))?;
            if unchanged(&head, what) && head.row_version == line.row_version {
                continue;
            }
            // The bulk action's own name goes in the audit, per case.
            done.push(self.apply_locked(&mut change, &head, Some(line.row_version), what).await?);
        }
        change.tx.commit().await?;
        Ok(done)
    }

    /// `case.sweep`: closes every case awaiting information past its due
    /// date as `closed_no_response`, with a timeline entry and an audit row
    /// each. Safe to run on several machines at once: each batch locks its
    /// cases (on PostgreSQL skipping those another sweeper holds), and a
    /// case that is already closed is not touched again. Returns the closed
    /// case numbers.
    pub async fn sweep(&self) -> Result<Vec<String>, OpError> {
        const BATCH: i64 = 500;
        let mut closed = Vec::new();
        loop {
            let mut change = self.begin(Action::CaseSweep, "cases:sweep").await?;
            if !store::sweep_turn(&mut change.tx).await? {
                // Another session is sweeping: what is due is its to close.
                change.tx.rollback().await?;
                return Ok(closed);
            }
            let heads = store::awaiting_past_due(&mut change.tx, self.now(), BATCH).await?;
            if heads.is_empty() {
                change.tx.rollback().await?;
                return Ok(closed);
            }
            for head in &heads {
                let done = self.apply_locked(&mut change, head, None, &CaseChange::CloseNoResponse).await?;
                closed.push(done.case_number);
            }
            change.tx.commit().await?;
            if (heads.len() as i64) < BATCH {
                return Ok(closed);
            }
        }
    }
}
