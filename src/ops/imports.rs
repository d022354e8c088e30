//! Import jobs: enqueue a file, run it (every row checked, valid rows
//! applied by natural key in batches, each batch one transaction that also
//! records the rows it did, so a run that dies resumes where it stopped),
//! retry whole or failed rows only, abandon.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::import_file::StoredFile;
use super::{OpError, Ops};
use crate::action::Action;
use crate::args;
use crate::crypto::DataKey;
use crate::domain::import_spec::{ImportKind, Value};
use crate::domain::text::fold_key;
use crate::import::{Row, RowReader, check_bytes};
use crate::store::imports::{self as store, JobHead, NewJob};
use crate::store::{Arg, Backend, Cell, SsnsOnFile, Tx};

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
const PG_WRITERS: usize = 4;

/// How long SQLite keeps one transaction open across batches: a run that
/// stops redoes at most this much work, and another writer waits at most
/// this long (under the 5 s it waits before giving up).
const SQLITE_COMMIT_EVERY: Duration = Duration::from_secs(4);

/// How long SQLite's writer lets go of the lock after a commit: longer than
/// the 100 ms between a waiting writer's tries, so it gets its turn.
const SQLITE_GIVE_WAY: Duration = Duration::from_millis(110);

/// Why one row could not be applied (beyond the file's own checks).
struct RowFault {
    field: &'static str,
    code: &'static str,
    message: String,
}

/// What a demographic row's member record stores beyond the row's own
/// values, worked out on the reading thread (off the one that writes): the
/// SSN sealed (blind index, ciphertext, last four) and the name keys.
struct Derived {
    index: Vec<u8>,
    cipher: Vec<u8>,
    last4: String,
    first_key: String,
    last_key: String,
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
struct Prepared {
    row: Row,
    derived: Option<Derived>,
}

/// A checked demographic row of one of the employer's groups, and the id
/// it gets when it is a new member.
struct NewMember<'a> {
    row: &'a Row,
    checked: &'a crate::import::Checked,
    group_id: i64,
    derived: &'a Derived,
    id: i64,
}

/// A new member's values, in `members::INSERT_COLUMNS` order, borrowed
/// from its row and its member numbers (`now` as the engine stores it).
fn member_cells<'a>(r: &'a NewMember<'_>, numbers: &'a (String, String), now: &'a str) -> [Cell<'a>; 25] {
    let kind = ImportKind::Demographic;
    let v = &r.checked.values;
    let text = |n: &str| text_ref(kind, v, n).map_or(Cell::Null, Cell::Text);
    let required = |n: &str| Cell::Text(text_ref(kind, v, n).unwrap_or_default());
    [
        Cell::Int(r.id),
        Cell::Text(&numbers.0),
        Cell::Text(&numbers.1),
        Cell::Int(r.group_id),
        Cell::Null,
        Cell::Text(text_ref(kind, v, "member_type").unwrap_or("SUBSCRIBER")),
        Cell::Text("self"),
        required("first_name"),
        required("last_name"),
        Cell::Text(&r.derived.first_key),
        Cell::Text(&r.derived.last_key),
        date(kind, v, "birth_date").map_or(Cell::Null, Cell::Date),
        required("gender"),
        required("address_line"),
        required("city"),
        required("state"),
        required("zip"),
        text("phone"),
        text("email"),
        Cell::Text("English"),
        Cell::Blob(&r.derived.cipher),
        Cell::Blob(&r.derived.index),
        Cell::Text(&r.derived.last4),
        Cell::Text("active"),
        Cell::Text(now),
    ]
}

/// Adds new members by the engine's bulk path (`Tx::insert_cells`).
async fn insert_members(tx: &mut Tx, added: &[NewMember<'_>], now: &str) -> Result<(), sqlx::Error> {
    use crate::store::members::INSERT_COLUMNS;
    let numbers: Vec<_> = added.iter().map(|r| crate::store::members::numbers(r.id)).collect();
    let rows: Vec<_> = added.iter().zip(&numbers).map(|(r, n)| member_cells(r, n, now)).collect();
    tx.insert_cells("members", INSERT_COLUMNS, &rows).await?;
    Ok(())
}

/// SQLite's transaction across batches: when it began, and the SSNs on file
/// (a demographic import's) as it sees them.
struct Window {
    tx: Tx,
    began: Instant,
    on_file: Option<SsnsOnFile>,
}

/// A batch of rows not yet done, and how far into the file it reaches.
struct ReadBatch {
    rows: Vec<Prepared>,
    /// Rows of the file up to here, done ones included.
    seen: i64,
    bytes_read: u64,
    /// The file ends with this batch.
    end: bool,
    /// A row of this batch finds a record an earlier batch writes: it is
    /// applied after the batches before it have committed.
    after: bool,
}

/// The rows a job has recorded, as ranges of row numbers (few, however many
/// rows): a resumed run skips them. Rows come in order, so a cursor suffices.
struct Done {
    ranges: Vec<(i64, i64)>,
    at: usize,
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
fn read_ahead(
    kind: ImportKind,
    source: StoredFile,
    mut done: Done,
    key: DataKey,
    spent: std::sync::mpsc::Receiver<Vec<Prepared>>,
    today: chrono::NaiveDate,
) -> tokio::sync::mpsc::Receiver<Result<ReadBatch, crate::import::FileError>> {
    let (send, receive) = tokio::sync::mpsc::channel(1);
    tokio::task::spawn_blocking(move || {
        let mut reader = match RowReader::new(kind, source) {
            Ok(r) => r.judged_on(today),
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

/// A job by id, locked for a change; not found is the operator's error.
async fn locked_job(tx: &mut Tx, id: i64) -> Result<JobHead, OpError> {
    store::lock_job(tx, id).await?.ok_or_else(|| OpError::NotFound(format!("no import job {id}")))
}

/// Row outcomes `(row, natural key, status)`, in row order, as records of
/// runs: consecutive rows of one outcome make one record (a batch of new
/// members is one), a row alone keeps its natural key.
fn runs(job: i64, outcomes: Vec<(i64, String, &'static str)>) -> Vec<Arg> {
    let mut records = Vec::new();
    let mut outcomes = outcomes.into_iter().peekable();
    while let Some((first, key, status)) = outcomes.next() {
        let mut last = first;
        while outcomes.next_if(|(n, _, s)| *n == last + 1 && *s == status).is_some() {
            last += 1;
        }
        let key = if last == first { key } else { String::new() };
        records.extend(args![job, first, last, key, status]);
    }
    records
}

/// A failed row's values as kept with its errors: SSN columns are masked
/// by the reader; anything else shaped like an SSN is masked here.
fn kept_values(row: &Row) -> String {
    crate::domain::ssn::redact(&row.raw.join(","))
}

/// A found record's outcome: whether the row changed it.
fn applied_or_unchanged(applied: bool) -> &'static str {
    if applied { "applied" } else { "unchanged" }
}

fn fault(field: &'static str, code: &'static str, message: String) -> RowFault {
    RowFault { field, code, message }
}

/// The checked value of a column of the row.
fn value<'a>(kind: ImportKind, values: &'a [Option<Value>], name: &str) -> Option<&'a Value> {
    let i = kind.columns().iter().position(|c| c.name == name)?;
    values.get(i)?.as_ref()
}

fn text(kind: ImportKind, values: &[Option<Value>], name: &str) -> Option<String> {
    text_ref(kind, values, name).map(str::to_owned)
}

fn text_ref<'a>(kind: ImportKind, values: &'a [Option<Value>], name: &str) -> Option<&'a str> {
    match value(kind, values, name)? {
        Value::Text(t) => Some(t),
        _ => None,
    }
}

fn date(kind: ImportKind, values: &[Option<Value>], name: &str) -> Option<NaiveDate> {
    match value(kind, values, name)? {
        Value::Date(d) => Some(*d),
        _ => None,
    }
}

fn ssn(kind: ImportKind, values: &[Option<Value>], name: &str) -> Option<crate::domain::ssn::Ssn> {
    match value(kind, values, name)? {
        Value::Ssn(s) => Some(s.clone()),
        _ => None,
    }
}

fn int(kind: ImportKind, values: &[Option<Value>], name: &str) -> Option<i64> {
    match value(kind, values, name)? {
        Value::Int(n) => Some(*n),
        Value::Bool(b) => Some(i64::from(*b)),
        _ => None,
    }
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

    async fn run_job(
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
        // met in an earlier batch waits for the ones before it. SQLite has
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
        let source = StoredFile::open(self.store().clone(), id, size, head);
        let (spent, freeing) = std::sync::mpsc::channel();
        let mut read_ahead = read_ahead(kind, source, done, key.clone(), freeing, self.now().date_naive());
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
                            let on_file = match sqlite && kind == ImportKind::Demographic {
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

    /// Ends a job with a file-level error, counting the rows recorded before it.
    async fn fail_job(
        &self,
        mut change: super::Change,
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

    /// A transaction for batches of `job`'s rows. The import's SQLite writer
    /// checks no foreign keys (see `bulk_writer`): the employer's groups its
    /// rows name are checked here instead, under the write lock the
    /// transaction holds until it commits.
    async fn begin_batches(
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
    async fn apply_batch(
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

    async fn job_head(&self, id: i64) -> Result<JobHead, OpError> {
        store::job(self.store(), id).await?.ok_or_else(|| OpError::NotFound(format!("no import job {id}")))
    }

    /// A batch of demographic rows, set-based: the members already on file
    /// looked up by SSN blind index (only the SSNs that may be, when
    /// `on_file` says which), the new ones inserted in bulk, the row records
    /// in one insert; an UPDATE for each member on file (it changes the row
    /// only when a detail differs). `groups` are the employer's, by number.
    async fn apply_demographic_batch(
        &self,
        tx: &mut Tx,
        job: &JobHead,
        batch: &[Prepared],
        groups: &HashMap<String, i64>,
        on_file: Option<&SsnsOnFile>,
    ) -> Result<(), OpError> {
        let kind = ImportKind::Demographic;
        let mut ready = Vec::with_capacity(batch.len());
        let mut outcomes: Vec<(i64, String, &'static str)> = Vec::with_capacity(batch.len());
        for Prepared { row, derived } in batch {
            let Ok(checked) = &row.checked else {
                self.record_failed(tx, job, row).await?;
                continue;
            };
            let v = &checked.values;
            let group = text(kind, v, "group_number").unwrap_or_default();
            // The SSN is a required column: a checked row has one, sealed.
            let (Some(group_id), Some(derived)) = (groups.get(&group), derived) else {
                let f = fault("group_number", "group_unknown", format!("group {group} is not one of this employer's"));
                self.record_outcome(tx, job, row, &checked.natural_key, Err(f)).await?;
                continue;
            };
            ready.push(NewMember { row, checked, group_id: *group_id, derived, id: 0 });
        }
        // Only the SSNs that may be on file are looked up, when that is known.
        let ssns: Vec<&[u8]> = ready
            .iter()
            .map(|r| r.derived.index.as_slice())
            .filter(|ssn| on_file.is_none_or(|f| f.may_hold(ssn)))
            .collect();
        let group_ids: Vec<i64> = groups.values().copied().collect();
        let existing = store::members_by_ssn(tx, &ssns, &group_ids).await?;
        let new = ready.iter().filter(|r| !existing.contains_key(&r.derived.index)).count();
        let mut ids = store::member_ids(tx, new as i64).await?.into_iter();
        let mut added = Vec::with_capacity(new);
        // An SSN met again in the batch (in another group) names the member
        // its first row adds: updated once that one is in.
        let mut first_of: HashMap<&[u8], i64> = HashMap::new();
        let mut again = Vec::new();
        for mut r in ready {
            let number = r.row.number as i64;
            if let Some(id) = existing.get(&r.derived.index) {
                let applied = self.update_member(tx, *id, &r.checked.values).await?;
                outcomes.push((number, r.checked.natural_key.clone(), applied_or_unchanged(applied)));
                continue;
            }
            if let Some(id) = first_of.get(r.derived.index.as_slice()) {
                again.push((*id, r));
                continue;
            }
            r.id = ids.next().ok_or_else(|| OpError::Db("fewer member ids than new members".into()))?;
            first_of.insert(&r.derived.index, r.id);
            outcomes.push((number, r.checked.natural_key.clone(), "applied"));
            added.push(r);
        }
        insert_members(tx, &added, &crate::store::sqlite_time(&self.now())).await?;
        for (id, r) in again {
            let applied = self.update_member(tx, id, &r.checked.values).await?;
            outcomes.push((r.row.number as i64, r.checked.natural_key.clone(), applied_or_unchanged(applied)));
        }
        outcomes.sort_unstable_by_key(|o| o.0);
        tx.insert_rows("import_rows", store::ROW_COLUMNS, runs(job.id, outcomes)).await?;
        Ok(())
    }

    /// Updates a member's details from a demographic row; whether anything changed.
    async fn update_member(&self, tx: &mut Tx, id: i64, v: &[Option<Value>]) -> Result<bool, OpError> {
        let kind = ImportKind::Demographic;
        let t = |n: &str| text(kind, v, n).unwrap_or_default();
        let (first, last) = (t("first_name"), t("last_name"));
        let (address_line, city, state, zip, gender) =
            (t("address_line"), t("city"), t("state"), t("zip"), t("gender"));
        let details = store::MemberDetails {
            first_name: &first,
            last_name: &last,
            birth_date: date(kind, v, "birth_date"),
            address_line: &address_line,
            city: &city,
            state: &state,
            zip: &zip,
            gender: &gender,
        };
        Ok(store::update_member_details(tx, id, &details).await?)
    }

    /// Applies one row inside a batch and records what happened to it.
    async fn apply_row(
        &self,
        tx: &mut Tx,
        key: &DataKey,
        job: &JobHead,
        kind: ImportKind,
        row: &Row,
    ) -> Result<(), OpError> {
        let Ok(checked) = &row.checked else {
            return self.record_failed(tx, job, row).await;
        };
        let outcome = self.apply_values(tx, key, job.employer_id, kind, &checked.values).await?;
        self.record_outcome(tx, job, row, &checked.natural_key, outcome).await
    }

    /// Records a row that failed the file's checks, with each of its errors.
    async fn record_failed(&self, tx: &mut Tx, job: &JobHead, row: &Row) -> Result<(), OpError> {
        let raw = kept_values(row);
        let number = row.number as i64;
        store::record_row(tx, job.id, number, "", "failed").await?;
        for e in row.checked.as_ref().err().into_iter().flatten() {
            store::record_error(tx, job.id, number, e.column, e.code, &e.message, &raw).await?;
        }
        Ok(())
    }

    /// Records what happened to a checked row: applied, unchanged, or its fault.
    async fn record_outcome(
        &self,
        tx: &mut Tx,
        job: &JobHead,
        row: &Row,
        natural_key: &str,
        outcome: Result<bool, RowFault>,
    ) -> Result<(), OpError> {
        let number = row.number as i64;
        match outcome {
            Ok(applied) => store::record_row(tx, job.id, number, natural_key, applied_or_unchanged(applied)).await?,
            Err(f) => {
                let raw = kept_values(row);
                store::record_row(tx, job.id, number, natural_key, "failed").await?;
                store::record_error(tx, job.id, number, f.field, f.code, &f.message, &raw).await?;
            }
        }
        Ok(())
    }

    /// Finds the row's record by natural key and adds or updates it;
    /// `Ok(Ok(true))` when something changed, `Ok(Ok(false))` when it was
    /// already so, `Ok(Err(..))` when the row names what is not on file.
    async fn apply_values(
        &self,
        tx: &mut Tx,
        key: &DataKey,
        employer: i64,
        kind: ImportKind,
        v: &[Option<Value>],
    ) -> Result<Result<bool, RowFault>, OpError> {
        let now = self.now();
        let t = |n: &str| text(kind, v, n).unwrap_or_default();
        match kind {
            // Demographic rows are applied a batch at a time (`apply_demographic_batch`).
            ImportKind::Demographic => Err(OpError::Db("demographic rows are applied in batches".into())),
            ImportKind::Dependent => {
                let Some(sub_ssn) = ssn(kind, v, "subscriber_ssn") else {
                    return Ok(Err(fault("subscriber_ssn", "ssn_invalid", "no SSN".into())));
                };
                let Some((sub, _)) =
                    store::member_by_ssn(tx, employer, &key.blind_index("ssn", sub_ssn.digits())).await?
                else {
                    return Ok(Err(fault(
                        "subscriber_ssn",
                        "subscriber_unknown",
                        "no subscriber with that SSN in this employer's groups".into(),
                    )));
                };
                let (first, last, born) = (t("first_name"), t("last_name"), date(kind, v, "birth_date"));
                if store::dependent_exists(tx, sub, &first, born).await? {
                    return Ok(Ok(false));
                }
                let Some(id) = store::member_ids(tx, 1).await?.pop() else {
                    return Err(OpError::Db("no member id".into()));
                };
                let (number, individual) = crate::store::members::numbers(id);
                let own = ssn(kind, v, "ssn");
                let gender = text(kind, v, "gender").unwrap_or_else(|| "U".into());
                let relationship = t("relationship");
                let dependent = store::NewDependent {
                    id,
                    member_number: &number,
                    individual_id: &individual,
                    subscriber: sub,
                    relationship: &relationship,
                    first_name: &first,
                    last_name: &last,
                    birth_date: born,
                    gender: &gender,
                    ssn_cipher: own.as_ref().map(|s| key.encrypt(s.digits())),
                    ssn_index: own.as_ref().map(|s| key.blind_index("ssn", s.digits())),
                    ssn_last4: own.as_ref().map(|s| s.last4().to_owned()),
                    created_at: now,
                };
                store::insert_dependent(tx, dependent).await?;
                Ok(Ok(true))
            }
            ImportKind::Event => {
                let member = t("member_id");
                let Some((mid, _)) = store::member_of(tx, employer, &member).await? else {
                    return Ok(Err(fault(
                        "member_id",
                        "member_unknown",
                        format!("no member {member} in this employer's groups"),
                    )));
                };
                let (code, on) = (int(kind, v, "event_code"), date(kind, v, "event_date"));
                if store::event_exists(tx, mid, code, on).await? {
                    return Ok(Ok(false));
                }
                let loss = date(kind, v, "loss_of_coverage_date").or(on.map(crate::domain::cobra::first_of_next_month));
                let event = store::NewEvent {
                    member_id: mid,
                    event_code: code,
                    event_date: on,
                    loss_of_coverage_date: loss,
                    notice_date: date(kind, v, "notice_date"),
                    disability_extension: int(kind, v, "disability_extension").unwrap_or(0) == 1,
                    created_at: now,
                };
                store::insert_event(tx, event).await?;
                Ok(Ok(true))
            }
            ImportKind::Plan => {
                let member = t("member_id");
                let Some((mid, gid)) = store::member_of(tx, employer, &member).await? else {
                    return Ok(Err(fault(
                        "member_id",
                        "member_unknown",
                        format!("no member {member} in this employer's groups"),
                    )));
                };
                let code = t("plan_code");
                let Some(plan_id) = store::plan_id(tx, gid, &code).await? else {
                    return Ok(Err(fault(
                        "plan_code",
                        "plan_unknown",
                        format!("plan {code} does not exist for this member's group"),
                    )));
                };
                let start = date(kind, v, "coverage_start");
                if store::enrollment_exists(tx, mid, plan_id, start).await? {
                    return Ok(Ok(false));
                }
                let tier = t("tier");
                let enrollment = store::NewEnrollment {
                    member_id: mid,
                    plan_id,
                    tier: &tier,
                    coverage_start: start,
                    coverage_end: date(kind, v, "coverage_end"),
                };
                store::insert_enrollment(tx, enrollment).await?;
                Ok(Ok(true))
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consecutive_rows_of_one_outcome_make_one_record() {
        let o = |n: i64, s: &'static str| (n, format!("k{n}"), s);
        let outcomes = vec![
            o(2, "applied"),
            o(3, "applied"),
            o(4, "applied"),
            o(5, "unchanged"),
            o(7, "applied"),
            o(8, "applied"),
        ];
        let records: Vec<Vec<Arg>> = runs(9, outcomes).chunks(5).map(<[Arg]>::to_vec).collect();
        assert_eq!(
            records,
            vec![
                args![9_i64, 2_i64, 4_i64, "", "applied"],
                args![9_i64, 5_i64, 5_i64, "k5", "unchanged"],
                args![9_i64, 7_i64, 8_i64, "", "applied"],
            ]
        );
    }
}
