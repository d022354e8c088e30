//! `bench staff`: a department at work on one database. Each simulated
//! session is the terminal's own app (headless) as a staff agent, on a
//! store of its own with the terminal's connection budget, doing a day's
//! mix by keys and `:` commands: browse a queue, take a case, note it,
//! resolve it, look a member up and open them. Throughput, p50 and p99 per
//! action, the errors met, and the server connections in use.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::{Figures, Line, headless};
use crate::crypto::DataKey;
use crate::domain::role::Role;
use crate::ops::{Clock, OpError, Ops};
use crate::store::bench;

/// What a session does, in the order it cycles through them.
const MIX: [Step; 8] =
    [Step::Browse, Step::Take, Step::Note, Step::Lookup, Step::View, Step::Browse, Step::Resolve, Step::Lookup];

/// The queues takes are made from.
const QUEUES: [&str; 4] = ["eligibility", "enrollment", "billing", "support"];

/// Last names the lookups type (the demo's).
const NAMES: [&str; 6] = ["Smith", "Garcia", "Nguyen", "Okafor", "Müller", "Patel"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    Browse,
    Take,
    Note,
    Resolve,
    Lookup,
    View,
}

impl Step {
    fn name(self) -> &'static str {
        match self {
            Step::Browse => "queue browse (])",
            Step::Take => "take (T)",
            Step::Note => "note (:note)",
            Step::Resolve => "resolve (:resolve, y)",
            Step::Lookup => "member lookup (:member NAME)",
            Step::View => "member view (Enter)",
        }
    }

    /// The keys of the step in the script notation, and the ones to time
    /// (the last key: the one that makes the change or the read).
    fn keys(self, n: usize) -> (String, &'static str) {
        match self {
            Step::Browse => (String::new(), "]"),
            Step::Take => (format!(":cases {}<Enter>", QUEUES[n % QUEUES.len()]), "T"),
            Step::Note => (":cases mine<Enter><Enter>:note bench note".into(), "<Enter>"),
            Step::Resolve => (":resolve done by the load bench<Enter>".into(), "y"),
            Step::Lookup => (format!(":member {}", NAMES[n % NAMES.len()]), "<Enter>"),
            Step::View => (String::new(), "<Enter>"),
        }
    }
}

/// Messages that are the day's ordinary refusals, not failures.
fn ordinary(message: &str) -> bool {
    ["nothing to take", "changed by someone else", "already", "open a case", "select", "no rows", "Nothing"]
        .iter()
        .any(|m| message.contains(m))
}

/// What one session measured.
#[derive(Default)]
struct Tally {
    times: BTreeMap<Step, Vec<Duration>>,
    errors: Vec<String>,
    /// Lists and counts read again because colleagues changed cases (live queues).
    live_reloads: u64,
}

/// Runs `sessions` simulated staff for `minutes`, each waiting `think` between steps.
pub async fn staff(
    ops: &Ops,
    key: &DataKey,
    sessions: usize,
    minutes: f64,
    think: Duration,
) -> Result<Vec<Line>, OpError> {
    let store = ops.store().clone();
    let logins: Vec<String> = (0..sessions).map(|i| format!("bench_staff{i}")).collect();
    let mut missing = Vec::new();
    for login in &logins {
        if crate::store::staff::by_login(&store, login).await?.is_none() {
            missing.push(login);
        }
    }
    // Read before the transaction: a command holds one connection.
    let mut tx = store.begin_write().await?;
    for login in missing {
        crate::store::staff::insert(&mut tx, login, "Bench staff", Role::Agent, "active", ops.now()).await?;
    }
    tx.commit().await?;

    let started = Instant::now();
    let mut apps = Vec::with_capacity(sessions);
    for login in &logins {
        let own = store.reopen(crate::startup::TERMINAL_CONNECTIONS).await.map_err(|e| OpError::Db(e.to_string()))?;
        let o = Ops::for_operator(own, login, false, Clock::System).await.map_err(|e| OpError::Db(e.to_string()))?;
        apps.push(headless(&o, key).await?);
    }
    let set_up = started.elapsed();

    let deadline = Instant::now() + Duration::from_secs_f64(minutes * 60.0);
    let sampler = {
        let store = store.clone();
        tokio::spawn(async move {
            let mut seen = Vec::new();
            while Instant::now() < deadline {
                if let Ok(Some(n)) = bench::server_connections(&store).await {
                    seen.push(n);
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            seen
        })
    };
    // The apps are not `Send`: they take turns on this thread, as many
    // terminals' event loops would on as many processes, while their
    // database tasks run on the runtime's threads.
    let local = tokio::task::LocalSet::new();
    let mut handles = Vec::with_capacity(sessions);
    for (i, mut h) in apps.into_iter().enumerate() {
        handles.push(local.spawn_local(async move {
            let mut tally = Tally::default();
            // Sessions start spread over the first think time, not in step.
            h.idle(think.mul_f64(i as f64 / sessions.max(1) as f64)).await;
            let mut n = i;
            while Instant::now() < deadline {
                let step = MIX[n % MIX.len()];
                n += 1;
                let (before, timed) = step.keys(n);
                if !before.is_empty() && h.press(&before).await.is_err() {
                    tally.errors.push(format!("{}: did not settle", step.name()));
                    continue;
                }
                let at = Instant::now();
                match h.press(timed).await {
                    Ok(()) => {
                        tally.times.entry(step).or_default().push(at.elapsed());
                        if let Some(m) = h.app.message.as_ref().filter(|m| m.error && !ordinary(&m.text)) {
                            tally.errors.push(format!("{}: {}", step.name(), m.text));
                        }
                    }
                    Err(e) => tally.errors.push(format!("{}: {e}", step.name())),
                }
                // The operator reads what the step showed (an open case or
                // member beats its presence meanwhile), then goes back to a
                // known place: no prompt, confirm or popup left open.
                h.idle(think).await;
                let _ = h.press("<Esc><Esc>").await;
            }
            // As the terminal does when it quits: its presence row goes now.
            if let Some(leave) = h.app.presence_leave() {
                leave.await;
            }
            tally.live_reloads = h.app.live_reloads;
            tally
        }));
    }
    let tallies = local
        .run_until(async move {
            let mut out = Vec::with_capacity(handles.len());
            for h in handles {
                out.push(h.await);
            }
            out
        })
        .await;
    let mut all = Tally::default();
    for t in tallies {
        let t = t.map_err(|e| OpError::Db(e.to_string()))?;
        for (step, times) in t.times {
            all.times.entry(step).or_default().extend(times);
        }
        all.errors.extend(t.errors);
        all.live_reloads += t.live_reloads;
    }
    let connections = sampler.await.map_err(|e| OpError::Db(e.to_string()))?;
    let ran = started.elapsed() - set_up;

    let mut out: Vec<Line> = vec![
        ("sessions".into(), format!("{sessions} (each {} connections at most)", crate::startup::TERMINAL_CONNECTIONS)),
        ("set-up (sessions opened)".into(), format!("{:.1} s", set_up.as_secs_f64())),
    ];
    let steps: usize = all.times.values().map(Vec::len).sum();
    out.push((
        "steps done".into(),
        format!("{steps} in {:.0} s: {:.1}/s", ran.as_secs_f64(), steps as f64 / ran.as_secs_f64()),
    ));
    for (step, times) in all.times {
        out.push((step.name().into(), Figures::of(times).to_string()));
    }
    out.push((
        "live reloads (colleagues' changes)".into(),
        format!(
            "{} in all, {:.2}/s per session",
            all.live_reloads,
            all.live_reloads as f64 / sessions.max(1) as f64 / ran.as_secs_f64()
        ),
    ));
    out.push(("errors".into(), all.errors.len().to_string()));
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for e in &all.errors {
        *kinds.entry(crate::domain::text::clip(e, 90)).or_default() += 1;
    }
    for (e, n) in kinds.into_iter().take(5) {
        out.push((format!("  {n} ×"), e));
    }
    match (connections.iter().max(), connections.len()) {
        (Some(max), n) => {
            let mean = connections.iter().sum::<i64>() as f64 / n as f64;
            out.push(("server connections to this database".into(), format!("max {max}, mean {mean:.1}")));
        }
        (None, _) => out.push(("server connections".into(), "not counted (SQLite)".into())),
    }
    Ok(out)
}
