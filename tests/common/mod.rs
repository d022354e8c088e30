//! Shared test harness: every data-layer test runs on SQLite and, when
//! `PORTALDESK_TEST_PG_URL` is set, on PostgreSQL in a fresh schema; when
//! `PORTALDESK_TEST_PGBOUNCER_URL` is set too, also through PgBouncer in
//! transaction mode, in a fresh database.
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
    /// A database of its own on the test server (behind PgBouncer), dropped with it.
    database: Option<(String, String)>,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((admin_url, name)) = self.database.take() else { return };
        // Its own thread and runtime: a test's runtime may be gone by now.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                let admin = sqlx::PgPool::connect(&admin_url).await?;
                // The name was made by `pgbouncer()` from numbers.
                let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&admin).await?;
                admin.close().await;
                Ok::<_, sqlx::Error>(())
            })
        });
        if let Ok(Err(e)) = dropped.join() {
            eprintln!("could not drop a test database: {e}");
        }
    }
}

impl TestDb {
    /// How to open this database again (a second process's store).
    pub fn options(&self) -> OpenOptions {
        OpenOptions { pooler: self.label == "pgbouncer", ..OpenOptions::default() }
    }

    /// Writes the config file a `portaldesk` run against this store needs
    /// in `home` (`PORTALDESK_HOME`): the pooler, when behind PgBouncer.
    pub fn write_config(&self, home: &std::path::Path) {
        if self.label == "pgbouncer" {
            std::fs::write(home.join("config.toml"), "[database]\npooler = \"transaction\"\n").unwrap();
        }
    }
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A fresh, migrated SQLite database in a temp folder.
pub async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("t.sqlite").display());
    let store = Store::open(&url, &OpenOptions { create: true, ..OpenOptions::default() }).await.expect("open sqlite");
    TestDb { store, label: "sqlite", _dir: Some(dir), database: None }
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
    Some(TestDb { store, label: "postgres", _dir: None, database: None })
}

/// The hot standby of the test server (`PORTALDESK_TEST_PG_REPLICA_URL`,
/// the same database as `PORTALDESK_TEST_PG_URL` on the replica `.ci/replica`
/// makes), or `None` with a note. With `PORTALDESK_REQUIRE_PG` set, a
/// missing one fails rather than skips.
pub fn pg_replica_url() -> Option<String> {
    pg_url()?;
    match std::env::var("PORTALDESK_TEST_PG_REPLICA_URL") {
        Ok(u) if !u.trim().is_empty() => Some(u),
        _ => {
            assert!(
                std::env::var_os("PORTALDESK_REQUIRE_PG").is_none(),
                "PORTALDESK_REQUIRE_PG is set but PORTALDESK_TEST_PG_REPLICA_URL is not: start one with \
                 `bash .ci/replica` and set it to postgres://postgres@127.0.0.1:5433/DB (DB as in PORTALDESK_TEST_PG_URL)"
            );
            eprintln!("PORTALDESK_TEST_PG_REPLICA_URL is not set: skipped the replica");
            None
        }
    }
}

/// A fresh, migrated PostgreSQL schema opened with `replica` (a base URL
/// such as `pg_replica_url()`, or a closed port) as its read replica, the
/// same schema on it; `None` when no test server is configured.
pub async fn postgres_with_replica(replica: &str, max_lag_ms: u64) -> Option<TestDb> {
    let base = pg_url()?;
    let url = pg_schema_url(&base).await;
    let replica_url = format!("{replica}{}", &url[base.len()..]);
    let opts = OpenOptions { replica_url, replica_max_lag_ms: max_lag_ms, ..OpenOptions::default() };
    let store = Store::open(&url, &opts).await.expect("open postgres schema with a replica");
    Some(TestDb { store, label: "postgres+replica", _dir: None, database: None })
}

/// A fresh database behind PgBouncer in transaction mode, when
/// `PORTALDESK_TEST_PGBOUNCER_URL` names one (`.ci/run` starts it in front
/// of the test server): migrated on the server directly, as production
/// must (the migrator's lock needs a session), then opened through the
/// pooler. A database rather than a schema, since a pooler passes no
/// `search_path` option on; `.ci/run` drops them (`pdb_*`) at the end.
pub async fn pgbouncer() -> Option<TestDb> {
    let bouncer = std::env::var("PORTALDESK_TEST_PGBOUNCER_URL").ok().filter(|u| !u.trim().is_empty())?;
    let base = pg_url()?;
    let name = format!(
        "pdb_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos()
    );
    let admin = sqlx::PgPool::connect(&base).await.expect("connect to PORTALDESK_TEST_PG_URL");
    // The name is made here from numbers, never from input.
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&admin).await.expect("create database");
    admin.close().await;
    let server = base.split('?').next().unwrap_or(&base);
    let server = &server[..server.rfind('/').expect("a database in PORTALDESK_TEST_PG_URL")];
    let direct = Store::open(&format!("{server}/{name}"), &OpenOptions::default()).await.expect("migrate directly");
    direct.close().await;
    // The pooler's address: `postgres://user@host:port`, with any database
    // named after it (`…/test`, as the server's URL has) left out.
    let bouncer = bouncer.trim();
    let host_end = bouncer.find("://").map_or(0, |i| i + 3);
    let address = bouncer[host_end..].find(['/', '?']).map_or(bouncer, |i| &bouncer[..host_end + i]);
    let url = format!("{address}/{name}");
    let store = Store::open(&url, &OpenOptions { pooler: true, max_connections: 4, ..OpenOptions::default() })
        .await
        .expect("open through pgbouncer");
    Some(TestDb { store, label: "pgbouncer", _dir: None, database: Some((base, name)) })
}

/// Every configured backend: SQLite always, PostgreSQL when configured,
/// and PostgreSQL through PgBouncer when that is configured too.
pub async fn all_backends() -> Vec<TestDb> {
    let mut v = vec![sqlite().await];
    if let Some(pg) = postgres().await {
        v.push(pg);
    }
    if let Some(b) = pgbouncer().await {
        v.push(b);
    }
    v
}
