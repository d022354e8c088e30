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
         In a `/` filter: typing filters as you go, `Enter` keeps the filter, `Esc` restores the previous one.\n\n\
         ## Commands\n\n| Command | |\n|---|---|\n",
    );
    for (word, usage) in WORDS {
        out.push_str(&format!("| `:{word}` | `{}` |\n", usage.replace('|', "\\|")));
    }
    out.push_str("\n## Key notation\n\nPlain characters stand for themselves (`j`, `G`, `?`). Others are written in angle brackets: `<Esc>` `<Enter>` `<Tab>` `<S-Tab>` `<Up>` `<Down>` `<Left>` `<Right>` `<Home>` `<End>` `<PageUp>` `<PageDown>` `<BS>` `<Del>` `<Space>` `<lt>` (a literal `<`), `<F1>`…`<F12>`, with modifiers `<C-x>` (Ctrl) and `<A-x>` (Alt). The same notation is used by `--keys` and scripts.\n");
    out
}
