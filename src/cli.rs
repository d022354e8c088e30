//! Command-line definitions. Every subcommand maps to an Action or a
//! maintenance task; exit codes: 0 done, 1 refused or not found, 2 usage or start-up error.

use clap::{Args, Parser, Subcommand};

/// portaldesk: the enrollment operations back office in a terminal.
#[derive(Debug, Parser)]
#[command(name = "portaldesk", version, about, long_about = None)]
pub struct Cli {
    /// Database URL (sqlite://PATH or postgres://…); default: the demo database.
    #[arg(long, global = true, value_name = "URL")]
    pub db: Option<String>,
    /// Staff login to work as; default: config `operator`, else the OS user.
    #[arg(long, global = true, value_name = "LOGIN")]
    pub operator: Option<String>,
    /// Refuse every change (PostgreSQL sessions are read-only too).
    #[arg(long, global = true)]
    pub read_only: bool,
    #[command(subcommand)]
    pub command: Option<Cmd>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Show the config file, data directory, log file, database and operator.
    Info(JsonFlag),
    /// Create or update the portal schema of a database.
    Migrate,
    /// Create and fill a realistic demo database.
    Demo(DemoArgs),
    /// Work with cases.
    #[command(subcommand)]
    Case(CaseCmd),
}

/// `--json` for machine-readable output.
#[derive(Debug, Args)]
pub struct JsonFlag {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `portaldesk demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// How many members to create.
    #[arg(long, default_value_t = 5000)]
    pub members: u64,
    /// Seed for the generator: the same seed gives the same data.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Replace an existing SQLite demo database.
    #[arg(long)]
    pub force: bool,
}

/// `portaldesk case …`.
#[derive(Debug, Subcommand)]
pub enum CaseCmd {
    /// Take the next unassigned case of a queue (case.claim_next).
    Take {
        /// eligibility, enrollment, billing or support.
        #[arg(long)]
        queue: String,
        #[command(flatten)]
        json: JsonFlag,
    },
}
