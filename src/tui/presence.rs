//! Presence's state in the terminal: this run's session id, what its last
//! heartbeat sent, the beat in flight, and who else was found on the open
//! case or member. The beats themselves, and the line and the collision
//! warning they feed, are App's, in colleagues.rs; this file names no
//! module that names it back.

use rand::Rng;

use super::task::TaskId;
use crate::domain::presence::{self as rules, EntityKind, Here, Present};

/// The presence state of one running app.
#[derive(Debug, Clone)]
pub struct Presence {
    /// Random per run: one operator may have two terminals open.
    pub(super) session: String,
    /// What the last beat sent (`None`: nothing open, no row of ours).
    pub(super) sent: Option<Here>,
    /// The tick of the last beat.
    pub(super) last: u64,
    /// Ticks between beats while the same thing stays open.
    pub(super) every: u64,
    /// The beat in flight, and the entity it asked about.
    pub(super) task: Option<(TaskId, Option<(EntityKind, String)>)>,
    /// The entity the others were read for, and them.
    pub(super) about: Option<(EntityKind, String)>,
    pub(super) others: Vec<Present>,
}

impl Presence {
    /// A new session's presence, beating every `BEAT_SECS` at `tick_ms` per tick.
    pub fn new(tick_ms: u64) -> Presence {
        let session = format!("{:016x}", rand::thread_rng().r#gen::<u64>());
        let every = (rules::BEAT_SECS as u64 * 1000).div_ceil(tick_ms.max(1)).max(1);
        Presence { session, sent: None, last: 0, every, task: None, about: None, others: Vec::new() }
    }

    /// Ticks between beats (tests tick this many times to see a colleague's
    /// change without waiting).
    pub fn every(&self) -> u64 {
        self.every
    }

    /// The others last read on this entity, when the last read was about it.
    pub fn others(&self, kind: EntityKind, key: &str) -> &[Present] {
        match &self.about {
            Some((k, x)) if *k == kind && x == key => &self.others,
            _ => &[],
        }
    }
}
