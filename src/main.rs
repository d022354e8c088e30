//! CLI entry: parse flags, load config, then run the TUI or a subcommand.
#![deny(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;
use portaldesk::cli::{Cli, Cmd, ConfigCmd};
use portaldesk::config::{Overrides, Paths};
use portaldesk::error_code::ErrorCode;
use portaldesk::fatal::Fatal;
use portaldesk::ops::request::Env;
use portaldesk::{cmd, startup};

/// mimalloc, standing in for the C library's malloc too (SQLite's among
/// them): an import frees on the database thread what the main thread
/// allocated, which glibc's per-thread arenas serve poorly (a tenth of
/// the writer's time went to its locks and consolidation).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // A broken pipe ends output quietly; SQLite's process-wide settings.
    portaldesk::store::start_process();
    // Panic reports; ratatui's own hook restores the terminal before them.
    let _ = color_eyre::install();
    // Under `--json` a failure is the error envelope on stdout too.
    let json = std::env::args_os().any(|a| a == "--json");
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if json && e.use_stderr() => {
            cmd::json::print_error(ErrorCode::InvalidInput, &first_line(&e));
            e.exit()
        }
        Err(e) => e.exit(),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(r) => r,
        Err(e) => return fail(&Fatal::new(format!("cannot start the async runtime: {e}")), json),
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(f) => fail(&f, json),
    }
}

/// clap's error without its usage lines and tips.
fn first_line(e: &clap::Error) -> String {
    let text = e.to_string();
    let line = text.lines().next().unwrap_or_default();
    line.strip_prefix("error: ").unwrap_or(line).to_owned()
}

fn fail(f: &Fatal, json: bool) -> ExitCode {
    if json {
        cmd::json::print_error(f.kind, &f.message);
    }
    eprintln!("portaldesk: {f}");
    ExitCode::from(f.code as u8)
}

/// Runs a subcommand that works as the operator: data key, store and ops
/// opened here, the store closed after.
async fn with_ops(ctx: &startup::Context, c: Cmd) -> Result<u8, Fatal> {
    // A command does one thing at a time, but a job (an import's pipeline
    // reads the next batch while one is written, a worker, a bench) overlaps
    // its reads and writes.
    let connections = match &c {
        Cmd::Import(_) | Cmd::Worker { .. } | Cmd::Bench(_) => startup::JOB_CONNECTIONS,
        _ => startup::COMMAND_CONNECTIONS,
    };
    let store = startup::open_store(ctx, connections).await?;
    let ops = startup::ops(ctx, store.clone()).await?;
    // Cases need no data key; everything else may meet an SSN, tax ID or code.
    let key = match &c {
        Cmd::Case(_) => None,
        _ => Some(startup::data_key(ctx)?),
    };
    let letters = ctx.paths.data_dir.join("letters");
    let env = Env::new(&ctx.config, key.as_ref(), Some(&letters));
    let code = match (c, &key) {
        (Cmd::Case(c), _) => cmd::case::run(&ops, &env, &ctx.config, c).await,
        (Cmd::Bench(b), Some(key)) => cmd::bench::run(&ops, key, b).await,
        (c, Some(_)) => with_key(&ops, &env, c).await,
        (_, None) => Ok(0),
    };
    store.close().await;
    code
}

/// The subcommands that need the data key (in `env`).
async fn with_key(ops: &portaldesk::ops::Ops, env: &Env<'_>, c: Cmd) -> Result<u8, Fatal> {
    match c {
        Cmd::Member(m) => cmd::member::run(ops, env, m).await,
        Cmd::Code(c) => cmd::code::run(ops, env, c).await,
        Cmd::Import(i) => cmd::imports::run(ops, env, i).await,
        Cmd::Report(r) => cmd::reports::run(ops, env, r).await,
        Cmd::Commission(c) => cmd::commissions::run(ops, env, c).await,
        Cmd::Worker { once, name } => cmd::reports::worker(ops, once, name).await,
        c @ (Cmd::Employer(_) | Cmd::Group(_) | Cmd::Broker(portaldesk::cli::BrokerCmd::Book { .. })) => {
            cmd::employers::run(ops, env, c).await
        }
        other => cmd::admin::run(ops, env, other).await,
    }
}

fn script_options(cli: &Cli) -> cmd::script::Options {
    cmd::script::Options {
        headless: cli.headless,
        size: cli.size.clone(),
        allow_writes: cli.allow_writes,
        step_timeout: cli.step_timeout,
    }
}

async fn run(mut cli: Cli) -> Result<u8, Fatal> {
    let overrides = Overrides {
        database_url: cli.db.clone(),
        operator: cli.operator.clone(),
        read_only: cli.read_only,
        log_level: cli.log_level.clone(),
    };
    // What needs neither the configuration nor a database.
    match cli.command.take() {
        Some(Cmd::Completions { shell }) => return cmd::manual::completions(shell),
        Some(Cmd::Man) => return cmd::manual::man(),
        Some(Cmd::Config(ConfigCmd::Path)) => return cmd::config::path(&Paths::discover()),
        Some(Cmd::Config(ConfigCmd::Show(j))) => return cmd::config::show(&Paths::discover(), &overrides, j.json),
        other => cli.command = other,
    }
    let ctx = startup::context(&overrides)?;
    let _log = startup::init_logging(&ctx);
    match cli.command.take() {
        Some(Cmd::Info(j)) => cmd::info::run(&ctx, j.json),
        Some(Cmd::Migrate) => cmd::demo::migrate(&ctx).await,
        Some(Cmd::Demo(a)) => cmd::demo::run(&ctx, &a).await,
        Some(
            c @ (Cmd::Case(_)
            | Cmd::Member(_)
            | Cmd::Broker(_)
            | Cmd::Access(_)
            | Cmd::Account(_)
            | Cmd::Employer(_)
            | Cmd::Group(_)),
        ) => with_ops(&ctx, c).await,
        Some(
            c @ (Cmd::Staff(_)
            | Cmd::Code(_)
            | Cmd::Bench(_)
            | Cmd::Import(_)
            | Cmd::Report(_)
            | Cmd::Commission(_)
            | Cmd::Worker { .. }),
        ) => with_ops(&ctx, c).await,
        Some(Cmd::Audit(a)) => cmd::audit::run(&ctx, a).await,
        Some(Cmd::Key(k)) => cmd::key::run(&ctx, k).await,
        Some(Cmd::Actions(j)) => cmd::script::actions(&ctx, j.json),
        // Answered above, before the configuration was loaded.
        Some(Cmd::Completions { .. } | Cmd::Man | Cmd::Config(_)) => Ok(0),
        Some(Cmd::Run { file }) => cmd::script::run(&ctx, &script_options(&cli), Some(file), None).await,
        None if cli.keys.is_some() && cli.headless => {
            cmd::script::run(&ctx, &script_options(&cli), None, cli.keys.clone()).await
        }
        None => cmd::tui::run(&ctx, cli.keys.as_deref()).await,
    }
}
