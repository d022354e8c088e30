//! From flags to a working session: config, logging, data key, store,
//! keymap and operator, each failing with one clear line (exit code 2).

use std::path::PathBuf;

use crate::config::{Config, Overrides, Paths};
use crate::crypto::DataKey;
use crate::fatal::Fatal;
use crate::keymap::Keymap;
use crate::ops::{Clock, Ops};
use crate::store::{OpenOptions, Store};

/// What every command starts from.
pub struct Context {
    pub paths: Paths,
    pub config: Config,
    /// The URL to open (the demo database when none is configured).
    pub url: String,
    /// Whether `url` is the built-in demo database.
    pub is_demo: bool,
}

/// Reads configuration from every layer.
pub fn context(overrides: &Overrides) -> Result<Context, Fatal> {
    let paths = Paths::discover();
    let config = Config::load(Some(&paths.config_file), std::env::vars(), overrides)?;
    let (url, is_demo) = if config.database_url.trim().is_empty() {
        (format!("sqlite://{}", paths.demo_db().display()), true)
    } else {
        (config.database_url.trim().to_owned(), false)
    };
    Ok(Context { paths, config, url, is_demo })
}

/// Sends tracing to a log file in the data directory, never to the
/// terminal. Returns the guard that flushes it; logging failing to start
/// only loses the log.
pub fn init_logging(ctx: &Context) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    std::fs::create_dir_all(&ctx.paths.log_dir).ok()?;
    let appender = tracing_appender::rolling::never(&ctx.paths.log_dir, "portaldesk.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = tracing_subscriber::EnvFilter::try_new(&ctx.config.log.level).unwrap_or_else(|_| "info".into());
    tracing_subscriber::fmt().with_writer(writer).with_ansi(false).with_env_filter(filter).try_init().ok()?;
    Some(guard)
}

/// The log file's path.
pub fn log_file(ctx: &Context) -> PathBuf {
    ctx.paths.log_dir.join("portaldesk.log")
}

/// Loads the data key (env var first, then the key file) and, while a
/// rotation is under way, the key it moves to.
pub fn data_key(ctx: &Context) -> Result<DataKey, Fatal> {
    let env = std::env::var("PORTALDESK_DATA_KEY").ok();
    Ok(DataKey::load_with_next(env.as_deref(), &ctx.paths.key_file())?)
}

/// The connections a terminal (or a script, which runs the same app) holds.
pub const TERMINAL_CONNECTIONS: u32 = 2;
/// The connections a CLI command holds: it does one thing at a time.
pub const COMMAND_CONNECTIONS: u32 = 1;
/// The connections a command that runs a job holds (import, worker, bench).
pub const JOB_CONNECTIONS: u32 = 4;

/// Opens the configured store with at most `connections` (unless
/// `database.max_connections` says otherwise).
pub async fn open_store(ctx: &Context, connections: u32) -> Result<Store, Fatal> {
    let db = &ctx.config.database;
    let opts = OpenOptions {
        read_only: ctx.config.read_only,
        create: false,
        max_connections: db.connections(connections),
        pooler: db.pooler == crate::config::Pooler::Transaction,
        replica_url: db.replica_url.clone(),
        replica_max_lag_ms: db.replica_max_lag_ms,
    };
    Ok(Store::open(&ctx.url, &opts).await?)
}

/// Loads the keymap, reporting every problem at once.
pub fn keymap(ctx: &Context) -> Result<Keymap, Fatal> {
    let file = ctx.paths.config_file.with_file_name("keymap.toml");
    Keymap::load(Some(&file)).map_err(|problems| {
        Fatal::of(
            crate::error_code::ErrorCode::Config,
            format!(
                "the keymap has {} problem(s); fix them and start again:\n  {}",
                problems.len(),
                problems.join("\n  ")
            ),
        )
    })
}

/// Resolves the operator to an active staff account.
pub async fn ops(ctx: &Context, store: Store) -> Result<Ops, Fatal> {
    Ok(Ops::for_operator(store, &ctx.config.operator_login(), ctx.config.read_only, Clock::System).await?)
}
