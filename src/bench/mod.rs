//! `portaldesk bench`: the performance targets measured on a seeded
//! database, printed as medians and p99s. Timed here, never in tests.

mod brokers;
mod cases;
mod groups;
mod imports;
mod keys;
mod maintenance;
mod members;
mod reports;
mod script;
mod staff;

pub use brokers::brokers;
pub use cases::cases;
pub use groups::groups;
pub use imports::{import_834, imports};
pub use keys::keys;
pub use maintenance::maintenance;
pub use members::members;
pub use reports::report;
pub use script::script;
pub use staff::staff;

use std::time::{Duration, Instant};

use crate::ops::{OpError, Ops};
use crate::store::Dir;
use crate::store::lists::{ListKind, ListRequest};

/// The app off-screen at 120x40 with the built-in keymap and config.
async fn headless(ops: &Ops, key: &crate::crypto::DataKey) -> Result<crate::tui::Headless, OpError> {
    let session = crate::tui::Session {
        ops: ops.clone(),
        keymap: crate::keymap::Keymap::from_texts(None).map_err(|e| OpError::Invalid(e.join("; ")))?,
        config: crate::config::Config::load(None, std::iter::empty(), &Default::default())
            .map_err(|e| OpError::Invalid(e.to_string()))?,
        no_color: true,
        history_file: None,
        key: key.clone(),
        letters_dir: None,
        macros_dir: None,
    };
    crate::tui::Headless::start(session, 120, 40).await.map_err(|e| OpError::Db(e.to_string()))
}

/// Median and 99th percentile of some timings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Figures {
    pub median: Duration,
    pub p99: Duration,
    pub samples: usize,
}

impl Figures {
    /// The figures of a set of timings (at least one).
    pub fn of(mut t: Vec<Duration>) -> Figures {
        t.sort();
        let n = t.len().max(1);
        let at = |q: f64| t.get(((q * n as f64).ceil() as usize).clamp(1, n) - 1).copied().unwrap_or_default();
        Figures { median: at(0.5), p99: at(0.99), samples: t.len() }
    }
}

impl std::fmt::Display for Figures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        write!(f, "median {:>7.3} ms   p99 {:>7.3} ms   ({} samples)", ms(self.median), ms(self.p99), self.samples)
    }
}

/// Times `samples` runs of `f`.
async fn time<F, Fut, T, E>(samples: usize, mut f: F) -> Result<Figures, E>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
{
    let mut t = Vec::with_capacity(samples);
    for _ in 0..samples {
        let start = Instant::now();
        f().await?;
        t.push(start.elapsed());
    }
    Ok(Figures::of(t))
}

fn request(kind: ListKind, dir: Dir, ops: &Ops) -> ListRequest {
    ListRequest {
        kind,
        filter: String::new(),
        dir,
        limit: 50,
        me: ops.operator().id,
        now: ops.now(),
        backend_pid: Default::default(),
        date_format: Default::default(),
        search: None,
    }
}

/// The process's peak resident memory (Linux; elsewhere not known).
pub(crate) fn peak_memory() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = status.lines().find_map(|l| l.strip_prefix("VmHWM:")).map(|v| v.trim().trim_end_matches(" kB").trim());
    match kb.and_then(|k| k.parse::<u64>().ok()) {
        Some(kb) => format!("{} MB", kb / 1024),
        None => "not known on this system".into(),
    }
}

/// One printed line of a benchmark.
pub type Line = (String, String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_pick_the_right_samples() {
        let t: Vec<Duration> = (1..=100).rev().map(Duration::from_millis).collect();
        let f = Figures::of(t);
        assert_eq!((f.median, f.p99, f.samples), (Duration::from_millis(50), Duration::from_millis(99), 100));
        let one = Figures::of(vec![Duration::from_millis(3)]);
        assert_eq!((one.median, one.p99), (Duration::from_millis(3), Duration::from_millis(3)));
    }
}
