//! Reference documents generated from the live tables, so the docs cannot
//! drift from the program (a test compares them with `docs/`).

use crate::action::SPECS;
use crate::command::WORDS;
use crate::keymap::Keymap;

/// `docs/keymap.md`: every action with its default keys, then every `:` command.
pub fn keymap_reference(keymap: &Keymap) -> String {
    let mut out = String::from(
        "# Keys and commands\n\n\
         Generated from `config/keymap.toml` and the action table (`src/action.rs`); \
         a test fails when this file and the program disagree. Remap keys in a \
         `keymap.toml` beside your config file (`portaldesk info` shows where).\n\n\
         ## Keys\n\n\
         | Keys | Action | What it does | Role | Changes data |\n|---|---|---|---|---|\n",
    );
    for spec in SPECS {
        let keys: Vec<String> = keymap.keys(spec.action).iter().map(|k| format!("`{k}`")).collect();
        out.push_str(&format!(
            "| {} | `{}` | {} | {} | {} |\n",
            keys.join(" "),
            spec.name,
            spec.help,
            spec.min_role.as_str(),
            if spec.writes { "yes" } else { "no" }
        ));
    }
    out.push_str(
        "\nIn the `:` command line: `Enter` runs, `Tab` completes, `Up`/`Down` walk the history, `Esc` cancels. \
         In a `/` filter: typing filters as you go, `Enter` keeps the filter, `Esc` restores the previous one. \
         In a prompt or a form: `Enter` saves (`Ctrl-S` too in a form), `Esc` keeps what was typed as a draft, \
         `F1` opens the help over it (closing the help brings the prompt or form back as it was); a confirm \
         takes `y` or `n` (`Esc` is n, and brings back the text it came from).\n\n\
         ## Commands\n\n| Command | |\n|---|---|\n",
    );
    for (word, usage) in WORDS {
        out.push_str(&format!("| `:{word}` | `{}` |\n", usage.replace('|', "\\|")));
    }
    out.push_str("\n## Key notation\n\nPlain characters stand for themselves (`j`, `G`, `?`). Others are written in angle brackets: `<Esc>` `<Enter>` `<Tab>` `<S-Tab>` `<Up>` `<Down>` `<Left>` `<Right>` `<Home>` `<End>` `<PageUp>` `<PageDown>` `<BS>` `<Del>` `<Space>` `<lt>` (a literal `<`), `<F1>`…`<F12>`, with modifiers `<C-x>` (Ctrl) and `<A-x>` (Alt). The same notation is used by `--keys` and scripts.\n");
    out
}

/// `docs/json.md`: the envelope, the error codes, and an example answer of
/// every `--json` command, serialized from the types the commands print.
pub fn json_reference() -> String {
    use crate::cmd::json_examples::{error_example, examples};
    use crate::error_code::ErrorCode;
    let mut out = String::from(
        "# JSON output\n\n\
         Generated from the types the commands print (`src/cmd/json.rs`, examples in \
         `src/cmd/json_examples.rs`); a test fails when this file and the program disagree.\n\n\
         Every subcommand that takes `--json` prints one JSON document on stdout:\n\n\
         - success: `{\"ok\": true, \"result\": …}`;\n\
         - failure: `{\"ok\": false, \"error\": {\"code\": …, \"message\": …}}`, with the message also on \
         stderr and the exit code unchanged (1 refused, not found or nothing to do; 2 usage, start-up or \
         database trouble). A flag clap rejects is a failure too (`invalid_input`, exit 2).\n\n\
         Numbers are JSON numbers, yes/no values booleans, moments RFC 3339 in UTC \
         (`2026-11-24T17:30:00Z`), dates `YYYY-MM-DD`, money whole cents, and an absent value `null`. \
         The same thing has the same name everywhere: `id`, `case_number`, `member_number`, `npn`, `ein`, \
         `assignee`. Lists put their rows under their name (`result.cases`, `result.members`, …) with `more` \
         saying whether rows follow; an empty list is `ok` with exit code 1. For example \
         `portaldesk case list --json | jq '.result.cases[0].priority + 1'`.\n\n\
         ## Error codes\n\nMatch on `error.code`; the message may be reworded.\n\n\
         | Code | Meaning |\n|---|---|\n",
    );
    for c in ErrorCode::ALL {
        out.push_str(&format!("| `{}` | {} |\n", c.as_str(), c.meaning()));
    }
    out.push_str(&format!("\nA failure:\n\n```json\n{}\n```\n\n## Answers\n", error_example()));
    for e in examples() {
        let names: Vec<String> = e.commands.iter().map(|c| format!("`portaldesk {c} --json`")).collect();
        out.push_str(&format!("\n### {}\n\n{}\n\n```json\n{}\n```\n", names.join(", "), e.about, e.json));
    }
    out
}
