//! A full file (maintenance type `030`) names every member the employer
//! covers: those of its groups it leaves out are to be terminated, but only
//! after a preview and a confirmation naming how many the preview showed.
//! The run itself never terminates anyone.

use std::collections::HashSet;

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;

use crate::action::Action;
use crate::crypto::DataKey;
use crate::domain::maintenance::ChangeKind;
use crate::ops::{OpError, Ops};
use crate::store::imports as store;
use crate::store::x12::{Subscriber, active_subscribers};

/// The subscribers a full file leaves out, and whether they were terminated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Terminations {
    pub job: i64,
    /// The day their coverage ends.
    pub end_date: NaiveDate,
    pub members: Vec<Subscriber>,
    pub applied: bool,
}

impl Ops {
    /// `import.terminate_missing`: the active subscribers of the employer's
    /// groups that full file `id` does not name, terminated on `on` (today
    /// when not given) only with `confirm`, which must be the number the
    /// preview showed: a file or a roster that changed since is previewed again.
    pub async fn full_file_terminations(
        &self,
        key: &DataKey,
        id: i64,
        on: Option<NaiveDate>,
        confirm: Option<usize>,
    ) -> Result<Terminations, OpError> {
        let job =
            store::job(self.store(), id).await?.ok_or_else(|| OpError::NotFound(format!("no import job {id}")))?;
        if !matches!(job.status.as_str(), "succeeded" | "partial") {
            return Err(OpError::Refused(format!(
                "import job {id} is {}: a full file's terminations follow its run",
                job.status
            )));
        }
        let today = self.now().date_naive();
        let named = self.full_file_names(&job, today).await?;
        if named.is_empty() {
            return Err(OpError::Refused(format!(
                "import job {id} is not a full file: none of its subscriber loops is maintenance type 030"
            )));
        }
        let mut numbers = HashSet::new();
        let mut ssns = HashSet::new();
        for n in &named {
            if n.starts_with('M') {
                numbers.insert(n.clone());
            } else {
                for index in key.blind_indexes("ssn", n) {
                    ssns.insert(index);
                }
            }
        }
        let members: Vec<Subscriber> = active_subscribers(self.store(), job.employer_id)
            .await?
            .into_iter()
            .filter(|s| !numbers.contains(&s.member_number) && !s.ssn_index.as_ref().is_some_and(|i| ssns.contains(i)))
            .collect();
        let end_date = on.unwrap_or(today);
        let Some(expected) = confirm else {
            return Ok(Terminations { job: id, end_date, members, applied: false });
        };
        if expected != members.len() {
            return Err(OpError::Conflict(format!(
                "the preview showed {expected} members to terminate; there are {} now: preview again",
                members.len()
            )));
        }
        let entity = format!("import:{id}");
        let mut change = self.begin(Action::ImportTerminateMissing, &entity).await?;
        let source = format!("left out of full file, import job {id}");
        for m in &members {
            let f = vec![("end_date", end_date.to_string()), ("reason", source.clone())];
            self.file_change(&mut change.tx, key, ChangeKind::Terminate, Some(&m.member_number), &f, &source).await?;
        }
        let after = json!({"terminated": members.iter().map(|m| m.member_number.clone()).collect::<Vec<_>>(), "end_date": end_date});
        self.finish(change, &entity, None, Some(after), Some(source)).await?;
        Ok(Terminations { job: id, end_date, members, applied: true })
    }
}
