//! `import ack JOB`: a TA1/999-style acknowledgment of an 834 job — the
//! interchange accepted or rejected (TA1), each transaction set accepted,
//! partially accepted or rejected, and its member loops (999, with the
//! loops named by the rows recorded).

use chrono::NaiveDate;
use serde::Serialize;

use crate::domain::import_spec::ImportKind;
use crate::import::x12::{Envelope, LoopReader, envelope};
use crate::ops::import_file::StoredFile;
use crate::ops::{OpError, Ops};
use crate::store::imports::{self as store, JobHead};

/// One transaction set's acknowledgment (a 999's AK2/IK5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SetAck {
    /// ST02.
    pub control: String,
    /// The position of its ST segment.
    pub segment: u64,
    /// `accepted`, `partially_accepted` or `rejected` (IK501 A, P, R).
    pub status: &'static str,
    pub loops: u64,
    pub loops_rejected: u64,
    /// Why the set was rejected whole.
    pub error: Option<String>,
}

/// An 834 job's acknowledgment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ack {
    pub job: i64,
    /// ISA13, when the ISA could be read.
    pub interchange: Option<String>,
    /// The TA1: whether the interchange was taken at all.
    pub interchange_accepted: bool,
    /// Why it was not (the file-level error).
    pub note: Option<String>,
    pub sets: Vec<SetAck>,
    pub sets_accepted: usize,
    pub sets_rejected: usize,
    pub loops_accepted: u64,
    pub loops_rejected: u64,
}

impl Ops {
    /// The stored file of an 834 job, read by `f` on a blocking thread: its
    /// first bytes, and the file twice from its start.
    pub(super) async fn read_834<T: Send + 'static>(
        &self,
        job: &JobHead,
        f: impl FnOnce(Vec<u8>, StoredFile, StoredFile) -> T + Send + 'static,
    ) -> Result<T, OpError> {
        if job.kind != ImportKind::X12_834.as_str() {
            return Err(OpError::Invalid(format!("import job {} is a {} file, not an 834", job.id, job.kind)));
        }
        let head = store::chunk(self.store(), job.id, 0).await?.unwrap_or_default();
        let size = job.file_bytes as u64;
        let first = StoredFile::open(self.store().clone(), job.id, size, head.clone());
        let again = StoredFile::open(self.store().clone(), job.id, size, head.clone());
        tokio::task::spawn_blocking(move || f(head, first, again))
            .await
            .map_err(|e| OpError::Db(format!("reading the stored file stopped: {e}")))
    }

    /// `import ack JOB`: the acknowledgment of an 834 job that has run.
    pub async fn import_ack(&self, id: i64) -> Result<Ack, OpError> {
        let job =
            store::job(self.store(), id).await?.ok_or_else(|| OpError::NotFound(format!("no import job {id}")))?;
        if matches!(job.status.as_str(), "queued" | "running") {
            return Err(OpError::Refused(format!("import job {id} is {}: run it before acknowledging it", job.status)));
        }
        let checked =
            self.read_834(&job, |head, first, _| envelope::check(&head, std::io::BufReader::new(first))).await?;
        let env: Envelope = match checked {
            Ok(env) => env,
            Err(e) => {
                let interchange = self
                    .read_834(&job, |head, _, _| {
                        let t = String::from_utf8_lossy(&head[..head.len().min(106)]).into_owned();
                        t.split(t.chars().nth(3).unwrap_or('*')).nth(13).map(str::to_owned)
                    })
                    .await?;
                return Ok(Ack {
                    job: id,
                    interchange,
                    interchange_accepted: false,
                    note: Some(e.message),
                    sets: vec![],
                    sets_accepted: 0,
                    sets_rejected: 0,
                    loops_accepted: 0,
                    loops_rejected: 0,
                });
            }
        };
        let errors = store::errors(self.store(), id).await?;
        let mut failed: Vec<u64> = errors.iter().map(|e| e.row_number as u64).collect();
        failed.dedup();
        let mut sets = Vec::new();
        for (i, s) in env.sets.iter().enumerate() {
            let end = env.sets.get(i + 1).map_or(u64::MAX, |n| n.position);
            let rejected = failed.iter().filter(|r| **r > s.position && **r < end).count() as u64;
            let status = match (&s.rejected, rejected) {
                (Some(_), _) => "rejected",
                (None, 0) => "accepted",
                (None, n) if n >= s.loops && s.loops > 0 => "rejected",
                _ => "partially_accepted",
            };
            let error = s.rejected.as_ref().map(|r| r.1.clone());
            let loops_rejected = if s.rejected.is_some() { s.loops } else { rejected };
            sets.push(SetAck {
                control: s.control.clone(),
                segment: s.position,
                status,
                loops: s.loops,
                loops_rejected,
                error,
            });
        }
        let rejected_sets = sets.iter().filter(|s| s.status == "rejected").count();
        let loops: u64 = sets.iter().map(|s| s.loops).sum();
        let loops_rejected: u64 = sets.iter().map(|s| s.loops_rejected).sum();
        Ok(Ack {
            job: id,
            interchange: Some(env.interchange),
            interchange_accepted: true,
            note: None,
            sets_accepted: sets.len() - rejected_sets,
            sets_rejected: rejected_sets,
            sets,
            loops_accepted: loops - loops_rejected,
            loops_rejected,
        })
    }

    /// The subscriber identifiers a full file's (`030`) loops name: SSNs and
    /// member IDs, as the file wrote them.
    pub(super) async fn full_file_names(&self, job: &JobHead, today: NaiveDate) -> Result<Vec<String>, OpError> {
        let names = self
            .read_834(job, move |head, first, again| {
                let mut r = LoopReader::new(&head, first, again, today)?;
                let mut ids = Vec::new();
                let kind = ImportKind::X12_834;
                let col = |n: &str| kind.columns().iter().position(|c| c.name == n).unwrap_or(0);
                let (m, rel, id) = (col("maintenance_type"), col("relationship"), col("subscriber_id"));
                while let Some(row) = r.next_row()? {
                    let Ok(c) = row.checked else { continue };
                    let text = |i: usize| match &c.values[i] {
                        Some(crate::domain::import_spec::Value::Text(t)) => t.clone(),
                        _ => String::new(),
                    };
                    if text(m) == "030" && text(rel) == "self" {
                        ids.push(text(id));
                    }
                }
                Ok::<_, crate::import::FileError>(ids)
            })
            .await?;
        names.map_err(|e| OpError::Invalid(e.message))
    }
}
