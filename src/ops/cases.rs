//! Case operations.

use serde::Serialize;
use serde_json::json;

use super::{OpError, Ops};
use crate::action::Action;
use crate::domain::case::Queue;
use crate::store::cases as store;

/// A case that was just claimed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Claimed {
    pub case_number: String,
    pub queue: String,
    pub priority: i64,
    pub sla_due_at: chrono::DateTime<chrono::Utc>,
}

impl Ops {
    /// `case.claim_next`: assigns the unassigned new case of `queue` that is
    /// due first to the operator and opens it. `Ok(None)` when the queue has
    /// nothing to take.
    pub async fn claim_next(&self, queue: Queue) -> Result<Option<Claimed>, OpError> {
        let entity = format!("queue:{}", queue.as_str());
        let mut change = self.begin(Action::CaseClaimNext, &entity).await?;
        let Some(head) = store::next_unclaimed(&mut change.tx, queue).await? else {
            change.tx.rollback().await?;
            return Ok(None);
        };
        let me = self.operator().id;
        if !store::assign_open(&mut change.tx, head.id, me, head.row_version).await? {
            change.tx.rollback().await?;
            return Err(OpError::Conflict(format!("{} was taken meanwhile; try again", head.case_number)));
        }
        let now = self.now();
        let login = &self.operator().login;
        store::add_event(
            &mut change.tx,
            head.id,
            Some(me),
            "assignment",
            &format!("assigned to {login} (took next)"),
            now,
        )
        .await?;
        store::add_event(&mut change.tx, head.id, Some(me), "status", "new → open", now).await?;
        let case_entity = format!("case:{}", head.case_number);
        let before = json!({"status": head.status, "assignee": null, "row_version": head.row_version});
        let after = json!({"status": "open", "assignee": login, "row_version": head.row_version + 1});
        self.finish(change, &case_entity, Some(before), Some(after), None).await?;
        Ok(Some(Claimed {
            case_number: head.case_number,
            queue: head.queue,
            priority: head.priority,
            sla_due_at: head.sla_due_at,
        }))
    }
}
