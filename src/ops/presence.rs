//! Presence heartbeats: a view's beat writes the session's own row (unless
//! the session is read-only) and answers who else is on the same case or
//! member. It goes through `Request::Presence` like every other thing the
//! terminal asks, permitted as reading the area the entity belongs to; it
//! writes no audit row, since who has a screen open is no change of the
//! portal's data and a beat every few seconds would drown the audit trail.

use super::{OpError, Ops};
use crate::domain::presence::{Here, Mode, Present, alive, cutoff};
use crate::store::presence as store;

/// One heartbeat of one running app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Beat {
    /// Random per app run: one operator may have two terminals open.
    pub session: String,
    /// What it has open now; `None` when it closed its view (or quits):
    /// its row is deleted.
    pub here: Option<Here>,
}

impl Ops {
    /// Beats `beat`: the session's row is written (moved, or deleted when
    /// nothing is open), rows found expired are purged, and the others
    /// alive on the same entity are the answer. A read-only session
    /// writes nothing and still sees the others.
    pub(super) async fn beat(&self, beat: Beat) -> Result<Vec<Present>, OpError> {
        let (db, now) = (self.store(), self.now());
        let writes = !self.read_only();
        let Some(here) = beat.here else {
            if writes {
                store::leave(db, &beat.session).await?;
                // Leaving is rare: the moment to clear rows of terminals
                // killed on entities nobody has opened since.
                store::purge(db, cutoff(now)).await?;
            }
            return Ok(Vec::new());
        };
        if writes {
            store::upsert(db, &beat.session, self.operator().id, &here, now).await?;
        }
        let rows = store::on_entity(db, here.kind, &here.key, &beat.session).await?;
        let (live, expired): (Vec<_>, Vec<_>) = rows.into_iter().partition(|r| alive(r.seen_at, now));
        if writes && !expired.is_empty() {
            store::purge_entity(db, here.kind, &here.key, cutoff(now)).await?;
        }
        Ok(live.into_iter().map(|r| Present { login: r.login, mode: Mode::parse(&r.mode) }).collect())
    }
}
