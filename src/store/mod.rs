//! The data layer: one `Store` over typed SQLite and PostgreSQL pools.
//!
//! sqlx's `Any` driver cannot decode timestamps or SQLite booleans, so the
//! store holds a typed pool and dispatches each query to it. Queries are
//! written once (`$1` placeholders work on both) with `Arg` binds and decoded
//! into `#[derive(FromRow)]` structs that implement `FromRow` for both rows.

mod arg;
mod bulk;
mod direct;
pub mod paging;
pub mod records;
pub mod replica;
pub mod reports;
mod sql;
mod ssns_on_file;
#[cfg(feature = "test-sql")]
pub mod testing;
mod tx;

pub mod accounts;
pub mod audit;
pub mod bench;
pub mod book;
pub mod brokers;
pub mod cases;
pub mod codes;
pub mod commissions;
pub mod count;
pub mod employers;
pub mod groups;
pub mod imports;
pub mod key_rotation;
pub mod lists;
pub mod live;
pub mod load;
pub mod maintenance;
pub mod members;
pub mod presence;
pub mod staff;
pub mod x12;

pub use arg::{Arg, Cell, sqlite_time};
pub use direct::start_process;
pub use paging::{Cursor, Dir, Page};
pub use replica::ReplicaStatus;
use sql::Sql;
pub use ssns_on_file::{SsnsOnFile, prefix as ssn_prefix};
pub use tx::Tx;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous};
use sqlx::{FromRow, PgPool, SqlitePool};

/// Which engine a store talks to; a few statements differ by dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Lower-case name for banners and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A row type that decodes from either backend.
pub trait Record: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin + 'static {}
impl<T> Record for T where T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin + 'static {}

#[derive(Clone, Debug)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// How to open a store.
#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    /// Refuse writes in the engine too (PostgreSQL session read-only; SQLite opened read-only).
    pub read_only: bool,
    /// Create a missing SQLite file (the demo and first run do; `--db` to a typo does not).
    pub create: bool,
    /// PostgreSQL connections the store may hold at once; 0 is the
    /// default of 8 (tests, the demo, benchmarks). A TUI asks for 2 and a
    /// CLI command for 1 (`database.max_connections`), so that a whole
    /// department fits the server's connection limit.
    pub max_connections: u32,
    /// Behind a pooler in transaction mode (PgBouncer): no startup options,
    /// no statement kept by name, no session lock (so no migration: the
    /// schema is migrated against the server directly).
    pub pooler: bool,
    /// A hot standby to read lists and lookups from (PostgreSQL; empty:
    /// none). Opened lazily with the same budget and pooler rules: a
    /// replica that is down fails nothing, reads go to the primary.
    pub replica_url: String,
    /// How far behind (ms) the replica may be and still be read; 0 is the
    /// default of 2 000.
    pub replica_max_lag_ms: u64,
}

/// The replica lag allowed when `OpenOptions::replica_max_lag_ms` is 0.
pub const DEFAULT_REPLICA_MAX_LAG_MS: u64 = 2000;

/// The handle every query goes through. Cheap to clone (pools are shared).
#[derive(Clone, Debug)]
pub struct Store {
    pool: Pool,
    url: String,
    /// The URL as given (with any password), to open side connections.
    raw_url: String,
    read_only: bool,
    /// Statements are prepared under names the connection keeps (false
    /// behind a transaction pooler, where the next transaction may run on
    /// another server connection).
    named: bool,
    /// Behind a transaction pooler (`OpenOptions::pooler`).
    pooler: bool,
    /// The read replica beside this primary, shared by the clones.
    replica: Option<replica::Shared>,
    /// Every read on the primary (`Store::primary`).
    pinned: bool,
    /// This is a replica's store: the process ids it publishes for a cancel
    /// are negative, so the cancel goes to the replica.
    on_replica: bool,
    /// On a replica's store: where a read goes when the replica loses it
    /// (the replica died between two lag checks).
    fallback: Option<std::sync::Arc<replica::Fallback>>,
}

/// Why a store could not be opened, phrased for the person at the terminal.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("database URL {0:?} is not understood: use sqlite://PATH or postgres://USER@HOST/DB")]
    BadUrl(String),
    #[error(
        "SQLite database {path} does not exist: run `portaldesk demo --db {url}` or `portaldesk migrate --db {url}` first"
    )]
    Missing { path: String, url: String },
    #[error("cannot reach PostgreSQL at {url}: {cause}. Is the server running and the URL right?")]
    Unreachable { url: String, cause: String },
    #[error("{url} is locked by another process: close it or wait, then retry")]
    Locked { url: String },
    #[error("{url} is not a usable SQLite database ({cause}): restore it from a backup or point --db elsewhere")]
    Corrupt { url: String, cause: String },
    #[error("migrating {url} failed: {cause}")]
    Migrate { url: String, cause: String },
    #[error("{url} has no portal schema and the session is read-only: run `portaldesk migrate` first")]
    NoSchema { url: String },
    #[error("database error on {url}: {cause}")]
    Other { url: String, cause: String },
}

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static PG_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// The schema version this program migrates databases to: the latest
/// migration's number (both engines' folders are kept in step).
pub fn schema_version() -> i64 {
    SQLITE_MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

/// `postgres://user:secret@host/db` shown as `postgres://user:***@host/db`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

/// Copies the SQLite write-ahead log into the database file every second,
/// on a connection of its own. Connections are opened with
/// `wal_autocheckpoint = 0`, because otherwise the commit that crosses the
/// WAL size limit does the checkpoint and its fsyncs itself: one `take` in
/// fifty would wait several milliseconds for them. Ends when the pool closes.
async fn checkpoint_wal(pool: sqlx::SqlitePool) {
    // The first tick a second from now: a one-shot command need not checkpoint at start.
    let mut tick =
        tokio::time::interval_at(tokio::time::Instant::now() + Duration::from_secs(1), Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if pool.is_closed() {
            return;
        }
        // PASSIVE never blocks readers or writers; a busy moment is simply retried next tick.
        if let Err(sqlx::Error::PoolClosed) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&pool).await {
            return;
        }
    }
}

/// The page cache of a connection loading many rows (SQLite's notation:
/// negative is KiB, so 256 MB): an import's index pages kept from one batch
/// to the next. The bench gives the plain engine the same.
pub const SQLITE_BULK_CACHE: &str = "-262144";

/// How every SQLite connection that reads and writes is opened, with a page
/// cache of `cache_size` (SQLite's notation: negative is KiB). Checkpoints
/// are `checkpoint_wal`'s, not the committing connection's.
fn sqlite_options(url: &str, cache_size: &'static str) -> Result<SqliteConnectOptions, sqlx::Error> {
    Ok(SqliteConnectOptions::from_str(url)?
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5))
        .pragma("cache_size", cache_size)
        .pragma("temp_store", "memory")
        .pragma("wal_autocheckpoint", "0"))
}

/// The file a `sqlite:` URL names (scheme and query stripped).
pub fn sqlite_path(url: &str) -> &str {
    let p = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
    p.split('?').next().unwrap_or(p)
}

/// How a PostgreSQL connection is opened (the primary's and the replica's).
fn pg_options(url: &str, opts: &OpenOptions) -> Result<PgConnectOptions, sqlx::Error> {
    // JIT compilation pays off for long analytical queries; for an
    // interactive tool it adds 100+ ms to any query the planner
    // costs high (a broker's 5 000-grant book), so it is off.
    let mut co = PgConnectOptions::from_str(url)?.application_name("portaldesk");
    if opts.pooler {
        // PgBouncer passes no startup option on: settings such as
        // `jit = off` belong to the role (ALTER ROLE … SET), and a
        // read-only session's transactions begin READ ONLY.
        co = co.extra_float_digits(None).statement_cache_capacity(0);
    } else {
        co = co.options([("jit", "off")]);
        if opts.read_only {
            co = co.options([("default_transaction_read_only", "on")]);
        }
    }
    Ok(co)
}

/// The PostgreSQL connections a pool may hold (0 asks for the default of 8).
fn pg_connections(opts: &OpenOptions) -> u32 {
    if opts.max_connections == 0 { 8 } else { opts.max_connections }
}

impl Store {
    /// Opens (and, unless read-only, migrates) the database at `url`.
    pub async fn open(url: &str, opts: &OpenOptions) -> Result<Store, OpenError> {
        let shown = redact_url(url);
        let pool = if url.starts_with("sqlite:") {
            let path = sqlite_path(url);
            if !opts.create && path != ":memory:" && !std::path::Path::new(path).exists() {
                return Err(OpenError::Missing { path: path.to_owned(), url: shown });
            }
            let co = sqlite_options(url, "-65536")
                .map_err(|_| OpenError::BadUrl(shown.clone()))?
                .create_if_missing(opts.create && !opts.read_only)
                .read_only(opts.read_only);
            let co = if opts.read_only { co } else { co.journal_mode(SqliteJournalMode::Wal) };
            let pool = SqlitePoolOptions::new()
                .max_connections(4)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(co)
                .await
                .map_err(|e| classify_sqlite(&shown, e))?;
            // A corrupt or foreign file opens fine and fails on first read.
            sqlx::query("SELECT count(*) FROM sqlite_master")
                .execute(&pool)
                .await
                .map_err(|e| classify_sqlite(&shown, e))?;
            if !opts.read_only {
                tokio::spawn(checkpoint_wal(pool.clone()));
            }
            Pool::Sqlite(pool)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let co = pg_options(url, opts).map_err(|_| OpenError::BadUrl(shown.clone()))?;
            let pool = PgPoolOptions::new()
                .max_connections(pg_connections(opts))
                .acquire_timeout(Duration::from_secs(5))
                .connect_with(co)
                .await
                .map_err(|e| OpenError::Unreachable { url: shown.clone(), cause: short_cause(&e) })?;
            Pool::Postgres(pool)
        } else {
            return Err(OpenError::BadUrl(shown));
        };
        let pooled = opts.pooler && matches!(pool, Pool::Postgres(_));
        let replica = match opts.replica_url.trim() {
            "" => None,
            _ if !matches!(pool, Pool::Postgres(_)) => {
                return Err(OpenError::Other {
                    url: shown,
                    cause: "database.replica_url is set, but a read replica needs PostgreSQL as the primary \
                            (SQLite has none): leave it empty"
                        .into(),
                });
            }
            r => {
                let lag = match opts.replica_max_lag_ms {
                    0 => DEFAULT_REPLICA_MAX_LAG_MS,
                    ms => ms,
                };
                Some((replica::open(r, opts)?, Duration::from_millis(lag)))
            }
        };
        let mut store = Store {
            pool,
            url: shown,
            raw_url: url.to_owned(),
            read_only: opts.read_only,
            named: !pooled,
            pooler: pooled,
            replica: None,
            pinned: false,
            on_replica: false,
            fallback: None,
        };
        if let Some((standby, max_lag)) = replica {
            store.replica = Some(replica::attach(&store, standby, max_lag));
        }
        if pooled {
            store.check_migrated().await?;
        } else if opts.read_only {
            store.check_schema().await?;
        } else {
            store.migrate().await?;
        }
        // The first lag check now (2 s at most), so that a command's one
        // read can already go to the replica.
        store.check_replica().await;
        Ok(store)
    }

    /// The same database on a pool of its own of at most `max_connections`
    /// (PostgreSQL; SQLite keeps its small pool), opened as another
    /// portaldesk would open it (the staff load bench's sessions).
    pub async fn reopen(&self, max_connections: u32) -> Result<Store, OpenError> {
        let opts = OpenOptions {
            read_only: self.read_only,
            create: false,
            max_connections,
            pooler: self.pooler,
            replica_url: self.replica.as_ref().map(|r| r.store.raw_url.clone()).unwrap_or_default(),
            replica_max_lag_ms: self.replica.as_ref().map_or(0, |r| r.max_lag_ms()),
        };
        Store::open(&self.raw_url, &opts).await
    }

    /// Applies pending migrations; running it again is a no-op.
    pub async fn migrate(&self) -> Result<(), OpenError> {
        if self.pooler {
            // The migrator holds a session lock, which a transaction pooler
            // would leave on whichever server connection took it.
            return Err(OpenError::Migrate {
                url: self.url.clone(),
                cause: "migrations need a session of their own: run `portaldesk migrate` against the server \
                        directly, not through the pooler"
                    .into(),
            });
        }
        let before = self.migrations_applied().await;
        let run = || async {
            match &self.pool {
                Pool::Sqlite(p) => SQLITE_MIGRATOR.run(p).await,
                Pool::Postgres(p) => PG_MIGRATOR.run(p).await,
            }
        };
        let mut r = run().await;
        // Another process migrating the same SQLite file at once (staff
        // starting together after an upgrade: SQLite has no migration
        // lock) makes ours fail on what it created; its progress shows as
        // migrations applied meanwhile. Run again, skipping those, while it
        // moves on.
        let mut seen = before;
        while r.is_err() && self.backend() == Backend::Sqlite {
            let now = self.migrations_applied().await;
            if now <= seen {
                break;
            }
            seen = now;
            tokio::time::sleep(Duration::from_millis(100)).await;
            r = run().await;
        }
        r.map_err(|e| match e {
            sqlx::migrate::MigrateError::Execute(db) => self.classify(db),
            other => OpenError::Migrate { url: self.url.clone(), cause: other.to_string() },
        })?;
        // SQLite plans by the statistics ANALYZE left; an index a migration
        // adds to a database already filled has none, and the planner may
        // take it for the Members list's order and sort a million rows per
        // page. Fresh (sampled) statistics after such a migration prevent it.
        if self.backend() == Backend::Sqlite && before > 0 && self.migrations_applied().await > before {
            let fresh = async {
                self.execute("PRAGMA analysis_limit = 1000", vec![]).await?;
                self.execute("ANALYZE", vec![]).await
            };
            fresh.await.map_err(|e| self.classify(e))?;
        }
        Ok(())
    }

    /// How many migrations the database has had (0 before the first).
    async fn migrations_applied(&self) -> i64 {
        let row: Result<(i64,), _> = self.fetch_one("SELECT count(*) FROM _sqlx_migrations", vec![]).await;
        row.map_or(0, |r| r.0)
    }

    /// Behind a pooler, where no migration runs: the schema must be there
    /// and have every migration this build knows.
    async fn check_migrated(&self) -> Result<(), OpenError> {
        self.check_schema().await?;
        let known = PG_MIGRATOR.iter().count() as i64;
        let applied = self.migrations_applied().await;
        if applied < known {
            return Err(OpenError::Migrate {
                url: self.url.clone(),
                cause: format!(
                    "the schema has {applied} of this version's {known} migrations: run `portaldesk migrate` \
                     against the server directly, not through the pooler"
                ),
            });
        }
        Ok(())
    }

    async fn check_schema(&self) -> Result<(), OpenError> {
        let sql = self.pick(
            "SELECT count(*) FROM sqlite_master WHERE name = 'audit_log'",
            "SELECT count(*) FROM pg_tables WHERE tablename = 'audit_log'",
        );
        let (n,): (i64,) = self.fetch_one(sql, vec![]).await.map_err(|e| self.classify(e))?;
        if n == 0 {
            return Err(OpenError::NoSchema { url: self.url.clone() });
        }
        Ok(())
    }

    fn classify(&self, e: sqlx::Error) -> OpenError {
        match self.backend() {
            Backend::Sqlite => classify_sqlite(&self.url, e),
            Backend::Postgres => OpenError::Other { url: self.url.clone(), cause: short_cause(&e) },
        }
    }

    /// The engine behind this store.
    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// The URL with any password hidden: safe for banners and logs.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Whether the engine was opened read-only.
    pub fn read_only(&self) -> bool {
        self.read_only
    }

    /// Chooses the statement for this dialect where the two differ.
    pub(in crate::store) fn pick(&self, sqlite: &'static str, postgres: &'static str) -> &'static str {
        match self.backend() {
            Backend::Sqlite => sqlite,
            Backend::Postgres => postgres,
        }
    }

    /// A transaction for one statement of a read behind a pooler: its
    /// commit is no change of this session's (see `wrote`).
    async fn begin_read(&self) -> Result<Tx, sqlx::Error> {
        let mut tx = self.begin().await?;
        if let Tx::Postgres(_, _, replica) = &mut tx {
            *replica = None;
        }
        Ok(tx)
    }

    /// Starts a transaction; `Tx::commit` ends it, dropping it rolls back.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        Ok(match &self.pool {
            Pool::Sqlite(p) => Tx::Sqlite(p.begin().await?),
            Pool::Postgres(p) => self.begin_pg(p).await?,
        })
    }

    /// A PostgreSQL transaction; READ ONLY for a read-only session behind a
    /// pooler, which cannot make the whole session read-only.
    async fn begin_pg(&self, p: &PgPool) -> Result<Tx, sqlx::Error> {
        let tx = if self.read_only && self.pooler { p.begin_with("BEGIN READ ONLY").await? } else { p.begin().await? };
        Ok(Tx::Postgres(tx, self.named, self.replica.clone()))
    }

    /// Starts a SQLite write transaction that takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so read-then-write steps cannot deadlock; on
    /// PostgreSQL a plain transaction.
    pub async fn begin_write(&self) -> Result<Tx, sqlx::Error> {
        Ok(match &self.pool {
            Pool::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Pool::Postgres(p) => self.begin_pg(p).await?,
        })
    }

    /// A store for one long run of write transactions (an import): on
    /// SQLite a connection of its own with a 256 MB page cache, so the index
    /// pages one transaction reads are still there for the next (the pool's
    /// connections keep 64 MB each), given back when the run drops it; on
    /// PostgreSQL this store (the server keeps the cache). Without
    /// `foreign_keys`, SQLite checks none: it checks an immediate foreign key
    /// of a multi-row INSERT through a statement journal, a copy of each page
    /// the statement touches, which costs an import of new members a quarter
    /// of its time. The caller then checks the parents its rows name.
    pub async fn bulk_writer(&self, foreign_keys: bool) -> Result<Store, sqlx::Error> {
        match &self.pool {
            Pool::Sqlite(_) if sqlite_path(&self.raw_url) != ":memory:" => {
                let co = sqlite_options(&self.raw_url, SQLITE_BULK_CACHE)?.foreign_keys(foreign_keys);
                // One connection for the whole run, never replaced while it
                // works: what it has read (`SsnsOnFile`) is known to be its own.
                let pool = SqlitePoolOptions::new()
                    .max_connections(1)
                    .max_lifetime(None)
                    .idle_timeout(None)
                    .connect_with(co)
                    .await?;
                Ok(Store { pool: Pool::Sqlite(pool), ..self.clone() })
            }
            _ => Ok(self.clone()),
        }
    }

    /// A store for reading a whole table a page at a time (a report): on
    /// SQLite one connection of its own with an 8 MB page cache, so a scan
    /// of a million members does not grow a pool connection's cache to its
    /// 64 MB and keep it (the report's memory stays bounded), closed by the
    /// caller when the run ends; None on PostgreSQL (the server keeps the
    /// cache: read through this store).
    pub async fn streaming_reader(&self) -> Result<Option<Store>, sqlx::Error> {
        match &self.pool {
            Pool::Sqlite(_) if sqlite_path(&self.raw_url) != ":memory:" => {
                let co = sqlite_options(&self.raw_url, "-8192")?;
                let pool = SqlitePoolOptions::new().max_connections(1).connect_with(co).await?;
                Ok(Some(Store { pool: Pool::Sqlite(pool), ..self.clone() }))
            }
            _ => Ok(None),
        }
    }

    /// Starts a transaction for loading many rows at once. Foreign keys are
    /// checked once at the end rather than per statement: on SQLite the
    /// transaction runs on a side connection with enforcement off, and
    /// `check_foreign_keys` must be called after commit; on PostgreSQL the
    /// (deferrable) constraints are deferred to commit.
    pub async fn begin_bulk(&self) -> Result<Tx, sqlx::Error> {
        match &self.pool {
            Pool::Sqlite(_) => {
                let co = SqliteConnectOptions::from_str(&self.raw_url)?
                    .foreign_keys(false)
                    .busy_timeout(Duration::from_secs(5))
                    .pragma("cache_size", SQLITE_BULK_CACHE)
                    .pragma("temp_store", "memory");
                let side = SqlitePoolOptions::new().max_connections(1).connect_with(co).await?;
                Ok(Tx::Sqlite(side.begin_with("BEGIN IMMEDIATE").await?))
            }
            Pool::Postgres(p) => {
                let mut tx = self.begin_pg(p).await?;
                tx.execute("SET CONSTRAINTS ALL DEFERRED", vec![]).await?;
                Ok(tx)
            }
        }
    }

    /// Lists foreign-key violations after a bulk load (SQLite; PostgreSQL
    /// has already refused to commit any). Returns `table → parent` pairs.
    pub async fn check_foreign_keys(&self) -> Result<Vec<(String, String)>, sqlx::Error> {
        match self.backend() {
            Backend::Sqlite => {
                let rows: Vec<(String, Option<i64>, String, i64)> = self
                    .fetch_all("SELECT \"table\", rowid, parent, fkid FROM pragma_foreign_key_check", vec![])
                    .await?;
                Ok(rows.into_iter().map(|(t, _, p, _)| (t, p)).collect())
            }
            Backend::Postgres => Ok(Vec::new()),
        }
    }

    /// Closes the pools, the replica's too (waits for connections to be returned).
    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite(p) => p.close().await,
            Pool::Postgres(p) => p.close().await,
        }
        if let Some(r) = &self.replica {
            Box::pin(r.store.close()).await;
        }
    }

    /// Asks the server for nothing, to learn whether it is there: the TUI
    /// does so now and then on PostgreSQL, and often while reconnecting.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        match &self.pool {
            Pool::Sqlite(p) => sqlx::query("SELECT 1").execute(p).await.map(|_| ()),
            Pool::Postgres(p) => sqlx::query("SELECT 1").execute(p).await.map(|_| ()),
        }
    }

    /// Runs a statement that no transaction may hold (VACUUM) as one simple
    /// query: no parse-then-bind, so a transaction pooler runs it whole on
    /// one server connection.
    pub(in crate::store) async fn outside_transaction(&self, sql: impl sqlx::SqlSafeStr) -> Result<(), sqlx::Error> {
        match &self.pool {
            Pool::Sqlite(p) => sqlx::raw_sql(sql).execute(p).await.map(|_| ()),
            Pool::Postgres(p) => sqlx::raw_sql(sql).execute(p).await.map(|_| ()),
        }
    }

    /// Runs `pg_cancel_backend` for a query that the user cancelled, so the
    /// server stops working on it too (dropping the future alone does not).
    /// `running` is what `fetch_all_cancellable` published: the server
    /// process and the token its transaction carries as `application_name`;
    /// the cancel reaches that process only while it is still in that
    /// transaction, so a late cancel never stops the next transaction the
    /// process runs (behind a pooler, a colleague's note).
    pub async fn cancel_backend(&self, running: i64) {
        if running < 0 {
            // A read the replica served (`fetch_all_cancellable` on it).
            if let Some(r) = &self.replica {
                Box::pin(r.store.cancel_backend(-running)).await;
            }
            return;
        }
        if self.backend() == Backend::Postgres {
            // Best effort: the query may have finished meanwhile.
            let sql = "SELECT pg_cancel_backend(pid) FROM pg_stat_activity \
                       WHERE pid = CAST($1 AS INTEGER) AND application_name = $2";
            let (pid, token) = (backend_of(running), running >> 32);
            let _ = self.execute(sql, crate::args![i64::from(pid), cancel_token(token)]).await;
        }
    }

    /// As `fetch_all`, but on PostgreSQL publishes the query in `running`
    /// (0 when none: see `cancel_backend`) so it can be cancelled.
    pub(in crate::store) async fn fetch_all_cancellable<T: Record>(
        &self,
        sql: impl sqlx::SqlSafeStr,
        args: Vec<Arg>,
        pid: &std::sync::atomic::AtomicI64,
    ) -> Result<Vec<T>, sqlx::Error> {
        let Some(fallback) = &self.fallback else { return self.fetch_all_cancellable_here(sql, args, pid).await };
        let sql = sql.into_sql_str();
        let again = (sql.clone(), args.clone());
        match self.fetch_all_cancellable_here(sql, args, pid).await {
            Err(e) if fault(&e) == Some(Fault::ConnectionLost) => {
                fallback.replica_lost(&e);
                Box::pin(fallback.primary.fetch_all_cancellable(again.0, again.1, pid)).await
            }
            done => done,
        }
    }

    async fn fetch_all_cancellable_here<T: Record>(
        &self,
        sql: impl sqlx::SqlSafeStr,
        args: Vec<Arg>,
        pid: &std::sync::atomic::AtomicI64,
    ) -> Result<Vec<T>, sqlx::Error> {
        use std::sync::atomic::Ordering;
        match &self.pool {
            Pool::Sqlite(_) => self.fetch_all(sql, args).await,
            Pool::Postgres(p) => {
                // One transaction, so that behind a pooler the process id
                // read is the one that runs the query (a cancel must never
                // reach a colleague's query on a shared server connection).
                // The transaction carries a token of its own as its
                // application_name (reset at commit), which the cancel checks.
                let mut tx = p.begin().await?;
                let token = i64::from(rand::random::<u32>() >> 1) + 1;
                let (id, _): (i32, String) =
                    sqlx::query_as("SELECT pg_backend_pid(), set_config('application_name', $1, true)")
                        .persistent(self.named)
                        .bind(cancel_token(token))
                        .fetch_one(&mut *tx)
                        .await?;
                let running = (token << 32) | i64::from(id as u32);
                pid.store(if self.on_replica { -running } else { running }, Ordering::SeqCst);
                let rows = arg::bind_pg(sqlx::query_as(sql).persistent(self.named), args).fetch_all(&mut *tx).await;
                pid.store(0, Ordering::SeqCst);
                let rows = rows?;
                tx.commit().await?;
                Ok(rows)
            }
        }
    }
}

tx::executor_methods!(Store as [pool_fetch_all, pool_fetch_optional, pool_fetch_one, pool_execute], [&self], match &self.pool => {
    Pool::Sqlite(p) => sqlite(p),
    Pool::Postgres(p) => pg(p, self.named),
});

/// A statement on the store: straight on the pool, or behind a transaction
/// pooler inside a transaction of its own. sqlx parses a statement with
/// parameters, syncs, then binds it; outside a transaction the pooler may
/// hand the bind to another server connection, where nothing was parsed.
/// On a replica's store, a read the replica loses runs again on the primary.
macro_rules! pooled {
    ($self:ident, $begin:ident, $method:ident, $pool_method:ident, $sql:ident, $args:ident) => {
        match &$self.fallback {
            None => pooled!(@here $self, $begin, $method, $pool_method, $sql, $args),
            Some(fallback) => {
                let $sql = sqlx::SqlSafeStr::into_sql_str($sql);
                let again = ($sql.clone(), $args.clone());
                match pooled!(@here $self, $begin, $method, $pool_method, $sql, $args) {
                    Err(e) if fault(&e) == Some(Fault::ConnectionLost) => {
                        fallback.replica_lost(&e);
                        Box::pin(fallback.primary.$method(again.0, again.1)).await
                    }
                    done => done,
                }
            }
        }
    };
    (@here $self:ident, $begin:ident, $method:ident, $pool_method:ident, $sql:ident, $args:ident) => {
        if $self.pooler {
            // Boxed: the callers' futures stay as small as without a pooler.
            Box::pin(async move {
                let mut tx = $self.$begin().await?;
                let out = tx.$method($sql, $args).await?;
                tx.commit().await?;
                Ok(out)
            })
            .await
        } else {
            $self.$pool_method($sql, $args).await
        }
    };
}

impl Store {
    /// Runs a query and decodes every row.
    pub(in crate::store) async fn fetch_all<T: Record>(
        &self,
        sql: impl sqlx::SqlSafeStr,
        args: Vec<Arg>,
    ) -> Result<Vec<T>, sqlx::Error> {
        pooled!(self, begin_read, fetch_all, pool_fetch_all, sql, args)
    }

    /// Runs a query and decodes the first row, if any.
    pub(in crate::store) async fn fetch_optional<T: Record>(
        &self,
        sql: impl sqlx::SqlSafeStr,
        args: Vec<Arg>,
    ) -> Result<Option<T>, sqlx::Error> {
        pooled!(self, begin_read, fetch_optional, pool_fetch_optional, sql, args)
    }

    /// Runs a query that must return a row.
    pub(in crate::store) async fn fetch_one<T: Record>(
        &self,
        sql: impl sqlx::SqlSafeStr,
        args: Vec<Arg>,
    ) -> Result<T, sqlx::Error> {
        pooled!(self, begin_read, fetch_one, pool_fetch_one, sql, args)
    }

    /// Runs a statement and returns the number of rows it touched.
    pub(in crate::store) async fn execute(
        &self,
        sql: impl sqlx::SqlSafeStr,
        args: Vec<Arg>,
    ) -> Result<u64, sqlx::Error> {
        let n = pooled!(self, begin_read, execute, pool_execute, sql, args)?;
        self.wrote();
        Ok(n)
    }
}

/// The server process of a query `fetch_all_cancellable` published.
pub fn backend_of(running: i64) -> i32 {
    (running.unsigned_abs() & 0xffff_ffff) as u32 as i32
}

/// The `application_name` a cancellable query's transaction carries.
fn cancel_token(token: i64) -> String {
    format!("portaldesk cancel {token}")
}

/// The start of the message of an error that lost the database connection:
/// the TUI shows "reconnecting" when a task reports it.
pub const CONNECTION_LOST: &str = "the connection to the database was lost";

/// The start of the message of a write that found no room.
pub const DISK_FULL: &str = "the disk is full or the database file hit a size limit";

/// A failure of the machine rather than of the request: named so that the
/// operator reads what to do, not a driver's wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The server went away (restart, network); the request may not have run.
    ConnectionLost,
    /// SQLite could not write its files (no space, a file-size limit, an I/O error).
    DiskFull,
}

/// Which fault, if any, an error is. PostgreSQL's shutdown notices (class
/// 57P) and connection exceptions (class 08) count as a lost connection, as
/// do socket errors and a closed pool; SQLite's FULL and IOERR codes as a
/// full disk.
pub fn fault(e: &sqlx::Error) -> Option<Fault> {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => Some(Fault::ConnectionLost),
        sqlx::Error::Database(db) => {
            let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
            if code.starts_with("57P") || code.starts_with("08") {
                Some(Fault::ConnectionLost)
            } else if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some()
                && matches!(code.parse::<i32>().map(|c| c & 0xff), Ok(10 | 13))
            {
                Some(Fault::DiskFull)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// The first line of an error, without sqlx's wrapping; a fault is named
/// first, with the driver's words after it.
pub fn short_cause(e: &sqlx::Error) -> String {
    match fault(e) {
        Some(Fault::ConnectionLost) => {
            return format!(
                "{CONNECTION_LOST} ({}): not applied; look, then try again once reconnected",
                plain_cause(e)
            );
        }
        Some(Fault::DiskFull) => {
            return format!(
                "{DISK_FULL} ({}): free space or raise the limit, then run it again; what was committed is kept",
                plain_cause(e)
            );
        }
        None => {}
    }
    plain_cause(e)
}

fn plain_cause(e: &sqlx::Error) -> String {
    let s = match e {
        sqlx::Error::Database(db) => db.message().to_owned(),
        other => other.to_string(),
    };
    s.lines().next().unwrap_or_default().to_owned()
}

fn classify_sqlite(url: &str, e: sqlx::Error) -> OpenError {
    let cause = short_cause(&e);
    let lc = cause.to_lowercase();
    if lc.contains("locked") || lc.contains("busy") {
        OpenError::Locked { url: url.to_owned() }
    } else if lc.contains("not a database") || lc.contains("malformed") || lc.contains("corrupt") {
        OpenError::Corrupt { url: url.to_owned(), cause }
    } else if lc.contains("unable to open") {
        OpenError::Other { url: url.to_owned(), cause: format!("{cause} (check the folder exists and is writable)") }
    } else {
        OpenError::Other { url: url.to_owned(), cause }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lost_connections_are_named_and_other_errors_are_not() {
        let io = sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionReset));
        assert_eq!(fault(&io), Some(Fault::ConnectionLost));
        assert_eq!(fault(&sqlx::Error::PoolClosed), Some(Fault::ConnectionLost));
        assert_eq!(fault(&sqlx::Error::PoolTimedOut), Some(Fault::ConnectionLost));
        assert_eq!(fault(&sqlx::Error::RowNotFound), None);
        assert!(short_cause(&io).starts_with(CONNECTION_LOST), "{}", short_cause(&io));
        assert!(short_cause(&io).contains("not applied"));
        assert!(!short_cause(&sqlx::Error::RowNotFound).contains(CONNECTION_LOST));
    }

    #[test]
    fn redacts_passwords_only() {
        assert_eq!(redact_url("postgres://u:pw@h:5432/db"), "postgres://u:***@h:5432/db");
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact_url("sqlite:///tmp/x.db"), "sqlite:///tmp/x.db");
    }

    #[test]
    fn sqlite_path_strips_scheme_and_query() {
        assert_eq!(sqlite_path("sqlite:///tmp/a.db?mode=rwc"), "/tmp/a.db");
        assert_eq!(sqlite_path("sqlite:rel.db"), "rel.db");
    }
}
