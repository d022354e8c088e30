//! A read replica (a PostgreSQL hot standby) beside the primary.
//!
//! The store routes by function: a store function whose answer may be a
//! moment old (a list page, a count, a lookup, the parts of a view) reads
//! through `Store::reads`, which is the replica when it is fresh and the
//! primary otherwise; everything else (every transaction, every write, a
//! read that decides a write) uses the store itself, the primary. A caller
//! that must see what it has just written asks `Store::primary`, a handle
//! whose `reads` is always the primary. And a session never reads its own
//! change from behind: after it commits, its reads go to the primary until
//! a lag check shows the replica has replayed past that moment.
//!
//! Lag is measured (`Store::check_replica`: the TUI's health tick, and in
//! the background whenever a read finds the last measurement old) as the
//! standby's `now() - pg_last_xact_replay_timestamp()`, except that a
//! standby that has replayed up to the primary's current WAL position is 0
//! behind however long ago the last transaction was: a quiet primary is not
//! a late replica. Above `database.replica_max_lag_ms`, or when the replica
//! does not answer, reads go to the primary, and the banner says so.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::Store;

/// A measurement older than this no longer lets reads go to the replica
/// (a new one is started in the background by the read that finds it old).
const STALE: Duration = Duration::from_secs(10);

/// How long a lag check may take before the replica counts as unreachable.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// What the last lag check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplicaStatus {
    /// Not measured yet: reads go to the primary meanwhile.
    Unknown,
    /// Within `replica_max_lag_ms`: reads go to the replica.
    Fresh { lag_ms: u64 },
    /// Further behind than allowed (`None`: by how much is not known yet,
    /// as right after the standby started): reads go to the primary.
    Behind { lag_ms: Option<u64> },
    /// The replica did not answer (down, refused, no answer in 2 s).
    Unreachable { cause: String },
    /// The server at the replica URL is not in recovery (a primary, or a
    /// promoted standby): its data may differ, so it is not read.
    NotStandby,
}

impl ReplicaStatus {
    /// Whether reads may go to the replica.
    pub fn readable(&self) -> bool {
        matches!(self, ReplicaStatus::Fresh { .. })
    }

    /// The banner's words: the lag when reading from the replica, and why
    /// not otherwise ("replica 3.2 s behind: reading from the primary").
    pub fn note(&self) -> String {
        let secs = |ms: u64| format!("{:.1} s", ms as f64 / 1000.0);
        match self {
            ReplicaStatus::Unknown => String::new(),
            ReplicaStatus::Fresh { lag_ms } => format!("replica {} behind", secs(*lag_ms)),
            ReplicaStatus::Behind { lag_ms: Some(ms) } => {
                format!("replica {} behind: reading from the primary", secs(*ms))
            }
            ReplicaStatus::Behind { lag_ms: None } => "replica catching up: reading from the primary".into(),
            ReplicaStatus::Unreachable { .. } => "replica unreachable: reading from the primary".into(),
            ReplicaStatus::NotStandby => "replica is not a standby: reading from the primary".into(),
        }
    }

    /// `note` for a narrow banner (80 columns).
    pub fn short_note(&self) -> String {
        let secs = |ms: u64| format!("{:.1} s", ms as f64 / 1000.0);
        match self {
            ReplicaStatus::Unknown => String::new(),
            ReplicaStatus::Fresh { lag_ms } => format!("replica {}", secs(*lag_ms)),
            ReplicaStatus::Behind { lag_ms: Some(ms) } => format!("on primary: replica {} late", secs(*ms)),
            ReplicaStatus::Behind { lag_ms: None } => "on primary: replica late".into(),
            ReplicaStatus::Unreachable { .. } => "on primary: replica down".into(),
            ReplicaStatus::NotStandby => "on primary: replica not standby".into(),
        }
    }
}

/// The last measurement and when it was taken.
#[derive(Debug)]
struct Health {
    status: ReplicaStatus,
    /// When the check that found `status` began (before the primary's WAL
    /// position was read): the replica held everything committed by
    /// `at - lag`.
    at: Option<Instant>,
    /// The start of the last check that found the replica fully replayed:
    /// it held everything committed before then, which bounds the lag of a
    /// later check whose replay timestamp is old (a quiet primary).
    caught_up_at: Option<Instant>,
    /// When this session last committed a change on the primary.
    last_write: Option<Instant>,
}

/// The replica beside a primary store, shared by the store's clones (its
/// fields are the store's own).
#[derive(Debug)]
pub struct Replica {
    /// A store on the standby (no replica of its own).
    pub(super) store: Store,
    max_lag: Duration,
    health: Mutex<Health>,
    /// Held while a check runs: one at a time, and a caller that asks for
    /// one while another runs waits for it and then measures anew (a
    /// result from before its call could predate what it must know).
    checking: tokio::sync::Mutex<()>,
    /// A background check was started by a read and has not ended.
    spawned: AtomicBool,
    /// Reads the replica served.
    served: AtomicU64,
}

impl Replica {
    /// The lag allowed, in milliseconds (for a store opened like this one).
    pub(super) fn max_lag_ms(&self) -> u64 {
        self.max_lag.as_millis() as u64
    }

    pub(super) fn new(store: Store, max_lag: Duration) -> Replica {
        Replica {
            store,
            max_lag,
            health: Mutex::new(Health {
                status: ReplicaStatus::Unknown,
                at: None,
                caught_up_at: None,
                last_write: None,
            }),
            checking: tokio::sync::Mutex::new(()),
            spawned: AtomicBool::new(false),
            served: AtomicU64::new(0),
        }
    }

    fn health(&self) -> std::sync::MutexGuard<'_, Health> {
        self.health.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Notes a commit of this session on the primary.
    pub(super) fn wrote(&self) {
        self.health().last_write = Some(Instant::now());
    }

    /// Whether a read may go to the replica now: fresh, measured lately,
    /// and holding this session's last change. The second is whether a new
    /// measurement is wanted.
    fn usable(&self) -> (bool, bool) {
        let h = self.health();
        let Some(at) = h.at else { return (false, true) };
        let lag = match h.status {
            ReplicaStatus::Fresh { lag_ms } => Duration::from_millis(lag_ms),
            _ => return (false, at.elapsed() >= Duration::from_secs(1)),
        };
        if at.elapsed() >= STALE {
            return (false, true);
        }
        // The replica held what was committed by `at - lag`.
        let holds_own_write = match h.last_write {
            None => true,
            Some(w) => at.checked_sub(lag).is_some_and(|held| held > w),
        };
        (holds_own_write, !holds_own_write)
    }
}

/// One row of a lag check on the standby.
#[derive(sqlx::FromRow)]
struct Replay {
    in_recovery: bool,
    /// Replayed up to (or past) the primary's position read just before.
    caught_up: bool,
    /// `now() - pg_last_xact_replay_timestamp()` in ms (NULL before the
    /// standby replayed a transaction).
    replay_lag_ms: Option<i64>,
}

impl Store {
    /// The store a read that may be a moment old goes to: the replica when
    /// one is configured, fresh and holding this session's last change, and
    /// this handle is not `primary()`; else the primary. A read that finds
    /// the measurement old starts a new one in the background.
    pub(in crate::store) fn reads(&self) -> &Store {
        let Some(r) = self.replica.as_ref().filter(|_| !self.pinned) else { return self };
        let (use_replica, check) = r.usable();
        if check && !r.spawned.swap(true, Ordering::AcqRel) {
            match tokio::runtime::Handle::try_current() {
                Ok(rt) => {
                    let me = self.clone();
                    let shared = Arc::clone(r);
                    rt.spawn(async move {
                        me.check_replica().await;
                        shared.spawned.store(false, Ordering::Release);
                    });
                }
                Err(_) => r.spawned.store(false, Ordering::Release),
            }
        }
        if use_replica {
            r.served.fetch_add(1, Ordering::Relaxed);
            &r.store
        } else {
            self
        }
    }

    /// This store with every read on the primary: for the reads that must
    /// see what the caller has just written (the view after a change).
    pub fn primary(&self) -> Store {
        Store { pinned: true, ..self.clone() }
    }

    /// Whether a read replica is configured.
    pub fn has_replica(&self) -> bool {
        self.replica.is_some()
    }

    /// What the last lag check found (`None` without a replica).
    pub fn replica_status(&self) -> Option<ReplicaStatus> {
        self.replica.as_ref().map(|r| r.health().status.clone())
    }

    /// How many reads the replica has served since the store opened: how
    /// the tests and the bench see where reads went.
    pub fn replica_reads(&self) -> u64 {
        self.replica.as_ref().map_or(0, |r| r.served.load(Ordering::Relaxed))
    }

    /// Notes a commit of this session on the primary (reads go to the
    /// primary until the replica has replayed past it).
    pub(in crate::store) fn wrote(&self) {
        if let Some(r) = &self.replica {
            r.wrote();
        }
    }

    /// Measures the replica's lag now and keeps what it found (one check at
    /// a time: a caller waits for the one running, then measures). `None`
    /// without a replica. Never fails: an unreachable replica is a status.
    pub async fn check_replica(&self) -> Option<ReplicaStatus> {
        let r = self.replica.as_ref()?;
        let _one = r.checking.lock().await;
        let at = Instant::now();
        let found = match tokio::time::timeout(CHECK_TIMEOUT, self.measure(r)).await {
            Ok(Ok(m)) => Some(m),
            Ok(Err(Side::Replica(e))) => Some((ReplicaStatus::Unreachable { cause: super::short_cause(&e) }, false)),
            Err(_) => Some((ReplicaStatus::Unreachable { cause: "no answer in 2 s".into() }, false)),
            // The primary did not answer: that is the health ping's to say;
            // the last measurement grows old and reads go to the primary.
            Ok(Err(Side::Primary(e))) => {
                tracing::debug!("replica check: the primary did not answer: {e}");
                None
            }
        };
        let status = {
            let mut h = r.health();
            if let Some((status, caught_up)) = found {
                if status != h.status {
                    tracing::info!(
                        "read replica: {}",
                        if status.note().is_empty() { "?".into() } else { status.note() }
                    );
                }
                h.status = status;
                h.at = Some(at);
                if caught_up {
                    h.caught_up_at = Some(at);
                }
            }
            h.status.clone()
        };
        Some(status)
    }

    /// Reads the primary's WAL position, then asks the standby how far it
    /// has replayed; the status and whether it had replayed everything.
    async fn measure(&self, r: &Replica) -> Result<(ReplicaStatus, bool), Side> {
        let (lsn,): (String,) =
            self.fetch_one("SELECT CAST(pg_current_wal_lsn() AS TEXT)", vec![]).await.map_err(Side::Primary)?;
        let row: Replay = r
            .store
            .fetch_one(
                "SELECT pg_is_in_recovery() AS in_recovery,
                        COALESCE(pg_last_wal_replay_lsn() >= CAST($1 AS pg_lsn), false) AS caught_up,
                        CAST(EXTRACT(EPOCH FROM (now() - pg_last_xact_replay_timestamp())) * 1000 AS BIGINT)
                            AS replay_lag_ms",
                crate::args![lsn],
            )
            .await
            .map_err(Side::Replica)?;
        if !row.in_recovery {
            return Ok((ReplicaStatus::NotStandby, false));
        }
        if row.caught_up {
            return Ok((ReplicaStatus::Fresh { lag_ms: 0 }, true));
        }
        // Behind the primary's position: what it lacks was committed after
        // its last replayed transaction, and after the last check that found
        // it caught up; the nearer of the two bounds the lag.
        let since_caught_up = r.health().caught_up_at.map(|c| c.elapsed().as_millis() as u64);
        let by_replay = row.replay_lag_ms.map(|ms| ms.max(0) as u64);
        let lag = match (by_replay, since_caught_up) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let max = r.max_lag.as_millis() as u64;
        Ok((
            match lag {
                Some(ms) if ms <= max => ReplicaStatus::Fresh { lag_ms: ms },
                lag_ms => ReplicaStatus::Behind { lag_ms },
            },
            false,
        ))
    }
}

/// Which server a lag check failed on.
enum Side {
    Primary(sqlx::Error),
    Replica(sqlx::Error),
}

/// Opens the replica's store: its own pool on the standby, with the
/// primary's connection budget and pooler rules, never migrated (a standby
/// replays the primary's schema and refuses writes). It connects lazily, so
/// a replica that is down fails no start: the first lag check says so.
pub(super) fn open(url: &str, opts: &super::OpenOptions) -> Result<Store, super::OpenError> {
    let shown = super::redact_url(url);
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(super::OpenError::BadUrl(shown));
    }
    let co = super::pg_options(url, opts).map_err(|_| super::OpenError::BadUrl(shown.clone()))?;
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(super::pg_connections(opts))
        .acquire_timeout(CHECK_TIMEOUT)
        .connect_lazy_with(co);
    let pooled = opts.pooler;
    Ok(Store {
        pool: super::Pool::Postgres(pool),
        url: shown,
        raw_url: url.to_owned(),
        read_only: true,
        named: !pooled,
        pooler: pooled,
        replica: None,
        pinned: false,
        on_replica: true,
        fallback: None,
    })
}

/// Puts `standby` beside `primary`: its reads fall back to the primary
/// when the replica loses them.
pub(super) fn attach(primary: &Store, mut standby: Store, max_lag: Duration) -> Shared {
    Arc::new_cyclic(|me| {
        let primary = Store { replica: None, pinned: true, ..primary.clone() };
        standby.fallback = Some(Arc::new(Fallback { primary, replica: me.clone() }));
        Replica::new(standby, max_lag)
    })
}

/// Where a replica's read goes when the replica dies between two lag
/// checks: run again on the primary, and the replica counted unreachable
/// until the next check finds it back, so the read does not fail and the
/// banner says why reads moved.
#[derive(Debug)]
pub struct Fallback {
    /// The primary, without the replica (so no read goes round again).
    pub(super) primary: Store,
    /// Weak: the replica owns this.
    replica: std::sync::Weak<Replica>,
}

impl Fallback {
    /// Notes that the replica lost a read.
    pub(super) fn replica_lost(&self, e: &sqlx::Error) {
        let Some(r) = self.replica.upgrade() else { return };
        tracing::info!("read replica: lost a read ({}): reading from the primary", super::short_cause(e));
        let mut h = r.health();
        h.status = ReplicaStatus::Unreachable { cause: super::short_cause(e) };
        h.at = Some(Instant::now());
    }
}

/// Shared, for `Store` clones.
pub type Shared = Arc<Replica>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_banner_says_the_lag_or_why_reads_go_to_the_primary() {
        assert_eq!(ReplicaStatus::Fresh { lag_ms: 0 }.note(), "replica 0.0 s behind");
        assert_eq!(
            ReplicaStatus::Behind { lag_ms: Some(3240) }.note(),
            "replica 3.2 s behind: reading from the primary"
        );
        assert_eq!(
            ReplicaStatus::Unreachable { cause: "refused".into() }.note(),
            "replica unreachable: reading from the primary"
        );
        assert_eq!(ReplicaStatus::Behind { lag_ms: Some(3240) }.short_note(), "on primary: replica 3.2 s late");
        assert_eq!(ReplicaStatus::Unknown.note(), "");
        assert!(ReplicaStatus::Fresh { lag_ms: 1999 }.readable());
        assert!(!ReplicaStatus::Behind { lag_ms: None }.readable());
        assert!(!ReplicaStatus::NotStandby.readable());
    }
}
