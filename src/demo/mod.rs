//! The demo database: a realistic, deterministic data set for every area,
//! made by `portaldesk demo` and on first run.
//!
//! The same seed and size give the same names, numbers and dates (SSN
//! ciphertexts differ, as every encryption uses a fresh nonce). SSNs are
//! drawn from areas 100–199 (made up, and never an ITIN's 900–999, which an
//! import refuses); brokers' tax IDs stay in the 9xx area, which the SSA
//! never issues as SSNs. Rows go in through multi-row INSERTs in one
//! transaction, which is what makes a million members take seconds.

mod accounts;
mod batch;
mod commissions;
mod names;
mod people;
mod work;

use chrono::{DateTime, Utc};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::crypto::DataKey;
use crate::store::{Store, load};

/// What to make.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// How many members (subscribers, QBs, direct-bill members and dependents).
    pub members: u64,
    /// How many cases; default one per twenty members (at least 200).
    pub cases: Option<u64>,
    /// The generator's seed: same seed, same data.
    pub seed: u64,
    /// The staff login made an active admin, so the person who ran the demo can work in it.
    pub admin_login: String,
    /// The moment the data is made around (ages, due dates, expiries).
    pub now: DateTime<Utc>,
    /// Print each phase and its time on stderr (the CLI does; tests do not).
    pub progress: bool,
}

/// How many rows of the main kinds were made, for the closing message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoSummary {
    pub employers: u64,
    pub groups: u64,
    pub members: u64,
    pub cases: u64,
    pub import_jobs: u64,
    pub brokers: u64,
    /// Commission statements, 24 months of them.
    pub commission_statements: u64,
    pub portal_users: u64,
    pub codes: u64,
    pub staff: u64,
}

/// Tables whose ids the demo sets itself; PostgreSQL's identity sequences
/// are moved past them afterwards so later inserts do not collide.
const EXPLICIT_IDS: &[&str] = &[
    "staff",
    "employers",
    "employer_groups",
    "carriers",
    "plans",
    "plan_years",
    "plan_rates",
    "plan_bundles",
    "bundle_plans",
    "members",
    "premiums",
    "cases",
    "import_jobs",
    "agencies",
    "brokers",
    "commission_statements",
];

/// Fills an empty, migrated database.
pub async fn seed(store: &Store, key: &DataKey, opts: &DemoOptions) -> Result<DemoSummary, sqlx::Error> {
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    let now = opts.now;
    let n = opts.members.max(1);
    let employers = (n / 2_000).clamp(5, 2_000) as usize;
    let brokers = (n / 2_000).clamp(10, 5_000) as usize;
    let n_cases = opts.cases.unwrap_or((n / 20).max(200));

    let started = std::time::Instant::now();
    let phase = |name: &str| {
        if opts.progress {
            eprintln!("  {:>6.1} s  {name}", started.elapsed().as_secs_f64());
        }
    };
    let mut tx = store.begin_bulk().await?;
    let indexes = load::secondary_indexes(&mut tx).await?;
    load::drop_indexes(&mut tx, &indexes).await?;
    let (staff, workers) = work::staff(&mut tx, &opts.admin_login, now).await?;
    phase("staff");
    let mut xr = accounts::extras_rng(opts.seed);
    accounts::carriers(&mut tx).await?;
    let mut groups = people::employers(&mut tx, &mut rng, &mut xr, employers, now).await?;
    phase("employers, groups and plans");
    let (member_count, refs) = people::members(&mut tx, &mut rng, key, &mut groups, n, now).await?;
    phase("members and their records");
    accounts::billing_and_communications(&mut tx, &mut xr, &groups.billed, now).await?;
    phase("group bills, payments and communications");
    let cases = work::cases(&mut tx, &mut rng, &groups, &refs, &workers, n_cases, now).await?;
    phase("cases");
    let import_jobs = work::imports(&mut tx, &mut rng, &groups, now).await?;
    let b = work::brokers(&mut tx, &mut rng, key, &groups, brokers, now).await?;
    let statements = commissions::statements(&mut tx, opts.seed, &b.direct_grants, &b.npns, now).await?;
    let codes = work::codes(&mut tx, &mut rng, key, employers, brokers, now).await?;
    work::outbox_and_audit(&mut tx, now, &opts.admin_login).await?;
    phase("imports, brokers, commission statements, accounts, codes");
    load::create_indexes(&mut tx, &indexes).await?;
    phase("indexes");
    load::sync_id_sequences(&mut tx, EXPLICIT_IDS).await?;
    tx.commit().await?;
    phase("commit");
    let broken = store.check_foreign_keys().await?;
    if let Some((table, parent)) = broken.first() {
        return Err(sqlx::Error::Protocol(format!(
            "demo data broke a foreign key: {table} → {parent} ({} rows)",
            broken.len()
        )));
    }
    load::analyze(store).await?;
    phase("key check and statistics");
    Ok(DemoSummary {
        employers: employers as u64,
        groups: groups.all.len() as u64,
        members: member_count,
        cases,
        import_jobs,
        brokers: b.brokers,
        commission_statements: statements,
        portal_users: b.portal_users,
        codes,
        staff,
    })
}
