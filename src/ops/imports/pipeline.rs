//! The scheduler of an import run: rows read, checked and sealed a batch
//! ahead on a thread of their own, batches applied in transactions that
//! each commit whole batches (several at once on PostgreSQL, one long
//! transaction at a time on SQLite).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;

use super::jobs::*;
use super::values::*;
use crate::action::Action;
use crate::crypto::DataKey;
use crate::domain::import_spec::{ImportKind, Value};
use crate::domain::text::fold_key;
use crate::import::x12::LoopReader;
use crate::import::{Row, RowReader, check_bytes};
use crate::ops::import_file::StoredFile;
use crate::ops::{OpError, Ops};
use crate::store::imports::{self as store, JobHead};
use crate::store::{Backend, SsnsOnFile, Tx};

/// How far a running job is, for the screen.
#[derive(Debug, Default)]
pub struct Progress {
    pub rows: AtomicU64,
    pub bytes: AtomicU64,
    pub total_bytes: AtomicU64,
}

/// Rows applied per transaction: a run that stops resumes from the last
/// whole batch. Large, because every commit writes out each index page its
/// rows touched, and the rows of a file land all over the member indexes.
pub const BATCH: usize = 10000;

/// Demographic batches PostgreSQL applies at once, each on a connection of
/// the pool's (half of them). A batch's server time is broken by waits (its
/// lookups' and COPY's round trips, this process building the next rows,
/// commits): two left a third of the two cores idle, and a 1 M-row import
/// took 70 s; four took 42–46 s, six no less.
pub(super) const PG_WRITERS: usize = 4;

/// How long SQLite keeps one transaction open across batches: a run that
/// stops redoes at most this much work, and another writer waits at most
/// this long (under the 5 s it waits before giving up).
pub(super) const SQLITE_COMMIT_EVERY: Duration = Duration::from_secs(4);

/// How long SQLite's writer lets go of the lock after a commit: longer than
/// the 100 ms between a waiting writer's tries, so it gets its turn.
pub(super) const SQLITE_GIVE_WAY: Duration = Duration::from_millis(110);

/// What a demographic row's member record stores beyond the row's own
/// values, worked out on the reading thread (off the one that writes): the
/// SSN sealed (blind index, ciphertext, last four) and the name keys.
pub(super) struct Derived {
    pub(super) index: Vec<u8>,
    pub(super) cipher: Vec<u8>,
    pub(super) last4: String,
    pub(super) first_key: String,
    pub(super) last_key: String,
}

impl Derived {
    /// A checked demographic row's, when it has an SSN.
    fn of(key: &DataKey, values: &[Option<Value>]) -> Option<Derived> {
        let kind = ImportKind::Demographic;
        let s = ssn(kind, values, "ssn")?;
        let name = |n: &str| fold_key(text_ref(kind, values, n).unwrap_or_default());
        Some(Derived {
            index: key.blind_index("ssn", s.digits()),
            cipher: key.encrypt(s.digits()),
            last4: s.last4().to_owned(),
            first_key: name("first_name"),
            last_key: name("last_name"),
        })
    }
}

/// A row read and checked, with what it derives when it is a demographic row.
pub(super) struct Prepared {
    pub(super) row: Row,
    pub(super) derived: Option<Derived>,
}

/// SQLite's transaction across batches: when it began, and the SSNs on file
/// (a demographic or 834 import's) as it sees them.
pub(super) struct Window {
    pub(super) tx: Tx,
    pub(super) began: Instant,
    pub(super) on_file: Option<SsnsOnFile>,
}

/// A batch of rows not yet done, and how far into the file it reaches.
pub(super) struct ReadBatch {
    pub(super) rows: Vec<Prepared>,
    /// Rows of the file up to here, done ones included.
    pub(super) seen: i64,
    pub(super) bytes_read: u64,
    /// The file ends with this batch.
    pub(super) end: bool,
    /// A row of this batch finds a record an earlier batch writes: it is
    /// applied after the batches before it have committed.
    pub(super) after: bool,
}

/// The rows a job has recorded, as ranges of row numbers (few, however many
/// rows): a resumed run skips them. Rows come in order, so a cursor suffices.
pub(super) struct Done {
    pub(super) ranges: Vec<(i64, i64)>,
    pub(super) at: usize,
}

impl Done {
    fn contains(&mut self, row: i64) -> bool {
        while self.ranges.get(self.at).is_some_and(|r| r.1 < row) {
            self.at += 1;
        }
        self.ranges.get(self.at).is_some_and(|r| r.0 <= row)
    }
}

/// Reads, checks and seals the file's rows on a thread of their own, one
/// batch ahead of the one being applied, so the CPU work overlaps the
/// database's. The header is read there too (the stored file is read by
/// waiting on its chunks): a header that does not fit comes as the first
/// message. Stops when the receiver is dropped (a run cancelled). Batches
/// applied come back by `spent` to be freed here, where their rows were
/// made: the applying thread has better to do, and a free on the thread
/// that allocated is the allocator's cheap case.
/// A file's rows, as its kind is read: CSV rows, or an 834's member loops
/// (its envelope checked first, in a pass of its own over `again`, the
/// same file from its start).
enum Rows {
    Csv(RowReader<StoredFile>),
    X12(LoopReader<StoredFile>),
}

impl Rows {
    fn open(
        kind: ImportKind,
        source: StoredFile,
        again: Option<(Vec<u8>, StoredFile)>,
        today: chrono::NaiveDate,
    ) -> Result<Rows, crate::import::FileError> {
        match again {
            Some((head, again)) => Ok(Rows::X12(LoopReader::new(&head, source, again, today)?)),
            None => Ok(Rows::Csv(RowReader::new(kind, source)?.judged_on(today))),
        }
    }

    fn next_row(&mut self) -> Result<Option<Row>, crate::import::FileError> {
        match self {
            Rows::Csv(r) => r.next_row(),
            Rows::X12(r) => r.next_row(),
        }
    }

    fn bytes_read(&self) -> u64 {
        match self {
            Rows::Csv(r) => r.bytes_read(),
            Rows::X12(r) => r.bytes_read(),
        }
    }
}

/// The SSNs an 834 loop names: its member's own (NM109) and its
/// subscriber's identifier (REF*0F) when that is an SSN, as digits.
fn loop_ssns(v: &[Option<Value>]) -> impl Iterator<Item = String> {
    let kind = ImportKind::X12_834;
    let own = ssn(kind, v, "ssn").map(|s| s.digits().to_owned());
    let subscriber = text_ref(kind, v, "subscriber_id")
        .and_then(|id| crate::domain::ssn::Ssn::parse(id).ok())
        .map(|s| s.digits().to_owned());
    own.into_iter().chain(subscriber)
}

#[allow(clippy::too_many_arguments)]
pub(super) fn read_ahead(
    kind: ImportKind,
    source: StoredFile,
    again: Option<(Vec<u8>, StoredFile)>,
    mut done: Done,
    key: DataKey,
    spent: std::sync::mpsc::Receiver<Vec<Prepared>>,
    today: chrono::NaiveDate,
) -> tokio::sync::mpsc::Receiver<Result<ReadBatch, crate::import::FileError>> {
    let (send, receive) = tokio::sync::mpsc::channel(1);
    tokio::task::spawn_blocking(move || {
        let mut reader = match Rows::open(kind, source, again, today) {
            Ok(r) => r,
            Err(e) => {
                let _ = send.blocking_send(Err(e));
                return;
            }
        };
        let mut seen = 0i64;
        // The first 8 bytes of each SSN's blind index so far (a false match
        // only costs a batch its company).
        let mut ssns = std::collections::HashSet::new();
        loop {
            spent.try_iter().for_each(drop);
            let mut rows = Vec::with_capacity(BATCH);
            let (mut end, mut ordered, mut failure) = (false, false, None);
            while rows.len() < BATCH {
                match reader.next_row() {
                    Ok(Some(row)) => {
                        seen += 1;
                        if done.contains(row.number as i64) {
                            continue;
                        }
                        let derived = match (&row.checked, kind) {
                            (Ok(c), ImportKind::Demographic) => Derived::of(&key, &c.values),
                            _ => None,
                        };
                        // An SSN met again (in another group: the same group is
                        // a duplicate) finds the record the earlier row made.
                        if let Some(d) = &derived {
                            ordered |= !ssns.insert(crate::store::ssn_prefix(&d.index));
                        }
                        // An 834 loop's SSNs (its own, and its subscriber's in
                        // REF*0F): every member a loop adds has one of them, so a
                        // loop meeting one again may find a member an earlier
                        // loop of this run added (then its batch looks up every
                        // SSN of its additions, not only those `SsnsOnFile` holds).
                        if let (Ok(c), ImportKind::X12_834) = (&row.checked, kind) {
                            for s in loop_ssns(&c.values) {
                                ordered |= !ssns.insert(crate::store::ssn_prefix(&key.blind_index("ssn", &s)));
                            }
                        }
                        rows.push(Prepared { row, derived });
                    }
                    Ok(None) => {
                        end = true;
                        break;
                    }
                    Err(e) => {
                        failure = Some(e);
                        break;
                    }
                }
            }
            // The rows read before an error are applied first.
            if !rows.is_empty() || failure.is_none() {
                let batch = ReadBatch { rows, seen, bytes_read: reader.bytes_read(), end, after: ordered };
                if send.blocking_send(Ok(batch)).is_err() || end {
                    return;
                }
            }
            if let Some(e) = failure {
                let _ = send.blocking_send(Err(e));
                return;
            }
        }
    });
    receive
}

impl Ops {
    /// Runs job `id` to its end (or `batches` batches): the file's rows read
    /// ahead on their own thread and applied in whole batches, each recorded
    /// with its rows, so a run that stops resumes where it did.
    pub(super) async fn run_job(
        &self,
        action: Action,
        key: &DataKey,
        id: i64,
        all_rows: bool,
        batches: Option<usize>,
        progress: Option<&Progress>,
    ) -> Result<JobHead, OpError> {
        let entity = format!("import:{id}");
        let mut change = self.begin(action, &entity).await?;
        if let Some(r) = crate::store::key_rotation::running_tx(&mut change.tx).await? {
            let why = format!(
                "a data key rotation to key {} is under way (see `portaldesk key status`): imports wait until it \
                 finishes, so every SSN they write is sealed under the key that stays",
                r.new_key_id
            );
            self.record_refused(&mut change, &entity, &why).await?;
            change.tx.commit().await?;
            return Err(OpError::Refused(why));
        }
        let job = locked_job(&mut change.tx, id).await?;
        if job.status == "abandoned" {
            return Err(OpError::Refused(format!("import job {id} was abandoned")));
        }
        let kind =
            ImportKind::parse(&job.kind).ok_or_else(|| OpError::Db(format!("job {id} has kind {:?}", job.kind)))?;
        if action == Action::ImportRetry {
            store::forget_rows(&mut change.tx, id, !all_rows).await?;
        }
        let size = job.file_bytes as u64;
        let head = match store::chunk(self.store(), id, 0).await? {
            Some(head) => head,
            None if size == 0 => Vec::new(),
            None => return Err(OpError::Db(format!("import job {id}: the stored file lacks its first chunk"))),
        };
        if let Err(e) = check_bytes(&head[..head.len().min(64 * 1024)], size) {
            return self.fail_job(change, job, &e).await;
        }
        if !store::set_job(&mut change.tx, &job, "running", None, Some(self.now()), None, None).await? {
            return Err(OpError::Conflict(format!("import job {id} changed meanwhile")));
        }
        let done = Done { ranges: store::done_ranges(&mut change.tx, id).await?, at: 0 };
        store::sync_member_ids(&mut change.tx).await?;
        let groups: HashMap<String, i64> = store::groups(&mut change.tx, job.employer_id).await?.into_iter().collect();
        self.record(
            &mut change,
            &entity,
            Some(json!({"status": job.status})),
            Some(json!({"status": "running"})),
            None,
        )
        .await?;
        change.tx.commit().await?;
        if let Some(p) = progress {
            p.total_bytes.store(size, Ordering::Relaxed);
        }

        // Batches are read and applied in transactions that each commit
        // whole batches: a run that stops (killed, cancelled, disconnected)
        // leaves whole batches recorded, and the next run skips them. The next
        // batch is read and checked on another thread while one is applied.
        // On PostgreSQL each batch commits on its own, and `PG_WRITERS`
        // demographic batches are applied at once, on as many connections
        // (see there). They never touch the same member: a batch with an SSN
        // met in an earlier batch waits for the ones before it. (834 batches
        // go one at a time: four at once measured no faster, 19.5 s against
        // 15.8 s for 100 000 additions, on this shared machine.) SQLite has
        // one writer, and keeps its transaction open across batches for
        // `SQLITE_COMMIT_EVERY`: each commit writes out every index page its
        // rows touched, and a file's rows land all over the member indexes
        // (commits every 10 000 rows made a 1 M-row import take 1.7 times as
        // long). The last transaction commits after the loop.
        let sqlite = self.store().backend() == Backend::Sqlite;
        let writers = if !sqlite && kind == ImportKind::Demographic { PG_WRITERS } else { 1 };
        // Demographic rows name a group of the employer's and no other
        // parent: each transaction checks the groups instead (see `bulk_writer`).
        let writer = self.store().bulk_writer(kind != ImportKind::Demographic).await?;
        // An 834 is read twice: its envelope first, then its loops.
        let again = (kind == ImportKind::X12_834)
            .then(|| (head.clone(), StoredFile::open(self.store().clone(), id, size, head.clone())));
        let source = StoredFile::open(self.store().clone(), id, size, head);
        let (spent, freeing) = std::sync::mpsc::channel();
        let mut read_ahead = read_ahead(kind, source, again, done, key.clone(), freeing, self.now().date_naive());
        let mut applying = futures::stream::FuturesUnordered::new();
        // SQLite's transaction between batches, and the SSNs on file when
        // no transaction is open.
        let (mut open, mut known): (Option<Window>, Option<SsnsOnFile>) = (None, None);
        let (mut started, mut total, mut file_error, mut held) = (0usize, None, None, None);
        loop {
            let reading = total.is_none()
                && file_error.is_none()
                && held.is_none()
                && applying.len() < writers
                && batches.is_none_or(|b| started < b);
            let next = if applying.is_empty() { held.take() } else { None };
            let next = match next {
                Some(read) => Some(read),
                None if !reading && applying.is_empty() => break,
                None => tokio::select! {
                    read = read_ahead.recv(), if reading => match read {
                        None => return Err(OpError::Db(format!("import job {id}: the file reader stopped"))),
                        Some(Ok(read)) => {
                            if read.end {
                                total = Some(read.seen);
                            }
                            if read.after && !applying.is_empty() {
                                held = Some(read);
                                None
                            } else {
                                Some(read).filter(|r| !r.rows.is_empty())
                            }
                        }
                        // Reading stops there; the batches under way finish first.
                        Some(Err(e)) => {
                            file_error = Some(e);
                            None
                        }
                    },
                    Some(applied) = futures::StreamExt::next(&mut applying), if !applying.is_empty() => {
                        // SQLite's transaction, to go on or to commit here.
                        let applied: Option<Window> = applied?;
                        if let Some(window) = applied {
                            let more = total.is_none() && file_error.is_none() && batches.is_none_or(|b| started < b);
                            if !more || window.began.elapsed() < SQLITE_COMMIT_EVERY {
                                open = Some(window);
                            } else {
                                known = window.on_file;
                                window.tx.commit().await?;
                                tokio::time::sleep(SQLITE_GIVE_WAY).await;
                            }
                        }
                        None
                    }
                },
            };
            if let Some(read) = next {
                started += 1;
                let (open, known, groups, job, writer, spent) =
                    (open.take(), known.take(), &groups, &job, &writer, &spent);
                applying.push(async move {
                    let mut window = match open {
                        Some(open) => open,
                        None => {
                            let mut tx = self.begin_batches(writer, job, groups).await?;
                            let on_file = match sqlite && matches!(kind, ImportKind::Demographic | ImportKind::X12_834)
                            {
                                true => Some(SsnsOnFile::refresh(known, &mut tx).await?),
                                false => None,
                            };
                            Window { tx, began: Instant::now(), on_file }
                        }
                    };
                    // A batch with an SSN met earlier in the file may find a
                    // member this run added: its rows are all looked up.
                    let on_file = window.on_file.as_ref().filter(|_| !read.after);
                    let rows =
                        self.apply_batch(&mut window.tx, key, job, kind, read, groups, on_file, progress).await?;
                    // The reader is gone once the file has been read: then freed here.
                    let _ = spent.send(rows);
                    if sqlite {
                        return Ok(Some(window));
                    }
                    window.tx.commit().await?;
                    Ok::<_, OpError>(None)
                });
            }
        }
        drop(applying);
        if let Some(window) = open {
            window.tx.commit().await?;
        }
        drop(writer);
        // The stored copy could not be read: the job stays as it is, to be run again.
        if let Some(e) = file_error.as_ref().filter(|e| e.code == crate::import::READ_FAILED) {
            return Err(OpError::Db(format!("import job {id}: {}", e.message)));
        }
        // A header that does not fit, or a row the CSV reader cannot read:
        // the file fails there, the rows before it kept.
        if let Some(e) = file_error {
            let mut change = self.begin(action, &entity).await?;
            let job = locked_job(&mut change.tx, id).await?;
            return self.fail_job(change, job, &e).await;
        }
        // Stopped after `batches`, as a killed process would.
        let Some(total) = total else { return self.job_head(id).await };
        // The job's end is audited with it, as its start and a failure are.
        let mut change = self.begin(action, &entity).await?;
        let mut job = locked_job(&mut change.tx, id).await?;
        let (applied, unchanged, failed) = store::counts(&mut change.tx, id).await?;
        (job.total_rows, job.ok_rows, job.failed_rows) = (total, applied + unchanged, failed);
        let status = if failed > 0 { "partial" } else { "succeeded" };
        let before = json!({"status": job.status});
        store::set_job(&mut change.tx, &job, status, None, None, Some(self.now()), None).await?;
        let after = json!({"status": status, "total_rows": total, "ok_rows": job.ok_rows, "failed_rows": failed});
        self.finish(change, &entity, Some(before), Some(after), None).await?;
        self.job_head(id).await
    }

    /// A transaction for batches of `job`'s rows. The import's SQLite writer
    /// checks no foreign keys (see `bulk_writer`): the employer's groups its
    /// rows name are checked here instead, under the write lock the
    /// transaction holds until it commits.
    pub(super) async fn begin_batches(
        &self,
        writer: &crate::store::Store,
        job: &JobHead,
        groups: &HashMap<String, i64>,
    ) -> Result<Tx, OpError> {
        let mut tx = writer.begin_write().await?;
        let now: Vec<i64> = store::groups(&mut tx, job.employer_id).await?.into_iter().map(|g| g.1).collect();
        if groups.values().any(|g| !now.contains(g)) {
            return Err(OpError::Conflict(format!("import job {}: a group of its employer was removed", job.id)));
        }
        Ok(tx)
    }

    /// Applies one batch in `tx` (committed by the caller) and counts it
    /// into `progress`; its rows, to be freed.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn apply_batch(
        &self,
        tx: &mut Tx,
        key: &DataKey,
        job: &JobHead,
        kind: ImportKind,
        read: ReadBatch,
        groups: &HashMap<String, i64>,
        on_file: Option<&SsnsOnFile>,
        progress: Option<&Progress>,
    ) -> Result<Vec<Prepared>, OpError> {
        if kind == ImportKind::Demographic {
            self.apply_demographic_batch(tx, job, &read.rows, groups, on_file).await?;
        } else if kind == ImportKind::X12_834 {
            self.apply_834_batch(tx, key, job, groups, &read.rows, on_file).await?;
        } else {
            for p in &read.rows {
                self.apply_row(tx, key, job, kind, &p.row).await?;
            }
        }
        if let Some(p) = progress {
            p.rows.fetch_add(read.rows.len() as u64, Ordering::Relaxed);
            p.bytes.fetch_max(read.bytes_read, Ordering::Relaxed);
        }
        Ok(read.rows)
    }
}
