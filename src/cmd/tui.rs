//! `portaldesk` with no subcommand: the interactive app.

use std::io::IsTerminal;

use crate::fatal::Fatal;
use crate::startup::{self, Context};
use crate::tui::{Session, run_terminal};

/// Opens the TUI; on first run creates the demo database first.
pub async fn run(ctx: &Context) -> Result<u8, Fatal> {
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        return Err(Fatal::new("portaldesk needs a terminal: run it in one, or use a subcommand (portaldesk --help)"));
    }
    if ctx.is_demo && !ctx.paths.demo_db().exists() {
        eprintln!("first run: creating the demo database at {}", ctx.paths.demo_db().display());
        super::demo::create(ctx, super::demo::FIRST_RUN_MEMBERS, None, 1).await?;
    }
    let keymap = startup::keymap(ctx)?;
    let key = startup::data_key(ctx)?;
    let store = startup::open_store(ctx).await?;
    let ops = startup::ops(ctx, store.clone()).await?;
    std::fs::create_dir_all(&ctx.paths.data_dir).ok();
    let session = Session {
        ops,
        keymap,
        config: ctx.config.clone(),
        no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
        history_file: Some(ctx.paths.data_dir.join("history")),
        key,
        letters_dir: Some(ctx.paths.data_dir.join("letters")),
    };
    run_terminal(session).await?;
    store.close().await;
    Ok(0)
}
