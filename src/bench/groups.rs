//! The group view of a large group, and its subscriber export beside the
//! plain engine writing the same rows as CSV.

use std::time::{Duration, Instant};

use super::{Figures, Line, headless};
use crate::ops::request::{Env, Request};
use crate::ops::{OpError, Ops};
use crate::store::bench;

/// The process's peak resident memory in MB (Linux; elsewhere none).
fn peak_mb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb = status.lines().find_map(|l| l.strip_prefix("VmHWM:"))?;
    kb.trim().trim_end_matches(" kB").trim().parse::<u64>().ok().map(|k| k / 1024)
}

/// Sets up (on the first run) a parent group and its suffix holding
/// `subscribers` subscribers each, moved there from the demo; then times
/// `:group` to the group view's first frame, and the export of one group
/// and of the family (twice as many rows) with the process's peak memory
/// after each, beside the plain engine writing the family's rows.
pub async fn groups(
    ops: &Ops,
    key: &crate::crypto::DataKey,
    subscribers: usize,
    samples: usize,
) -> Result<Vec<Line>, OpError> {
    const GROUP: &str = "BIGGRP";
    const EIN: &str = "99-9999002";
    let store = ops.store();
    let mut out: Vec<Line> = Vec::new();
    let parent = match bench::bench_group(store, GROUP).await? {
        Some(id) => id,
        None => {
            let start = Instant::now();
            let id = bench::insert_bench_groups(store, EIN, GROUP, subscribers as i64, ops.now()).await?;
            out.push((
                "set-up: two groups of moved subscribers".into(),
                format!("{subscribers} each in {:.2} s", start.elapsed().as_secs_f64()),
            ));
            id
        }
    };
    let file = ops.group(GROUP).await?;
    let size = file.detail.active_subscribers + file.detail.cancelled_subscribers;
    let mut h = headless(ops, key).await?;
    let mut frames = Vec::new();
    for _ in 0..samples {
        let start = Instant::now();
        h.app.execute_line(&format!("group {GROUP}"));
        h.settle(Duration::from_secs(30)).await.map_err(|e| OpError::Db(e.to_string()))?;
        let screen = h.screen();
        frames.push(start.elapsed());
        if !screen.contains("Original eff.") {
            return Err(OpError::Db(format!("the group view did not open:\n{screen}")));
        }
    }
    out.push((format!("group view of {size} subscribers, first frame"), Figures::of(frames).to_string()));

    let dir = std::env::temp_dir().join(format!("portaldesk-bench-groups-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| OpError::Db(e.to_string()))?;
    let config = crate::config::Config::load(None, std::iter::empty(), &Default::default())
        .map_err(|e| OpError::Invalid(e.to_string()))?;
    let env = Env::new(&config, Some(key), None);
    let before = peak_mb().map_or_else(|| "not known".into(), |m| format!("{m} MB"));
    out.push(("peak memory before the exports".into(), before));
    for family in [false, true] {
        let path = dir.join(if family { "family.csv" } else { "group.csv" });
        let start = Instant::now();
        let req = Request::GroupExport { group: GROUP.into(), family, status: None, path: path.clone() };
        let rows: usize = ops.ask(&env, req).await?;
        let secs = start.elapsed().as_secs_f64();
        let memory = peak_mb().map_or_else(|| "peak memory not known".into(), |m| format!("peak {m} MB"));
        out.push((
            format!("export {}, {rows} rows", if family { "of the family" } else { "of one group" }),
            format!("{secs:.3} s, {:.0} rows/s, {memory}", rows as f64 / secs.max(1e-9)),
        ));
        if family {
            let plain_out = dir.join("plain.csv");
            let mut c = bench::plain_export_command(store, store.url(), parent, &plain_out);
            let start = Instant::now();
            let ok = c.stdout(std::process::Stdio::null()).status().is_ok_and(|s| s.success());
            let plain = start.elapsed().as_secs_f64();
            out.push((
                "plain engine writing the same rows as CSV".into(),
                if ok {
                    format!("{plain:.3} s: portaldesk is {:.2}x the plain engine", plain / secs.max(1e-9))
                } else {
                    "sqlite3 or psql could not be run".into()
                },
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(out)
}
