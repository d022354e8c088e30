//! An import job's lifecycle: enqueue a file (stored in chunks with its
//! SHA-256), run or retry it (the batches themselves are `pipeline`'s),
//! fail it with a file-level error, abandon it.

use serde_json::json;
use sha2::{Digest, Sha256};

use super::pipeline::*;
use crate::action::Action;
use crate::crypto::DataKey;
use crate::domain::import_spec::ImportKind;
use crate::ops::{OpError, Ops};
use crate::store::Tx;
use crate::store::imports::{self as store, JobHead, NewJob};

/// A job by id, locked for a change; not found is the operator's error.
pub(super) async fn locked_job(tx: &mut Tx, id: i64) -> Result<JobHead, OpError> {
    store::lock_job(tx, id).await?.ok_or_else(|| OpError::NotFound(format!("no import job {id}")))
}

impl Ops {
    /// `import.enqueue` of a file on disk: refused at once when too large
    /// to take (before any of it is read).
    pub async fn enqueue_import_file(
        &self,
        ein: &str,
        kind: ImportKind,
        path: &std::path::Path,
        force: bool,
        parent: Option<i64>,
    ) -> Result<i64, OpError> {
        let cannot = |e: std::io::Error| OpError::Invalid(format!("cannot read {}: {e}", path.display()));
        let file = tokio::fs::File::open(path).await.map_err(cannot)?;
        let len = file.metadata().await.map_err(cannot)?.len();
        crate::import::check_size(len).map_err(|e| OpError::Invalid(e.message))?;
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        self.enqueue_import(ein, kind, &name, file, force, parent).await
    }

    /// `import.enqueue`: stores the file, read from `source` a chunk at a
    /// time, and its SHA-256 as a queued job. The same file for the same
    /// employer again needs `force`.
    pub async fn enqueue_import<R: tokio::io::AsyncRead + Unpin + Send>(
        &self,
        ein: &str,
        kind: ImportKind,
        file_name: &str,
        mut source: R,
        force: bool,
        parent: Option<i64>,
    ) -> Result<i64, OpError> {
        use tokio::io::AsyncReadExt;
        let ein = crate::domain::ein::Ein::parse(ein).map_err(|e| OpError::Invalid(e.to_string()))?.to_string();
        let entity = format!("employer:{ein}");
        let mut change = self.begin(Action::ImportEnqueue, &entity).await?;
        let Some(employer_id) = store::employer_id(&mut change.tx, &ein).await? else {
            return Err(OpError::NotFound(format!("no employer with EIN {ein}")));
        };
        let name = crate::domain::text::sanitize(file_name);
        let job =
            NewJob { employer_id, parent, kind: kind.as_str(), file_name: &name, uploaded_by: &self.operator().login };
        let id = store::insert_job(&mut change.tx, job, self.now()).await?;
        // Only a file too large to store is refused here (the transaction
        // then stores nothing); any other problem with the file is the
        // job's: it fails with that file-level error.
        let (mut sha, mut size, mut seq) = (Sha256::new(), 0u64, 0i64);
        let mut chunk = Vec::with_capacity(store::CHUNK_BYTES);
        loop {
            chunk.clear();
            (&mut source)
                .take(store::CHUNK_BYTES as u64)
                .read_to_end(&mut chunk)
                .await
                .map_err(|e| OpError::Invalid(format!("cannot read {name}: {e}")))?;
            if chunk.is_empty() {
                break;
            }
            size += chunk.len() as u64;
            crate::import::check_size(size).map_err(|e| OpError::Invalid(format!("{} (read so far)", e.message)))?;
            sha.update(&chunk);
            store::insert_chunk(&mut change.tx, id, seq, &chunk).await?;
            seq += 1;
        }
        let sha = hex::encode(sha.finalize());
        if !force && let Some(other) = store::same_file(&mut change.tx, employer_id, &sha).await? {
            return Err(OpError::Refused(format!(
                "this file was already uploaded for {ein} as job {other}; pass --force to import it again"
            )));
        }
        store::set_file(&mut change.tx, id, &sha, size as i64).await?;
        self.finish(
            change,
            &format!("import:{id}"),
            None,
            Some(json!({"kind": kind.as_str(), "file": name, "sha256": sha, "bytes": size, "parent": parent})),
            None,
        )
        .await?;
        Ok(id)
    }

    /// `import.run`: runs a queued (or interrupted) job to its end. With
    /// `batches`, stops after that many batches, as a killed process would.
    pub async fn run_import(&self, key: &DataKey, id: i64, batches: Option<usize>) -> Result<JobHead, OpError> {
        self.run_job(Action::ImportRun, key, id, false, batches, None).await
    }

    /// `run_import` reporting into `progress` as batches commit.
    pub async fn run_import_with(
        &self,
        key: &DataKey,
        id: i64,
        retry: Option<bool>,
        progress: &Progress,
    ) -> Result<JobHead, OpError> {
        match retry {
            None => self.run_job(Action::ImportRun, key, id, false, None, Some(progress)).await,
            Some(failed_only) => self.run_job(Action::ImportRetry, key, id, !failed_only, None, Some(progress)).await,
        }
    }

    /// `import.retry`: runs the job again; with `failed_only`, only the rows
    /// that failed (after their cause was fixed); otherwise every row, the
    /// applied ones finding their records unchanged.
    pub async fn retry_import(&self, key: &DataKey, id: i64, failed_only: bool) -> Result<JobHead, OpError> {
        self.run_job(Action::ImportRetry, key, id, !failed_only, None, None).await
    }

    /// Ends a job with a file-level error, counting the rows recorded before it.
    pub(super) async fn fail_job(
        &self,
        mut change: crate::ops::Change,
        mut job: JobHead,
        e: &crate::import::FileError,
    ) -> Result<JobHead, OpError> {
        let (applied, unchanged, failed) = store::counts(&mut change.tx, job.id).await?;
        (job.total_rows, job.ok_rows, job.failed_rows) = (applied + unchanged + failed, applied + unchanged, failed);
        let now = self.now();
        if !store::set_job(&mut change.tx, &job, "failed", Some(&e.message), Some(now), Some(now), None).await? {
            return Err(OpError::Conflict(format!("import job {} changed meanwhile", job.id)));
        }
        let entity = format!("import:{}", job.id);
        self.finish(change, &entity, None, Some(json!({"status": "failed", "file_error": e.code})), None).await?;
        self.job_head(job.id).await
    }

    /// A job as it stands now, for the caller to show.
    pub(super) async fn job_head(&self, id: i64) -> Result<JobHead, OpError> {
        store::job(self.store(), id).await?.ok_or_else(|| OpError::NotFound(format!("no import job {id}")))
    }

    /// `import.abandon`: a job nobody will run again, with why.
    pub async fn abandon_import(&self, id: i64, reason: &str) -> Result<(), OpError> {
        let reason = crate::domain::text::sanitize(reason).trim().to_owned();
        if reason.is_empty() {
            return Err(OpError::Invalid("say why the job is abandoned".into()));
        }
        let entity = format!("import:{id}");
        let mut change = self.begin(Action::ImportAbandon, &entity).await?;
        let job = locked_job(&mut change.tx, id).await?;
        if matches!(job.status.as_str(), "abandoned" | "succeeded") {
            return Err(OpError::Refused(format!("import job {id} is {}", job.status)));
        }
        store::set_job(
            &mut change.tx,
            &job,
            "abandoned",
            job.file_error.as_deref(),
            None,
            Some(self.now()),
            Some(&reason),
        )
        .await?;
        self.finish(
            change,
            &entity,
            Some(json!({"status": job.status})),
            Some(json!({"status": "abandoned"})),
            Some(reason),
        )
        .await
    }
}
