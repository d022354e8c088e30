//! The QB roster to CSV, beside the plain engine writing the same query's
//! rows (`sqlite3 -csv`, `psql \copy (query) TO`), with this process's
//! peak memory.

use std::time::Instant;

use super::{Figures, Line};
use crate::ops::reports::{Ran, Worker, write_output};
use crate::ops::{OpError, Ops};
use crate::store::bench;

/// Runs report `name` (the QB roster alone is measured) `samples` times
/// as the worker does (query a page at a time → CSV → stored chunks), then
/// as the worker plus `report get` writing the file, and the plain engine
/// writing the same rows to a file, each timed; the figures are medians
/// and p99s.
pub async fn report(ops: &Ops, name: &str, samples: usize, url: &str) -> Result<Vec<Line>, OpError> {
    if name.trim() != "qb-roster" {
        return Err(OpError::Invalid(format!("the report benchmark measures qb-roster; got {:?}", name.trim())));
    }
    let store = ops.store();
    if bench::report_jobs_waiting(store).await? > 0 {
        return Err(OpError::Refused(
            "report jobs are waiting: run `portaldesk worker --once` first, so the bench times its own jobs alone"
                .into(),
        ));
    }
    let dir = std::env::temp_dir().join(format!("portaldesk-bench-report-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| OpError::Db(e.to_string()))?;
    let worker = Worker::new(ops, "bench");
    let (mut run, mut with_file, mut rows, mut bytes) = (Vec::new(), Vec::new(), 0, 0);
    for _ in 0..samples {
        let job = ops.enqueue_report("qb-roster", &[]).await?;
        let start = Instant::now();
        let ran = worker.run_next().await?;
        run.push(start.elapsed());
        match ran {
            Some(Ran::Succeeded { job: j, rows: n }) if j == job => rows = n,
            other => return Err(OpError::Db(format!("the bench's job {job} did not run alone: {other:?}"))),
        }
        bytes = write_output(store, job, &dir.join("roster.csv")).await?.0;
        with_file.push(start.elapsed());
        bench::delete_report_job(store, job).await?;
    }
    let mut plain = Vec::new();
    let plain_out = dir.join("plain.csv");
    for _ in 0..samples {
        let mut c = bench::qb_roster_plain_command(store, url, &plain_out);
        if store.backend() == crate::store::Backend::Sqlite {
            let f = std::fs::File::create(&plain_out).map_err(|e| OpError::Db(e.to_string()))?;
            c.stdout(f);
        } else {
            c.stdout(std::process::Stdio::null());
        }
        let start = Instant::now();
        let ok = c.status().is_ok_and(|s| s.success());
        if !ok {
            plain.clear();
            break;
        }
        plain.push(start.elapsed());
    }
    let plain_rows = std::fs::read(&plain_out).map(|b| b.iter().filter(|c| **c == b'\n').count().saturating_sub(1));
    let _ = std::fs::remove_dir_all(&dir);

    let rate = |f: &Figures| format!("{f}   {:.0} rows/s", rows as f64 / f.median.as_secs_f64().max(1e-9));
    let (run, with_file) = (Figures::of(run), Figures::of(with_file));
    let mut out: Vec<Line> = vec![
        ("QB roster rows (status active, all groups)".into(), format!("{rows} rows, {bytes} bytes of CSV")),
        ("portaldesk worker: query → CSV → stored chunks".into(), rate(&run)),
        ("… and `report get` writing the file".into(), rate(&with_file)),
    ];
    if plain.is_empty() {
        out.push(("plain engine writing the same query's rows".into(), "sqlite3 or psql could not be run".into()));
    } else {
        let plain = Figures::of(plain);
        out.push((
            format!("plain engine (same query, {} rows)", plain_rows.map_or("?".into(), |n| n.to_string())),
            rate(&plain),
        ));
        let ratio = |f: &Figures| plain.median.as_secs_f64() / f.median.as_secs_f64().max(1e-9);
        out.push((
            "speed against the plain engine (target ≥ 0.8×)".into(),
            format!("{:.2}× (worker), {:.2}× (with the file)", ratio(&run), ratio(&with_file)),
        ));
    }
    out.push(("peak memory of this process (target < 100 MB)".into(), super::peak_memory()));
    Ok(out)
}
