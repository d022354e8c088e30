//! `portaldesk case …` without a screen: output, JSON, exit codes and the
//! changes in the database.

mod common;

use common::pty::{keyed_home, run};
use portaldesk::store::testing::StoreSql;

fn json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

fn code(out: &std::process::Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

#[test]
fn every_case_subcommand_works_and_says_why_not() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    assert!(run(h, &["demo", "--members", "300"]).status.success());

    let out = run(h, &["case", "list", "--queue", "unassigned", "--limit", "3", "--json"]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let v = json(&out);
    let cases = v["result"]["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 3);
    assert!(cases.iter().all(|c| c["assignee"].is_null() && c["priority"].is_i64()), "{v}");
    let a = cases[0]["case_number"].as_str().unwrap().to_owned();
    let b = cases[1]["case_number"].as_str().unwrap().to_owned();

    // An agent may not assign to others: refused, exit 1, nothing changed.
    let out = run(h, &["--operator", "agarcia", "case", "assign", &a, "--to", "lchen"]);
    assert_eq!(code(&out), 1);
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs the supervisor role"));
    let out = run(h, &["case", "assign", &a, "--to", "mmuller"]);
    assert_eq!(code(&out), 1);
    assert!(String::from_utf8_lossy(&out.stderr).contains("disabled"));

    // Two IDs: one bulk change.
    let out = run(h, &["case", "assign", &a, &b, "--to", "lchen", "--json"]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let v = json(&out);
    assert_eq!(v["result"].as_array().unwrap().len(), 2);
    assert!(v["result"].as_array().unwrap().iter().all(|c| c["assignee"] == "lchen" && c["status"] == "open"));

    let note = "Called\u{1b}[31m HR";
    assert_eq!(code(&run(h, &["case", "note", &a, "--text", note, "--to-submitter"])), 0);
    let out = run(h, &["case", "resolve", &a, "--comment", "  "]);
    assert_eq!(code(&out), 1);
    assert!(String::from_utf8_lossy(&out.stderr).contains("empty"));
    let out = run(h, &["case", "resolve", &a, "--comment", "Fixed the dependent's plan."]);
    assert_eq!(code(&out), 0);
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("{a}: resolved")));

    let out = run(h, &["case", "show", &a, "--json"]);
    assert_eq!(code(&out), 0);
    let v = json(&out);
    assert_eq!(v["result"]["case"]["status"], "resolved");
    assert_eq!(v["result"]["case"]["resolution"], "Fixed the dependent's plan.");
    let bodies: Vec<&str> =
        v["result"]["events"].as_array().unwrap().iter().map(|e| e["body"].as_str().unwrap()).collect();
    assert!(bodies.contains(&"Called HR"), "{bodies:?}");
    let text = run(h, &["case", "show", &a]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("resolution  Fixed the dependent's plan."));

    assert_eq!(code(&run(h, &["case", "show", "C-999999"])), 1);
    assert_eq!(code(&run(h, &["case", "list", "--queue", "nope"])), 2);
    assert_eq!(code(&run(h, &["case", "request-info", &b, "--due", "02/30/2026"])), 2);

    // The sweep closes what is past due, then finds nothing.
    let out = run(h, &["cases", "sweep", "--json"]);
    assert_eq!(code(&out), 0);
    let closed = json(&out)["result"].as_array().unwrap().len();
    assert!(closed > 0, "the demo has awaiting-info cases past due");
    let again = json(&run(h, &["case", "sweep", "--json"]));
    assert_eq!(again["result"].as_array().unwrap().len(), 0);

    // Read-only sessions change nothing.
    let out = run(h, &["--read-only", "case", "reopen", &a]);
    assert_eq!(code(&out), 1);
    assert!(String::from_utf8_lossy(&out.stderr).contains("read-only"));
}

#[test]
fn member_subcommands_find_show_reveal_and_export() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    assert!(run(h, &["demo", "--members", "300"]).status.success());
    let out = run(h, &["member", "find", "type:QB", "--limit", "2", "--json"]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let v = json(&out);
    let m = &v["result"]["members"][0];
    let number = m["member_number"].as_str().unwrap().to_owned();
    assert_eq!(m["ssn_last4"].as_str().unwrap().len(), 4);
    assert_eq!(m["member_type"], "QB");

    let out = run(h, &["member", "show", &number, "--json"]);
    assert_eq!(code(&out), 0);
    let v = json(&out);
    assert!(v["result"]["ssn"].as_str().unwrap().starts_with("***-**-"));
    assert!(!String::from_utf8_lossy(&out.stdout).contains("ssn_cipher"));

    // An agent may not reveal; the refusal is the exit code and the message.
    let out = run(h, &["--operator", "agarcia", "member", "show", &number, "--reveal", "--reason", "asked"]);
    assert_eq!(code(&out), 1);
    assert!(String::from_utf8_lossy(&out.stderr).contains("supervisor"));
    let out = run(h, &["member", "show", &number, "--reveal", "--reason", "verified caller", "--json"]);
    assert_eq!(code(&out), 0);
    let ssn = json(&out)["result"]["ssn"].as_str().unwrap().to_owned();
    assert!(ssn.len() == 11 && !ssn.contains('*'), "{ssn}");

    // Found again by that SSN, and exported with it masked.
    let csv = h.join("found.csv");
    let out = run(h, &["member", "find", &ssn, "--csv", csv.to_str().unwrap()]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.starts_with("Name,Member,Type,Group,Born,SSN,Status") && text.contains(&number), "{text}");
    assert!(!text.contains(&ssn) && text.contains(&format!("***-**-{}", &ssn[7..])), "{text}");

    let out = run(h, &["member", "elig", &number, "01/01/2000"]);
    assert_eq!(code(&out), 1, "nobody was covered in 2000");
    assert!(String::from_utf8_lossy(&out.stdout).contains("NOT ELIGIBLE"));
    assert_eq!(code(&run(h, &["member", "find", "91234567"])), 2);
    assert_eq!(code(&run(h, &["member", "elig", &number, "02/30/2024"])), 2);
}

#[test]
fn import_subcommands_enqueue_run_show_and_filter_by_status() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    assert!(run(h, &["demo", "--members", "300"]).status.success());
    let out = run(h, &["import", "list", "--status", "partial", "--json"]);
    assert_eq!(code(&out), 0);
    let v = json(&out);
    let jobs = v["result"]["jobs"].as_array().unwrap();
    assert!(!jobs.is_empty() && jobs.iter().all(|j| j["status"] == "partial"), "{v}");
    let job = jobs[0]["id"].as_i64().unwrap().to_string();
    let out = run(h, &["import", "show", &job]);
    assert_eq!(code(&out), 0);
    assert!(String::from_utf8_lossy(&out.stdout).contains("partial"));
    let csv = h.join("errors.csv");
    assert_eq!(code(&run(h, &["import", "errors", &job, "--csv", csv.to_str().unwrap()])), 0);
    assert!(std::fs::read_to_string(&csv).unwrap().starts_with("row,field,code,message,values"));
    assert_eq!(code(&run(h, &["import", "run", "99999"])), 1);
    assert_eq!(
        code(&run(h, &["import", "enqueue", "/nonexistent.csv", "--employer", "12-3456789", "--kind", "plan"])),
        2
    );
    // A 2 GB file (sparse: nothing written) is refused before any of it is read.
    let big = h.join("census-2gb.csv");
    std::fs::File::create(&big).unwrap().set_len(2 << 30).unwrap();
    let jobs =
        |h| json(&run(h, &["import", "list", "--limit", "500", "--json"]))["result"]["jobs"].as_array().unwrap().len();
    let before = jobs(h);
    let out =
        run(h, &["import", "enqueue", big.to_str().unwrap(), "--employer", "12-3456789", "--kind", "demographic"]);
    assert_eq!(code(&out), 1);
    assert!(String::from_utf8_lossy(&out.stderr).contains("the file is 2048 MB; at most 256 MB"), "{out:?}");
    assert_eq!(jobs(h), before);
}

/// The latest migration's number, read from the folder the program embeds.
fn latest_migration() -> i64 {
    std::fs::read_dir("migrations/sqlite")
        .unwrap()
        .filter_map(|e| e.unwrap().file_name().to_string_lossy().split('_').next()?.parse().ok())
        .max()
        .unwrap()
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn version_completions_and_man_follow_the_conventions() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let out = run(h, &["--version"]);
    assert_eq!(code(&out), 0);
    let schema = latest_migration();
    assert!(schema >= 2);
    assert_eq!(stdout(&out).trim(), format!("portaldesk {} (schema {schema})", env!("CARGO_PKG_VERSION")));

    for (shell, marker) in
        [("bash", "_portaldesk()"), ("zsh", "#compdef portaldesk"), ("fish", "complete -c portaldesk")]
    {
        let out = run(h, &["completions", shell]);
        assert_eq!(code(&out), 0, "{shell}: {}", String::from_utf8_lossy(&out.stderr));
        let script = stdout(&out);
        assert!(script.contains(marker), "{shell}: no {marker}");
        for word in ["import", "case", "config", "completions", "log-level"] {
            assert!(script.contains(word), "{shell} completion lacks {word}");
        }
    }
    let out = run(h, &["completions", "tcsh"]);
    assert_eq!(code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("possible values: bash, zsh, fish"));

    // The page the program prints is the one in docs/ (tests/docs.rs keeps that current).
    let out = run(h, &["man"]);
    assert_eq!(code(&out), 0);
    let page = stdout(&out);
    assert!(page.contains(".TH portaldesk 1"), "{page}");
    assert!(page.contains("\\-\\-log\\-level") && page.contains("completions"), "{page}");
    assert_eq!(page, std::fs::read_to_string("docs/portaldesk.1").unwrap());
}

#[test]
fn config_path_and_show_say_where_each_value_came_from() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let file = h.join("config.toml");
    let out = run(h, &["config", "path"]);
    assert_eq!(code(&out), 0);
    assert_eq!(stdout(&out).trim(), format!("{} (not present: the built-in defaults apply)", file.display()));
    std::fs::write(&file, "environment = \"training\"\n[ui]\ntick_ms = 100\n").unwrap();
    assert_eq!(stdout(&run(h, &["config", "path"])).trim(), file.display().to_string());

    // PORTALDESK_OPERATOR=tester comes from the test's environment (common::pty::run).
    let out = run(h, &["--log-level", "debug", "--db", "postgres://u:pw@db/x", "config", "show"]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let text = stdout(&out);
    let line = |key: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("{key} = ")))
            .unwrap_or_else(|| panic!("no {key}: {text}"))
            .to_owned()
    };
    assert!(line("environment").ends_with(&format!("# user file {}", file.display())), "{text}");
    assert!(line("ui.tick_ms").starts_with("ui.tick_ms = 100 "), "{text}");
    assert!(line("operator").contains("\"tester\"") && line("operator").ends_with("# env PORTALDESK_OPERATOR"));
    assert!(line("log.level").contains("\"debug\"") && line("log.level").ends_with("# flag --log-level"));
    assert!(line("database_url").contains("postgres://u:***@db/x") && !text.contains("pw@"), "{text}");
    assert!(line("ui.theme").ends_with("# default"));

    let out = run(h, &["config", "show", "--json"]);
    let v = json(&out);
    assert_eq!(v["ok"], true);
    let settings = v["result"]["settings"].as_array().unwrap();
    let get = |k: &str| settings.iter().find(|s| s["key"] == k).unwrap().clone();
    assert_eq!(get("ui.tick_ms")["value"], 100);
    assert_eq!(get("ui.tick_ms")["origin"], "user_file");
    assert_eq!(get("read_only")["value"], false);
    assert_eq!(get("codes.max_attempts")["origin"], "default");

    // A bad file is reported with its name, exit 2.
    std::fs::write(&file, "[ui]\ntick_mss = 3\n").unwrap();
    let out = run(h, &["config", "show"]);
    assert_eq!(code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("tick_mss"));
    let out = run(h, &["config", "show", "--json"]);
    assert_eq!(code(&out), 2);
    assert_eq!(json(&out)["error"]["code"], "config");
    // So is a keymap with a problem.
    std::fs::remove_file(&file).unwrap();
    std::fs::write(h.join("keymap.toml"), "[keys]\n\"no.such_action\" = [\"x\"]\n").unwrap();
    let out = run(h, &["actions", "--json"]);
    assert_eq!(code(&out), 2, "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(json(&out)["error"]["code"], "config");
}

#[test]
fn log_level_sets_the_log_files_filter() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let log = h.join("log").join("portaldesk.log");
    let url = format!("sqlite://{}", h.join("m.sqlite").display());
    assert_eq!(code(&run(h, &["--db", &url, "migrate"])), 0);
    let quiet = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(!quiet.contains(" DEBUG "), "{quiet}");
    assert_eq!(code(&run(h, &["--log-level", "debug", "--db", &url, "migrate"])), 0);
    let loud = std::fs::read_to_string(&log).unwrap();
    assert!(loud.contains(" DEBUG sqlx::query"), "{loud}");
    let out = run(h, &["--log-level", "portaldesk=loud", "--db", &url, "migrate"]);
    assert_eq!(code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("log.level: must be a level"));
}

#[test]
fn audit_verify_says_the_demo_chain_is_intact_and_names_a_broken_link() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    assert!(run(h, &["demo", "--members", "300"]).status.success());
    let out = run(h, &["audit", "verify"]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let text = stdout(&out);
    assert!(text.contains("chain intact") && text.contains("row(s) checked (rows 1 to "), "{text}");

    // Changes made since are chained on; --from checks from that day on.
    assert_eq!(code(&run(h, &["case", "sweep"])), 0);
    let v = json(&run(h, &["audit", "verify", "--json"]));
    assert_eq!(v["ok"], true, "{v}");
    let last = v["result"]["last_id"].as_i64().unwrap();
    assert_eq!(v["result"]["checked"].as_i64(), Some(last), "every demo row is chained: {v}");
    assert!(last > 4, "the sweep was audited: {v}");
    let out = run(h, &["audit", "verify", "--from", "2999-01-01", "--json"]);
    assert_eq!((code(&out), json(&out)["result"]["checked"].as_i64()), (0, Some(0)));
    assert_eq!(code(&run(h, &["audit", "verify", "--from", "02/30/2026"])), 2);

    // An edit by hand, the append-only trigger dropped first, is named.
    let url = format!("sqlite://{}", h.join("data/demo.sqlite").display());
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let store = portaldesk::store::Store::open(&url, &Default::default()).await.unwrap();
        store.execute("DROP TRIGGER audit_log_no_update", portaldesk::args![]).await.unwrap();
        store
            .execute("UPDATE audit_log SET reason = 'nothing to see' WHERE id = 2", portaldesk::args![])
            .await
            .unwrap();
        store.close().await;
    });
    let out = run(h, &["audit", "verify"]);
    assert_eq!(code(&out), 1);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("audit chain broken at row 2:") && err.contains("altered"), "{err}");
    let v = json(&run(h, &["audit", "verify", "--json"]));
    assert_eq!((v["ok"].as_bool(), v["error"]["code"].as_str()), (Some(false), Some("audit_broken")), "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("broken at row 2:"), "{v}");
}

/// Every failure under `--json` is the error envelope on stdout, with a
/// stable `error.code`, and keeps its exit code.
#[test]
fn every_failure_under_json_has_an_error_code() {
    let home = common::pty::demo_home();
    let h = home.path();
    let used = json(&run(h, &["code", "list", "--json"]))["result"]["codes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["status"] == "used")
        .map(|c| c["id"].as_i64().unwrap().to_string())
        .expect("the demo has a used code");
    for (args, exit, code_word) in [
        (&["case", "show", "C-999999"][..], 1, "not_found"),
        (&["case", "show", "nonsense!"], 1, "invalid_input"),
        (&["--operator", "agarcia", "case", "assign", "C-000001", "--to", "lchen"], 1, "refused_role"),
        (&["--read-only", "case", "priority", "C-000001", "3"], 1, "read_only"),
        (&["--read-only", "member", "show", "M0000001"], 1, "read_only"),
        (&["code", "revoke", &used, "--reason", "lost"], 1, "refused"),
        (&["case", "list", "--queue", "nope"], 2, "invalid_input"),
        (&["case", "list", "--no-such-flag"], 2, "invalid_input"),
        (&["import", "show", "99999"], 1, "not_found"),
        (&["--operator", "nobody", "case", "list"], 2, "operator"),
        (&["--db", "postgres://nobody@127.0.0.1:1/none", "case", "list"], 2, "database"),
    ] {
        let mut args = args.to_vec();
        args.push("--json");
        let out = run(h, &args);
        assert_eq!(code(&out), exit, "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        let v = json(&out);
        assert_eq!(v["ok"], false, "{args:?}: {v}");
        assert_eq!(v["error"]["code"], code_word, "{args:?}: {v}");
        let message = v["error"]["message"].as_str().unwrap();
        assert!(!message.is_empty() && String::from_utf8_lossy(&out.stderr).contains(message), "{args:?}: {v}");
    }
    // Nothing to take is no failure: `result` is null, exit 1.
    let out = run(h, &["case", "take", "--queue", "billing", "--json"]);
    let v = json(&out);
    assert_eq!(v["ok"], true, "{v}");
}

/// The list and show commands' JSON on a demo seeded with a fixed seed and
/// clock, on each engine against the same snapshots: the demo's "now" lies
/// years back, so every comparison the binary makes with today's date
/// (expired codes, grants in force) comes out the same on any day.
#[test]
fn list_and_show_json_is_typed_and_stable() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dbs = rt.block_on(common::all_backends());
    for db in dbs {
        let now = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2020, 1, 15, 9, 30, 0).unwrap();
        let opts = portaldesk::demo::DemoOptions {
            members: 300,
            seed: 7,
            admin_login: "tester".into(),
            now,
            progress: false,
            cases: None,
        };
        rt.block_on(portaldesk::demo::seed(&db.store, &common::seeded::key(), &opts)).expect("seed");
        let home = keyed_home();
        db.write_config(home.path());
        let url = db.store.url().to_owned();
        let get = |args: &[&str]| {
            let mut all = vec!["--db", url.as_str()];
            all.extend_from_slice(args);
            all.push("--json");
            let out = run(home.path(), &all);
            assert!(code(&out) <= 1, "{}: {args:?}: {}", db.label, String::from_utf8_lossy(&out.stderr));
            let v = json(&out);
            assert_eq!(v["ok"], true, "{}: {args:?}: {v}", db.label);
            (stdout(&out), v)
        };
        let snap = |name: &str, args: &[&str]| {
            let (text, v) = get(args);
            insta::assert_snapshot!(name, text, &format!("portaldesk {} --json", args.join(" ")));
            v
        };
        let cases = snap("json_case_list", &["case", "list", "--limit", "3"]);
        assert!(cases["result"]["cases"][0]["priority"].is_i64());
        let case = cases["result"]["cases"][0]["case_number"].as_str().unwrap().to_owned();
        snap("json_case_show", &["case", "show", &case]);
        let members = snap("json_member_find", &["member", "find", "type:QB", "--limit", "2"]);
        let member = members["result"]["members"][0]["member_number"].as_str().unwrap().to_owned();
        snap("json_member_show", &["member", "show", &member]);
        snap("json_member_elig", &["member", "elig", &member, "01/01/2020"]);
        let brokers = get(&["broker", "find", "a"]).1;
        let any = |v: &serde_json::Value, list: &str| v["result"][list].as_array().is_some_and(|a| !a.is_empty());
        let brokers = if any(&brokers, "brokers") { brokers } else { get(&["broker", "find", "s"]).1 };
        let npn = brokers["result"]["brokers"][0]["npn"].as_str().expect("a broker").to_owned();
        snap("json_broker_find", &["broker", "find", &npn]);
        let broker = snap("json_broker_show", &["broker", "show", &npn]);
        if let Some(group) = broker["result"]["book"][0]["group_number"].as_str() {
            snap("json_access_list", &["access", "list", "--group", group]);
        }
        snap("json_account_list", &["account", "list", "--limit", "3"]);
        snap("json_staff_list", &["staff", "list"]);
        let jobs = snap("json_import_list", &["import", "list", "--status", "partial", "--limit", "2"]);
        let job = jobs["result"]["jobs"][0]["id"].as_i64().unwrap().to_string();
        snap("json_import_show", &["import", "show", &job]);
        snap("json_code_list", &["code", "list", "--limit", "3"]);
    }
}

/// The changes' answers are typed too: ids are numbers, times RFC 3339,
/// and the same field names as the lists.
#[test]
fn change_answers_are_typed() {
    let home = common::pty::demo_home();
    let h = home.path();
    let ok = |args: &[&str]| {
        let mut args = args.to_vec();
        args.push("--json");
        let out = run(h, &args);
        assert_eq!(code(&out), 0, "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        let v = json(&out);
        assert_eq!(v["ok"], true, "{args:?}: {v}");
        v["result"].clone()
    };
    let ein = ok(&["import", "list", "--limit", "1"])["jobs"][0]["ein"].as_str().unwrap().to_owned();
    let issued = ok(&["code", "issue", "--employer", &ein]);
    let id = issued["id"].as_i64().expect("a numeric id");
    let expires = issued["expires_at"].as_str().unwrap();
    assert!(chrono::DateTime::parse_from_rfc3339(expires).is_ok(), "{issued}");
    assert_eq!(issued["subject_key"], ein.as_str());
    let listed = ok(&["code", "list", "--subject", &ein]);
    assert_eq!(listed["codes"][0]["id"], id, "{listed}");
    assert_eq!(listed["codes"][0]["status"], "active");
    assert_eq!(ok(&["code", "revoke", &id.to_string(), "--reason", "sent to the wrong person"])["id"], id);

    let made = ok(&["staff", "create", "new.agent", "--role", "agent", "--name", "New Agent"]);
    assert!(made["id"].is_i64() && made["login"] == "new.agent", "{made}");
    let disabled = ok(&["staff", "disable", "new.agent"]);
    assert_eq!((disabled["id"].clone(), disabled["status"].clone()), (made["id"].clone(), "disabled".into()));
    assert!(disabled["row_version"].is_i64(), "{disabled}");

    let case = ok(&["case", "list", "--queue", "unassigned", "--limit", "1"])["cases"][0]["case_number"]
        .as_str()
        .unwrap()
        .to_owned();
    let changed = ok(&["case", "priority", &case, "1"]);
    assert_eq!((changed["case_number"].as_str(), changed["priority"].as_i64()), (Some(case.as_str()), Some(1)));
    assert!(changed["assignee"].is_null() && changed["row_version"].is_i64(), "{changed}");
}

/// A demographic file of `rows` distinct members of group `group`.
fn demographic_rows(group: &str, rows: usize) -> String {
    let mut file = "group_number,ssn,first_name,last_name,birth_date,gender,address_line,city,state,zip\n".to_owned();
    for i in 0..rows {
        file.push_str(&format!(
            "{group},1{:02}-{:02}-{:04},First{i},Last{i},1980-01-01,F,1 Main St,Austin,TX,78701\n",
            10 + i % 80,
            1 + (i / 80) % 90,
            1 + i % 9999
        ));
    }
    file
}

/// Copies a home's data folder (database and key) into a new home.
fn copy_home(from: &std::path::Path) -> tempfile::TempDir {
    let to = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(to.path().join("data")).unwrap();
    for e in std::fs::read_dir(from.join("data")).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), to.path().join("data").join(e.file_name())).unwrap();
        }
    }
    to
}

/// The members (first and last name, SSN's last four) and the import
/// job's (status, total, ok, failed) of a home's demo database.
type EndState = (Vec<(String, String, String)>, (String, i64, i64, i64));

/// The members and the import job's counts of a home's demo database.
fn import_end_state(home: &std::path::Path, job: i64) -> EndState {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let url = format!("sqlite://{}", home.join("data/demo.sqlite").display());
        let store = portaldesk::store::Store::open(&url, &Default::default()).await.unwrap();
        let members = store
            .fetch_all(
                "SELECT first_name, last_name, ssn_last4 FROM members ORDER BY first_name, last_name, ssn_last4",
                portaldesk::args![],
            )
            .await
            .unwrap();
        let job = store
            .fetch_one(
                "SELECT status, total_rows, ok_rows, failed_rows FROM import_jobs WHERE id = $1",
                portaldesk::args![job],
            )
            .await
            .unwrap();
        (members, job)
    })
}

/// The disk filling during an import (here: a file-size limit, so that
/// SQLite's writes fail with EFBIG): the run stops with a message saying
/// so and a non-zero exit, not a panic; run again with room, the job ends
/// as the same import run without the limit does.
#[test]
fn an_import_that_fills_the_disk_stops_clearly_and_resumes_to_the_same_end() {
    let a = common::pty::demo_home();
    let (group, ein): (String, String) = {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let url = format!("sqlite://{}", a.path().join("data/demo.sqlite").display());
            let store = portaldesk::store::Store::open(&url, &Default::default()).await.unwrap();
            store
                .fetch_one(
                    "SELECT g.group_number, e.ein FROM employer_groups g JOIN employers e ON e.id = g.employer_id \
                     ORDER BY g.id LIMIT 1",
                    portaldesk::args![],
                )
                .await
                .unwrap()
        })
    };
    let rows = 25_000;
    let file = a.path().join("census.csv");
    std::fs::write(&file, demographic_rows(&group, rows)).unwrap();
    let out = run(
        a.path(),
        &["import", "enqueue", file.to_str().unwrap(), "--employer", &ein, "--kind", "demographic", "--json"],
    );
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let job = json(&out)["result"]["id"].as_i64().unwrap();
    // The same database, to import without a limit.
    let b = copy_home(a.path());
    let db = a.path().join("data/demo.sqlite");
    let before = std::fs::metadata(&db).unwrap().len();
    let out = run(b.path(), &["import", "run", &job.to_string()]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let grown = std::fs::metadata(b.path().join("data/demo.sqlite")).unwrap().len() - before;
    let whole = import_end_state(b.path(), job);
    assert_eq!(whole.1, ("succeeded".to_owned(), rows as i64, rows as i64, 0));
    // No file may grow past the database's size and a third of what the
    // import adds: the write-ahead log and then the database hit it.
    let limit_kb = (before + grown / 3) / 1024;
    let out = std::process::Command::new("bash")
        .args(["-c", "trap '' XFSZ; ulimit -f \"$1\"; shift; exec \"$0\" \"$@\""])
        .arg(common::pty::bin())
        .arg(limit_kb.to_string())
        .args(["import", "run", &job.to_string()])
        .env("PORTALDESK_HOME", a.path())
        .env("PORTALDESK_OPERATOR", "tester")
        .env_remove("PORTALDESK_DATA_KEY")
        .env_remove("PORTALDESK_DATABASE_URL")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(code(&out), 2, "{err}");
    assert!(err.contains(portaldesk::store::DISK_FULL), "{err}");
    assert!(!err.contains("panicked") && !err.contains("Database("), "{err}");
    let stopped = import_end_state(a.path(), job);
    assert_ne!(stopped.1.0, "succeeded");
    assert!(stopped.0.len() < whole.0.len(), "{} of {} members", stopped.0.len(), whole.0.len());
    // Room again: the job resumes and ends as the one that had room.
    let out = run(a.path(), &["import", "run", &job.to_string()]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(import_end_state(a.path(), job), whole);
}

/// Writes a key file the way an operator would (0600).
fn new_key_file(path: &std::path::Path, byte: u8) -> String {
    let hex = hex::encode([byte; 32]);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    std::io::Write::write_all(&mut opts.open(path).unwrap(), hex.as_bytes()).unwrap();
    hex
}

/// `key rotate` through the real binary (issue 22 point 8): stopped after
/// two batches, then killed mid-run, then resumed to the end; members are
/// found by SSN throughout, a second rotation is refused, and at the end the
/// key file holds the new key (0600), the old one kept as `.retired-…`, and
/// only the new key opens or finds an SSN.
#[test]
fn key_rotate_survives_a_kill_and_leaves_only_the_new_key() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    assert!(run(h, &["demo", "--members", "300"]).status.success());
    let key_file = h.join("data").join("data.key");
    let old_hex = std::fs::read_to_string(&key_file).unwrap().trim().to_owned();
    let old = portaldesk::crypto::DataKey::load(None, &key_file).unwrap();
    let v = json(&run(h, &["member", "find", "type:SUBSCRIBER", "--limit", "4", "--json"]));
    let numbers: Vec<String> = v["result"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["member_number"].as_str().unwrap().into())
        .collect();
    let ssns: Vec<String> = numbers
        .iter()
        .map(|n| {
            let out = run(h, &["member", "show", n, "--reveal", "--reason", "rotation test", "--json"]);
            json(&out)["result"]["ssn"].as_str().unwrap().to_owned()
        })
        .collect();
    let found = |ssn: &str| -> Vec<String> {
        let out = run(h, &["member", "find", ssn, "--json"]);
        assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
        json(&out)["result"]["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["member_number"].as_str().unwrap().into())
            .collect()
    };
    let new_path = h.join("new.key");
    let new_hex = new_key_file(&new_path, 0x5a);
    let new = portaldesk::crypto::DataKey::load(None, &new_path).unwrap();
    let nk = new_path.to_str().unwrap();

    // Two batches of 20, then it stops as asked: under way, both keys accepted.
    let out = run(h, &["key", "rotate", "--new-key-file", nk, "--batch-size", "20", "--batches", "2"]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let v = json(&run(h, &["key", "status", "--json"]));
    assert_eq!(v["result"]["rotation"]["state"], "running", "{v}");
    assert_eq!(v["result"]["rotation"]["members_done"], 40, "{v}");
    assert_eq!(v["result"]["next_key_id"], new.id(), "{v}");
    for (n, ssn) in numbers.iter().zip(&ssns) {
        assert_eq!(found(ssn), [n.as_str()], "{ssn} mid-rotation");
    }
    // A second rotation, to another key, is refused.
    let other = h.join("other.key");
    new_key_file(&other, 0x6b);
    let out = run(h, &["key", "rotate", "--new-key-file", other.to_str().unwrap()]);
    assert_eq!(code(&out), 2, "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("another rotation"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Killed mid-run: whatever it committed stays, nothing is lost.
    let mut child = std::process::Command::new(common::pty::bin())
        .args(["key", "rotate", "--new-key-file", nk, "--batch-size", "1"])
        .env("PORTALDESK_HOME", h)
        .env("PORTALDESK_OPERATOR", "tester")
        .env_remove("PORTALDESK_DATA_KEY")
        .env_remove("PORTALDESK_DATABASE_URL")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(40));
    child.kill().unwrap();
    child.wait().unwrap();
    let v = json(&run(h, &["key", "status", "--json"]));
    assert!(v["result"]["rows_done"].as_i64().unwrap() >= 40, "{v}");

    // Resumed to the end (run twice: the second finds it done).
    let out = run(h, &["key", "rotate", "--new-key-file", nk]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let out = run(h, &["key", "rotate", "--new-key-file", nk]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout(&out).contains(": done, "), "{}", stdout(&out));
    let v = json(&run(h, &["key", "status", "--json"]));
    assert_eq!(v["result"]["rotation"]["state"], "done", "{v}");
    assert_eq!(v["result"]["rows_done"], v["result"]["rows_total"], "{v}");
    assert_eq!(v["result"]["key_id"], new.id(), "{v}");
    assert_eq!(std::fs::read_to_string(&key_file).unwrap().trim(), new_hex);
    let retired = portaldesk::crypto::retired_key_path(&key_file, old.id());
    assert_eq!(std::fs::read_to_string(&retired).unwrap().trim(), old_hex);
    assert!(!portaldesk::crypto::next_key_path(&key_file).exists());
    #[cfg(unix)]
    for f in [&key_file, &retired] {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(f).unwrap().permissions().mode() & 0o777, 0o600, "{}", f.display());
    }
    // Found by SSN with the new key alone; no ciphertext opens with the old.
    for (n, ssn) in numbers.iter().zip(&ssns) {
        assert_eq!(found(ssn), [n.as_str()], "{ssn} after rotation");
    }
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let url = format!("sqlite://{}", h.join("data").join("demo.sqlite").display());
        let store = portaldesk::store::Store::open(&url, &Default::default()).await.unwrap();
        let rows: Vec<(Vec<u8>,)> = store
            .fetch_all("SELECT ssn_cipher FROM members WHERE ssn_cipher IS NOT NULL", portaldesk::args![])
            .await
            .unwrap();
        assert!(rows.len() > 200, "{}", rows.len());
        assert!(rows.iter().all(|(c,)| new.decrypt(c).is_some() && old.decrypt(c).is_none()));
        let audit: Vec<(String, String)> = store
            .fetch_all(
                "SELECT operator, reason FROM audit_log WHERE action = 'key.rotate' ORDER BY id",
                portaldesk::args![],
            )
            .await
            .unwrap();
        assert_eq!(audit.iter().map(|a| a.1.as_str()).collect::<Vec<_>>(), ["rotation started", "rotation finished"]);
        assert!(audit.iter().all(|a| a.0 == "tester"), "{audit:?}");
    });
}
