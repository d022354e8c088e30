//! The read replica (issue 26): lists and lookups read from the hot
//! standby once it has replayed, a session's view after its own change
//! reads the primary, a replica further behind than allowed or not
//! answering is not read (the banner says so) and nothing fails.
//!
//! The tests that need a real standby run when `PORTALDESK_TEST_PG_REPLICA_URL`
//! names one (`.ci/replica`; with `PORTALDESK_REQUIRE_PG` set they fail
//! rather than skip); they pause its replay (`pg_wal_replay_pause`) to make
//! it late on purpose, one test at a time. The fallback tests point the
//! replica at a closed port and need only the test server.

mod common;

use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use portaldesk::args;
use portaldesk::domain::case::{CaseView, Queue};
use portaldesk::domain::role::Role;
use portaldesk::ops::{Clock, Ops};
use portaldesk::store::lists::{ListKind, ListRequest, fetch};
use portaldesk::store::testing::{StoreSql, lose_replica, reads_in_recovery};
use portaldesk::store::{Dir, OpenOptions, ReplicaStatus, Store, cases, staff};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap()
}

/// The standby is shared: tests that pause its replay run one at a time.
static STANDBY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A list of cases (the whole list, 50 at most).
fn all_cases() -> ListRequest {
    ListRequest {
        kind: ListKind::Cases(CaseView::All),
        filter: String::new(),
        dir: Dir::First,
        limit: 50,
        me: 0,
        now: t0(),
        backend_pid: Default::default(),
        date_format: Default::default(),
        search: None,
    }
}

async fn case_numbers(store: &Store) -> Vec<String> {
    fetch(store, &all_cases()).await.expect("list").rows.iter().map(|r| r.item.handle()).collect()
}

/// Staff `ann` (agent) and cases 1..=n in the billing queue, written on
/// the primary through `store`.
async fn fixture(store: &Store, n: i64) {
    let mut tx = store.begin_write().await.unwrap();
    staff::insert(&mut tx, "ann", "Ann Agent", Role::Agent, "active", t0()).await.unwrap();
    tx.commit().await.unwrap();
    for i in 1..=n {
        insert_case(store, i).await;
    }
}

async fn insert_case(store: &Store, n: i64) {
    store
        .execute(
            "INSERT INTO cases (id, case_number, queue, status, priority, subject, description, company_name, \
             group_numbers, submitted_at, submitted_by, sla_due_at) \
             VALUES ($1, $2, 'billing', 'new', 1, 'subj', 'desc', 'Acme', 'ACM100', $3, 'hr@acme.test', $3)",
            args![n, portaldesk::domain::case::case_number(n), t0()],
        )
        .await
        .unwrap();
}

/// A second handle on the same schema, straight to the primary and with no
/// replica: what "another session" writes with, so the store under test
/// has no change of its own to wait for.
async fn colleague(store: &Store) -> Store {
    Store::open(store.url(), &OpenOptions::default()).await.expect("a second handle")
}

/// The store under test, with the replica allowed `max_lag_ms` behind, and
/// a colleague who has written cases 1..=n on the primary, replayed.
async fn replayed_cases(replica: &str, max_lag_ms: u64, n: i64) -> (common::TestDb, Store) {
    let db = common::postgres_with_replica(replica, max_lag_ms).await.unwrap();
    let other = colleague(&db.store).await;
    fixture(&other, n).await;
    wait_replayed(&db.store).await;
    (db, other)
}

/// Polls lag checks until the replica has replayed everything the primary
/// had (so the schema the test made on the primary is there too).
async fn wait_replayed(store: &Store) {
    let until = Instant::now() + Duration::from_secs(20);
    loop {
        let s = store.check_replica().await.expect("a replica is configured");
        if s == (ReplicaStatus::Fresh { lag_ms: 0 }) {
            return;
        }
        assert!(Instant::now() < until, "the replica did not catch up in 20 s: {s:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Pauses the standby's replay while held (resumed when dropped, even when
/// the test fails).
struct Paused(String);

impl Paused {
    async fn new(replica_base: &str) -> Paused {
        let admin = sqlx::PgPool::connect(replica_base).await.expect("connect to the replica");
        sqlx::query("SELECT pg_wal_replay_pause()").execute(&admin).await.expect("pause replay");
        admin.close().await;
        Paused(replica_base.to_owned())
    }
}

impl Drop for Paused {
    fn drop(&mut self) {
        let url = self.0.clone();
        let resumed = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                let admin = sqlx::PgPool::connect(&url).await?;
                sqlx::query("SELECT pg_wal_replay_resume()").execute(&admin).await?;
                admin.close().await;
                Ok::<_, sqlx::Error>(())
            })
        });
        if let Ok(Err(e)) = resumed.join() {
            eprintln!("could not resume the replica's replay: {e}");
        }
    }
}

#[tokio::test]
async fn lists_read_from_the_replica_once_it_has_replayed() {
    let Some(replica) = common::pg_replica_url() else { return };
    let _one = STANDBY.lock().await;
    let (db, other) = replayed_cases(&replica, 2000, 3).await;
    let store = &db.store;

    // The list is read on a standby, and the replica counted it.
    assert!(reads_in_recovery(store).await.unwrap(), "reads should go to the standby");
    let before = store.replica_reads();
    assert_eq!(case_numbers(store).await, ["C-000001", "C-000002", "C-000003"]);
    assert!(store.replica_reads() > before, "the list should have been served by the replica");
    // `primary()` reads the primary.
    assert!(!reads_in_recovery(&store.primary()).await.unwrap());

    // A row a colleague writes on the primary shows once replayed; with
    // replay paused, the replica's list (well within the lag allowed) does
    // not have it yet, which shows where the list was read.
    let paused = Paused::new(&replica).await;
    insert_case(&other, 4).await;
    store.check_replica().await;
    assert!(store.replica_status().unwrap().readable(), "{:?}", store.replica_status());
    assert_eq!(case_numbers(store).await.len(), 3, "the replica has not replayed case 4 yet");
    assert_eq!(case_numbers(&store.primary()).await.len(), 4, "the primary has it");
    drop(paused);
    wait_replayed(store).await;
    let before = store.replica_reads();
    assert_eq!(case_numbers(store).await.len(), 4, "replayed, the replica's list shows case 4");
    assert_eq!(store.replica_reads(), before + 1);
    other.close().await;
}

#[tokio::test]
async fn a_replica_dying_between_checks_loses_no_read() {
    let Some(replica) = common::pg_replica_url() else { return };
    let _one = STANDBY.lock().await;
    let (db, other) = replayed_cases(&replica, 2000, 3).await;
    let store = &db.store;
    // Replay paused, a colleague's fourth case is on the primary alone:
    // a list that shows it was read there.
    let paused = Paused::new(&replica).await;
    insert_case(&other, 4).await;
    store.check_replica().await;
    assert!(store.replica_status().unwrap().readable(), "{:?}", store.replica_status());
    assert_eq!(case_numbers(store).await.len(), 3, "read on the replica");

    // The replica dies with its last check still fresh: the next read is
    // lost there, runs again on the primary, and does not fail.
    lose_replica(store).await;
    assert_eq!(case_numbers(store).await.len(), 4, "read again on the primary");
    let status = store.replica_status().unwrap();
    assert!(matches!(status, ReplicaStatus::Unreachable { .. }), "{status:?}");
    assert_eq!(status.note(), "replica unreachable: reading from the primary");
    // Later reads go to the primary straight away.
    let before = store.replica_reads();
    assert!(cases::file_by_number(store, "C-000004").await.unwrap().is_some());
    assert_eq!(store.replica_reads(), before);
    drop(paused);
    other.close().await;
}

#[tokio::test]
async fn a_change_then_its_view_reads_the_primary() {
    let Some(replica) = common::pg_replica_url() else { return };
    let _one = STANDBY.lock().await;
    let db = common::postgres_with_replica(&replica, 2000).await.unwrap();
    let store = &db.store;
    fixture(&colleague(store).await, 2).await;
    wait_replayed(store).await;
    let ops = Ops::for_operator(store.clone(), "ann", false, Clock::Fixed(t0())).await.unwrap();
    // Another session on the same schema and replica, which changes nothing.
    let url = store.url();
    let replica_url = format!("{replica}{}", &url[url.find('?').expect("a schema option")..]);
    let watcher = Store::open(url, &OpenOptions { replica_url, ..OpenOptions::default() }).await.unwrap();
    wait_replayed(&watcher).await;

    // The replica does not replay the take: only the primary has it.
    let paused = Paused::new(&replica).await;
    let claimed = ops.claim_next(Queue::Billing).await.unwrap().expect("a case to take");
    assert_eq!(claimed.case_number, "C-000001");
    let served = store.replica_reads();
    // The view after the change sees it, although the replica was fresh a moment ago.
    let file = cases::file_by_number(store, "C-000001").await.unwrap().unwrap();
    assert_eq!(file.case.assignee_login.as_deref(), Some("ann"));
    assert_eq!(file.case.status, "open");
    assert!(!reads_in_recovery(store).await.unwrap(), "after its change, the session reads the primary");
    assert_eq!(store.replica_reads(), served, "nothing of the session's was read on the replica");
    // A check while replay is paused does not count the replica as holding the change.
    store.check_replica().await;
    assert!(!reads_in_recovery(store).await.unwrap());

    // The session that changed nothing reads the replica (fresh within
    // 2 s), where the take is not replayed yet.
    watcher.check_replica().await;
    let seen = cases::file_by_number(&watcher, "C-000001").await.unwrap().unwrap();
    assert_eq!((seen.case.status.as_str(), seen.case.assignee_login), ("new", None), "the replica's copy");
    assert!(watcher.replica_reads() > 0);

    // Replayed and measured after the change: the session reads the replica again, with its change there.
    drop(paused);
    wait_replayed(store).await;
    let served = store.replica_reads();
    let file = cases::file_by_number(store, "C-000001").await.unwrap().unwrap();
    assert_eq!(file.case.assignee_login.as_deref(), Some("ann"));
    assert!(store.replica_reads() > served);
    watcher.close().await;
}

#[tokio::test]
async fn a_replica_further_behind_than_allowed_is_not_read() {
    let Some(replica) = common::pg_replica_url() else { return };
    let _one = STANDBY.lock().await;
    let (db, other) = replayed_cases(&replica, 300, 1).await;
    let store = &db.store;
    assert!(reads_in_recovery(store).await.unwrap());

    let paused = Paused::new(&replica).await;
    insert_case(&other, 2).await;
    // Past the 300 ms allowed, with the replica still not replayed.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let status = store.check_replica().await.unwrap();
    let ReplicaStatus::Behind { lag_ms: Some(ms) } = status else { panic!("behind, by how much: {status:?}") };
    assert!(ms > 300, "{ms}");
    assert!(status.note().ends_with("behind: reading from the primary"), "{}", status.note());
    let served = store.replica_reads();
    assert_eq!(case_numbers(store).await, ["C-000001", "C-000002"], "read on the primary");
    assert_eq!(store.replica_reads(), served);
    assert!(!reads_in_recovery(store).await.unwrap());
    drop(paused);
    wait_replayed(store).await;
    assert!(reads_in_recovery(store).await.unwrap(), "caught up, the replica is read again");
    other.close().await;
}

/// A port nothing listens on.
const CLOSED: &str = "postgres://postgres@127.0.0.1:1/nothing";

#[tokio::test]
async fn an_unreachable_replica_falls_back_to_the_primary_and_nothing_fails() {
    let Some(db) = common::postgres_with_replica(CLOSED, 2000).await else { return };
    let store = &db.store;
    // Opening did not fail; the first check found it down.
    let status = store.replica_status().unwrap();
    assert!(matches!(status, ReplicaStatus::Unreachable { .. }), "{status:?}");
    assert_eq!(status.note(), "replica unreachable: reading from the primary");
    fixture(store, 2).await;
    assert_eq!(case_numbers(store).await, ["C-000001", "C-000002"]);
    assert!(cases::file_by_number(store, "C-000002").await.unwrap().is_some());
    assert!(!reads_in_recovery(store).await.unwrap());
    assert_eq!(store.replica_reads(), 0);
    // Checking again says the same, and still nothing fails.
    assert!(matches!(store.check_replica().await, Some(ReplicaStatus::Unreachable { .. })));
    assert_eq!(case_numbers(store).await.len(), 2);
}

#[tokio::test]
async fn the_banner_says_the_replica_is_unreachable() {
    let Some(db) = common::postgres_with_replica(CLOSED, 2000).await else { return };
    common::seeded::seed_small(&db).await;
    let mut h = common::seeded::headless(&db, 120, 40).await;
    let screen = h.screen();
    let banner = screen.lines().next().unwrap();
    assert!(banner.contains("replica unreachable: reading from the primary"), "{banner}");
    // The app works all the same: the list is there.
    assert!(screen.contains("C-"), "{screen}");
    // At 80 columns the short form leaves the database room.
    let mut narrow = common::seeded::headless(&db, 80, 24).await;
    let screen = narrow.screen();
    let banner = screen.lines().next().unwrap();
    assert!(banner.contains("on primary: replica down"), "{banner}");
}

#[tokio::test]
async fn a_replica_needs_postgresql() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.sqlite").display());
    let opts = OpenOptions { create: true, replica_url: CLOSED.into(), ..OpenOptions::default() };
    let err = Store::open(&url, &opts).await.unwrap_err().to_string();
    assert!(err.contains("a read replica needs PostgreSQL"), "{err}");
    // Without one, SQLite reads as always and reports no replica.
    let store = Store::open(&url, &OpenOptions { create: true, ..OpenOptions::default() }).await.unwrap();
    assert_eq!((store.has_replica(), store.replica_status(), store.replica_reads()), (false, None, 0));
    assert_eq!(store.check_replica().await, None);
    store.close().await;
}
