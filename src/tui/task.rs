//! Database work runs as tokio tasks that report back as messages; the
//! event loop only spawns and receives, it never awaits a query.

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::domain::case::CaseView;
use crate::ops::cases::BulkLine;
use crate::store::lists::ListRow;
use crate::store::{Page, Store};

/// Identifies one spawned task, so late or cancelled results can be told apart.
pub type TaskId = u64;

/// What a task reports.
#[derive(Debug)]
pub enum Report {
    /// A page of a list (the list screen that asked knows the task's id).
    List(Result<Page<ListRow>, String>),
    /// How many rows a list holds, counted to a cap.
    ListCount(Result<crate::store::count::ListCount, String>),
    /// Case counts per view.
    Counts(Vec<(CaseView, i64)>),
    /// An operation finished: the message to show.
    Op(Result<String, String>),
    /// A bulk change finished: on success the marks are cleared.
    Bulk(Result<String, String>),
    /// A code was issued (or reissued): show it once.
    Issued(Result<Box<super::modal::ShownCode>, String>),
    /// A screen's own load (`Tasks::spawn_screen`): what the screen that
    /// remembers the task's id asked for, which it takes back as its own
    /// type (`Report::screen`). A new screen needs no variant here.
    Screen(Result<Payload, String>),
    /// A revealed SSN for the open member.
    Revealed { number: String, result: Result<String, String> },
    /// Lines to show in a box (the eligibility answer).
    Info { title: String, lines: Vec<String> },
    /// A record for the detail view (`None`: the row is gone).
    Record(Result<Option<super::record::Record>, String>),
    /// The dry run of a member change, to confirm.
    ChangePreview {
        request: Box<crate::ops::maintenance::ChangeRequest>,
        result: Result<Box<crate::ops::maintenance::ChangeDone>, String>,
    },
    /// The preview of a bulk change, to confirm.
    Preview { change: crate::ops::request::BulkChange, lines: Vec<BulkLine> },
    /// Whether the database answered a ping (the error when not).
    Health(Result<(), String>),
    /// The answer of a request a screen asked for (`Screen::wants`), run by `Ops::execute`.
    Answer(Result<Box<crate::ops::request::Outcome>, String>),
    /// Another session committed changes (live queues, `Tasks::watch`):
    /// what is on screen is read again. Comes with id `LIVE`, from no task
    /// that counts as running.
    Live(crate::store::live::Signal),
}

/// The id of the live-queue watcher's reports: no task has it (ids start at 1).
pub const LIVE: TaskId = 0;

/// How long the watcher gathers signals before it reports them as one:
/// a burst of changes (a bulk assignment, a sweep) costs one reload.
const DEBOUNCE: Duration = Duration::from_millis(100);

impl Report {
    /// Whether the report is a failure because the database connection
    /// was lost: the app then shows "reconnecting" until a ping succeeds.
    pub fn lost_connection(&self) -> bool {
        let lost = |e: &String| e.contains(crate::store::CONNECTION_LOST);
        match self {
            Report::List(Err(e))
            | Report::Op(Err(e))
            | Report::Bulk(Err(e))
            | Report::Screen(Err(e))
            | Report::Issued(Err(e))
            | Report::Revealed { result: Err(e), .. }
            | Report::Record(Err(e))
            | Report::Answer(Err(e))
            | Report::Health(Err(e)) => lost(e),
            _ => false,
        }
    }
}

impl Report {
    /// The result of a screen's own load of type `T`, when this report is
    /// one; else the report back (for the next screen, or the app).
    pub fn screen<T: Any>(self) -> Result<Result<T, String>, Report> {
        match self {
            Report::Screen(Ok(payload)) => match payload.0.downcast::<T>() {
                Ok(value) => Ok(Ok(*value)),
                Err(other) => Err(Report::Screen(Ok(Payload(other)))),
            },
            Report::Screen(Err(e)) => Ok(Err(e)),
            other => Err(other),
        }
    }
}

/// What a screen's load found, of the screen's own type.
pub struct Payload(Box<dyn Any + Send>);

impl Payload {
    /// Wraps a screen's value for the trip back.
    pub fn new<T: Any + Send>(value: T) -> Payload {
        Payload(Box::new(value))
    }
}

impl std::fmt::Debug for Payload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Payload(…)")
    }
}

/// A task's report with its id.
#[derive(Debug)]
pub struct Msg {
    pub id: TaskId,
    pub report: Report,
}

struct Running {
    handle: JoinHandle<()>,
    /// The PostgreSQL backend running the task's query, 0 when none.
    backend_pid: Arc<AtomicI64>,
    /// Work the operator did not just ask for (counts, timers, a long import):
    /// typed keys do not wait for it.
    background: bool,
}

/// The running tasks of the app.
pub struct Tasks {
    tx: mpsc::UnboundedSender<Msg>,
    store: Store,
    running: HashMap<TaskId, Running>,
    next: TaskId,
    /// The live-queue watcher's two tasks (reader and debouncer), ended with the app.
    watch: Vec<JoinHandle<()>>,
    /// Set once the watcher listens (or took its first look): changes
    /// committed from then on are seen.
    watch_ready: Arc<std::sync::atomic::AtomicBool>,
}

impl Drop for Tasks {
    /// The watcher holds a connection (PostgreSQL `LISTEN`, SQLite's
    /// `data_version`) and would poll on: it ends with the app.
    fn drop(&mut self) {
        for h in self.watch.drain(..) {
            h.abort();
        }
    }
}

impl Tasks {
    /// Tasks on `store` that report into `tx`.
    pub fn new(tx: mpsc::UnboundedSender<Msg>, store: Store) -> Tasks {
        Tasks { tx, store, running: HashMap::new(), next: 1, watch: Vec::new(), watch_ready: Arc::default() }
    }

    /// Starts watching the store for changes other sessions commit (live
    /// queues): a reader task waits on `store::live::Watcher`, and a
    /// debouncer turns what it saw into at most one `Report::Live` per
    /// `gap` (the first after `DEBOUNCE`), a resync winning over a change.
    /// Neither counts as running: the app stays idle while they wait.
    pub fn watch(&mut self, origin: String, poll: Duration, gap: Duration) {
        use crate::store::live::{Signal, Watcher};
        let (raw_tx, mut raw_rx) = mpsc::unbounded_channel::<Signal>();
        let store = self.store.clone();
        let ready = Arc::clone(&self.watch_ready);
        let reader = tokio::spawn(async move {
            let mut watcher = loop {
                match Watcher::open(&store, &origin, poll).await {
                    Ok(Some(w)) => break w,
                    Ok(None) | Err(sqlx::Error::PoolClosed) => return,
                    Err(e) => {
                        // The server may be restarting: the health ping says so; try again.
                        tracing::debug!("live queues: the watcher did not start: {e}");
                        tokio::time::sleep(Duration::from_secs(2)).await;
                    }
                }
            };
            tracing::debug!("live queues: watching");
            ready.store(true, Ordering::SeqCst);
            while let Ok(s) = watcher.next().await {
                if raw_tx.send(s).is_err() {
                    return;
                }
            }
        });
        let tx = self.tx.clone();
        let debouncer = tokio::spawn(async move {
            while let Some(first) = raw_rx.recv().await {
                tokio::time::sleep(DEBOUNCE).await;
                let mut signal = first;
                while let Ok(s) = raw_rx.try_recv() {
                    if s == Signal::Resync {
                        signal = s;
                    }
                }
                if tx.send(Msg { id: LIVE, report: Report::Live(signal) }).is_err() {
                    return;
                }
                tokio::time::sleep(gap.saturating_sub(DEBOUNCE)).await;
            }
        });
        self.watch = vec![reader, debouncer];
    }

    /// Whether the live-queue watcher sees changes yet: it starts in the
    /// background, and a change committed before it listens (or took its
    /// first look) is not reported.
    pub fn watching(&self) -> bool {
        self.watch_ready.load(Ordering::SeqCst)
    }

    /// Spawns `work`; its report arrives as a `Msg` with the returned id.
    pub fn spawn(&mut self, work: impl Future<Output = Report> + Send + 'static) -> TaskId {
        self.spawn_tracked(Arc::default(), work)
    }

    /// As `spawn`, for work that publishes its PostgreSQL backend in
    /// `backend_pid`, so that cancelling it also cancels it on the server.
    pub fn spawn_tracked(
        &mut self,
        backend_pid: Arc<AtomicI64>,
        work: impl Future<Output = Report> + Send + 'static,
    ) -> TaskId {
        let id = self.next;
        self.next += 1;
        let tx = self.tx.clone();
        let handle = tokio::spawn(async move {
            use futures::FutureExt;
            // A task that panics still reports, so that keys waiting for it run.
            let report = std::panic::AssertUnwindSafe(work)
                .catch_unwind()
                .await
                .unwrap_or_else(|_| Report::Op(Err("that failed unexpectedly; the log has the details".into())));
            // The receiver is gone only when the app is shutting down.
            let _ = tx.send(Msg { id, report });
        });
        self.running.insert(id, Running { handle, backend_pid, background: false });
        id
    }

    /// Spawns a screen's own load: its result comes back as
    /// `Report::Screen` to the screen that keeps the returned id, which
    /// takes it with `Report::screen::<T>()`. Typed keys wait for it.
    pub fn spawn_screen<T: Any + Send>(
        &mut self,
        work: impl Future<Output = Result<T, String>> + Send + 'static,
    ) -> TaskId {
        self.spawn(async move { Report::Screen(work.await.map(Payload::new)) })
    }

    /// As `spawn`, for work that typed keys should not wait for.
    pub fn spawn_background(&mut self, work: impl Future<Output = Report> + Send + 'static) -> TaskId {
        let id = self.spawn(work);
        self.set_background(id);
        id
    }

    /// Lets typed keys stop waiting for task `id` (a long import run).
    pub fn set_background(&mut self, id: TaskId) {
        if let Some(r) = self.running.get_mut(&id) {
            r.background = true;
        }
    }

    fn stop(&self, r: Running) {
        r.handle.abort();
        let pid = r.backend_pid.load(Ordering::SeqCst);
        if pid != 0 {
            let store = self.store.clone();
            tokio::spawn(async move { store.cancel_backend(pid).await });
        }
    }

    /// Marks a task as reported.
    pub fn finished(&mut self, id: TaskId) {
        self.running.remove(&id);
    }

    /// Cancels a task: its future is dropped, so its report never arrives,
    /// and a PostgreSQL query it was running is cancelled on the server.
    /// Returns whether it was running.
    pub fn cancel(&mut self, id: TaskId) -> bool {
        match self.running.remove(&id) {
            Some(r) => {
                self.stop(r);
                true
            }
            None => false,
        }
    }

    /// Cancels every task.
    pub fn cancel_all(&mut self) -> usize {
        let running: Vec<Running> = self.running.drain().map(|(_, r)| r).collect();
        let n = running.len();
        for r in running {
            self.stop(r);
        }
        n
    }

    /// How many tasks have not reported yet; 0 means the app is idle.
    pub fn pending(&self) -> usize {
        self.running.len()
    }

    /// Whether work the operator started (a load, a change) is still
    /// running: keys typed meanwhile wait for it, so they act on its result.
    pub fn foreground(&self) -> bool {
        self.running.values().any(|r| !r.background)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_screen_takes_back_its_own_type_and_hands_back_any_other() {
        let report = Report::Screen(Ok(Payload::new(Some(7_i64))));
        assert_eq!(report.screen::<Option<i64>>().ok(), Some(Ok(Some(7))));

        // Another screen's value is handed back whole, for that screen.
        let report = Report::Screen(Ok(Payload::new(String::from("job 7"))));
        let back = report.screen::<Option<i64>>().expect_err("not an Option<i64>");
        assert_eq!(back.screen::<String>().ok(), Some(Ok("job 7".to_owned())));

        // Reports that are no screen's pass through untouched.
        match Report::Op(Ok("done".into())).screen::<String>() {
            Err(Report::Op(Ok(text))) => assert_eq!(text, "done"),
            r => panic!("not handed back: {r:?}"),
        }
    }

    #[test]
    fn a_screen_load_that_lost_the_connection_says_so() {
        let lost = Report::Screen(Err(format!("{}: broken pipe", crate::store::CONNECTION_LOST)));
        assert!(lost.lost_connection());
        assert!(!Report::Screen(Err("no such case".into())).lost_connection());
        assert_eq!(Report::Screen(Err("no such case".into())).screen::<i64>().ok(), Some(Err("no such case".into())));
    }
}
