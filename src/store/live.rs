//! Live queues: how one session learns that another committed a case
//! change, so that its screen can follow without a key.
//!
//! - PostgreSQL, direct: every case change calls `announce` inside its
//!   transaction (`pg_notify`, delivered at commit, so a rolled-back change
//!   is never announced), and a `Watcher` listens on one connection of the
//!   session's pool (`LISTEN`). A lost listener connection is opened again
//!   and listens again; that is reported as `Signal::Resync` (notifications
//!   sent meanwhile are lost: anything may have changed).
//! - PostgreSQL behind a transaction pooler (or with a pool of one
//!   connection, which a listener would take whole): no session may
//!   listen, so the watcher polls the tail of the case timeline: how many
//!   `case_events` rows lie above a low-water mark, and the newest id, an
//!   index range scan of a few hundred entries at most. Counting the window
//!   rather than reading the newest id alone also notices a transaction
//!   that took a lower id but committed after a higher one. No counter row
//!   is written by the changes (it would serialise them all).
//! - SQLite: `PRAGMA data_version` on a connection of the watcher's own,
//!   which changes whenever another connection commits (this session's pool
//!   included); it is per connection, so the same connection is kept for
//!   as long as the watcher lives.

use std::time::Duration;

use sqlx::postgres::PgListener;
use sqlx::sqlite::SqlitePoolOptions;

use super::{Pool, Store, Tx, sqlite_options, sqlite_path};
use crate::args;

/// The notification channel's name before the schema's (PostgreSQL).
const CHANNEL: &str = "portaldesk_live_";

/// How many timeline ids the pooled poll counts above its low-water mark
/// before it moves the mark up.
const WINDOW: i64 = 256;

/// What a watcher saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// Another session committed a change.
    Changed,
    /// The watcher's connection was lost and is back: changes made
    /// meanwhile went unseen, so anything may have changed.
    Resync,
}

/// How a watcher learns of changes (`portaldesk info` names it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `LISTEN` on one connection of the pool (PostgreSQL direct).
    Listen,
    /// Polling the tail of the case timeline (PostgreSQL behind a pooler).
    PollTimeline,
    /// Polling `PRAGMA data_version` on a connection of its own (SQLite).
    DataVersion,
}

impl Method {
    /// How `store` would be watched: listening needs a session of its own
    /// and a second connection in the pool for everything else.
    pub fn of(store: &Store) -> Option<Method> {
        let connections = match &store.pool {
            Pool::Postgres(p) => p.options().get_max_connections(),
            Pool::Sqlite(_) => 0,
        };
        Method::planned(&store.raw_url, store.pooler, connections)
    }

    /// How a store opened from `url` with `connections` (PostgreSQL) would
    /// be watched, before it is opened (`portaldesk info`); None for an
    /// in-memory SQLite database, which no other session can change.
    pub fn planned(url: &str, pooler: bool, connections: u32) -> Option<Method> {
        if url.starts_with("sqlite:") {
            return (sqlite_path(url) != ":memory:").then_some(Method::DataVersion);
        }
        Some(if !pooler && connections >= 2 { Method::Listen } else { Method::PollTimeline })
    }

    /// The method and what it costs, for `portaldesk info` and the docs.
    pub fn describe(self) -> &'static str {
        match self {
            Method::Listen => "LISTEN/NOTIFY (holds one of the session's connections)",
            Method::PollTimeline => "polling the case timeline (no connection held)",
            Method::DataVersion => "polling PRAGMA data_version (one SQLite connection of its own)",
        }
    }
}

/// Tells the sessions watching this database that the transaction changed
/// a case (or an import job's status); `origin` names the session that
/// made it, so that it can skip its own change (empty: every session hears
/// it). Sent at commit, never for a rollback. PostgreSQL only
/// (the polls need nothing written); the same payload twice in a
/// transaction is delivered once, so a bulk change announces itself once.
pub async fn announce(tx: &mut Tx, origin: &str) -> Result<(), sqlx::Error> {
    if tx.backend() == super::Backend::Postgres {
        tx.execute("SELECT pg_notify(CAST($1 AS TEXT) || current_schema(), CAST($2 AS TEXT))", args![CHANNEL, origin])
            .await?;
    }
    Ok(())
}

/// Learns of committed changes by `Method::of` the store.
pub struct Watcher {
    how: How,
    /// The session's own announcements are not reported (PostgreSQL `LISTEN`).
    origin: String,
    poll: Duration,
}

enum How {
    Listen { store: Store, listener: Option<PgListener>, channel: String, pid: i32 },
    Timeline { store: Store, last: Option<(i64, i64, i64)>, lost: bool },
    DataVersion { pool: sqlx::SqlitePool, last: Option<i64>, lost: bool },
}

impl Watcher {
    /// Starts watching `store` (None for an in-memory SQLite database,
    /// which no other session can change). `origin` is this session's
    /// (`announce`); `poll` is how often a polling watcher looks.
    pub async fn open(store: &Store, origin: &str, poll: Duration) -> Result<Option<Watcher>, sqlx::Error> {
        let Some(method) = Method::of(store) else { return Ok(None) };
        let how = match method {
            Method::Listen => {
                let (listener, channel, pid) = listen(store).await?;
                How::Listen { store: store.clone(), listener: Some(listener), channel, pid }
            }
            Method::PollTimeline => How::Timeline { store: store.clone(), last: None, lost: false },
            Method::DataVersion => {
                // One connection, never replaced while the watcher lives:
                // data_version compares commits with this connection's view.
                let co = sqlite_options(&store.raw_url, "-512")?;
                let pool = SqlitePoolOptions::new()
                    .max_connections(1)
                    .min_connections(1)
                    .max_lifetime(None)
                    .idle_timeout(None)
                    .connect_with(co)
                    .await?;
                How::DataVersion { pool, last: None, lost: false }
            }
        };
        let mut w = Watcher { how, origin: origin.to_owned(), poll };
        // The first look sets the baseline, so the first `next` reports a change.
        w.look().await?;
        Ok(Some(w))
    }

    /// The server process listening (PostgreSQL `LISTEN`), 0 otherwise: a
    /// test ends it to see the watcher listen again.
    pub fn backend_pid(&self) -> i32 {
        match &self.how {
            How::Listen { pid, .. } => *pid,
            _ => 0,
        }
    }

    /// Waits for the next change another session commits. Errors end the
    /// watch only when the store was closed (`sqlx::Error::PoolClosed`);
    /// other trouble (a restarted server) is waited out, then reported as
    /// `Signal::Resync`.
    pub async fn next(&mut self) -> Result<Signal, sqlx::Error> {
        loop {
            if let How::Listen { store, listener, channel, pid } = &mut self.how {
                let Some(l) = listener else {
                    tokio::time::sleep(self.poll).await;
                    match listen(store).await {
                        Ok((l, c, p)) => {
                            (*listener, *channel, *pid) = (Some(l), c, p);
                            return Ok(Signal::Resync);
                        }
                        Err(sqlx::Error::PoolClosed) => return Err(sqlx::Error::PoolClosed),
                        Err(e) => {
                            tracing::debug!("live queues: listening again failed: {e}");
                            continue;
                        }
                    }
                };
                match l.try_recv().await {
                    Ok(Some(n)) if n.payload() == self.origin => {}
                    Ok(Some(_)) => return Ok(Signal::Changed),
                    Err(sqlx::Error::PoolClosed) => return Err(sqlx::Error::PoolClosed),
                    // Lost (None) or broken (an error): a listener afresh, on a
                    // connection the pool checks before lending it.
                    Ok(None) | Err(_) => *listener = None,
                }
                continue;
            }
            tokio::time::sleep(self.poll).await;
            match self.look().await {
                Ok(Some(s)) => return Ok(s),
                Ok(None) => {}
                Err(sqlx::Error::PoolClosed) => return Err(sqlx::Error::PoolClosed),
                Err(e) => tracing::debug!("live queues: a poll failed: {e}"),
            }
        }
    }

    /// One poll: what changed since the last (None: nothing, or the first look).
    async fn look(&mut self) -> Result<Option<Signal>, sqlx::Error> {
        match &mut self.how {
            How::Listen { .. } => Ok(None),
            How::Timeline { store, last, lost } => {
                let lo = match last {
                    Some((lo, _, max)) if *max - *lo <= 2 * WINDOW => *lo,
                    Some((_, _, max)) => *max - WINDOW,
                    None => 0,
                };
                let seen = match timeline_tail(store, lo).await {
                    Ok(s) => s,
                    Err(e) => {
                        *lost = true;
                        return Err(e);
                    }
                };
                // The first look places the mark near the tail.
                let seen =
                    if last.is_none() && seen.2 > WINDOW { timeline_tail(store, seen.2 - WINDOW).await? } else { seen };
                Ok(compare(last, seen, lost, same_tail))
            }
            How::DataVersion { pool, last, lost } => {
                let r: Result<(i64,), _> = sqlx::query_as("PRAGMA data_version").fetch_one(&*pool).await;
                match r {
                    Ok((v,)) => Ok(compare(last, v, lost, |a, b| a == b)),
                    Err(e) => {
                        *lost = true;
                        Err(e)
                    }
                }
            }
        }
    }
}

/// The signal of a poll that saw `seen` after `last`: none for the first
/// look or when `same`, a resync after a failed poll.
fn compare<T: Copy>(last: &mut Option<T>, seen: T, lost: &mut bool, same: impl Fn(&T, &T) -> bool) -> Option<Signal> {
    let before = last.replace(seen);
    let was_lost = std::mem::take(lost);
    match before {
        None => was_lost.then_some(Signal::Resync),
        Some(_) if was_lost => Some(Signal::Resync),
        Some(b) if same(&b, &seen) => None,
        Some(_) => Some(Signal::Changed),
    }
}

/// Whether two looks at the timeline's tail saw the same: under the same
/// low-water mark, the same count and newest id; once the mark moved up
/// (the counts then differ by itself), the same newest id.
fn same_tail(a: &(i64, i64, i64), b: &(i64, i64, i64)) -> bool {
    if a.0 == b.0 { a == b } else { a.2 == b.2 }
}

/// The low-water mark, how many timeline rows lie above it, and the newest id.
async fn timeline_tail(store: &Store, lo: i64) -> Result<(i64, i64, i64), sqlx::Error> {
    let (n, max): (i64, i64) =
        store.fetch_one("SELECT count(*), COALESCE(MAX(id), 0) FROM case_events WHERE id > $1", args![lo]).await?;
    Ok((lo, n, max))
}

/// A listener on the schema's channel, on one of the store's pool
/// connections, and the server process it runs in.
async fn listen(store: &Store) -> Result<(PgListener, String, i32), sqlx::Error> {
    let Pool::Postgres(pool) = &store.pool else {
        return Err(sqlx::Error::Protocol("LISTEN is PostgreSQL's".into()));
    };
    let mut l = PgListener::connect_with(pool).await?;
    let (schema, pid): (String, i32) =
        sqlx::query_as("SELECT current_schema()::text, pg_backend_pid()").fetch_one(&mut l).await?;
    let channel = format!("{CHANNEL}{schema}");
    l.listen(&channel).await?;
    Ok((l, channel, pid))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_poll_reports_changes_after_the_first_look_and_a_resync_after_a_failure() {
        let (mut last, mut lost) = (None, false);
        assert_eq!(compare(&mut last, 5_i64, &mut lost, |a, b| a == b), None, "the first look is the baseline");
        assert_eq!(compare(&mut last, 5, &mut lost, |a, b| a == b), None);
        assert_eq!(compare(&mut last, 6, &mut lost, |a, b| a == b), Some(Signal::Changed));
        lost = true;
        assert_eq!(compare(&mut last, 6, &mut lost, |a, b| a == b), Some(Signal::Resync));
        assert_eq!(compare(&mut last, 6, &mut lost, |a, b| a == b), None);
    }

    #[test]
    fn the_timeline_tail_counts_a_late_commit_below_the_newest_id() {
        let same = same_tail;
        let (mut last, mut lost) = (None, false);
        compare(&mut last, (0, 10, 11), &mut lost, same);
        // Id 10 was taken first but committed after 11: the count moves, the newest id does not.
        assert_eq!(compare(&mut last, (0, 11, 11), &mut lost, same), Some(Signal::Changed));
        // The mark moved up: not a change by itself, but a newer id with it is.
        assert_eq!(compare(&mut last, (5, 6, 11), &mut lost, same), None);
        assert_eq!(compare(&mut last, (9, 4, 12), &mut lost, same), Some(Signal::Changed));
    }
}
