//! `portaldesk demo` and `portaldesk migrate`, and the demo database made on first run.

use std::time::Instant;

use crate::crypto::DataKey;
use crate::demo::{DemoOptions, seed};
use crate::fatal::Fatal;
use crate::startup::Context;
use crate::store::{OpenOptions, Store};

/// Members in the demo made on first run.
pub const FIRST_RUN_MEMBERS: u64 = 5000;

fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .map(|p| p.split('?').next().unwrap_or(p).into())
}

/// `portaldesk migrate`: creates or updates the schema.
/// Behind a transaction pooler it only checks: the migrator's session lock
/// needs the server itself.
pub async fn migrate(ctx: &Context) -> Result<u8, Fatal> {
    let pooler = ctx.config.database.pooler == crate::config::Pooler::Transaction;
    let store = Store::open(&ctx.url, &OpenOptions { create: true, pooler, ..OpenOptions::default() }).await?;
    println!("schema up to date: {}", store.url());
    Ok(0)
}

/// `portaldesk demo`: a fresh database full of realistic data.
pub async fn run(ctx: &Context, a: &crate::cli::DemoArgs) -> Result<u8, Fatal> {
    if let Some(path) = sqlite_file(&ctx.url) {
        if path.exists() {
            if !a.force {
                return Err(Fatal::new(format!("{} exists: pass --force to replace it", path.display())));
            }
            for suffix in ["", "-wal", "-shm"] {
                let p = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
                if p.exists() {
                    std::fs::remove_file(&p).map_err(|e| Fatal::new(format!("cannot remove {}: {e}", p.display())))?;
                }
            }
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Fatal::new(format!("cannot create {}: {e}", dir.display())))?;
        }
    }
    create(ctx, a.members, a.cases, a.seed).await?;
    Ok(0)
}

/// Creates, migrates and seeds the database at `ctx.url`, printing progress to stderr.
pub async fn create(ctx: &Context, members: u64, cases: Option<u64>, seed_value: u64) -> Result<(), Fatal> {
    let key = match std::env::var("PORTALDESK_DATA_KEY").ok().filter(|v| !v.is_empty()) {
        Some(v) => DataKey::load(Some(&v), &ctx.paths.key_file())?,
        None => DataKey::load_or_create(&ctx.paths.key_file())?,
    };
    let store = Store::open(&ctx.url, &OpenOptions { create: true, ..OpenOptions::default() }).await?;
    let existing = crate::store::staff::count(&store).await.map_err(|e| Fatal::database(&e))?;
    if existing > 0 {
        return Err(Fatal::new(format!(
            "{} already holds data: use a fresh database (or --force for the SQLite demo)",
            store.url()
        )));
    }
    eprintln!("seeding {} with {members} members…", store.url());
    let started = Instant::now();
    let opts = DemoOptions {
        members,
        cases,
        seed: seed_value,
        admin_login: ctx.config.operator_login(),
        now: chrono::Utc::now(),
        progress: true,
    };
    let s = seed(&store, &key, &opts)
        .await
        .map_err(|e| Fatal::new(format!("seeding failed: {}", crate::store::short_cause(&e))))?;
    store.close().await;
    eprintln!(
        "done in {:.1} s: {} employers, {} groups, {} members, {} cases, {} import jobs, {} brokers, {} commission statements, {} portal users, {} codes, {} staff (you are {:?}, admin)",
        started.elapsed().as_secs_f64(),
        s.employers,
        s.groups,
        s.members,
        s.cases,
        s.import_jobs,
        s.brokers,
        s.commission_statements,
        s.portal_users,
        s.codes,
        s.staff,
        opts.admin_login
    );
    Ok(())
}
