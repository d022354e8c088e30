//! The examples of docs/scripting.md, run headless against a seeded demo;
//! their screenshots must equal the committed ones in
//! tests/golden/scripting/ (PORTALDESK_WRITE_DOCS=1 rewrites them).

mod common;

use std::path::Path;
use std::time::Duration;

use common::seeded::{headless, seed_small, stable};
use portaldesk::script;

/// The ```pdscript blocks of the page.
fn examples() -> Vec<String> {
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/scripting.md")).unwrap();
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in doc.lines() {
        match (&mut current, line.trim()) {
            (None, "```pdscript") => current = Some(String::new()),
            (Some(_), "```") => out.push(current.take().unwrap()),
            (Some(c), _) => {
                c.push_str(line);
                c.push('\n');
            }
            _ => {}
        }
    }
    out
}

#[tokio::test]
async fn every_doc_example_runs_and_matches_its_golden_screenshots() {
    let examples = examples();
    assert!(examples.len() >= 3, "the page lost its examples");
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/scripting");
    let write = std::env::var_os("PORTALDESK_WRITE_DOCS").is_some();
    for (i, text) in examples.iter().enumerate() {
        let steps = script::parse(text, &format!("example {i}")).unwrap_or_else(|e| panic!("{e}"));
        let db = common::sqlite().await;
        seed_small(&db).await;
        let mut h = headless(&db, 80, 24).await;
        let out = tempfile::tempdir().unwrap();
        script::run::check_paths(&steps, out.path()).unwrap();
        if let Err(f) = script::run::run(&mut h, &steps, out.path(), Duration::from_secs(30)).await {
            panic!("example {i} line {}: {}\n{}", f.line, f.message, f.screen);
        }
        for shot in std::fs::read_dir(out.path()).unwrap().flatten() {
            let got = stable(&std::fs::read_to_string(shot.path()).unwrap(), &db);
            let want_path = golden.join(shot.file_name());
            if write {
                std::fs::write(&want_path, &got).unwrap();
            }
            let want = std::fs::read_to_string(&want_path)
                .unwrap_or_else(|_| panic!("no golden {} (PORTALDESK_WRITE_DOCS=1 writes it)", want_path.display()));
            assert_eq!(got, want, "example {i}: {}", shot.file_name().to_string_lossy());
        }
    }
}

#[tokio::test]
async fn replays_are_deterministic() {
    let text = &examples()[0];
    let steps = script::parse(text, "example 0").unwrap();
    let mut shots = Vec::new();
    for _ in 0..2 {
        let db = common::sqlite().await;
        seed_small(&db).await;
        let mut h = headless(&db, 80, 24).await;
        let out = tempfile::tempdir().unwrap();
        script::run::run(&mut h, &steps, out.path(), Duration::from_secs(30)).await.unwrap();
        shots.push(stable(&std::fs::read_to_string(out.path().join("queues.txt")).unwrap(), &db));
    }
    assert_eq!(shots[0], shots[1]);
}

#[tokio::test]
async fn a_failed_expectation_names_its_line_and_shows_the_screen() {
    let db = common::sqlite().await;
    seed_small(&db).await;
    let mut h = headless(&db, 80, 24).await;
    let steps = script::parse("2\nexpect /Members/\nexpect /no such text/\n", "t").unwrap();
    let f = script::run::run(&mut h, &steps, Path::new("."), Duration::from_secs(30)).await.unwrap_err();
    assert_eq!(f.line, 3);
    assert!(f.message.contains("no such text") && f.screen.contains("Members"), "{f:?}");
}

#[test]
fn the_cli_runs_scripts_with_exit_codes() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    assert!(common::pty::run(h, &["demo", "--members", "300"]).status.success());
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    };
    let code = |args: &[&str]| common::pty::run(h, args).status.code();
    let ok = file("ok.pdscript", "2\nexpect /Members/\nscreenshot out/shot.txt\n");
    assert_eq!(code(&["--headless", "run", &ok]), Some(2), "the screenshot folder does not exist yet");
    std::fs::create_dir(dir.path().join("out")).unwrap();
    assert_eq!(code(&["--headless", "--size", "120x40", "run", &ok]), Some(0));
    assert!(std::fs::read_to_string(dir.path().join("out/shot.txt")).unwrap().contains("Members"));
    let bad = file("bad.pdscript", "2\nexpect /Cases › billing/\n");
    let out = common::pty::run(h, &["--headless", "run", &bad]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.pdscript:2: expected /Cases › billing/"));
    for broken in ["jj<Esc\n", "<Nope>\n", "wait /([/\n"] {
        let f = file("broken.pdscript", broken);
        assert_eq!(code(&["--headless", "run", &f]), Some(2), "{broken}");
    }
    assert_eq!(code(&["run", &ok]), Some(2), "no terminal and no --headless");
    assert_eq!(code(&["--headless", "--size", "big", "run", &ok]), Some(2));
    // Without --allow-writes a script cannot change data.
    let take = file("take.pdscript", ":cases support\nT\nwait /took C-|refused/\nexpect /took C-/\n");
    assert_eq!(code(&["--headless", "run", &take]), Some(1));
    assert_eq!(code(&["--headless", "--allow-writes", "run", &take]), Some(0));
    let listed = common::pty::run(h, &["actions", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    let names: Vec<&str> =
        v["result"]["actions"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"case.claim_next") && names.contains(&"macro.record"));
}

#[test]
fn a_step_that_never_becomes_idle_fails_with_a_clear_message() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path().to_owned();
    assert!(common::pty::run(&h, &["demo", "--members", "300"]).status.success());
    let script = h.join("take.pdscript");
    std::fs::write(&script, ":cases support\nT\n").unwrap();
    let url = format!("sqlite://{}", h.join("data/demo.sqlite").display());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let out = rt.block_on(async {
        // Another writer holds the database: the take waits for it.
        let store = portaldesk::store::Store::open(&url, &Default::default()).await.unwrap();
        let tx = store.begin_write().await.unwrap();
        let (home, script) = (h.clone(), script.clone());
        let out = tokio::task::spawn_blocking(move || {
            common::pty::run(
                &home,
                &["--headless", "--allow-writes", "--step-timeout", "1", "run", script.to_str().unwrap()],
            )
        })
        .await
        .unwrap();
        tx.rollback().await.unwrap();
        out
    });
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("take.pdscript:2: the app did not become idle within 1s"), "{err}");
}
