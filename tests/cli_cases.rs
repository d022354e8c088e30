//! `portaldesk case …` without a screen: output, JSON, exit codes and the
//! changes in the database.

mod common;

use common::pty::run;

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
    let cases = v["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 3);
    assert!(cases.iter().all(|c| c["assignee"] == "-"));
    let a = cases[0]["case"].as_str().unwrap().to_owned();
    let b = cases[1]["case"].as_str().unwrap().to_owned();

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
    let m = &v["members"][0];
    let number = m["member"].as_str().unwrap().to_owned();
    assert!(m["ssn"].as_str().unwrap().starts_with("***-**-"));
    assert_eq!(m["type"], "QB");

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
    let jobs = v["jobs"].as_array().unwrap();
    assert!(!jobs.is_empty() && jobs.iter().all(|j| j["status"] == "partial"), "{v}");
    let job = jobs[0]["job"].as_str().unwrap().to_owned();
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
    let jobs = |h| json(&run(h, &["import", "list", "--limit", "500", "--json"]))["jobs"].as_array().unwrap().len();
    let before = jobs(h);
    let out =
        run(h, &["import", "enqueue", big.to_str().unwrap(), "--employer", "12-3456789", "--kind", "demographic"]);
    assert_eq!(code(&out), 1);
    assert!(String::from_utf8_lossy(&out.stderr).contains("the file is 2048 MB; at most 256 MB"), "{out:?}");
    assert_eq!(jobs(h), before);
}
