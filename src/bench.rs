//! `portaldesk bench`: the performance targets measured on a seeded
//! database, printed as medians and p99s. Timed here, never in tests.

use std::time::{Duration, Instant};

use crate::domain::case::{CaseView, Queue};
use crate::domain::role::Role;
use crate::ops::{Clock, OpError, Ops};
use crate::store::bench;
use crate::store::lists::{self, ListKind, ListRequest};
use crate::store::{Backend, Dir, Store};

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

/// One printed line of a benchmark.
pub type Line = (String, String);

/// Case queue pages at every depth, `take`, and (PostgreSQL) concurrent takers.
pub async fn cases(ops: &Ops, samples: usize, takers: usize) -> Result<Vec<Line>, OpError> {
    let store = ops.store();
    let mut out: Vec<Line> = Vec::new();
    let total = bench::case_count(store).await?;
    out.push(("cases in the database".into(), total.to_string()));

    let all = ListKind::Cases(CaseView::All);
    let page = |dir: Dir| {
        let req = request(all, dir, ops);
        async move { lists::fetch(store, &req).await }
    };
    out.push(("page 1 of `all` (50 rows)".into(), time(samples, || page(Dir::First)).await?.to_string()));
    let depth = 50 * 9_999;
    match bench::case_cursor_at(store, depth).await? {
        Some(key) => {
            let f = time(samples, || page(Dir::After(key.clone()))).await?;
            out.push(("page 10 000 of `all` (rows 499 951…)".into(), f.to_string()));
        }
        None => out.push(("page 10 000 of `all`".into(), format!("fewer than {depth} cases: seed more with --cases"))),
    }
    out.push(("last page of `all`".into(), time(samples, || page(Dir::Last)).await?.to_string()));
    let queue = ListKind::Cases(CaseView::Queue(Queue::Eligibility));
    let qpage = |dir: Dir| {
        let req = request(queue, dir, ops);
        async move { lists::fetch(store, &req).await }
    };
    out.push(("page 1 of `eligibility`".into(), time(samples, || qpage(Dir::First)).await?.to_string()));
    out.push(("last page of `eligibility`".into(), time(samples, || qpage(Dir::Last)).await?.to_string()));
    let floor = time(samples, || bench::case_floor(store)).await?;
    out.push(("engine floor: 51 ids by the index".into(), floor.to_string()));

    let take = time(samples, || ops.claim_next(Queue::Support)).await?;
    out.push(("take (case.claim_next, support)".into(), take.to_string()));

    if store.backend() == Backend::Postgres && takers > 0 {
        out.push(concurrent_takers(ops, takers, samples * 10).await?);
    }
    Ok(out)
}

/// `takers` staff taking from the enrollment queue at once until `claims`
/// cases are taken: throughput, and a check that no case went twice.
async fn concurrent_takers(ops: &Ops, takers: usize, claims: usize) -> Result<Line, OpError> {
    let store = ops.store().clone();
    let mut tx = store.begin_write().await?;
    for i in 0..takers {
        let login = format!("bench_taker{i}");
        if crate::store::staff::by_login(&store, &login).await?.is_none() {
            crate::store::staff::insert(&mut tx, &login, "Bench taker", Role::Agent, "active", ops.now()).await?;
        }
    }
    tx.commit().await?;
    let left = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(claims as i64));
    let start = Instant::now();
    let mut handles = Vec::new();
    for i in 0..takers {
        let o = Ops::for_operator(store.clone(), &format!("bench_taker{i}"), false, Clock::System)
            .await
            .map_err(|e| OpError::Db(e.to_string()))?;
        let left = left.clone();
        handles.push(tokio::spawn(async move {
            let mut got = Vec::new();
            while left.fetch_sub(1, std::sync::atomic::Ordering::SeqCst) > 0 {
                match o.claim_next(Queue::Enrollment).await {
                    Ok(Some(c)) => got.push(c.case_number),
                    Ok(None) => break,
                    Err(OpError::Conflict(_)) => {}
                    Err(e) => return Err(e),
                }
            }
            Ok(got)
        }));
    }
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.await.map_err(|e| OpError::Db(e.to_string()))??);
    }
    let secs = start.elapsed().as_secs_f64();
    let n = all.len();
    all.sort();
    all.dedup();
    let twice = n - all.len();
    Ok((
        format!("{takers} concurrent takers (PostgreSQL)"),
        format!("{n} cases in {secs:.2} s = {:.0} takes/s; taken twice: {twice}", n as f64 / secs),
    ))
}

/// Member lookups on the search path the screen uses (parse, blind index,
/// keyset page), and the member view's first frame.
pub async fn members(ops: &Ops, key: &crate::crypto::DataKey, samples: usize) -> Result<Vec<Line>, OpError> {
    use crate::store::members::MemberSearch;
    let store = ops.store();
    let mut out: Vec<Line> = Vec::new();
    let total = bench::member_count(store).await?;
    out.push(("members in the database".into(), total.to_string()));
    // Sample members spread over the table (set-up: decrypting is the test's privilege).
    let step = (total / samples.max(1) as i64).max(1);
    let picked = bench::sample_members(store, step, samples as i64).await?;
    let ssns: Vec<String> = picked.iter().filter_map(|m| m.ssn_cipher.as_ref().and_then(|c| key.decrypt(c))).collect();
    let search = |q: String| {
        let req = MemberSearch::parse(&q, Some(key)).map(|m| ListRequest {
            kind: ListKind::Members,
            filter: String::new(),
            dir: Dir::First,
            limit: 50,
            me: ops.operator().id,
            now: ops.now(),
            backend_pid: Default::default(),
            date_format: Default::default(),
            search: m.map(lists::Search::Members),
        });
        async move {
            let req = req.map_err(OpError::Invalid)?;
            let page = lists::fetch(store, &req).await?;
            if page.rows.is_empty() {
                return Err(OpError::NotFound(format!(
                    "benchmark query {} found nothing",
                    crate::domain::ssn::redact(&q)
                )));
            }
            Ok(page.rows.len())
        }
    };
    // Warm the caches first: the figures are for a database in use.
    for q in ssns.iter().take(20).chain(picked.iter().take(20).map(|p| &p.member_number)) {
        search(q.clone()).await?;
    }
    let mut i = 0;
    let f = time(ssns.len(), || {
        i += 1;
        search(ssns[i - 1].clone())
    })
    .await?;
    out.push(("SSN (blind index)".into(), f.to_string()));
    let mut i = 0;
    let f = time(picked.len(), || {
        i += 1;
        search(picked[i - 1].member_number.clone())
    })
    .await?;
    out.push(("member ID".into(), f.to_string()));
    let mut i = 0;
    let f = time(picked.len(), || {
        i += 1;
        search(picked[i - 1].last_name_key.chars().take(3).collect())
    })
    .await?;
    out.push(("last-name prefix, first page of 50".into(), f.to_string()));

    // The member view's first frame: Enter on a found member until the frame is drawn.
    let mut h = headless(ops, key).await?;
    let mut frames = Vec::new();
    for number in picked.iter().take(samples.min(100)).map(|m| &m.member_number) {
        h.app.execute_line(&format!("member {number}"));
        h.settle(Duration::from_secs(30)).await.map_err(|e| OpError::Db(e.to_string()))?;
        let start = Instant::now();
        h.app.run(crate::action::Action::Open);
        h.settle(Duration::from_secs(30)).await.map_err(|e| OpError::Db(e.to_string()))?;
        let screen = h.screen();
        frames.push(start.elapsed());
        if !screen.contains("Demographics") {
            return Err(OpError::Db(format!("the member view did not open for {number}")));
        }
        h.app.run(crate::action::Action::Back);
    }
    out.push(("member view, Enter to first frame (audited)".into(), Figures::of(frames).to_string()));
    Ok(out)
}

/// The broker view of a broker with `groups` groups in its book: set up
/// once (an employer with that many groups, a broker, one grant each,
/// through `access.grant`), then `:broker NPN` to first frame.
pub async fn brokers(
    ops: &Ops,
    key: &crate::crypto::DataKey,
    groups: usize,
    samples: usize,
) -> Result<Vec<Line>, OpError> {
    const NPN: &str = "9999999001";
    const EIN: &str = "99-9999001";
    let store = ops.store();
    let now = ops.now();
    if !bench::broker_exists(store, NPN).await? {
        let book = bench::BenchBook {
            ein: EIN,
            npn: NPN,
            groups,
            tax_id_cipher: key.encrypt("999990001"),
            tax_id_index: key.blind_index("tax", "999990001"),
            now,
        };
        let numbers = bench::insert_bench_book(store, book).await?;
        let start = Instant::now();
        ops.grant_access(
            &crate::ops::access::Grantee::Broker(NPN.into()),
            Some(EIN),
            &numbers,
            crate::domain::access::Perms::parse("view,enrollment").map_err(OpError::Invalid)?,
            None,
        )
        .await?;
        let secs = start.elapsed().as_secs_f64();
        return Ok(vec![(
            "set-up: access.grant of all groups in one change".into(),
            format!("{groups} groups in {secs:.2} s (run again to measure)"),
        )]);
    }
    let mut out: Vec<Line> = Vec::new();
    let today = now.date_naive();
    let load = time(samples, || crate::store::brokers::file_by_npn(store, NPN, today)).await?;
    let n = crate::store::brokers::file_by_npn(store, NPN, today).await?.map_or(0, |f| f.book.len());
    out.push((format!("broker file with {n} grants (query)"), load.to_string()));
    let mut h = headless(ops, key).await?;
    let mut frames = Vec::new();
    for _ in 0..samples {
        let start = Instant::now();
        h.app.execute_line(&format!("broker {NPN}"));
        h.settle(Duration::from_secs(30)).await.map_err(|e| OpError::Db(e.to_string()))?;
        let screen = h.screen();
        frames.push(start.elapsed());
        if !screen.contains("Book of business") {
            return Err(OpError::Db("the broker view did not open".into()));
        }
    }
    out.push(("broker view, :broker to first frame".into(), Figures::of(frames).to_string()));
    Ok(out)
}

/// A headless script of `steps` steps (moves, pages, queue and area
/// switches, searches, expectations) on this database: total time.
pub async fn script(ops: &Ops, key: &crate::crypto::DataKey, steps: usize) -> Result<Vec<Line>, OpError> {
    const CYCLE: [&str; 10] = [
        "j",
        "<PageDown>",
        "k",
        "expect /portaldesk/",
        ":cases billing",
        "G",
        "2",
        ":member smith",
        "expect /Members/",
        "1",
    ];
    let text: String = (0..steps).map(|i| format!("{}\n", CYCLE[i % CYCLE.len()])).collect();
    let parsed = crate::script::parse(&text, "bench").map_err(|e| OpError::Invalid(e.to_string()))?;
    let mut h = headless(ops, key).await?;
    let start = Instant::now();
    crate::script::run::run(&mut h, &parsed, std::path::Path::new("."), Duration::from_secs(30))
        .await
        .map_err(|f| OpError::Db(format!("line {}: {}", f.line, f.message)))?;
    let secs = start.elapsed().as_secs_f64();
    Ok(vec![(
        format!("headless script of {steps} steps"),
        format!("{secs:.2} s ({:.2} ms per step)", secs * 1e3 / steps as f64),
    )])
}

/// Key press to drawn frame at 80x24, off-screen. Beside it, a frame drawn
/// with no key (the plain engine: what drawing alone costs). Idle, keys act
/// at once and the type-ahead queue must add nothing; while a member search
/// over the whole table runs, keys wait in the queue and the frame shows
/// them waiting. Keys come 5 ms apart, a fast macro's pace.
pub async fn keys(ops: &Ops, key: &crate::crypto::DataKey, samples: usize) -> Result<Vec<Line>, OpError> {
    use crate::keys::Key;
    use crossterm::event::{KeyCode, KeyModifiers};
    let mut h = headless(ops, key).await?;
    h.resize(80, 24);
    let limit = Duration::from_secs(60);
    h.press("2").await.map_err(|e| OpError::Db(e.to_string()))?;
    let (j, k) = (Key::plain(KeyCode::Char('j')), Key::plain(KeyCode::Char('k')));
    let pace = Duration::from_millis(5);
    let mut out: Vec<Line> =
        vec![("members in the database".into(), bench::member_count(ops.store()).await?.to_string())];

    let mut draw_only = Vec::with_capacity(samples);
    for _ in 0..samples {
        let t = Instant::now();
        h.draw();
        draw_only.push(t.elapsed());
    }
    out.push(("frame alone (no key; plain engine)".into(), Figures::of(draw_only).to_string()));

    let mut idle = Vec::with_capacity(samples);
    for i in 0..samples {
        let t = Instant::now();
        h.app.on_key(if i % 2 == 0 { j } else { k });
        h.draw();
        idle.push(t.elapsed());
        h.settle(limit).await.map_err(|e| OpError::Db(e.to_string()))?;
        tokio::time::sleep(pace).await;
    }
    out.push(("key to frame, nothing loading".into(), Figures::of(idle).to_string()));

    // A search by the SSN's last four and a birth date.
    let mut busy = Vec::with_capacity(samples);
    let mut searches = Vec::new();
    while busy.len() < samples {
        let start = Instant::now();
        h.app.execute_line("member 6789 01/31/1980");
        if !h.app.tasks.foreground() {
            let why = h.app.message.as_ref().map(|m| m.text.clone()).unwrap_or_default();
            return Err(OpError::Invalid(format!("the search did not start: {why}")));
        }
        while h.app.tasks.foreground() && busy.len() < samples {
            let t = Instant::now();
            h.app.on_key(j);
            h.draw();
            busy.push(t.elapsed());
            tokio::time::sleep(pace).await;
            h.apply_ready();
        }
        if h.app.tasks.foreground() {
            h.app.on_key(Key::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
        } else {
            searches.push(start.elapsed());
        }
        h.settle(limit).await.map_err(|e| OpError::Db(e.to_string()))?;
    }
    out.push(("key to frame, while a search runs".into(), Figures::of(busy).to_string()));
    if !searches.is_empty() {
        out.push(("the search itself (keys typed meanwhile)".into(), Figures::of(searches).to_string()));
    }
    Ok(out)
}

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

/// The process's peak resident memory (Linux; elsewhere not known).
fn peak_memory() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = status.lines().find_map(|l| l.strip_prefix("VmHWM:")).map(|v| v.trim().trim_end_matches(" kB").trim());
    match kb.and_then(|k| k.parse::<u64>().ok()) {
        Some(kb) => format!("{} MB", kb / 1024),
        None => "not known on this system".into(),
    }
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
