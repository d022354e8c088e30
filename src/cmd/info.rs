//! `portaldesk info`: where everything is, for support calls and set-up.

use crate::fatal::Fatal;
use crate::startup::{Context, log_file};
use crate::store::redact_url;

/// Prints the config file, data dir, log file, database URL (password hidden) and operator.
pub fn run(ctx: &Context, json_out: bool) -> Result<u8, Fatal> {
    let exists = |p: &std::path::Path| if p.exists() { "" } else { " (not present)" };
    let key_source = if std::env::var("PORTALDESK_DATA_KEY").is_ok_and(|v| !v.is_empty()) {
        "PORTALDESK_DATA_KEY".to_owned()
    } else {
        ctx.paths.key_file().display().to_string()
    };
    let db = &ctx.config.database;
    let pooler = db.pooler == crate::config::Pooler::Transaction;
    let postgres = !ctx.url.starts_with("sqlite:");
    let terminal = if postgres { db.connections(crate::startup::TERMINAL_CONNECTIONS) } else { 0 };
    let live = match crate::store::live::Method::planned(&ctx.url, pooler, terminal) {
        _ if !ctx.config.ui.live => "off (ui.live = false)".to_owned(),
        Some(m) => m.describe().to_owned(),
        None => "none (an in-memory database)".to_owned(),
    };
    if json_out {
        super::json::print_ok(&super::json::Info {
            config_file: ctx.paths.config_file.clone(),
            keymap_file: ctx.paths.config_file.with_file_name("keymap.toml"),
            data_dir: ctx.paths.data_dir.clone(),
            log_file: log_file(ctx),
            database_url: redact_url(&ctx.url),
            data_key: key_source,
            operator: ctx.config.operator_login(),
            environment: ctx.config.environment.clone(),
            read_only: ctx.config.read_only,
            terminal_connections: terminal,
            live_queues: live,
        });
    } else {
        println!("config file   {}{}", ctx.paths.config_file.display(), exists(&ctx.paths.config_file));
        let km = ctx.paths.config_file.with_file_name("keymap.toml");
        println!("keymap file   {}{}", km.display(), exists(&km));
        println!("data dir      {}", ctx.paths.data_dir.display());
        println!("log file      {}", log_file(ctx).display());
        println!("database      {}{}", redact_url(&ctx.url), if ctx.is_demo { " (demo)" } else { "" });
        println!("data key      {key_source}");
        println!("operator      {}", ctx.config.operator_login());
        println!("environment   {}{}", ctx.config.environment, if ctx.config.read_only { " (read-only)" } else { "" });
        if postgres {
            let via = if pooler { ", through a transaction pooler" } else { "" };
            let command = db.connections(crate::startup::COMMAND_CONNECTIONS);
            println!("connections   a terminal holds {terminal} at most, a command {command}{via}");
        }
        println!("live queues   {live}");
    }
    Ok(0)
}
