//! `portaldesk run FILE`, `--keys`, `--headless`, and `portaldesk actions`.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use crate::action::SPECS;
use crate::fatal::Fatal;
use crate::script::{self, run::Failure};
use crate::startup::{self, Context};
use crate::tui::{Driver, Headless};

/// How a script runs.
#[derive(Debug, Clone)]
pub struct Options {
    pub headless: bool,
    pub size: String,
    pub allow_writes: bool,
    pub step_timeout: f64,
}

fn size(s: &str) -> Result<(u16, u16), Fatal> {
    let bad = || Fatal::new(format!("--size takes WIDTHxHEIGHT, e.g. 120x40; got {s:?}"));
    let (w, h) = s.split_once(['x', 'X']).ok_or_else(bad)?;
    let (w, h) = (w.trim().parse::<u16>().map_err(|_| bad())?, h.trim().parse::<u16>().map_err(|_| bad())?);
    if !(20..=1000).contains(&w) || !(5..=500).contains(&h) {
        return Err(bad());
    }
    Ok((w, h))
}

/// `portaldesk actions`: the action table with the live keymap.
pub fn actions(ctx: &Context, json: bool) -> Result<u8, Fatal> {
    let keymap = startup::keymap(ctx)?;
    if json {
        let actions = SPECS
            .iter()
            .map(|s| super::json::ActionRow {
                name: s.name,
                keys: keymap.keys(s.action).iter().map(ToString::to_string).collect(),
                command: s.command,
                cli: s.cli,
                role: s.min_role.as_str(),
                writes: s.writes,
                help: s.help,
            })
            .collect();
        super::json::print_ok(&super::json::Actions { actions });
    } else {
        for s in SPECS {
            let keys: Vec<String> = keymap.keys(s.action).iter().map(ToString::to_string).collect();
            println!(
                "{:<28} {:<14} {:<10} :{:<40} {}",
                s.name,
                keys.join(" "),
                s.min_role.as_str(),
                // The usage without its note: `assign me|LOGIN`.
                s.command.map_or("-", |_| s.usage.split("  (").next().unwrap_or("").trim_start_matches(':')),
                s.cli.map(|c| format!("portaldesk {c}")).unwrap_or_default()
            );
        }
    }
    Ok(0)
}

fn report(failure: &Failure, source: &str) {
    eprintln!("portaldesk: {source}:{}: {}", failure.line, failure.message);
    eprintln!("--- screen ---\n{}--------------", failure.screen);
}

/// Runs a script file, or `--keys` as a one-line script. Exit 0 when every
/// expectation held, 1 when one did not, 2 on a usage or start-up error.
pub async fn run(ctx: &Context, o: &Options, file: Option<PathBuf>, keys: Option<String>) -> Result<u8, Fatal> {
    let (text, source, base) = match (&file, keys) {
        (Some(f), _) => {
            let text =
                std::fs::read_to_string(f).map_err(|e| Fatal::new(format!("cannot read {}: {e}", f.display())))?;
            let base = f.parent().map(PathBuf::from).unwrap_or_default();
            (text, f.display().to_string(), base)
        }
        (None, Some(k)) => (format!("keys {k}"), "--keys".to_owned(), PathBuf::from(".")),
        (None, None) => return Err(Fatal::new("name a script (portaldesk run FILE) or --keys")),
    };
    let steps = script::parse(&text, &source).map_err(|e| Fatal::new(e.to_string()))?;
    // Screenshots are written where the script is, unless a path says otherwise.
    let base = if base.as_os_str().is_empty() { PathBuf::from(".") } else { base };
    script::run::check_paths(&steps, &base).map_err(|e| Fatal::new(format!("{source}: {e}")))?;
    let terminal = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    if !o.headless && !terminal {
        return Err(Fatal::new("a script without a terminal needs --headless (and --size WxH)"));
    }
    let store = startup::open_store(ctx, startup::TERMINAL_CONNECTIONS).await?;
    let name =
        file.as_ref().and_then(|f| f.file_name()).map(|n| n.to_string_lossy().into_owned()).unwrap_or(source.clone());
    let ops = crate::ops::Ops::for_operator(
        store.clone(),
        &ctx.config.operator_login(),
        ctx.config.read_only || !o.allow_writes,
        crate::ops::Clock::System,
    )
    .await
    .map_err(Fatal::from)?
    .with_script(format!("script:{name}"));
    let session = super::tui::session(ctx, ops)?;
    let idle = Duration::from_secs_f64(o.step_timeout.clamp(0.1, 3600.0));
    let outcome = if o.headless {
        let (w, h) = size(&o.size)?;
        let mut d = Headless::start(session, w, h).await.map_err(|e| Fatal::new(e.to_string()))?;
        let r = script::run::run(&mut d, &steps, &base, idle).await;
        if r.is_ok() && file.is_none() {
            print!("{}", d.screen());
        }
        r
    } else {
        let terminal = ratatui::try_init().map_err(|e| Fatal::new(format!("cannot set up the terminal: {e}")))?;
        let r = match Driver::with_terminal(session, terminal).await {
            Ok(mut d) => script::run::run(&mut d, &steps, &base, idle).await,
            Err(e) => Err(Failure { line: 0, message: e.to_string(), screen: String::new() }),
        };
        let _ = ratatui::try_restore();
        r
    };
    store.close().await;
    match outcome {
        Ok(()) => Ok(0),
        Err(f) => {
            report(&f, &source);
            Ok(1)
        }
    }
}
