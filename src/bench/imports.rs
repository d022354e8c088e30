//! A large demographic import, beside the plain engine loading the same file.

use std::time::{Duration, Instant};

use super::{Line, peak_memory};
use crate::ops::{OpError, Ops};
use crate::store::bench;
use crate::store::{Backend, Store};

/// Applies an `rows`-row demographic file (new members, one group) and,
/// in the same run, loads the same file with the plain engine (see
/// `plain_engine`).
pub async fn imports(ops: &Ops, key: &crate::crypto::DataKey, rows: usize, url: &str) -> Result<Vec<Line>, OpError> {
    use crate::domain::import_spec::ImportKind;
    let store = ops.store();
    let Some((group, ein)) = bench::first_group(store).await? else {
        return Err(OpError::NotFound("no employer group on file: seed the database first (`portaldesk demo`)".into()));
    };
    // Every run adds new members: numbering from the count on file keeps
    // one run's SSNs apart from the last one's.
    let seed = bench::member_count(store).await?;
    let dir = std::env::temp_dir().join(format!("portaldesk-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| OpError::Db(e.to_string()))?;
    let csv_path = dir.join("demographic.csv");
    write_demographic(&csv_path, &group, seed as usize, rows).map_err(|e| OpError::Db(e.to_string()))?;
    let mut out: Vec<Line> = Vec::new();
    out.push(("members already in the database".into(), seed.to_string()));

    // The plain engine's copy of the database as the import finds it.
    let copy = dir.join("copy.sqlite");
    if store.backend() == Backend::Sqlite {
        copy_sqlite(store, url, &copy).await?;
    }
    let id = ops.enqueue_import_file(&ein, ImportKind::Demographic, &csv_path, true, None).await?;
    let start = Instant::now();
    let job = ops.run_import(key, id, None).await?;
    // Timed until the rows are in the database file, as the plain engine's
    // are when it ends (its commit folds its log in).
    if store.backend() == Backend::Sqlite {
        fold_wal(store).await?;
    }
    let secs = start.elapsed().as_secs_f64();
    out.push((
        format!("portaldesk import of {rows} rows (every row validated)"),
        format!("{secs:.2} s = {:.0} rows/s ({} in, {} failed)", rows as f64 / secs, job.ok_rows, job.failed_rows),
    ));
    out.push(("peak memory of this process so far".into(), peak_memory()));

    for (what, t) in plain_engine(ops, &dir, &copy, &csv_path, url).await? {
        let figure = match t {
            Some(t) => format!("{:.2} s = {:.0} rows/s", t.as_secs_f64(), rows as f64 / t.as_secs_f64()),
            None => "sqlite3 or psql could not be run".into(),
        };
        out.push((what.into(), figure));
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(out)
}

/// Applies an 834 file of `rows` member loops (each a new subscriber of the
/// first group, maintenance type 021) and then a CSV demographic file of as
/// many other new members, on the same database: the two import paths'
/// rates side by side.
pub async fn import_834(ops: &Ops, key: &crate::crypto::DataKey, rows: usize) -> Result<Vec<Line>, OpError> {
    use crate::domain::import_spec::ImportKind;
    let store = ops.store();
    let Some((group, ein)) = bench::first_group(store).await? else {
        return Err(OpError::NotFound("no employer group on file: seed the database first (`portaldesk demo`)".into()));
    };
    let seed = bench::member_count(store).await? as usize;
    let dir = std::env::temp_dir().join(format!("portaldesk-bench-834-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| OpError::Db(e.to_string()))?;
    let (x12_path, csv_path) = (dir.join("enrollment.834"), dir.join("demographic.csv"));
    let io = |e: std::io::Error| OpError::Db(e.to_string());
    write_834(&x12_path, &group, seed, rows).map_err(io)?;
    write_demographic(&csv_path, &group, seed + rows, rows).map_err(io)?;
    let mut out: Vec<Line> = vec![("members already in the database".into(), seed.to_string())];
    let mut rates = Vec::new();
    for (what, kind, path) in [
        ("834 member loops (021 additions)", ImportKind::X12_834, &x12_path),
        ("CSV demographic rows", ImportKind::Demographic, &csv_path),
    ] {
        let id = ops.enqueue_import_file(&ein, kind, path, true, None).await?;
        let start = Instant::now();
        let job = ops.run_import(key, id, None).await?;
        if store.backend() == Backend::Sqlite {
            fold_wal(store).await?;
        }
        let secs = start.elapsed().as_secs_f64();
        rates.push(rows as f64 / secs);
        out.push((
            format!("{what}: {rows}"),
            format!("{secs:.2} s = {:.0} rows/s ({} in, {} failed)", rows as f64 / secs, job.ok_rows, job.failed_rows),
        ));
    }
    out.push(("834 rate / CSV demographic rate".into(), format!("{:.2}", rates[0] / rates[1].max(f64::MIN_POSITIVE))));
    out.push(("peak memory of this process so far".into(), peak_memory()));
    let _ = std::fs::remove_dir_all(&dir);
    Ok(out)
}

/// Writes the bench's 834 file: one transaction set of `rows` subscriber
/// additions to `group`, SSNs numbered as `write_demographic`'s from `seed`.
fn write_834(path: &std::path::Path, group: &str, seed: usize, rows: usize) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(
        f,
        "ISA*00*{:10}*00*{:10}*ZZ*{:15}*ZZ*{:15}*261201*1200*^*00501*000000001*0*P*:~",
        "", "", "BENCH", "PORTALDESK"
    )?;
    write!(f, "GS*BE*BENCH*PORTALDESK*20261201*1200*1*X*005010X220A1~\nST*834*0001*005010X220A1~\n")?;
    write!(f, "BGN*00*BENCH*20261201*1200****2~\nN1*P5*BENCH*FI*123456789~\nN1*IN*CARRIER*FI*987654321~\n")?;
    for i in 0..rows {
        let n = (seed + i) % 89_999_999;
        let ssn = format!("8{:02}{:02}{:04}", 10 + n % 89, 1 + (n / 89) % 99, 1 + (n / 8811) % 9999);
        write!(
            f,
            "INS*Y*18*021*28*A***FT~\nREF*0F*{ssn}~\nREF*1L*{group}~\nNM1*IL*1*LAST{}*FIRST{i}****34*{ssn}~\n\
             N3*{i} MAIN ST~\nN4*AUSTIN*TX*78701~\nDMG*D8*198001{:02}*F~\nHD*021**HLT~\nDTP*348*D8*20261201~\n",
            i % 5000,
            1 + i % 28
        )?;
    }
    // ST, BGN, two N1 and SE, and nine segments a loop.
    write!(f, "SE*{}*0001~\nGE*1*1~\nIEA*1*000000001~\n", 5 + 9 * rows)?;
    f.flush()
}

/// Writes the bench's demographic file: `rows` new members of `group`,
/// their SSNs numbered from `seed` (so runs do not meet each other's).
fn write_demographic(path: &std::path::Path, group: &str, seed: usize, rows: usize) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(f, "group_number,ssn,first_name,last_name,birth_date,gender,address_line,city,state,zip")?;
    for i in 0..rows {
        // 8xx SSNs: never issued, and apart from the demo's 9xx ones.
        let n = (seed + i) % 89_999_999;
        writeln!(
            f,
            "{group},8{:02}-{:02}-{:04},First{i},Last{},1980-01-{:02},F,{i} Main St,Austin,TX,78701",
            10 + n % 89,
            1 + (n / 89) % 99,
            1 + (n / 8811) % 9999,
            i % 5000,
            1 + i % 28
        )?;
    }
    f.flush()
}

/// Copies the SQLite database at `url` to `to`, its log folded in first
/// (or the copy would lack the latest commits).
async fn copy_sqlite(store: &Store, url: &str, to: &std::path::Path) -> Result<(), OpError> {
    fold_wal(store).await?;
    let source = crate::store::sqlite_path(url);
    std::fs::copy(source, to).map_err(|e| OpError::Db(format!("copying {source}: {e}")))?;
    Ok(())
}

/// Folds SQLite's log wholly into the database file, retried while another
/// connection holds it (the periodic checkpoint can, a moment).
async fn fold_wal(store: &Store) -> Result<(), OpError> {
    for _ in 0..100 {
        if bench::fold_wal(store).await? {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(OpError::Db("the database's log could not be folded in".into()))
}

/// The plain engine loading the bench's file, two ways: into the members
/// table itself (the same indexes and keys, the same million rows; the file
/// staged with `.import` or `\copy`, then one INSERT … SELECT with nothing
/// checked and the SSN columns filled with random bytes), and into an empty
/// table of the file's ten columns with three indexes. SQLite loads into
/// `copy`, the database as the import found it, with the import's page
/// cache (`SQLITE_BULK_CACHE`), and commits; PostgreSQL
/// loads into the database after the import (holding its rows too, a
/// little harder; its pages written out first) and rolls back.
async fn plain_engine(
    ops: &Ops,
    dir: &std::path::Path,
    copy: &std::path::Path,
    csv: &std::path::Path,
    url: &str,
) -> Result<Vec<(&'static str, Option<Duration>)>, OpError> {
    let store = ops.store();
    if store.backend() == Backend::Postgres {
        // The import's pages written out first (a superuser's right;
        // without it the plain engine shares the server with that work).
        if let Err(e) = bench::checkpoint(store).await {
            tracing::info!("bench: no CHECKPOINT before the plain engine: {e}");
        }
    }
    let (into_members, into_empty) = bench::plain_engine_commands(store, dir, copy, csv, url).await?;
    let timed = |mut c: std::process::Command| {
        let start = Instant::now();
        let ok = c.stdout(std::process::Stdio::null()).status().is_ok_and(|s| s.success());
        ok.then(|| start.elapsed())
    };
    let (into_members, into_empty) = (timed(into_members), timed(into_empty));
    Ok(vec![
        ("plain engine, same file into the members table (same indexes, same rows, nothing checked)", into_members),
        ("plain engine, same file into an empty 10-column table with 3 indexes", into_empty),
    ])
}
