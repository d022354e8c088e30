//! `portaldesk employer|group …` and `broker book` without a screen, on
//! SQLite and PostgreSQL: a demo seeded through the library as of now (the
//! binary's clock), the answers compared with the ops layer's for the same
//! request, every filter of the book of business, the exports, and bad
//! input refused in words with exit code 1.

mod common;

use common::pty::{keyed_home, run};
use portaldesk::args;
use portaldesk::domain::billing::Alert;
use portaldesk::ops::{Clock, Ops};
use portaldesk::store::Dir;
use portaldesk::store::book::BookFilter;
use portaldesk::store::testing::StoreSql;

fn json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

fn code(out: &std::process::Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

fn numbers(v: &serde_json::Value) -> Vec<String> {
    v["result"]["groups"].as_array().unwrap().iter().map(|g| g["group_number"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn employer_group_and_book_commands_on_both_engines() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let whole_ssn = regex::Regex::new(r"\d{3}-\d{2}-\d{4}").unwrap();
    for db in rt.block_on(common::all_backends()) {
        let opts = portaldesk::demo::DemoOptions {
            members: 300,
            seed: 7,
            admin_login: "tester".into(),
            now: chrono::Utc::now(),
            progress: false,
            cases: None,
        };
        rt.block_on(portaldesk::demo::seed(&db.store, &common::seeded::key(), &opts)).expect("seed");
        let ops = rt.block_on(Ops::for_operator(db.store.clone(), "tester", false, Clock::System)).unwrap();
        let home = keyed_home();
        db.write_config(home.path());
        let url = db.store.url().to_owned();
        let cli = |args: &[&str]| {
            let mut all = vec!["--db", url.as_str()];
            all.extend_from_slice(args);
            run(home.path(), &all)
        };
        let ok = |args: &[&str]| {
            let mut all = args.to_vec();
            all.push("--json");
            let out = cli(&all);
            assert_eq!(code(&out), 0, "{}: {args:?}: {}", db.label, String::from_utf8_lossy(&out.stderr));
            let v = json(&out);
            assert_eq!(v["ok"], true, "{}: {args:?}: {v}", db.label);
            v
        };
        let refused = |args: &[&str], said: &str| {
            let out = cli(args);
            assert_eq!(code(&out), 1, "{}: {args:?}", db.label);
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(err.contains(said), "{}: {args:?} said {err}", db.label);
        };
        let (parent, ein): (String, String) = rt
            .block_on(db.store.fetch_one(
                "SELECT g.group_number, e.ein FROM employer_groups g JOIN employers e ON e.id = g.employer_id \
                 WHERE g.parent_group_id IS NULL AND EXISTS (SELECT 1 FROM employer_groups s WHERE s.parent_group_id = g.id) \
                 ORDER BY g.group_number LIMIT 1",
                args![],
            ))
            .unwrap();
        let child = format!("{parent}-01");

        // employer find|show: by EIN, by group number; the tree puts suffixes under their parent.
        let v = ok(&["employer", "find", &ein]);
        assert_eq!(v["result"]["employers"][0]["ein"], ein.as_str(), "{}", db.label);
        let v = ok(&["employer", "show", &child]);
        assert_eq!(v["result"]["employer"]["ein"], ein.as_str(), "{}", db.label);
        let tree: Vec<&str> =
            v["result"]["groups"].as_array().unwrap().iter().map(|g| g["group_number"].as_str().unwrap()).collect();
        let at = tree.iter().position(|g| *g == parent).unwrap();
        assert_eq!(tree[at + 1], child, "{}: {tree:?}", db.label);
        assert!(v["result"]["contacts"].is_array() && v["result"]["cases"].is_array(), "{v}");
        refused(&["employer", "find", "99-1111111"], "no employer has EIN 99-1111111");
        refused(&["employer", "show", "ZZZ999"], "no group ZZZ999");

        // group show|billing|plans: the ops layer's figures, as typed numbers.
        let v = ok(&["group", "show", &child.to_lowercase()]);
        assert_eq!(v["result"]["detail"]["parent_number"], parent.as_str(), "{}", db.label);
        let v = ok(&["group", "billing", &child]);
        let want = rt.block_on(ops.group_billing(&child)).unwrap();
        assert_eq!(v["result"]["figures"]["balance_due_cents"], want.figures.balance_due_cents, "{}", db.label);
        assert_eq!(v["result"]["figures"]["balance_forward_cents"], want.figures.balance_forward_cents);
        assert_eq!(v["result"]["past_due_cents"], want.past_due_cents);
        let text = String::from_utf8_lossy(&cli(&["group", "billing", &child]).stdout).into_owned();
        assert!(text.contains(&portaldesk::domain::billing::dollars(want.figures.balance_due_cents)), "{text}");
        let current = ok(&["group", "plans", &child]);
        let year = current["result"]["current_year"].as_i64().unwrap();
        let prior = ok(&["group", "plans", &child, "--year", &(year - 1).to_string()]);
        assert_eq!(prior["result"]["year"], year - 1);
        assert_ne!(
            prior["result"]["plans"][0]["employee_cents"], current["result"]["plans"][0]["employee_cents"],
            "{}: prior-year rates are their own",
            db.label
        );
        refused(&["group", "plans", &child, "--year", "1999"], "has no plans for plan year 1999");
        refused(&["group", "show", "NOPE1"], "no group NOPE1");

        // subscribers: a page, a status, a parent's family exported whole with SSNs masked.
        let v = ok(&["group", "subscribers", &child, "--status", "active", "--limit", "500"]);
        let subs = v["result"]["subscribers"].as_array().unwrap();
        assert!(!subs.is_empty() && subs.iter().all(|s| s["status"] == "active"), "{}: {v}", db.label);
        refused(&["group", "subscribers", &child, "--status", "sleeping"], "unknown status");
        refused(&["group", "subscribers", &child, "--family"], "is a suffix");
        let csv = home.path().join("family.csv");
        let v = ok(&["group", "subscribers", &parent, "--family", "--csv", csv.to_str().unwrap()]);
        let (family,): (i64,) = rt
            .block_on(db.store.fetch_one(
                "SELECT count(*) FROM members m JOIN employer_groups g ON g.id = m.group_id \
                 LEFT JOIN employer_groups p ON p.id = g.parent_group_id \
                 WHERE m.relationship = 'self' AND (g.group_number = $1 OR p.group_number = $1)",
                args![parent.clone()],
            ))
            .unwrap();
        assert_eq!(v["result"]["rows"], family, "{}", db.label);
        let text = std::fs::read_to_string(&csv).unwrap();
        let groups: std::collections::BTreeSet<&str> =
            text.lines().skip(1).map(|l| l.split(',').next().unwrap()).collect();
        assert!(groups.contains(parent.as_str()) && groups.contains(child.as_str()), "{groups:?}");
        assert!(text.contains("***-**-") && !whole_ssn.is_match(&text));

        // broker book: the broker gets every group, then each filter agrees with the ops layer.
        let (npn, broker): (String, i64) =
            rt.block_on(db.store.fetch_one("SELECT npn, id FROM brokers ORDER BY npn LIMIT 1", args![])).unwrap();
        let today = chrono::Utc::now().date_naive();
        rt.block_on(db.store.execute(
            "INSERT INTO broker_access_grants (employer_id, group_id, broker_id, starts_on, granted_by, created_at) \
             SELECT employer_id, id, $1, $2, 'tester', $3 FROM employer_groups",
            args![broker, today - chrono::Duration::days(1), chrono::Utc::now()],
        ))
        .unwrap();
        let all = numbers(&ok(&["broker", "book", &npn, "--limit", "500"]));
        let (groups,): (i64,) =
            rt.block_on(db.store.fetch_one("SELECT count(*) FROM employer_groups", args![])).unwrap();
        assert_eq!(all.len() as i64, groups, "{}", db.label);
        let (effective,): (chrono::NaiveDate,) = rt
            .block_on(db.store.fetch_one(
                "SELECT original_effective_date FROM employer_groups ORDER BY original_effective_date, id LIMIT 1",
                args![],
            ))
            .unwrap();
        let word = rt.block_on(ops.group(&parent)).unwrap().detail.name.split_whitespace().next().unwrap().to_owned();
        let s = |v: &str| Some(v.to_owned());
        let in_a_year = (today + chrono::Duration::days(365)).to_string();
        let first = effective.to_string();
        let cases: Vec<(Vec<&str>, BookFilter)> = vec![
            (vec!["--name", &word], BookFilter { group_name: s(&word), ..Default::default() }),
            (vec!["--parent", &parent], BookFilter { parent_number: s(&parent), ..Default::default() }),
            (vec!["--suffix", "01"], BookFilter { suffix: s("01"), ..Default::default() }),
            (vec!["--status", "active"], BookFilter { status: s("active"), ..Default::default() }),
            (vec!["--alert", "past_due"], BookFilter { alert: Some(Alert::PastDue), ..Default::default() }),
            (vec!["--alert", "renewal"], BookFilter { alert: Some(Alert::Renewal), ..Default::default() }),
            (vec!["--alert", "turning_65"], BookFilter { alert: Some(Alert::Turning65), ..Default::default() }),
            (vec!["--alert", "cancelled"], BookFilter { alert: Some(Alert::Cancelled), ..Default::default() }),
            (vec!["--plan", "dental"], BookFilter { plan_name: s("dental"), ..Default::default() }),
            (vec!["--plan-type", "vision"], BookFilter { plan_type: s("vision"), ..Default::default() }),
            (
                vec!["--enrolled-from", &first, "--enrolled-to", &first],
                BookFilter { original_from: Some(effective), original_to: Some(effective), ..Default::default() },
            ),
            (
                vec!["--renewal-from", "2000-01-01", "--renewal-to", &in_a_year],
                BookFilter {
                    renewal_from: chrono::NaiveDate::from_ymd_opt(2000, 1, 1),
                    renewal_to: Some(today + chrono::Duration::days(365)),
                    ..Default::default()
                },
            ),
        ];
        for (flags, filter) in cases {
            let mut args = vec!["broker", "book", npn.as_str(), "--limit", "500"];
            args.extend(flags.iter().copied());
            let got = numbers(&ok(&args));
            let want: Vec<String> = rt
                .block_on(ops.broker_book(&npn, &filter, &Dir::First, 500))
                .unwrap()
                .rows
                .into_iter()
                .map(|r| r.row.group_number)
                .collect();
            assert_eq!(got, want, "{}: {flags:?}", db.label);
            if ["--name", "--parent", "--suffix", "--enrolled-from"].contains(&flags[0]) {
                assert!(!got.is_empty() && got.len() < all.len(), "{}: {flags:?} narrows: {got:?}", db.label);
            }
        }
        let csv = home.path().join("book.csv");
        let v = ok(&["broker", "book", &npn, "--parent", &parent, "--csv", csv.to_str().unwrap()]);
        let text = std::fs::read_to_string(&csv).unwrap();
        assert_eq!(v["result"]["rows"].as_u64().unwrap() as usize, text.lines().count() - 1, "{}", db.label);
        assert!(text.lines().skip(1).all(|l| l.starts_with(&parent)), "{text}");
        refused(
            &["broker", "book", &npn, "--renewal-from", "2027-01-01", "--renewal-to", "2026-01-01"],
            "runs backwards",
        );
        refused(
            &["broker", "book", &npn, "--enrolled-from", "2022-01-01", "--enrolled-to", "2021-01-01"],
            "runs backwards",
        );
        refused(&["broker", "book", &npn, "--alert", "late"], "unknown alert type");
        refused(&["broker", "book", "9999999999"], "no broker with NPN 9999999999");
        let out = cli(&["broker", "book", "12x", "--json"]);
        assert_eq!((code(&out), json(&out)["ok"].as_bool()), (1, Some(false)), "{}", db.label);
    }
}
