//! Shared test harness: every data-layer test runs on SQLite and, when
//! `PORTALDESK_TEST_PG_URL` is set, on PostgreSQL in a fresh schema.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, Ordering};

use portaldesk::store::{OpenOptions, Store};

pub mod pty;
pub mod seeded;

/// A store under test, with what keeps its database alive.
pub struct TestDb {
    pub store: Store,
    pub label: &'static str,
    _dir: Option<tempfile::TempDir>,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A fresh, migrated SQLite database in a temp folder.
pub async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("t.sqlite").display());
    let store = Store::open(&url, &OpenOptions { create: true, read_only: false }).await.expect("open sqlite");
    TestDb { store, label: "sqlite", _dir: Some(dir) }
}

/// The PostgreSQL URL for tests, if any. Prints once why PostgreSQL is skipped.
pub fn pg_url() -> Option<String> {
    match std::env::var("PORTALDESK_TEST_PG_URL") {
        Ok(u) if !u.trim().is_empty() => Some(u),
        _ => {
            // CI sets this so that a skipped PostgreSQL test fails the run.
            assert!(
                std::env::var_os("PORTALDESK_REQUIRE_PG").is_none(),
                "PORTALDESK_REQUIRE_PG is set but PORTALDESK_TEST_PG_URL is not"
            );
            eprintln!("PORTALDESK_TEST_PG_URL is not set: skipped PostgreSQL");
            None
        }
    }
}

/// The URL of a new, empty schema in the test PostgreSQL database.
pub async fn pg_schema_url(base: &str) -> String {
    let schema = format!(
        "pdt_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos()
    );
    let admin = sqlx::PgPool::connect(base).await.expect("connect to PORTALDESK_TEST_PG_URL");
    // The schema name is made here from numbers, never from input.
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}"))).execute(&admin).await.expect("create schema");
    admin.close().await;
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}options[search_path]={schema}")
}

/// A fresh, migrated PostgreSQL schema, or `None` when no test server is configured.
pub async fn postgres() -> Option<TestDb> {
    let base = pg_url()?;
    let url = pg_schema_url(&base).await;
    let store = Store::open(&url, &OpenOptions::default()).await.expect("open postgres schema");
    Some(TestDb { store, label: "postgres", _dir: None })
}

/// Every configured backend: SQLite always, PostgreSQL when configured.
pub async fn all_backends() -> Vec<TestDb> {
    let mut v = vec![sqlite().await];
    if let Some(pg) = postgres().await {
        v.push(pg);
    }
    v
}
