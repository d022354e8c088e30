//! Cancelling a query stops it on the server too (PostgreSQL), and the
//! cancellable path returns the same rows as the plain one (both engines).

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::{Duration, Instant};

use portaldesk::args;
use portaldesk::store::testing::StoreSql;

#[tokio::test]
async fn cancellable_fetch_returns_rows_on_both_engines() {
    for db in common::all_backends().await {
        let pid = AtomicI32::new(0);
        let rows: Vec<(i64,)> = db.store.fetch_all_cancellable("SELECT 1 + $1", args![41_i64], &pid).await.unwrap();
        assert_eq!(rows, vec![(42,)], "{}", db.label);
        assert_eq!(pid.load(Ordering::SeqCst), 0, "{}: pid cleared after the query", db.label);
    }
}

#[tokio::test]
async fn a_cancelled_postgres_query_stops_on_the_server() {
    let Some(db) = common::postgres().await else { return };
    let store = db.store.clone();
    let pid = Arc::new(AtomicI32::new(0));
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
            .fetch_one("SELECT count(*) FROM pg_stat_activity WHERE pid = $1 AND query LIKE '%pg_sleep(30)%' AND state = 'active'", args![backend])
            .await
            .unwrap();
        if running == 0 {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "the server kept running the cancelled query");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
