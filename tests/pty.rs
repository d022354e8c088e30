//! End to end in a real pseudo-terminal: start the binary, switch areas,
//! use `:`, take a case, quit, and check the terminal was restored.

mod common;

use common::pty::{Pty, big_demo_home, demo_home, run};
use portaldesk::store::testing::StoreSql;

/// The case number in the status line's `took C-…` message.
fn taken_case(screen: &str) -> Option<String> {
    let rest = &screen[screen.find("took C-")? + "took ".len()..];
    rest.split_whitespace().next().map(str::to_owned)
}

#[test]
fn starts_navigates_takes_a_case_quits_and_restores_the_terminal() {
    let home = demo_home();

    // After the app exits, the shell prints its exit code and the tty modes.
    let mut pty = Pty::shell(home.path(), "\"$0\"; echo \"EXIT=$?\"; stty -a", 80, 24);
    pty.wait_for("the case queue", |s| s.contains("1 Cases") && s.contains("C-0"));
    assert_eq!(pty.modes(), (true, true), "the app runs on the alternate screen with the cursor hidden");

    pty.send("2");
    pty.wait_for("the member list", |s| s.lines().nth(3).is_some_and(|l| l.contains("Member")));

    pty.send(":");
    pty.wait_for("the command line", |s| s.lines().nth(22).is_some_and(|l| l.starts_with(':')));
    pty.send("cases billing\r");
    pty.wait_for("the billing queue", |s| s.contains("Cases › billing"));

    pty.send("T");
    let s = pty.wait_for("the take message", |s| s.contains("took C-") || s.contains("nothing to take"));
    // The demo's billing queue always has unassigned new cases.
    let taken = taken_case(&s).expect("a case was taken from billing");

    pty.send("q");
    let s = pty.wait_for("the shell after exit", |s| s.contains("EXIT=") && s.contains("icanon"));
    assert!(s.contains("EXIT=0"), "{s}");
    let words: Vec<&str> = s.split_whitespace().collect();
    assert!(words.contains(&"icanon") && words.contains(&"echo"), "raw mode was not turned off:\n{s}");
    assert_eq!(pty.modes(), (false, false), "alternate screen left and cursor shown again");
    let _ = pty.child.wait();

    // The change is in the database, made by the operator, audited.
    {
        let case = taken;
        let url = format!("sqlite://{}", home.path().join("data/demo.sqlite").display());
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let store = portaldesk::store::Store::open(&url, &Default::default()).await.unwrap();
            let (login,): (String,) = store
                .fetch_one(
                    "SELECT s.login FROM cases c JOIN staff s ON s.id = c.assignee_id WHERE c.case_number = $1",
                    portaldesk::args![case.clone()],
                )
                .await
                .unwrap();
            assert_eq!(login, "tester");
            let (n,): (i64,) = store
                .fetch_one(
                    "SELECT count(*) FROM audit_log WHERE entity = $1",
                    portaldesk::args![format!("case:{case}")],
                )
                .await
                .unwrap();
            assert_eq!(n, 1);
        });
    }
}

#[test]
fn bad_start_up_input_gets_one_line_and_exit_code_2() {
    let home = tempfile::tempdir().unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--db", "mysql://x", "info"], ""),
        (vec!["--db", "mysql://x", "case", "take", "--queue", "billing"], "not understood"),
        (
            vec!["--db", "postgres://nobody@127.0.0.1:1/none", "case", "take", "--queue", "billing"],
            "cannot reach PostgreSQL",
        ),
        (vec!["--db", "sqlite:///nonexistent-dir/x.sqlite", "case", "take", "--queue", "billing"], "does not exist"),
    ];
    for (args, needle) in cases {
        let out = run(home.path(), &args);
        let err = String::from_utf8_lossy(&out.stderr);
        if needle.is_empty() {
            assert!(out.status.success(), "{args:?}: {err}");
            continue;
        }
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: one line expected: {err}");
        assert!(!err.contains("panicked") && !err.contains("backtrace"), "{err}");
    }

    // A corrupt SQLite file and a malformed config.
    let bad = home.path().join("bad.sqlite");
    std::fs::write(&bad, b"this is not a database, just text that is long enough to look like a file header").unwrap();
    let url = format!("sqlite://{}", bad.display());
    let out = run(home.path(), &["--db", &url, "case", "take", "--queue", "billing"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("not a usable SQLite database"), "{err}");

    std::fs::write(home.path().join("config.toml"), "operator = [\n").unwrap();
    let out = run(home.path(), &["info"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("config.toml"), "{err}");
    std::fs::remove_file(home.path().join("config.toml")).unwrap();

    // No terminal, no subcommand.
    let out = run(home.path(), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs a terminal"));
}

#[test]
fn keymap_conflicts_stop_the_start_loudly() {
    let home = tempfile::tempdir().unwrap();
    assert!(run(home.path(), &["demo", "--members", "100"]).status.success());
    std::fs::write(home.path().join("keymap.toml"), "[keys]\n\"nav.down\" = [\"k\"]\n").unwrap();
    let mut pty = Pty::shell(home.path(), "\"$0\"; echo \"EXIT=$?\"", 80, 24);
    let s = pty.wait_for("the conflict report", |s| s.contains("EXIT="));
    assert!(s.contains("bound to both") && s.contains("EXIT=2"), "{s}");
    let _ = pty.child.wait();
    pty.send("");
}

#[test]
fn unknown_operator_missing_key_and_locked_database_are_explained() {
    let home = tempfile::tempdir().unwrap();
    assert!(run(home.path(), &["demo", "--members", "100"]).status.success());

    let out = run(home.path(), &["--operator", "nobody", "case", "take", "--queue", "billing"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("\"nobody\" is not a staff account"), "{err}");

    // Another process holds the write lock: the change waits, then says so.
    let db = home.path().join("data/demo.sqlite");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let holder = rt.block_on(async {
        let mut c =
            <sqlx::SqliteConnection as sqlx::Connection>::connect(&format!("sqlite://{}", db.display())).await.unwrap();
        sqlx::query("BEGIN EXCLUSIVE").execute(&mut c).await.unwrap();
        c
    });
    let out = run(home.path(), &["case", "take", "--queue", "billing"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("locked"), "{err}");
    drop(holder);

    // Without the data key the app does not start.
    std::fs::remove_file(home.path().join("data/data.key")).unwrap();
    let mut pty = Pty::shell(home.path(), "\"$0\"; echo \"EXIT=$?\"", 80, 24);
    let s = pty.wait_for("the key message", |s| s.contains("EXIT="));
    assert!(s.contains("no data key") && s.contains("EXIT=2"), "{s}");
    let _ = pty.child.wait();
}

#[test]
fn takes_notes_and_resolves_a_case_in_a_terminal() {
    let home = demo_home();
    let mut pty = Pty::shell(home.path(), "\"$0\"; echo \"EXIT=$?\"", 80, 24);
    pty.wait_for("the case queue", |s| s.contains("1 Cases") && s.contains("C-0"));
    pty.send(":cases support\r");
    pty.wait_for("the support queue", |s| s.contains("Cases › support"));
    pty.send("T");
    let s = pty.wait_for("the take message", |s| s.contains("took C-"));
    let case = taken_case(&s).expect("a taken case");
    pty.send(&format!(":case {case}\r"));
    pty.wait_for("the case view", |s| s.contains(&format!("Cases › support › {case}")));
    pty.send("N");
    pty.wait_for("the note prompt", |s| s.contains("Internal note on"));
    pty.send("Checked the billing history.\r");
    pty.wait_for("the note saved", |s| s.contains("internal note added"));
    pty.send("R");
    pty.wait_for("the resolve prompt", |s| s.contains("Resolution comments for"));
    pty.send("Refund issued.\r");
    pty.wait_for("the confirmation", |s| s.contains(&format!("Resolve {case}?")));
    pty.send("y");
    pty.wait_for("the resolved case", |s| s.contains("· resolved ·"));
    pty.send("\x1b");
    pty.wait_for("the queue again", |s| s.lines().nth(2).is_some_and(|l| l.trim() == "Cases › support"));
    pty.send("q");
    let s = pty.wait_for("the shell after exit", |s| s.contains("EXIT="));
    assert!(s.contains("EXIT=0"), "{s}");
    let _ = pty.child.wait();

    let url = format!("sqlite://{}", home.path().join("data/demo.sqlite").display());
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = portaldesk::store::Store::open(&url, &Default::default()).await.unwrap();
        let (status, resolution, login): (String, String, String) = store
            .fetch_one(
                "SELECT c.status, c.resolution, s.login FROM cases c JOIN staff s ON s.id = c.assignee_id \
                 WHERE c.case_number = $1",
                portaldesk::args![case.clone()],
            )
            .await
            .unwrap();
        assert_eq!((status.as_str(), resolution.as_str(), login.as_str()), ("resolved", "Refund issued.", "tester"));
        let actions: Vec<(String,)> = store
            .fetch_all(
                "SELECT action FROM audit_log WHERE entity = $1 ORDER BY id",
                portaldesk::args![format!("case:{case}")],
            )
            .await
            .unwrap();
        let actions: Vec<&str> = actions.iter().map(|(a,)| a.as_str()).collect();
        assert_eq!(actions, ["case.claim_next", "case.note", "case.resolve"]);
        let (note,): (String,) = store
            .fetch_one(
                "SELECT e.body FROM case_events e JOIN cases c ON c.id = e.case_id \
                 WHERE c.case_number = $1 AND e.kind = 'note_internal'",
                portaldesk::args![case.clone()],
            )
            .await
            .unwrap();
        assert_eq!(note, "Checked the billing history.");
    });
}

#[test]
fn issues_a_code_in_a_terminal_and_the_portal_redeems_it() {
    let home = demo_home();
    let list = run(home.path(), &["code", "list", "--json"]);
    assert!(list.status.success());
    let url = format!("sqlite://{}", home.path().join("data/demo.sqlite").display());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let ein: String = rt.block_on(async {
        let store = portaldesk::store::Store::open(&url, &Default::default()).await.unwrap();
        let (ein,): (String,) =
            store.fetch_one("SELECT ein FROM employers ORDER BY id DESC LIMIT 1", portaldesk::args![]).await.unwrap();
        ein
    });

    let mut pty = Pty::shell(home.path(), "\"$0\"; echo \"EXIT=$?\"", 80, 24);
    pty.wait_for("the app", |s| s.contains("1 Cases"));
    pty.send("6");
    pty.wait_for("the code list", |s| s.contains("Purpose"));
    pty.send("C");
    pty.wait_for("the prompt", |s| s.contains("Issue a registration code for"));
    pty.send(&format!("{ein}\r"));
    pty.wait_for("the confirmation", |s| s.contains(&format!("EIN {ein}?")));
    pty.send("y");
    let s = pty.wait_for("the code", |s| s.contains("shown once") && s.contains("Single use"));
    let code = s
        .split_whitespace()
        .find(|w| {
            w.len() == 19 && w.split('-').count() == 4 && w.chars().all(|c| c == '-' || c.is_ascii_alphanumeric())
        })
        .expect("a code on screen")
        .to_owned();
    pty.send("q");
    pty.wait_for("the dialog closed", |s| s.contains("is not shown again") && !s.contains(&code));
    pty.quit_ok();

    // The portal's side: a wrong EIN is refused, the right one redeems once.
    let wrong = run(home.path(), &["code", "redeem", "--code", &code, "--ein", "99-9999999"]);
    assert_eq!(wrong.status.code(), Some(1));
    let ok = run(home.path(), &["code", "redeem", "--code", &code.to_lowercase(), "--ein", &ein]);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let again = run(home.path(), &["code", "redeem", "--code", &code, "--ein", &ein]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already used"));

    // The letter holds the code, readable by its owner only; the log never does.
    let letters: Vec<_> = std::fs::read_dir(home.path().join("data/letters")).unwrap().flatten().collect();
    assert_eq!(letters.len(), 1);
    let letter = std::fs::read_to_string(letters[0].path()).unwrap();
    assert!(letter.contains(&code) && letter.contains("New Client Login"));
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(letters[0].metadata().unwrap().permissions().mode() & 0o777, 0o600);
    let log = std::fs::read_to_string(home.path().join("log/portaldesk.log")).unwrap_or_default();
    assert!(!log.contains(&code) && !log.contains(&code.replace('-', "")));
}

#[test]
fn finds_a_member_by_ssn_and_opens_the_record() {
    let home = demo_home();
    // The test reads one SSN the way only a permitted reveal may: with the data key.
    let key = portaldesk::crypto::DataKey::load(None, &home.path().join("data/data.key")).unwrap();
    let url = format!("sqlite://{}", home.path().join("data/demo.sqlite").display());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (number, last, cipher): (String, String, Vec<u8>) = rt.block_on(async {
        let store = portaldesk::store::Store::open(&url, &Default::default()).await.unwrap();
        store
            .fetch_one(
                "SELECT member_number, last_name, ssn_cipher FROM members WHERE ssn_cipher IS NOT NULL ORDER BY id LIMIT 1",
                portaldesk::args![],
            )
            .await
            .unwrap()
    });
    let digits = key.decrypt(&cipher).unwrap();
    let ssn = format!("{}-{}-{}", &digits[..3], &digits[3..5], &digits[5..]);

    let mut pty = Pty::shell(home.path(), "\"$0\"; echo \"EXIT=$?\"", 80, 24);
    pty.wait_for("the app", |s| s.contains("1 Cases"));
    pty.send(&format!(":member {ssn}\r"));
    let s = pty.wait_for("the one match", |s| s.contains(&number) && s.contains("Members ›"));
    assert!(s.contains(&format!("***-**-{}", &digits[5..])), "masked in the list:\n{s}");
    pty.send("\r");
    let s = pty.wait_for("the member view", |s| s.contains("Demographics") && s.contains("Member ID"));
    assert!(s.contains(&last) || s.contains(&number), "{s}");
    assert!(!s.contains(&ssn) && !s.contains(&digits), "the SSN is masked on screen:\n{s}");
    pty.send("\t");
    pty.wait_for("the Events tab", |s| s.contains("qualifying events") || s.contains("months"));
    pty.send("\x1b");
    pty.wait_for("the list again", |s| s.contains("Type") && s.contains("Born"));
    pty.quit_ok();
    let history = std::fs::read_to_string(home.path().join("data/history")).unwrap();
    assert!(history.contains(&format!("member ***-**-{}", &digits[5..])), "{history}");
    assert!(!history.contains(&ssn), "the history file keeps no SSN: {history}");
}

#[test]
fn unlocks_a_locked_broker_office_user_in_a_terminal() {
    let home = demo_home();
    let url = format!("sqlite://{}", home.path().join("data/demo.sqlite").display());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (email, name): (String, String) = rt.block_on(async {
        let store = portaldesk::store::Store::open(&url, &Default::default()).await.unwrap();
        store
            .fetch_one(
                "SELECT email, last_name FROM portal_users WHERE status = 'locked' AND kind = 'broker_staff' ORDER BY id LIMIT 1",
                portaldesk::args![],
            )
            .await
            .unwrap()
    });
    let mut pty = Pty::shell(home.path(), "\"$0\"; echo \"EXIT=$?\"", 80, 24);
    pty.wait_for("the app", |s| s.contains("1 Cases"));
    pty.send(&format!(":accounts {name}\r"));
    pty.wait_for("the account", |s| s.contains(&email[..email.len().min(12)]));
    // Walk down to the locked user (the filter may list namesakes first).
    for _ in 0..10 {
        if pty.screen().lines().any(|l| l.contains("locked") && l.contains(&email[..email.len().min(12)])) {
            break;
        }
        pty.send("j");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    pty.send("K");
    pty.wait_for("the unlock message", |s| s.contains("unlocked"));
    pty.quit_ok();
    rt.block_on(async {
        let store = portaldesk::store::Store::open(&url, &Default::default()).await.unwrap();
        let (status, fails): (String, i64) = store
            .fetch_one(
                "SELECT status, failed_logins FROM portal_users WHERE email = $1",
                portaldesk::args![email.clone()],
            )
            .await
            .unwrap();
        assert_eq!((status.as_str(), fails), ("active", 0));
        let (op, outcome): (String, String) = store
            .fetch_one(
                "SELECT operator, outcome FROM audit_log WHERE action = 'account.unlock' AND entity = $1",
                portaldesk::args![format!("portal_user:{email}")],
            )
            .await
            .unwrap();
        assert_eq!((op.as_str(), outcome.as_str()), ("tester", "ok"));
    });
}

#[test]
fn a_macro_recorded_in_a_terminal_replays_headless_with_the_same_change() {
    let home = demo_home();
    let mut pty = Pty::shell(home.path(), "\"$0\"; echo \"EXIT=$?\"", 80, 24);
    pty.wait_for("the app", |s| s.contains("1 Cases"));
    pty.send("\x14"); // Ctrl-T: start recording
    pty.wait_for("recording", |s| s.contains("recording a macro"));
    pty.send(":cases support\r");
    pty.wait_for("the support queue", |s| s.contains("Cases › support"));
    pty.send("T");
    let s = pty.wait_for("the take", |s| s.contains("took C-"));
    let first = taken_case(&s).unwrap();
    pty.send("\x14");
    pty.wait_for("the name prompt", |s| s.contains("Save the recorded macro as"));
    pty.send("takeone\r");
    pty.wait_for("the macro saved", |s| s.contains("macro saved"));
    pty.send("q");
    pty.wait_for("the shell", |s| s.contains("EXIT="));
    let _ = pty.child.wait();

    let file = home.path().join("data/macros/takeone.pdscript");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains(":cases support") && text.contains("action case.claim_next"), "{text}");
    let replay = run(home.path(), &["--headless", "--allow-writes", "run", file.to_str().unwrap()]);
    assert_eq!(replay.status.code(), Some(0), "{}", String::from_utf8_lossy(&replay.stderr));

    let url = format!("sqlite://{}", home.path().join("data/demo.sqlite").display());
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = portaldesk::store::Store::open(&url, &Default::default()).await.unwrap();
        let rows: Vec<(String, Option<String>)> = store
            .fetch_all(
                "SELECT entity, script FROM audit_log WHERE action = 'case.claim_next' AND outcome = 'ok' AND operator = 'tester' ORDER BY id",
                portaldesk::args![],
            )
            .await
            .unwrap();
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert_eq!(rows[0], (format!("case:{first}"), None));
        assert_eq!(rows[1].1.as_deref(), Some("script:takeone.pdscript"));
        let (queue, login): (String, String) = store
            .fetch_one(
                "SELECT c.queue, s.login FROM cases c JOIN staff s ON s.id = c.assignee_id WHERE c.case_number = $1",
                portaldesk::args![rows[1].0.trim_start_matches("case:").to_owned()],
            )
            .await
            .unwrap();
        assert_eq!((queue.as_str(), login.as_str()), ("support", "tester"), "the replay made the same change");
    });
}

#[test]
fn retries_a_failed_import_in_a_terminal() {
    let home = demo_home();
    let url = format!("sqlite://{}", home.path().join("data/demo.sqlite").display());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (member, group, ein): (String, i64, String) = rt.block_on(async {
        let store = portaldesk::store::Store::open(&url, &Default::default()).await.unwrap();
        store
            .fetch_one(
                "SELECT m.member_number, m.group_id, e.ein FROM members m JOIN employer_groups g ON g.id = m.group_id \
                 JOIN employers e ON e.id = g.employer_id ORDER BY m.id LIMIT 1",
                portaldesk::args![],
            )
            .await
            .unwrap()
    });
    let file = home.path().join("gold.csv");
    std::fs::write(&file, format!("member_id,plan_code,tier,coverage_start\n{member},MGOLD,family,2027-01-01\n"))
        .unwrap();
    let out = run(
        home.path(),
        &["import", "enqueue", file.to_str().unwrap(), "--employer", &ein, "--kind", "plan", "--json"],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let job = v["result"]["id"].as_i64().unwrap().to_string();
    let out = run(home.path(), &["import", "run", &job]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("partial"), "{}", String::from_utf8_lossy(&out.stdout));
    // The plan is set up now; the failed row can go in.
    rt.block_on(async {
        let store = portaldesk::store::Store::open(&url, &Default::default()).await.unwrap();
        store
            .execute(
                "INSERT INTO plans (group_id, plan_code, name, coverage_type) VALUES ($1, 'MGOLD', 'Gold', 'medical')",
                portaldesk::args![group],
            )
            .await
            .unwrap();
    });
    let mut pty = Pty::shell(home.path(), "\"$0\"; echo \"EXIT=$?\"", 80, 24);
    pty.wait_for("the app", |s| s.contains("1 Cases"));
    pty.send(&format!(":import {job}\r"));
    pty.wait_for("the job view", |s| s.contains(&format!("Import job {job}")) && s.contains("plan_unknown"));
    pty.send("Q");
    pty.wait_for("the retry", |s| s.contains(&format!("import job {job}: succeeded")));
    pty.send("q");
    pty.quit_ok();
    rt.block_on(async {
        let store = portaldesk::store::Store::open(&url, &Default::default()).await.unwrap();
        let (status, failed): (String, i64) = store
            .fetch_one(
                "SELECT status, failed_rows FROM import_jobs WHERE id = $1",
                portaldesk::args![job.parse::<i64>().unwrap()],
            )
            .await
            .unwrap();
        assert_eq!((status.as_str(), failed), ("succeeded", 0));
        // One retry: audited as it starts and as it ends.
        let rows: Vec<(Option<String>,)> = store
            .fetch_all(
                "SELECT after_json FROM audit_log WHERE action = 'import.retry' AND entity = $1 ORDER BY id",
                portaldesk::args![format!("import:{job}")],
            )
            .await
            .unwrap();
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert!(rows[0].0.as_deref().unwrap_or("").contains("running"), "{rows:?}");
        assert!(rows[1].0.as_deref().unwrap_or("").contains("\"status\":\"succeeded\""), "{rows:?}");
    });
}

#[test]
fn retries_a_failed_834_member_loop_in_a_terminal() {
    let home = demo_home();
    let url = format!("sqlite://{}", home.path().join("data/demo.sqlite").display());
    let rt = tokio::runtime::Runtime::new().unwrap();
    // A subscriber with no vision coverage yet, and its group and employer.
    let (member, first, last, group, ein): (String, String, String, i64, String) = rt.block_on(async {
        let store = portaldesk::store::Store::open(&url, &Default::default()).await.unwrap();
        store
            .fetch_one(
                "SELECT m.member_number, m.first_name, m.last_name, m.group_id, e.ein FROM members m \
                 JOIN employer_groups g ON g.id = m.group_id JOIN employers e ON e.id = g.employer_id \
                 WHERE m.relationship = 'self' AND m.status = 'active' AND NOT EXISTS (SELECT 1 FROM enrollments n \
                 JOIN plans p ON p.id = n.plan_id WHERE n.member_id = m.id AND p.coverage_type = 'vision') \
                 ORDER BY m.id LIMIT 1",
                portaldesk::args![],
            )
            .await
            .unwrap()
    });
    // A change loop (001) whose HD names a plan the group does not have yet.
    let segments = [
        "ST*834*0001*005010X220A1".to_owned(),
        "BGN*00*PTY1*20261201*1200****2".to_owned(),
        "N1*P5*EMPLOYER*FI*123456789".to_owned(),
        "N1*IN*CARRIER*FI*987654321".to_owned(),
        "INS*Y*18*001*XN*A***FT".to_owned(),
        format!("REF*0F*{member}"),
        format!("NM1*IL*1*{last}*{first}"),
        "HD*001**VIS*XVIS*FAM".to_owned(),
        "DTP*348*D8*20270101".to_owned(),
        "SE*10*0001".to_owned(),
    ];
    let text = format!(
        "ISA*00*{:10}*00*{:10}*ZZ*{:15}*ZZ*{:15}*261201*1200*^*00501*000000042*0*P*:~\n\
         GS*BE*EMPLOYER*PORTALDESK*20261201*1200*42*X*005010X220A1~\n{}~\nGE*1*42~\nIEA*1*000000042~\n",
        "",
        "",
        "EMPLOYER",
        "PORTALDESK",
        segments.join("~\n")
    );
    let file = home.path().join("vision.834");
    std::fs::write(&file, text).unwrap();
    let out = run(
        home.path(),
        &["import", "enqueue", file.to_str().unwrap(), "--employer", &ein, "--kind", "x12-834", "--json"],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let job = v["result"]["id"].as_i64().unwrap().to_string();
    let out = run(home.path(), &["import", "run", &job]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("partial"), "{}", String::from_utf8_lossy(&out.stdout));
    let out = run(home.path(), &["import", "ack", &job]);
    let ack = String::from_utf8_lossy(&out.stdout);
    assert!(ack.contains("999 set 0001 (segment 3): rejected · 1 member loops, 1 rejected"), "{ack}");
    // The plan is set up now; the failed loop can go in.
    rt.block_on(async {
        let store = portaldesk::store::Store::open(&url, &Default::default()).await.unwrap();
        store
            .execute(
                "INSERT INTO plans (group_id, plan_code, name, coverage_type) VALUES ($1, 'XVIS', 'Vision', 'vision')",
                portaldesk::args![group],
            )
            .await
            .unwrap();
    });
    let mut pty = Pty::shell(home.path(), "\"$0\"; echo \"EXIT=$?\"", 80, 24);
    pty.wait_for("the app", |s| s.contains("1 Cases"));
    pty.send(&format!(":import {job}\r"));
    pty.wait_for("the job view", |s| s.contains(&format!("Import job {job}")) && s.contains("plan_unknown"));
    pty.send("Q");
    pty.wait_for("the retry", |s| s.contains(&format!("import job {job}: succeeded")));
    pty.send("q");
    pty.quit_ok();
    rt.block_on(async {
        let store = portaldesk::store::Store::open(&url, &Default::default()).await.unwrap();
        let (status, failed): (String, i64) = store
            .fetch_one(
                "SELECT status, failed_rows FROM import_jobs WHERE id = $1",
                portaldesk::args![job.parse::<i64>().unwrap()],
            )
            .await
            .unwrap();
        assert_eq!((status.as_str(), failed), ("succeeded", 0));
        // The loop enrolled the member, as the form would: its History says so.
        let (tier, summary): (String, String) = store
            .fetch_one(
                "SELECT e.tier, c.summary FROM enrollments e JOIN plans p ON p.id = e.plan_id \
                 JOIN members m ON m.id = e.member_id JOIN member_changes c ON c.member_id = m.id AND c.kind = 'enroll' \
                 WHERE m.member_number = $1 AND p.plan_code = 'XVIS'",
                portaldesk::args![member.clone()],
            )
            .await
            .unwrap();
        assert_eq!(tier, "family");
        assert_eq!(summary, format!("{member}: enrolled"));
    });
}

/// Opens the store of a test home's demo database.
fn demo_store(home: &std::path::Path) -> (tokio::runtime::Runtime, portaldesk::store::Store) {
    let url = format!("sqlite://{}", home.join("data/demo.sqlite").display());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let store = rt.block_on(portaldesk::store::Store::open(&url, &Default::default())).unwrap();
    (rt, store)
}

/// The audit rows written after the demo was seeded, as (action, entity, outcome).
fn audited_since_seed(home: &std::path::Path) -> Vec<(String, String, String)> {
    let (rt, store) = demo_store(home);
    rt.block_on(store.fetch_all(
        "SELECT action, entity, outcome FROM audit_log WHERE at > (SELECT max(at) FROM audit_log WHERE action = 'staff.create') ORDER BY id",
        portaldesk::args![],
    ))
    .unwrap()
}

#[test]
fn keys_typed_ahead_act_on_the_screen_they_were_typed_for() {
    let home = big_demo_home();
    let mut pty = Pty::shell(home.path(), "\"$0\"; echo \"EXIT=$?\"", 80, 24);
    pty.wait_for("the case queue", |s| s.contains("1 Cases") && s.contains("C-0"));
    // The second Enter is typed long before the search over 100 000 members
    // answers: it must open a Mensah, not the row that was selected before.
    pty.type_at(":member mensah\r\r", 40);
    let s = pty.wait_for("the member view", |s| s.contains("Demographics") && s.contains("Member ID"));
    let name = s.lines().find(|l| l.starts_with("Name")).unwrap_or_default().to_owned();
    assert!(name.contains("Mensah,"), "{s}");
    let number = s.lines().nth(2).and_then(|l| l.rsplit(" › ").next()).unwrap().trim().to_owned();
    assert!(number.starts_with('M'), "{s}");
    // Two queues on, then take: from billing (eligibility → enrollment → billing).
    pty.type_at("1]]T", 40);
    let s = pty.wait_for("the take", |s| s.contains("took C-") || s.contains("nothing to take"));
    let taken = taken_case(&s).expect("billing has cases to take");
    pty.quit_ok();

    let viewed: Vec<String> =
        audited_since_seed(home.path()).into_iter().filter(|(a, _, _)| a == "member.view").map(|(_, e, _)| e).collect();
    assert_eq!(viewed, [format!("member:{number}")], "one member opened, the one meant");
    let (rt, store) = demo_store(home.path());
    rt.block_on(async {
        let (last,): (String,) = store
            .fetch_one("SELECT last_name FROM members WHERE member_number = $1", portaldesk::args![number.clone()])
            .await
            .unwrap();
        assert_eq!(last, "Mensah");
        let (queue,): (String,) = store
            .fetch_one("SELECT queue FROM cases WHERE case_number = $1", portaldesk::args![taken.clone()])
            .await
            .unwrap();
        assert_eq!(queue, "billing");
    });
}

#[test]
fn a_pasted_paragraph_is_one_note_and_runs_nothing() {
    let home = big_demo_home();
    let mut pty = Pty::shell(home.path(), "\"$0\"; echo \"EXIT=$?\"", 80, 24);
    pty.wait_for("the case queue", |s| s.contains("1 Cases") && s.contains("C-0"));
    // With no field focused a paste is refused, and none of it runs as keys.
    pty.paste("T\nq\n");
    pty.wait_for("the refusal", |s| s.contains("a paste goes into a text field"));
    pty.send("\r");
    let s = pty.wait_for("the case view", |s| s.contains("Timeline"));
    let case = s.lines().nth(2).and_then(|l| l.rsplit(" › ").next()).unwrap().trim().to_owned();
    pty.send("N");
    pty.wait_for("the note prompt", |s| s.contains("Internal note on"));
    pty.paste("Called the employer.\r\nThey resend the form: j k <Space> T\n");
    pty.wait_for("the pasted text", |s| s.contains("employer.⏎They resend"));
    pty.send("\r");
    pty.wait_for("the note saved", |s| s.contains("internal note added"));
    // A 100 KB paste arrives whole, and the key after it acts at once.
    pty.send(":");
    let big = format!("{}END", "x".repeat(100_000));
    pty.paste(&big);
    pty.wait_for("the end of the paste", |s| s.lines().nth(22).is_some_and(|l| l.trim_end().ends_with("xEND")));
    pty.send("\x1b");
    pty.send("2");
    pty.wait_for("the member list", |s| s.lines().nth(2).is_some_and(|l| l.starts_with("Members")));
    pty.quit_ok();

    let done: Vec<String> = audited_since_seed(home.path()).into_iter().map(|(a, _, _)| a).collect();
    assert_eq!(done, ["case.note"], "nothing but the note was done");
    let (rt, store) = demo_store(home.path());
    rt.block_on(async {
        let notes: Vec<(String,)> = store
            .fetch_all(
                "SELECT e.body FROM case_events e JOIN cases c ON c.id = e.case_id \
                 WHERE c.case_number = $1 AND e.kind = 'note_internal' AND e.staff_id IS NOT NULL",
                portaldesk::args![case.clone()],
            )
            .await
            .unwrap();
        assert_eq!(notes, [("Called the employer.\nThey resend the form: j k <Space> T".to_owned(),)]);
    });
}

#[test]
fn a_refusal_keeps_the_text_and_a_confirm_ignores_a_stray_key() {
    let home = big_demo_home();
    let mut pty = Pty::shell(home.path(), "\"$0\"; echo \"EXIT=$?\"", 80, 24);
    pty.wait_for("the case queue", |s| s.contains("1 Cases") && s.contains("C-0"));
    pty.send("\r");
    let s = pty.wait_for("the case view", |s| s.contains("Timeline"));
    let case = s.lines().nth(2).and_then(|l| l.rsplit(" › ").next()).unwrap().trim().to_owned();
    // A past due date: refused by the ops layer, the prompt stays with its text.
    pty.send("I");
    pty.wait_for("the due date prompt", |s| s.contains("due by (YYYY-MM-DD)"));
    pty.type_at(&format!("{}2020-01-01\r", "\x7f".repeat(10)), 40);
    let s = pty.wait_for("the refusal", |s| s.contains("not in the future"));
    assert!(s.contains("due by (YYYY-MM-DD)") && s.lines().any(|l| l.starts_with("│2020-01-01 ")), "{s}");
    pty.send("\x1b");
    pty.send("R");
    pty.wait_for("the resolve prompt", |s| s.contains("Resolution comments for"));
    pty.send("Form received and applied.\r");
    pty.wait_for("the confirm", |s| s.contains(&format!("Resolve {case}?")));
    pty.send("x");
    let s = pty.wait_for("the hint", |s| s.contains("y applies, n or Esc cancels"));
    assert!(s.contains(&format!("Resolve {case}?")), "a stray key leaves the confirm open:\n{s}");
    pty.send("n");
    pty.wait_for("the comment back", |s| s.contains("│Form received and applied."));
    pty.send("\ry");
    pty.wait_for("the resolved case", |s| s.contains("· resolved ·"));
    pty.send("\x1b");
    pty.quit_ok();

    let done: Vec<(String, String)> = audited_since_seed(home.path()).into_iter().map(|(a, _, o)| (a, o)).collect();
    assert_eq!(done, [("case.resolve".to_owned(), "ok".to_owned())], "the refused due date changed nothing");
    let (rt, store) = demo_store(home.path());
    rt.block_on(async {
        let (status, resolution): (String, Option<String>) = store
            .fetch_one("SELECT status, resolution FROM cases WHERE case_number = $1", portaldesk::args![case.clone()])
            .await
            .unwrap();
        assert_eq!((status.as_str(), resolution.as_deref()), ("resolved", Some("Form received and applied.")));
    });
}

#[test]
fn ctrl_z_suspends_and_fg_restores_the_screen() {
    let home = demo_home();
    let mut pty = Pty::shell(home.path(), "exec bash --norc --noprofile -i", 80, 24);
    pty.send(&format!("PS1='$ '; {}\r", common::pty::bin()));
    pty.wait_for("the case queue", |s| s.contains("1 Cases") && s.contains("C-0"));
    pty.send("2");
    pty.wait_for("the member list", |s| s.lines().nth(2).is_some_and(|l| l.starts_with("Members")));
    pty.send("\x1a");
    let s = pty.wait_for("the shell", |s| s.contains("Stopped"));
    assert_eq!(pty.modes(), (false, false), "the shell gets a normal screen back:\n{s}");
    pty.send("fg\r");
    pty.wait_for("the app again", |s| s.lines().nth(2).is_some_and(|l| l.starts_with("Members")));
    assert_eq!(pty.modes(), (true, true));
    pty.send("1");
    pty.wait_for("keys act again", |s| s.contains("Cases ›"));
    pty.send("q");
    pty.wait_for("the shell again", |s| !s.contains("Cases ›"));
    pty.send("echo EXIT=$?\r");
    pty.wait_for("the exit code", |s| s.contains("EXIT=0"));
    assert_eq!(pty.modes(), (false, false));
}

#[test]
fn enter_on_a_row_of_every_list_opens_its_detail_view() {
    let home = demo_home();
    let mut pty = Pty::shell(home.path(), "\"$0\"; echo \"EXIT=$?\"", 80, 24);
    pty.wait_for("the case queue", |s| s.contains("1 Cases") && s.contains("C-0"));
    // (keys to reach the list, what its detail view shows)
    let lists: [(&str, &str); 8] = [
        ("1", "Timeline"),
        ("2", "Demographics"),
        ("3", "Book of business"),
        ("4", "Failed logins"),
        (":staff\r", "Staff account"),
        (":imports failed\r", "Import job"),
        ("", "Message"),
        ("6", "stored only as a hash"),
    ];
    for (keys, detail) in lists {
        // Each list's first row, then Enter; typed in one burst.
        pty.send(&format!("{keys}\r"));
        pty.wait_for(detail, |s| s.contains(detail));
        // Esc back, except in the import job, whose error row opens next.
        if detail != "Import job" {
            pty.send("\x1b");
        }
    }
    pty.send("\x1b");
    pty.quit_ok();
}

#[test]
fn adds_a_dependent_from_an_eligibility_case_through_the_form_and_resolves_it() {
    let home = demo_home();
    // The eligibility cases are about nobody yet: the change links one.
    let subscriber: String = {
        let (rt, store) = demo_store(home.path());
        rt.block_on(async {
            store.execute("UPDATE cases SET member_id = NULL WHERE queue = 'eligibility'", portaldesk::args![]).await.unwrap();
            let (m,): (String,) = store
                .fetch_one(
                    "SELECT member_number FROM members WHERE relationship = 'self' AND status = 'active' ORDER BY id LIMIT 1",
                    portaldesk::args![],
                )
                .await
                .unwrap();
            store.close().await;
            m
        })
    };
    let today = chrono::Utc::now().date_naive().to_string();
    let mut pty = Pty::shell(home.path(), "\"$0\"; echo \"EXIT=$?\"", 80, 24);
    pty.wait_for("the case queue", |s| s.contains("1 Cases") && s.contains("C-0"));
    pty.send(":cases eligibility\r");
    pty.wait_for("the eligibility queue", |s| s.contains("Cases › eligibility"));
    pty.send("T");
    let s = pty.wait_for("the take message", |s| s.contains("took C-"));
    let case = taken_case(&s).expect("a taken case");
    pty.send(&format!(":case {case}\r"));
    pty.wait_for("the case view", |s| s.contains(&format!("› {case}")));
    pty.send(&format!(":member {subscriber}\r"));
    pty.wait_for("the member found", |s| s.contains("row 1 of 1") && s.contains(&subscriber));
    pty.send("\r");
    pty.wait_for("the member view", |s| s.contains("Demographics Events"));
    pty.send(":add-dependent\r");
    pty.wait_for("the form", |s| s.contains("Add a dependent"));
    pty.send("Ezra\tQuintavalle\t2030-01-01");
    pty.wait_for("a field error as typed", |s| s.contains("is in the future"));
    for _ in 0..10 {
        pty.send("\x7f");
    }
    pty.send(&format!("2016-04-01\tchild\t\t\t\t{today}\r"));
    let s = pty.wait_for("the preview", |s| s.contains("dependent Ezra Quintavalle added — apply?"));
    assert!(s.contains(&format!("made from case {case}")), "{s}");
    pty.send("y");
    pty.wait_for("the change applied", |s| s.contains("dependent Ezra Quintavalle added") && !s.contains("apply?"));
    pty.wait_for("the member view again, with the dependent", |s| s.contains("Quintavalle, Ezra (child)"));
    pty.send("1");
    pty.wait_for("the case again", |s| s.contains(&format!("› {case}")));
    pty.send(":resolve Added the dependent.\r");
    pty.wait_for("the confirmation", |s| s.contains(&format!("Resolve {case}?")));
    pty.send("y");
    pty.wait_for("the resolved case", |s| s.contains("· resolved ·"));
    pty.send("\x1b");
    pty.wait_for("the queue again", |s| s.lines().nth(2).is_some_and(|l| l.trim() == "Cases › eligibility"));
    pty.quit_ok();

    let (rt, store) = demo_store(home.path());
    rt.block_on(async {
        let (dep, rel, sub): (String, String, String) = store
            .fetch_one(
                "SELECT d.member_number, d.relationship, s.member_number FROM members d \
                 JOIN members s ON s.id = d.subscriber_id WHERE d.first_name = 'Ezra' AND d.last_name = 'Quintavalle'",
                portaldesk::args![],
            )
            .await
            .unwrap();
        assert_eq!((rel.as_str(), sub.as_str()), ("child", subscriber.as_str()), "{dep}");
        let (linked, status): (String, String) = store
            .fetch_one(
                "SELECT m.member_number, c.status FROM cases c JOIN members m ON m.id = c.member_id WHERE c.case_number = $1",
                portaldesk::args![case.clone()],
            )
            .await
            .unwrap();
        assert_eq!((linked.as_str(), status.as_str()), (subscriber.as_str(), "resolved"));
        let (id,): (i64,) =
            store.fetch_one("SELECT id FROM cases WHERE case_number = $1", portaldesk::args![case.clone()]).await.unwrap();
        let timeline = portaldesk::store::cases::events(&store, id).await.unwrap();
        assert!(
            timeline.iter().any(|e| e.kind == "member_change" && e.body == format!("{subscriber}: dependent Ezra Quintavalle added")),
            "{timeline:?}"
        );
    });
    let audited = audited_since_seed(home.path());
    let ok = |action: &str, entity: &str| audited.iter().any(|(a, e, o)| a == action && e == entity && o == "ok");
    assert!(ok("member.add_dependent", &format!("member:{subscriber}")), "{audited:?}");
    assert!(ok("case.resolve", &format!("case:{case}")), "{audited:?}");
}

/// A PostgreSQL cluster of the test's own, in a temp folder on a free port,
/// that the test may stop and start (the shared test server must not be).
struct PrivatePg {
    bin: std::path::PathBuf,
    dir: tempfile::TempDir,
    port: u16,
    as_postgres: bool,
}

impl PrivatePg {
    /// Creates and starts one; `None` (said why) when no server binaries are
    /// installed, unless `PORTALDESK_REQUIRE_PG` is set.
    fn start() -> Option<PrivatePg> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .into_iter()
            .flatten()
            .filter_map(|e| Some(e.ok()?.path().join("bin")))
            .filter(|b| b.join("initdb").exists() && b.join("pg_ctl").exists())
            .max();
        let Some(bin) = bin else {
            assert!(
                std::env::var_os("PORTALDESK_REQUIRE_PG").is_none(),
                "PORTALDESK_REQUIRE_PG is set but no PostgreSQL server binaries are in /usr/lib/postgresql/*/bin"
            );
            eprintln!("no PostgreSQL server binaries in /usr/lib/postgresql/*/bin: skipped the restart test");
            return None;
        };
        // initdb and pg_ctl refuse to run as root: then they run as postgres.
        let uid = std::process::Command::new("id").arg("-u").output().unwrap();
        let as_postgres = String::from_utf8_lossy(&uid.stdout).trim() == "0";
        let dir = tempfile::tempdir().unwrap();
        if as_postgres {
            let ok = std::process::Command::new("chown").args(["postgres:"]).arg(dir.path()).status().unwrap();
            assert!(ok.success(), "chown the cluster folder to postgres");
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let pg = PrivatePg { bin, dir, port, as_postgres };
        let data = pg.data();
        pg.run("initdb", &["-D", &data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"]);
        pg.ctl_start();
        Some(pg)
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let exe = self.bin.join(tool);
        let mut cmd = if self.as_postgres {
            let mut c = std::process::Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            std::process::Command::new(&exe)
        };
        let out = cmd.args(args).current_dir(self.dir.path()).output().unwrap();
        assert!(
            out.status.success(),
            "{tool} {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn ctl_start(&self) {
        let opts =
            format!("-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off", self.port, self.dir.path().display());
        let log = self.dir.path().join("log").display().to_string();
        self.run("pg_ctl", &["-D", &self.data(), "-o", &opts, "-l", &log, "-w", "start"]);
    }

    fn stop(&self) {
        self.run("pg_ctl", &["-D", &self.data(), "-m", "fast", "-w", "stop"]);
    }
}

impl Drop for PrivatePg {
    fn drop(&mut self) {
        let data = self.data();
        let mut cmd = if self.as_postgres {
            let mut c = std::process::Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(self.bin.join("pg_ctl"));
            c
        } else {
            std::process::Command::new(self.bin.join("pg_ctl"))
        };
        let _ = cmd.args(["-D", &data, "-m", "immediate", "stop"]).output();
    }
}

/// PostgreSQL restarting under the TUI: the banner says "reconnecting",
/// a change sent meanwhile is refused as not applied (never queued nor
/// repeated), the typed text of an open prompt and the screen survive, and
/// once the server is back the banner clears, lists load again and the
/// change, sent again, applies exactly once.
#[test]
fn a_postgres_restart_shows_reconnecting_keeps_the_typing_and_applies_nothing_twice() {
    let Some(pg) = PrivatePg::start() else { return };
    let home = tempfile::tempdir().unwrap();
    let url = pg.url();
    let out = run(home.path(), &["--db", &url, "demo", "--members", "300"]);
    assert!(out.status.success(), "demo failed: {}", String::from_utf8_lossy(&out.stderr));
    let mine = |url: &str| -> (i64, i64) {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let store = portaldesk::store::Store::open(url, &Default::default()).await.unwrap();
            let (cases,): (i64,) = store
                .fetch_one(
                    "SELECT count(*) FROM cases c JOIN staff s ON s.id = c.assignee_id WHERE s.login = 'tester'",
                    portaldesk::args![],
                )
                .await
                .unwrap();
            let (claims,): (i64,) = store
                .fetch_one("SELECT count(*) FROM audit_log WHERE action = 'case.claim_next'", portaldesk::args![])
                .await
                .unwrap();
            (cases, claims)
        })
    };
    let before = mine(&url);
    let mut pty = Pty::shell(home.path(), &format!("\"$0\" --db '{url}'; echo \"EXIT=$?\""), 100, 24);
    pty.wait_for("the case queue", |s| s.contains("1 Cases") && s.contains("C-0"));
    pty.send(":cases billing\r");
    pty.wait_for("the billing queue", |s| s.contains("Cases › billing") && s.contains("C-0"));

    pg.stop();
    pty.wait_for("the reconnecting banner", |s| s.lines().next().is_some_and(|l| l.contains("reconnecting")));
    // A change while the server is away is not applied, and says so.
    pty.send("T");
    let s = pty.wait_for("the refusal", |s| s.contains("not applied"));
    assert!(s.contains("C-0"), "the list stays on screen:\n{s}");
    // Typing goes on into a prompt meanwhile.
    pty.send(":cases mi");
    pty.wait_for("the typed text", |s| s.lines().any(|l| l.starts_with(":cases mi")));

    pg.ctl_start();
    let s = pty.wait_for("the banner to clear", |s| s.lines().next().is_some_and(|l| !l.contains("reconnecting")));
    assert!(s.lines().any(|l| l.starts_with(":cases mi")), "the prompt keeps its text:\n{s}");
    assert_eq!(mine(&url), before, "nothing was applied while the server was away");
    pty.send("ne\r");
    pty.wait_for("my cases", |s| s.contains("Cases › mine"));
    pty.send(":cases billing\r");
    pty.wait_for("the billing queue again", |s| s.contains("Cases › billing") && s.contains("C-0"));
    pty.send("T");
    pty.wait_for("the take message", |s| s.contains("took C-"));
    pty.quit_ok();
    assert_eq!(mine(&url), (before.0 + 1, before.1 + 1), "the take applied once");
}

#[test]
fn the_mouse_wheel_moves_the_selection_only_when_ui_mouse_is_on() {
    let home = demo_home();
    // The SGR report of one wheel step down at column 10, row 10.
    const WHEEL_DOWN: &str = "\x1b[<65;10;10M";
    let at_row = |n: usize| move |s: &str| s.contains(&format!("row {n} of"));

    let mut pty = Pty::shell(home.path(), "PORTALDESK_UI__MOUSE=true \"$0\"; echo \"EXIT=$?\"", 80, 24);
    pty.wait_for("the case queue", |s| s.contains("1 Cases") && s.contains("C-0"));
    assert_ne!(pty.mouse_mode(), vt100::MouseProtocolMode::None, "mouse capture is on");
    pty.send("2");
    pty.wait_for("the member list", at_row(1));
    pty.send(&WHEEL_DOWN.repeat(3));
    pty.wait_for("the selection three rows down", at_row(4));
    pty.quit_ok();
    assert_eq!(pty.mouse_mode(), vt100::MouseProtocolMode::None, "mouse capture is released on exit");

    // Off (the default): the wheel does nothing, the next key acts as ever.
    let mut pty = Pty::shell(home.path(), "\"$0\"; echo \"EXIT=$?\"", 80, 24);
    pty.wait_for("the case queue", |s| s.contains("1 Cases") && s.contains("C-0"));
    assert_eq!(pty.mouse_mode(), vt100::MouseProtocolMode::None);
    pty.send("2");
    pty.wait_for("the member list", at_row(1));
    pty.send(&WHEEL_DOWN.repeat(3));
    pty.send("j");
    let s = pty.wait_for("one row down, by the key", |s| s.contains("row 2 of") || s.contains("row 5 of"));
    assert!(s.contains("row 2 of"), "the wheel moved the selection with ui.mouse off:\n{s}");
    pty.quit_ok();
}

#[test]
fn opens_a_cases_group_and_its_billing_tab_in_a_terminal() {
    let home = demo_home();
    let (rt, store) = demo_store(home.path());
    // A case about a group (and about a member: then the group is the second link).
    let (case, group, has_member): (String, String, bool) = rt
        .block_on(store.fetch_one(
            "SELECT c.case_number, g.group_number, c.member_id IS NOT NULL FROM cases c \
             JOIN employer_groups g ON g.id = c.group_id ORDER BY c.member_id IS NOT NULL, c.case_number LIMIT 1",
            portaldesk::args![],
        ))
        .unwrap();
    let mut pty = Pty::shell(home.path(), "\"$0\"; echo \"EXIT=$?\"", 80, 24);
    pty.wait_for("the case queue", |s| s.contains("1 Cases") && s.contains("7 Employers"));
    pty.send(&format!(":case {case}\r"));
    pty.wait_for("the case view", |s| s.contains(&format!("› {case}")) && s.contains("group"));
    if has_member {
        pty.send("\t");
    }
    pty.send("\r");
    let crumb = format!("Employers › {group} · Details");
    pty.wait_for("the group view", |s| s.contains(&crumb) && s.contains("Original eff."));
    pty.send("\t");
    let s = pty.wait_for("the billing tab", |s| s.contains(&format!("{group} · Billing")) && s.contains("Balance due"));
    assert!(s.contains("Balance forward") && s.contains("Last payment") && s.contains('$'), "{s}");
    // q closes the group view, then quits from the Employers list.
    pty.send("q");
    pty.wait_for("the employer list", |s| s.contains("Legal name"));
    pty.send("q");
    let s = pty.wait_for("the shell after exit", |s| s.contains("EXIT="));
    assert!(s.contains("EXIT=0"), "{s}");
    let _ = pty.child.wait();
    // Opening the billing tab was audited against the group.
    let audited = audited_since_seed(home.path());
    assert!(
        audited.iter().any(|(action, entity, _)| action == "group.billing" && *entity == format!("group:{group}")),
        "{audited:?}"
    );
}
