//! `portaldesk` with no subcommand: the interactive app.

use std::io::IsTerminal;

use crate::fatal::Fatal;
use crate::startup::{self, Context};
use crate::tui::{Session, run_terminal};

/// Everything the app needs, for the terminal and for scripts.
pub fn session(ctx: &Context, ops: crate::ops::Ops) -> Result<Session, Fatal> {
    let keymap = startup::keymap(ctx)?;
    let key = startup::data_key(ctx)?;
    std::fs::create_dir_all(&ctx.paths.data_dir).ok();
    Ok(Session {
        ops,
        keymap,
        config: ctx.config.clone(),
        no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
        history_file: Some(ctx.paths.data_dir.join("history")),
        key,
        letters_dir: Some(ctx.paths.data_dir.join("letters")),
        macros_dir: Some(ctx.paths.data_dir.join("macros")),
    })
}

/// Opens the TUI; on first run creates the demo database first.
/// `keys` (from `--keys`) are typed as the app starts, then it is yours.
pub async fn run(ctx: &Context, keys: Option<&str>) -> Result<u8, Fatal> {
    let prefeed = match keys {
        Some(k) => vec![crate::script::Step::Keys(
            crate::keys::parse_sequence(k).map_err(|e| Fatal::new(format!("--keys: {e}")))?,
        )],
        None => Vec::new(),
    };
    let dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
    if dumb || !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        let why = if dumb { "this terminal (TERM=dumb) cannot show it" } else { "there is no terminal here" };
        return Err(Fatal::new(format!(
            "portaldesk's screen needs a terminal and {why}: use a subcommand (portaldesk --help), \
             or portaldesk --headless with --keys or run FILE"
        )));
    }
    if ctx.is_demo && !ctx.paths.demo_db().exists() {
        eprintln!("first run: creating the demo database at {}", ctx.paths.demo_db().display());
        super::demo::create(ctx, super::demo::FIRST_RUN_MEMBERS, None, 1).await?;
    }
    let store = startup::open_store(ctx, startup::TERMINAL_CONNECTIONS).await?;
    let ops = startup::ops(ctx, store.clone()).await?;
    let session = session(ctx, ops)?;
    run_terminal(session, prefeed).await?;
    store.close().await;
    Ok(0)
}
