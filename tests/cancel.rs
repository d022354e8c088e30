//! Cancelling a query stops it on the server too (PostgreSQL), and the
//! cancellable path returns the same rows as the plain one (both engines).

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use portaldesk::args;
use portaldesk::store::testing::StoreSql;

#[tokio::test]
async fn cancellable_fetch_returns_rows_on_both_engines() {
    for db in common::all_backends().await {
        let pid = AtomicI64::new(0);
        let rows: Vec<(i64,)> = db.store.fetch_all_cancellable("SELECT 1 + $1", args![41_i64], &pid).await.unwrap();
        assert_eq!(rows, vec![(42,)], "{}", db.label);
        assert_eq!(pid.load(Ordering::SeqCst), 0, "{}: pid cleared after the query", db.label);
    }
}

#[tokio::test]
async fn a_cancelled_postgres_query_stops_on_the_server() {
    let Some(db) = common::postgres().await else { return };
    let store = db.store.clone();
    let pid = Arc::new(AtomicI64::new(0));
    let slot = pid.clone();
    let task = tokio::spawn(async move {
        let _: Result<Vec<(String,)>, _> =
            store.fetch_all_cancellable("SELECT pg_sleep(30)::text", args![], &slot).await;
    });
    let start = Instant::now();
    while pid.load(Ordering::SeqCst) == 0 {
        assert!(start.elapsed() < Duration::from_secs(10), "query never started");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let backend = pid.load(Ordering::SeqCst);
    task.abort();
    db.store.cancel_backend(backend).await;
    loop {
        let (running,): (i64,) = db
            .store
            .fetch_one(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = $1 AND query LIKE '%pg_sleep(30)%' AND state = 'active'",
                args![i64::from(portaldesk::store::backend_of(backend))],
            )
            .await
            .unwrap();
        if running == 0 {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "the server kept running the cancelled query");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A cancel that comes after its query ended (Esc as the page arrives)
/// must not stop what the same server process runs next: behind a pooler,
/// a colleague's change. One connection, so the next query is on that
/// process; it runs to its end.
#[tokio::test]
async fn a_late_cancel_does_not_stop_the_next_query_on_that_server_process() {
    let Some(db) = common::postgres().await else { return };
    let opts = portaldesk::store::OpenOptions { max_connections: 1, ..Default::default() };
    let one = portaldesk::store::Store::open(db.store.url(), &opts).await.unwrap();
    let pid = Arc::new(AtomicI64::new(0));
    let slot = pid.clone();
    let reader = one.clone();
    let first = tokio::spawn(async move {
        let rows: Vec<(String,)> =
            reader.fetch_all_cancellable("SELECT pg_sleep(0.3)::text", args![], &slot).await.unwrap();
        rows
    });
    let start = Instant::now();
    let mut published = 0;
    while published == 0 {
        assert!(start.elapsed() < Duration::from_secs(10), "query never started");
        published = pid.load(Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    first.await.unwrap();
    let next_query = |store: portaldesk::store::Store| {
        tokio::spawn(async move {
            store.fetch_all::<(i64,)>("SELECT CAST(7 AS BIGINT) FROM (SELECT pg_sleep(0.5)) s", args![]).await
        })
    };
    // The control: a cancel by process id alone stops the next query there.
    let second = next_query(one.clone());
    tokio::time::sleep(Duration::from_millis(150)).await;
    let backend = i64::from(portaldesk::store::backend_of(published));
    let _: Vec<(bool,)> =
        db.store.fetch_all("SELECT pg_cancel_backend(CAST($1 AS INTEGER))", args![backend]).await.unwrap();
    assert!(second.await.unwrap().is_err(), "a cancel by process id alone stops whatever runs there");
    // The stale handle's cancel does not.
    let third = next_query(one.clone());
    tokio::time::sleep(Duration::from_millis(150)).await;
    db.store.cancel_backend(published).await;
    assert_eq!(third.await.unwrap().unwrap(), vec![(7,)], "the next query ran to its end");
    one.close().await;
}
