//! The docs describe the program that exists: generated references match,
//! and every configuration key is documented.

use portaldesk::config::DEFAULT_TOML;
use portaldesk::docs::keymap_reference;
use portaldesk::keymap::Keymap;

const KEYMAP_MD: &str = "docs/keymap.md";

/// Compares a generated document with the committed one (or rewrites it).
fn matches_on_disk(path: &str, generated: &str) {
    if std::env::var_os("PORTALDESK_WRITE_DOCS").is_some() {
        std::fs::write(path, generated).unwrap();
    }
    let on_disk = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        on_disk == generated,
        "{path} is out of date: run `PORTALDESK_WRITE_DOCS=1 cargo test --test docs` and commit it"
    );
}

#[test]
fn keymap_reference_matches_the_program() {
    matches_on_disk(KEYMAP_MD, &keymap_reference(&Keymap::from_texts(None).unwrap()));
}

#[test]
fn json_reference_matches_the_types() {
    matches_on_disk("docs/json.md", &portaldesk::docs::json_reference());
}

/// Subcommand paths (`case list`) of every command that takes `--json`.
fn json_commands(cmd: &clap::Command, path: &str, out: &mut Vec<String>) {
    for sub in cmd.get_subcommands() {
        let p = if path.is_empty() { sub.get_name().to_owned() } else { format!("{path} {}", sub.get_name()) };
        if sub.get_arguments().any(|a| a.get_long() == Some("json")) {
            out.push(p.clone());
        }
        json_commands(sub, &p, out);
    }
}

/// Every `--json` command has its answer in docs/json.md, and every
/// example there names a command that exists and takes `--json`.
#[test]
fn every_json_command_has_a_documented_answer() {
    let mut commands = Vec::new();
    json_commands(&<portaldesk::cli::Cli as clap::CommandFactory>::command(), "", &mut commands);
    assert!(commands.len() > 30 && commands.contains(&"case list".to_owned()), "{commands:?}");
    let documented: Vec<&str> =
        portaldesk::cmd::json_examples::examples().iter().flat_map(|e| e.commands.iter().copied()).collect();
    let missing: Vec<&String> = commands.iter().filter(|c| !documented.contains(&c.as_str())).collect();
    assert!(missing.is_empty(), "no example answer in src/cmd/json_examples.rs for: {missing:?}");
    let unknown: Vec<&&str> = documented.iter().filter(|d| !commands.iter().any(|c| c == *d)).collect();
    assert!(unknown.is_empty(), "examples for commands without --json: {unknown:?}");
    for e in portaldesk::cmd::json_examples::examples() {
        let v: serde_json::Value = serde_json::from_str(&e.json).unwrap();
        assert_eq!(v["ok"], true, "{:?}", e.commands);
    }
}

#[test]
fn import_spec_matches_the_validation() {
    matches_on_disk("docs/import-spec.md", &portaldesk::domain::import_spec::markdown());
}

#[test]
fn report_catalogue_matches_the_program() {
    matches_on_disk("docs/reports.md", &portaldesk::domain::report_catalogue::markdown());
}

#[test]
fn every_config_key_is_documented() {
    let doc = std::fs::read_to_string("docs/configuration.md").unwrap();
    let table: toml::Table = DEFAULT_TOML.parse().unwrap();
    for (k, v) in &table {
        match v.as_table() {
            Some(section) => {
                for sk in section.keys() {
                    assert!(doc.contains(&format!("`{k}.{sk}`")), "docs/configuration.md lacks {k}.{sk}");
                }
            }
            None => assert!(doc.contains(&format!("`{k}`")), "docs/configuration.md lacks {k}"),
        }
    }
}

#[test]
fn docs_that_the_issue_asks_for_exist() {
    // Each document names what it is about: its title, and the parts a reader comes for.
    for (f, must) in [
        (
            "docs/architecture.md",
            &[
                "# Architecture",
                "## The store: one query, two engines",
                "## The event loop",
                "## Actions and the ops layer",
            ][..],
        ),
        ("docs/configuration.md", &["reveal_seconds", "keymap.toml"][..]),
        (KEYMAP_MD, &["nav.focus_prev", "case.claim_next", ":member"][..]),
        ("README.md", &["# portaldesk", "cargo test", "PORTALDESK_TEST_PG_URL"][..]),
    ] {
        let text = std::fs::read_to_string(f).unwrap_or_default();
        for m in must {
            assert!(text.contains(m), "{f} does not mention {m:?}");
        }
    }
    let readme = std::fs::read_to_string("README.md").unwrap();
    let top: Vec<&str> = readme.lines().take(6).collect();
    assert!(
        top.iter().any(|l| l.starts_with("cargo run --release")) && top.iter().any(|l| l.starts_with("cargo test")),
        "README must start with the two set-up commands"
    );
}

/// Every `.rs` file under `dir`, recursively, in a stable order.
fn rust_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            out.extend(rust_files(&p));
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
    out
}

/// Lines of `src/` outside `src/store` that match `pattern`, as
/// `file:line: text` (comment lines skipped).
fn outside_the_store(pattern: &regex::Regex) -> Vec<String> {
    lines_matching("src", pattern).into_iter().filter(|l| !l.starts_with("src/store")).collect()
}

/// Lines of the Rust files under `dir` that match `pattern`, as
/// `file:line: text` (comment lines skipped).
fn lines_matching(dir: &str, pattern: &regex::Regex) -> Vec<String> {
    let mut found = Vec::new();
    for path in rust_files(std::path::Path::new(dir)) {
        let text = std::fs::read_to_string(&path).unwrap();
        for (i, line) in text.lines().enumerate() {
            if !line.trim_start().starts_with("//") && pattern.is_match(line) {
                found.push(format!("{}:{}: {}", path.display(), i + 1, line.trim()));
            }
        }
    }
    found
}

/// SQL is the store's: a statement's text in a string literal anywhere
/// else in `src/` fails here, named by file and line.
#[test]
fn sql_text_lives_in_the_store_alone() {
    let sql = regex::Regex::new(
        r#""[^"]*\b(SELECT\s|INSERT\s+(OR\s+\w+\s+)?INTO\s|UPDATE\s+\w+\s+SET\s|DELETE\s+FROM\s|(CREATE|DROP|ALTER)\s+(TEMP\s+)?(UNIQUE\s+)?(TABLE|INDEX)\b|PRAGMA\s|SET\s+CONSTRAINTS\b|COPY\s+\w+.*FROM\s+STDIN)|"(ANALYZE|CHECKPOINT|VACUUM)\b"#,
    )
    .unwrap();
    let found = outside_the_store(&sql);
    assert!(found.is_empty(), "SQL outside src/store (move it into a store function):\n{}", found.join("\n"));
    // Nor sqlx's own statements, and the tests' SQL door is not the application's.
    let door = regex::Regex::new(
        r"sqlx::(query|query_as|query_scalar|raw_sql|AssertSqlSafe)\b|store::testing|\b(StoreSql|TxSql)\b",
    )
    .unwrap();
    let found = outside_the_store(&door);
    assert!(found.is_empty(), "sqlx statements or store::testing outside the store:\n{}", found.join("\n"));
}

/// The terminal reaches the ops layer by `Request` alone (through
/// `ops::request::Runner`, as the CLI through `Ops::execute`): a call of an
/// operation by name from src/tui fails here. What may be asked of an `Ops`
/// directly is who and when (operator, role, clock, store handle) and the
/// audit of a refusal or a lock, which no request stands for.
#[test]
fn the_terminal_changes_nothing_but_through_requests() {
    let call = regex::Regex::new(r"\bops\.([a-z_]+)(::<[^>]*>)?\(").unwrap();
    let allowed = [
        "store",
        "now",
        "role",
        "operator",
        // The session's name in live-queue announcements, for its watcher.
        "origin",
        "read_only",
        "as_system",
        "with_script",
        "clone",
        "audit_refusal",
        "audit_event",
    ];
    let direct = |lines: &[String]| -> Vec<String> {
        lines.iter().filter(|l| call.captures_iter(l).any(|c| !allowed.contains(&&c[1]))).cloned().collect()
    };
    let found = direct(&lines_matching("src/tui", &call));
    assert!(found.is_empty(), "ops operations called from src/tui (build a Request instead):\n{}", found.join("\n"));
    // The check finds a direct call where there is one.
    let planted = [
        "src/tui/x.rs:1: ops.change_case(&number, seen, change).await".to_owned(),
        "src/tui/x.rs:2: ops.ask::<usize>(&env, req).await".to_owned(),
    ];
    assert_eq!(direct(&planted).len(), 2);
}

/// `unsafe` is denied for the crate and allowed in `src/store/direct.rs` alone.
#[test]
fn unsafe_code_lives_in_store_direct_alone() {
    for root in ["src/lib.rs", "src/main.rs"] {
        let text = std::fs::read_to_string(root).unwrap();
        assert!(text.contains("#![deny(unsafe_code)]"), "{root} must deny unsafe code");
    }
    let direct = std::path::Path::new("src/store/direct.rs");
    let mut found = Vec::new();
    for path in rust_files(std::path::Path::new("src")) {
        if path == direct {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for (i, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            if code.contains("unsafe {")
                || code.contains("unsafe fn")
                || code.contains("unsafe impl")
                || code.contains("allow(unsafe_code)")
            {
                found.push(format!("{}:{}: {}", path.display(), i + 1, line.trim()));
            }
        }
    }
    assert!(found.is_empty(), "unsafe outside src/store/direct.rs:\n{}", found.join("\n"));
    assert!(std::fs::read_to_string(direct).unwrap().contains("#![allow(unsafe_code)]"));
}

#[test]
fn man_page_matches_the_program() {
    matches_on_disk("docs/portaldesk.1", &portaldesk::cli::man_page());
}

/// The store is the bottom layer: it may use the pure domain rules, never
/// ops, the screens or the commands above it.
#[test]
fn the_store_calls_nothing_above_it() {
    let above = regex::Regex::new(r"crate::(ops|tui|cmd|bench|demo)\b").unwrap();
    let found = lines_matching("src/store", &above);
    assert!(found.is_empty(), "the store calls layers above it:\n{}", found.join("\n"));
}

/// An example value for each placeholder of the action table's CLI forms.
fn example(placeholder: &str) -> Option<&'static [&'static str]> {
    Some(match placeholder {
        "ID" | "GRANT" | "JOB" => &["1"],
        "ID…" => &["1", "2"],
        "QUEUE" | "VIEW" => &["billing"],
        "LOGIN" => &["agarcia"],
        "TEXT" | "QUERY" | "N" => &["2"],
        "DATE" => &["2026-01-31"],
        "EIN" => &["12-3456789"],
        "NPN" => &["1234567"],
        "CODE" => &["1"],
        "MEMBER-ID" => &["M0000001"],
        "FILE" => &["out.csv"],
        "G" => &["ABC101"],
        "…" => &["view"],
        "EMAIL" => &["a@example.com"],
        "R" | "ROLE" => &["agent"],
        "FIELD=VALUE…" => &["city=Austin"],
        "TYPE" => &["QB"],
        "KIND" => &["demographic"],
        "PLAN" => &["PPO"],
        "TIER" => &["EE"],
        "NAME" => &["case-sla"],
        "DATETIME" => &["2027-01-04 07:00"],
        "REPEAT" => &["weekly"],
        "NAME=VALUE…" => &["queue=billing"],
        "YEAR" => &["2026"],
        "STATUS" => &["active"],
        "MONTH" => &["2026-10"],
        "COUNT" => &["3"],
        _ => return None,
    })
}

/// A table CLI form as an argv: its first alternative, optional parts
/// included, placeholders replaced by examples.
fn argv_of(cli: &str) -> Vec<String> {
    let first = cli.split(" | ").next().unwrap_or(cli);
    let mut argv = vec!["portaldesk".to_owned()];
    for token in first.split(' ').map(|t| t.trim_matches(['[', ']'])) {
        let placeholder = token.chars().any(|c| c.is_ascii_uppercase()) || token == "…";
        match example(token) {
            Some(values) => argv.extend(values.iter().map(|v| (*v).to_owned())),
            None if placeholder => panic!("{cli}: no example for the placeholder {token}"),
            None => argv.push(token.to_owned()),
        }
    }
    argv
}

/// The subcommand path of a table CLI form: its leading words.
fn cli_path(cli: &str) -> String {
    cli.split(' ')
        .take_while(|t| t.chars().all(|c| c.is_ascii_lowercase() || c == '-') && !t.starts_with('-'))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Leaf subcommands that are no Action: set-up, help, the bench, and reads
/// that show one thing with no action of their own (`bench` covers its children).
const NOT_ACTIONS: &[&str] = &[
    "run",
    "actions",
    "info",
    "migrate",
    "demo",
    "bench",
    "case show",
    "member history",
    "access list",
    "staff list",
    "import show",
    "import errors",
    "import ack",
    "report show",
    "report get",
    "report schedules",
    "worker",
    "audit verify",
    "config path",
    "config show",
    "completions",
    "man",
];

fn leaves(cmd: &clap::Command, path: &str, out: &mut Vec<String>) {
    for sub in cmd.get_subcommands() {
        let p = if path.is_empty() { sub.get_name().to_owned() } else { format!("{path} {}", sub.get_name()) };
        if sub.get_subcommands().next().is_none() {
            out.push(p);
        } else {
            leaves(sub, &p, out);
        }
    }
}

/// The action table and the clap tree agree both ways: every leaf
/// subcommand is an Action's CLI form (or a named non-action), and every
/// Action's CLI form, filled with examples, parses.
#[test]
fn the_action_table_and_the_clap_tree_agree_both_ways() {
    use portaldesk::action::SPECS;
    let mut all = Vec::new();
    leaves(&<portaldesk::cli::Cli as clap::CommandFactory>::command(), "", &mut all);
    assert!(all.len() > 50, "{all:?}");
    let forms: Vec<String> = SPECS.iter().filter_map(|s| s.cli).map(cli_path).collect();
    let stray: Vec<&String> = all
        .iter()
        .filter(|p| !forms.contains(p))
        .filter(|p| !NOT_ACTIONS.iter().any(|n| *p == n || p.starts_with(&format!("{n} "))))
        .collect();
    assert!(stray.is_empty(), "subcommands that are no Action's `cli` form nor in NOT_ACTIONS: {stray:?}");
    for n in NOT_ACTIONS {
        assert!(all.iter().any(|p| p == n || p.starts_with(&format!("{n} "))), "NOT_ACTIONS names {n}, which is gone");
        assert!(!forms.iter().any(|f| f == n), "{n} is an Action's form and in NOT_ACTIONS");
    }
    for s in SPECS {
        let Some(cli) = s.cli else { continue };
        let argv = argv_of(cli);
        if let Err(e) = <portaldesk::cli::Cli as clap::Parser>::try_parse_from(&argv) {
            panic!("{}: `{cli}` as {argv:?} does not parse: {e}", s.name);
        }
        assert!(all.contains(&cli_path(cli)), "{}: {cli} is no leaf subcommand", s.name);
    }
}

/// The `:` words and the action table agree both ways: every word runs the
/// Action whose word it is (or is one of `OTHER_WORDS`), and every Action
/// with a word parses with an example argument taken from its usage.
#[test]
fn the_action_table_and_the_command_words_agree_both_ways() {
    use portaldesk::action::SPECS;
    use portaldesk::command::{OTHER_WORDS, Target, WORDS, parse, target};
    let mut seen = std::collections::HashSet::new();
    for (word, usage) in WORDS {
        assert!(seen.insert(*word), ":{word} is listed twice");
        assert!(usage.starts_with(&format!(":{word}")), "{usage}");
        match target(word) {
            Some(Target::Action(a)) => assert_eq!(a.spec().command, Some(*word)),
            Some(Target::Other(o)) => assert!(OTHER_WORDS.iter().any(|(w, _)| *w == o)),
            None => panic!(":{word} is listed but runs nothing"),
        }
    }
    let words = SPECS.iter().filter(|s| s.command.is_some()).count();
    assert_eq!(WORDS.len(), words + OTHER_WORDS.len());
    for s in SPECS {
        let Some(word) = s.command else { continue };
        // The usage's first argument, its first alternative: `[failed|all]` → failed.
        let args = s.usage[word.len() + 1..].split("  (").next().unwrap_or("").trim();
        let arg = args.split(' ').next().unwrap_or("").trim_matches(['[', ']']).split('|').next().unwrap_or("");
        let line = format!("{word} {arg}");
        assert!(parse(&line).is_ok(), "{}: :{line} does not parse: {:?}", s.name, parse(&line));
        assert_eq!(target(word), Some(Target::Action(s.action)));
    }
    for (word, _) in OTHER_WORDS {
        assert!(parse(&format!("{word} x")).is_ok(), ":{word} does not parse");
    }
    assert!(parse("frobnicate").is_err() && target("frobnicate").is_none());
}

/// The app dispatches to the screen in front, not by area number: no
/// `area == N` (or `!=`) test anywhere in src/tui, and `App` holds its open
/// records on the areas' screen stacks, not in one `Option<…Screen>` field each.
#[test]
fn the_app_dispatches_through_screens_not_area_numbers() {
    let by_number = regex::Regex::new(r"\barea\s*[=!]=|\bpanes\[\d|matches!\((self|app)\.area\b").unwrap();
    let found = lines_matching("src/tui", &by_number);
    assert!(found.is_empty(), "area tests by number (route the action to the screen in front):\n{}", found.join("\n"));

    let app = std::fs::read_to_string("src/tui/app.rs").unwrap();
    let start = app.find("pub struct App {").expect("src/tui/app.rs defines App");
    let fields = &app[start..start + app[start..].find("\n}\n").expect("App's fields end")];
    let screen_field = regex::Regex::new(r":\s*Option<[^\n]*Screen\b").unwrap();
    let found: Vec<&str> = fields.lines().filter(|l| screen_field.is_match(l)).map(str::trim).collect();
    assert!(
        found.is_empty(),
        "App holds a screen in a field of its own (push it on its area's stack):\n{}",
        found.join("\n")
    );
}

/// Each area's list is the bottom screen of its stack (src/tui/list_screen.rs):
/// `App` keeps no list, list kind or case view in a field of its own, and
/// app.rs names no kind of list, so what a kind of list does (what Enter
/// opens, its footer, its paging) lives with the list screen or its area's file.
#[test]
fn the_app_keeps_no_list_of_its_own() {
    let app = std::fs::read_to_string("src/tui/app.rs").unwrap();
    let start = app.find("pub struct App {").expect("src/tui/app.rs defines App");
    let fields = &app[start..start + app[start..].find("\n}\n").expect("App's fields end")];
    let list_field = regex::Regex::new(r":\s*(Vec<\s*)?(Pane|ListKind|CaseView)\b").unwrap();
    let found: Vec<&str> = fields.lines().filter(|l| list_field.is_match(l)).map(str::trim).collect();
    assert!(found.is_empty(), "App holds a list's state (it belongs to the area's ListScreen):\n{}", found.join("\n"));
    let kind = regex::Regex::new(r"\bListKind\b").unwrap();
    let kinds: Vec<&str> =
        app.lines().filter(|l| !l.trim_start().starts_with("//") && kind.is_match(l)).map(str::trim).collect();
    assert!(kinds.is_empty(), "app.rs acts by kind of list (move it to list_screen.rs):\n{}", kinds.join("\n"));
}

/// The modules of src/tui a module names (`super::x`, `crate::tui::x`),
/// comment lines skipped.
fn tui_imports() -> std::collections::BTreeMap<String, std::collections::BTreeSet<String>> {
    let named = regex::Regex::new(r"\b(?:super|crate::tui)::([a-z_]+)").unwrap();
    let modules: std::collections::BTreeSet<String> = rust_files(std::path::Path::new("src/tui"))
        .iter()
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    let mut graph = std::collections::BTreeMap::new();
    for path in rust_files(std::path::Path::new("src/tui")) {
        let module = path.file_stem().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let deps: std::collections::BTreeSet<String> = text
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .flat_map(|l| named.captures_iter(l).map(|c| c[1].to_owned()).collect::<Vec<_>>())
            .filter(|m| *m != module && modules.contains(m))
            .collect();
        graph.insert(module, deps);
    }
    graph
}

/// A cycle through `at`, as the modules on it, if there is one.
fn cycle_from(
    graph: &std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
    at: &str,
    path: &mut Vec<String>,
    done: &mut std::collections::BTreeSet<String>,
) -> Option<Vec<String>> {
    if let Some(i) = path.iter().position(|m| m == at) {
        let mut cycle = path[i..].to_vec();
        cycle.push(at.to_owned());
        return Some(cycle);
    }
    if !done.insert(at.to_owned()) {
        return None;
    }
    path.push(at.to_owned());
    for next in graph.get(at).into_iter().flatten() {
        if let Some(c) = cycle_from(graph, next, path, done) {
            return Some(c);
        }
    }
    path.pop();
    None
}

/// No two modules of src/tui name each other, directly or round a circle:
/// the screens and modals depend on the shared pieces (screen, modal, task,
/// widgets), which name none of them back.
#[test]
fn no_import_cycle_among_tui_modules() {
    let graph = tui_imports();
    assert!(graph["app"].contains("screen"), "the parse finds App's imports: {:?}", graph["app"]);
    let mut done = std::collections::BTreeSet::new();
    for module in graph.keys() {
        if let Some(cycle) = cycle_from(&graph, module, &mut Vec::new(), &mut done) {
            panic!("src/tui modules name each other in a circle: {}", cycle.join(" → "));
        }
    }
    // The detector itself finds a circle where there is one.
    let mut circle = graph.clone();
    circle.get_mut("screen").unwrap().insert("app".into());
    let found = circle.keys().find_map(|m| cycle_from(&circle, m, &mut Vec::new(), &mut Default::default()));
    assert!(found.is_some_and(|c| c.contains(&"screen".to_owned())), "a planted circle screen → app is found");
}
