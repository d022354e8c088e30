//! Command-line definitions. Every subcommand maps to an Action or a
//! maintenance task; exit codes: 0 done, 1 refused or not found, 2 usage or start-up error.

use clap::{Args, Parser, Subcommand};

/// portaldesk: the enrollment operations back office in a terminal.
#[derive(Debug, Parser)]
#[command(name = "portaldesk", version = version_text(), about, long_about = None)]
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
    /// The log file's filter: error, warn, info, debug, trace, or e.g. portaldesk=debug (config log.level).
    #[arg(long, global = true, value_name = "LEVEL")]
    pub log_level: Option<String>,
    /// Keys to feed the app (script notation: j, <Enter>, <C-c>, :cases billing<Enter>).
    #[arg(long, global = true, value_name = "KEYS")]
    pub keys: Option<String>,
    /// Run keys or a script off-screen: no terminal needed.
    #[arg(long, global = true)]
    pub headless: bool,
    /// The off-screen terminal's size, WIDTHxHEIGHT.
    #[arg(long, global = true, default_value = "80x24", value_name = "WxH")]
    pub size: String,
    /// Let keys and scripts change data (audited with the script's name).
    #[arg(long, global = true)]
    pub allow_writes: bool,
    /// Seconds one script step may keep the app busy before the run fails.
    #[arg(long, global = true, default_value_t = 30.0, value_name = "SECONDS")]
    pub step_timeout: f64,
    #[command(subcommand)]
    pub command: Option<Cmd>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Run a key script: keys, :commands, wait/expect/expect-not/screenshot/sleep steps.
    Run { file: std::path::PathBuf },
    /// Every action with its keys, `:` command, CLI form and role.
    Actions(JsonFlag),
    /// Show the config file, data directory, log file, database and operator.
    Info(JsonFlag),
    /// Create or update the portal schema of a database.
    Migrate,
    /// Create and fill a realistic demo database.
    Demo(DemoArgs),
    /// Measure the performance targets on a seeded database (changes it: takes cases).
    #[command(subcommand)]
    Bench(BenchCmd),
    /// Find members and show their records (also `members`).
    #[command(subcommand, visible_alias = "members")]
    Member(MemberCmd),
    /// Find brokers and show their book of business (also `brokers`).
    #[command(subcommand, visible_alias = "brokers")]
    Broker(BrokerCmd),
    /// Grant, change and revoke broker access to groups.
    #[command(subcommand)]
    Access(AccessCmd),
    /// Find employers and show their groups, contacts, users and history (also `employers`).
    #[command(subcommand, visible_alias = "employers")]
    Employer(EmployerCmd),
    /// A group's details, billing, plans and subscribers (also `groups`).
    #[command(subcommand, visible_alias = "groups")]
    Group(GroupCmd),
    /// Portal user accounts (also `accounts`).
    #[command(subcommand, visible_alias = "accounts")]
    Account(AccountCmd),
    /// Staff accounts (admin).
    #[command(subcommand)]
    Staff(StaffCmd),
    /// Import jobs: enqueue, run, retry, errors, abandon (also `imports`).
    #[command(subcommand, visible_alias = "imports")]
    Import(ImportCmd),
    /// Registration codes for employers and brokers (also `codes`).
    #[command(subcommand, visible_alias = "codes")]
    Code(CodeCmd),
    /// Work with cases (also `cases`).
    #[command(subcommand, visible_alias = "cases")]
    Case(CaseCmd),
    /// Reports of the catalogue: queue one, follow it, fetch its file (also `reports`).
    #[command(subcommand, visible_alias = "reports")]
    Report(ReportCmd),
    /// Brokers' commission statements (also `commissions`).
    #[command(subcommand, visible_alias = "commissions")]
    Commission(CommissionCmd),
    /// Run queued report jobs, each under a lease: several workers never run one job twice,
    /// and a killed worker's job is run again from the start by the next.
    Worker {
        /// Stop when no job is left, instead of waiting for more.
        #[arg(long)]
        once: bool,
        /// The name shown on the jobs it runs (default: worker-PID).
        #[arg(long)]
        name: Option<String>,
    },
    /// The audit log: check its hash chain.
    #[command(subcommand)]
    Audit(AuditCmd),
    /// The data key: rotate it, or show a rotation's progress.
    #[command(subcommand)]
    Key(KeyCmd),
    /// Where the configuration file is, and the effective configuration with where each value came from.
    #[command(subcommand)]
    Config(ConfigCmd),
    /// Print a shell completion script: `portaldesk completions bash > …`.
    Completions {
        #[arg(value_enum)]
        shell: Shell,
    },
    /// Print the manual page (roff): `portaldesk man | man -l -`.
    Man,
}

/// `portaldesk --version`: the program's version and the schema it
/// migrates databases to (the latest migration's number), which says
/// whether a database and a binary go together.
pub fn version_text() -> &'static str {
    static TEXT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!("{} (schema {})", env!("CARGO_PKG_VERSION"), crate::store::schema_version())
    });
    TEXT.as_str()
}

/// `portaldesk config …`.
#[derive(Debug, Subcommand)]
pub enum ConfigCmd {
    /// Print the configuration file's path (it need not exist).
    Path,
    /// Every setting's effective value and where it came from: default, user file, env or flag.
    Show(JsonFlag),
}

/// The shells `portaldesk completions` writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

impl From<Shell> for clap_complete::Shell {
    fn from(s: Shell) -> Self {
        match s {
            Shell::Bash => clap_complete::Shell::Bash,
            Shell::Zsh => clap_complete::Shell::Zsh,
            Shell::Fish => clap_complete::Shell::Fish,
        }
    }
}

/// The completion script for `shell`, for every subcommand and flag.
pub fn completions(shell: Shell) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(
        clap_complete::Shell::from(shell),
        &mut <Cli as clap::CommandFactory>::command(),
        "portaldesk",
        &mut out,
    );
    out
}

/// The manual page, `docs/portaldesk.1`: the command, its global flags and
/// its subcommands, from the same clap definitions that parse them.
pub fn man_page() -> String {
    let mut out = Vec::new();
    // Writing into memory does not fail.
    let _ = clap_mangen::Man::new(<Cli as clap::CommandFactory>::command()).render(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// `--json` for machine-readable output.
#[derive(Debug, Clone, Args)]
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
    /// How many cases (default: one per twenty members, at least 200).
    #[arg(long)]
    pub cases: Option<u64>,
    /// Seed for the generator: the same seed gives the same data.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Replace an existing SQLite demo database.
    #[arg(long)]
    pub force: bool,
}

/// `portaldesk bench …`.
#[derive(Debug, Subcommand)]
pub enum BenchCmd {
    /// Many staff at once: SESSIONS headless terminals as agents doing a day's mix for
    /// MINUTES (browse, take, note, resolve, member lookup and view); throughput, p50/p99
    /// per action, errors and the server connections in use.
    Staff {
        #[arg(long, default_value_t = 20)]
        sessions: usize,
        #[arg(long, default_value_t = 1.0)]
        minutes: f64,
        /// Milliseconds each session waits between steps.
        #[arg(long, default_value_t = 1000)]
        think_ms: u64,
    },
    /// Case queue pages at page 1, 10 000 and last; take; concurrent takers on PostgreSQL.
    Cases {
        /// Timed runs of each measurement.
        #[arg(long, default_value_t = 200)]
        samples: usize,
        /// Concurrent takers (PostgreSQL only; 0 skips).
        #[arg(long, default_value_t = 32)]
        takers: usize,
    },
    /// The book of business of a broker with many groups (sets it up on the first run).
    Brokers {
        #[arg(long, default_value_t = 5000)]
        groups: usize,
        #[arg(long, default_value_t = 50)]
        samples: usize,
    },
    /// The group view of a large group and its subscriber export beside the plain engine
    /// (sets up, on the first run, a parent and a suffix of SUBSCRIBERS moved subscribers each).
    Groups {
        #[arg(long, default_value_t = 50_000)]
        subscribers: usize,
        #[arg(long, default_value_t = 50)]
        samples: usize,
    },
    /// A report to CSV beside the plain engine writing the same query's rows (qb-roster),
    /// with peak memory.
    Report {
        /// The report: qb-roster.
        name: String,
        #[arg(long, default_value_t = 5)]
        samples: usize,
    },
    /// Apply a demographic file of many rows, beside the plain engine loading it.
    Imports {
        #[arg(long, default_value_t = 100_000)]
        rows: usize,
    },
    /// Apply an 834 file of many member loops, beside a CSV demographic file of as many rows.
    #[command(name = "import-834")]
    Import834 {
        #[arg(long, default_value_t = 100_000)]
        rows: usize,
    },
    /// A headless script of many steps on this database.
    Script {
        #[arg(long, default_value_t = 1000)]
        steps: usize,
    },
    /// Member lookups by SSN, member ID and last-name prefix; the member view's first frame.
    Members {
        #[arg(long, default_value_t = 200)]
        samples: usize,
    },
    /// Key press to frame at 80x24: idle, and while a member search over the whole table runs.
    Keys {
        #[arg(long, default_value_t = 1000)]
        samples: usize,
    },
    /// A member change (`:edit`): y at the preview to the member view redrawn, beside a plain UPDATE.
    Maintenance {
        #[arg(long, default_value_t = 200)]
        samples: usize,
    },
}

/// `portaldesk case …`: one subcommand per case action.
#[derive(Debug, Clone, Subcommand)]
pub enum CaseCmd {
    /// List a queue or view, due first (read-only).
    List {
        /// eligibility, enrollment, billing, support, mine, unassigned, awaiting or all.
        #[arg(long, default_value = "all")]
        queue: String,
        /// Narrow by company, case ID, subscriber or group.
        #[arg(long, default_value = "")]
        filter: String,
        /// At most this many cases.
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Show a case with its attachments and timeline (read-only).
    Show {
        id: String,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Take the next unassigned case of a queue (case.claim_next).
    Take {
        /// eligibility, enrollment, billing or support.
        #[arg(long)]
        queue: String,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Assign cases to a staff login or `me` (case.assign, case.assign_me; several IDs: case.bulk_assign).
    Assign {
        #[arg(required = true)]
        ids: Vec<String>,
        #[arg(long, value_name = "LOGIN")]
        to: String,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Add a note, internal unless --to-submitter (case.note).
    Note {
        id: String,
        #[arg(long)]
        text: String,
        #[arg(long)]
        to_submitter: bool,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Request additional information; the SLA pauses (case.request_info).
    RequestInfo {
        id: String,
        /// YYYY-MM-DD or MM/DD/YYYY; default: the configured business days from today.
        #[arg(long)]
        due: Option<String>,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Record the requested information as received; the SLA resumes (case.info_received).
    Received {
        id: String,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Resolve cases with resolution comments (case.resolve; several IDs: case.bulk_resolve).
    Resolve {
        #[arg(required = true)]
        ids: Vec<String>,
        #[arg(long)]
        comment: String,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Reopen a closed case (case.reopen).
    Reopen {
        id: String,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Set the priority, 1 (urgent) to 4 (low) (case.priority).
    Priority {
        id: String,
        priority: i64,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Close cases awaiting information past their due date (case.sweep); safe from cron on several machines.
    Sweep {
        #[command(flatten)]
        json: JsonFlag,
    },
}

impl CaseCmd {
    /// Whether `--json` was given.
    pub fn json(&self) -> bool {
        match self {
            CaseCmd::List { json, .. }
            | CaseCmd::Show { json, .. }
            | CaseCmd::Take { json, .. }
            | CaseCmd::Assign { json, .. }
            | CaseCmd::Note { json, .. }
            | CaseCmd::RequestInfo { json, .. }
            | CaseCmd::Received { json, .. }
            | CaseCmd::Resolve { json, .. }
            | CaseCmd::Reopen { json, .. }
            | CaseCmd::Priority { json, .. }
            | CaseCmd::Sweep { json } => json.json,
        }
    }
}

/// `portaldesk audit …`.
#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// Walk the audit log's hash chain: the rows checked and "chain intact", or the first broken link (exit 1).
    Verify {
        /// Start at the first row written on or after this day (YYYY-MM-DD or MM/DD/YYYY), trusting the row before it.
        #[arg(long, value_name = "DATE")]
        from: Option<String>,
        #[command(flatten)]
        json: JsonFlag,
    },
}

/// `portaldesk key …`.
#[derive(Debug, Subcommand)]
pub enum KeyCmd {
    /// Re-encrypt every SSN and tax ID under a new key (key.rotate, admin): in batches, resumable after a kill, search working throughout.
    Rotate {
        /// The new key: 64 hex digits in a file with 0600 permissions; it becomes the key file when done.
        #[arg(long, value_name = "FILE")]
        new_key_file: std::path::PathBuf,
        /// Rows per batch (each batch one transaction).
        #[arg(long, default_value_t = 500, value_name = "N")]
        batch_size: i64,
        /// Stop after this many batches (the rotation stays under way; run again to resume).
        #[arg(long, value_name = "N")]
        batches: Option<usize>,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// A rotation's progress: rows done of total, and its state (key.status).
    Status {
        #[command(flatten)]
        json: JsonFlag,
    },
}

/// `portaldesk code …`.
#[derive(Debug, Subcommand)]
pub enum CodeCmd {
    /// Issue a code (code.issue): printed once; the notice goes to the outbox and, for an employer, a letter file.
    Issue {
        /// The employer's EIN (NN-NNNNNNN): a New Client Login registration code.
        #[arg(long, conflicts_with = "broker", required_unless_present = "broker")]
        employer: Option<String>,
        /// The broker's NPN: a verification code.
        #[arg(long)]
        broker: Option<String>,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// List codes, newest first, optionally of one EIN or NPN (read-only).
    List {
        #[arg(long, default_value = "")]
        subject: String,
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Revoke an active code (code.revoke).
    Revoke {
        id: i64,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Issue a new code for a code's subject, revoking theirs (code.reissue).
    Reissue {
        id: i64,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Redeem a code as the portal does (code.redeem): exit 0 redeemed, 1 refused.
    Redeem {
        #[arg(long)]
        code: String,
        #[arg(long, conflicts_with_all = ["npn", "email"], required_unless_present_any = ["npn", "email"])]
        ein: Option<String>,
        #[arg(long, conflicts_with = "email")]
        npn: Option<String>,
        /// A portal user's registration or password reset token.
        #[arg(long)]
        email: Option<String>,
        #[command(flatten)]
        json: JsonFlag,
    },
}

/// `portaldesk member …`.
#[derive(Debug, Subcommand)]
pub enum MemberCmd {
    /// Find members: SSN, M… member ID, I… individual ID, last[,first], `1234 smith`; type:QB, group:ABC101.
    Find {
        query: String,
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// Write every match to this CSV file (SSNs masked; audited).
        #[arg(long, value_name = "FILE")]
        csv: Option<std::path::PathBuf>,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Show a member's record (member.view, audited); SSN masked unless --reveal.
    Show {
        member_id: String,
        /// Show the full SSN (member.reveal_ssn: supervisor or admin, audited with --reason).
        #[arg(long, requires = "reason")]
        reveal: bool,
        #[arg(long)]
        reason: Option<String>,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Quick eligibility check: covered on DATE (MM/DD/YYYY)?
    Elig {
        query: String,
        date: String,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Add a member to a group (member.add): --set group_number=… member_type=… ssn=… first_name=… …
    Add {
        /// A field of the change, FIELD=VALUE (repeat); `docs/members.md` lists them.
        #[arg(long = "set", value_name = "FIELD=VALUE")]
        set: Vec<String>,
        #[command(flatten)]
        change: ChangeFlags,
    },
    /// Add a dependent under a subscriber (member.add_dependent): --set first_name=… relationship=child …
    AddDependent {
        member_id: String,
        #[arg(long = "set", value_name = "FIELD=VALUE")]
        set: Vec<String>,
        #[command(flatten)]
        change: ChangeFlags,
    },
    /// Change demographics (member.update): --set address_line=… city=…; birth_date and ssn need a supervisor.
    Update {
        member_id: String,
        #[arg(long = "set", value_name = "FIELD=VALUE")]
        set: Vec<String>,
        #[command(flatten)]
        change: ChangeFlags,
    },
    /// Change a subscriber's member type (member.change_type).
    ChangeType {
        member_id: String,
        #[arg(long = "type", value_name = "SUBSCRIBER|QB|DIRECT_BILL")]
        member_type: String,
        #[arg(long)]
        date: String,
        #[command(flatten)]
        change: ChangeFlags,
    },
    /// Terminate coverage on a date (member.terminate); active enrollments end with it.
    Terminate {
        member_id: String,
        #[arg(long)]
        date: String,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        change: ChangeFlags,
    },
    /// Reinstate a terminated member (member.reinstate).
    Reinstate {
        member_id: String,
        #[arg(long)]
        date: String,
        #[command(flatten)]
        change: ChangeFlags,
    },
    /// Record a qualifying event, X12 code 1-7 (member.add_event); prints the COBRA deadlines.
    AddEvent {
        member_id: String,
        #[arg(long)]
        code: String,
        #[arg(long)]
        date: String,
        #[arg(long)]
        notice_date: Option<String>,
        #[arg(long)]
        loss_date: Option<String>,
        #[command(flatten)]
        change: ChangeFlags,
    },
    /// Enroll in a plan of the member's group (member.enroll).
    Enroll {
        member_id: String,
        #[arg(long)]
        plan: String,
        #[arg(long)]
        tier: String,
        #[arg(long)]
        date: String,
        #[command(flatten)]
        change: ChangeFlags,
    },
    /// Change an active enrollment's tier (member.change_tier); --plan when there are several.
    ChangeTier {
        member_id: String,
        #[arg(long)]
        plan: Option<String>,
        #[arg(long)]
        tier: String,
        #[arg(long)]
        date: String,
        #[command(flatten)]
        change: ChangeFlags,
    },
    /// End an active enrollment on a date (member.end_enrollment); --plan when there are several.
    EndEnrollment {
        member_id: String,
        #[arg(long)]
        plan: Option<String>,
        #[arg(long)]
        date: String,
        #[command(flatten)]
        change: ChangeFlags,
    },
    /// Revert the member's last change within maintenance.undo_minutes (member.undo, supervisor).
    Undo {
        member_id: String,
        #[command(flatten)]
        change: ChangeFlags,
    },
    /// Every change made to a member by hand, newest first: when, who, which case, what.
    History {
        member_id: String,
        #[command(flatten)]
        json: JsonFlag,
    },
}

/// What every member change takes besides its fields.
#[derive(Debug, Args)]
pub struct ChangeFlags {
    /// The case the change is made from: it gets a timeline entry and is linked to the member
    /// (a retroactive change needs one with an Exception Request Form).
    #[arg(long = "case", value_name = "CASE")]
    pub case: Option<String>,
    /// Check the change and print its preview (before → after); change nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub json: JsonFlag,
}

/// `portaldesk broker …`.
#[derive(Debug, Subcommand)]
pub enum BrokerCmd {
    /// Find brokers by NPN, tax ID, email, agency:NAME or last name.
    Find {
        #[arg(default_value = "")]
        query: String,
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// A broker with licences, office staff and book of business.
    Show {
        npn: String,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// The broker's book of business (broker.book): its groups with their alerts, filtered.
    Book {
        npn: String,
        #[command(flatten)]
        filter: Box<BookArgs>,
        /// Write the whole book under the filters to this CSV file.
        #[arg(long, value_name = "FILE")]
        csv: Option<std::path::PathBuf>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[command(flatten)]
        json: JsonFlag,
    },
}

/// The filters of the book of business.
#[derive(Debug, Clone, Default, Args)]
pub struct BookArgs {
    /// Part of the group's name.
    #[arg(long)]
    pub name: Option<String>,
    /// A parent group number: it and its suffixes.
    #[arg(long, value_name = "GROUP")]
    pub parent: Option<String>,
    /// A suffix ID (01).
    #[arg(long)]
    pub suffix: Option<String>,
    /// active, pending or terminated.
    #[arg(long)]
    pub status: Option<String>,
    /// past_due, renewal, turning_65 or cancelled.
    #[arg(long)]
    pub alert: Option<String>,
    /// Part of the name of one of its plans.
    #[arg(long)]
    pub plan: Option<String>,
    /// medical, dental or vision.
    #[arg(long, value_name = "TYPE")]
    pub plan_type: Option<String>,
    /// Original enrollment (effective) date from, YYYY-MM-DD.
    #[arg(long, value_name = "DATE")]
    pub enrolled_from: Option<String>,
    #[arg(long, value_name = "DATE")]
    pub enrolled_to: Option<String>,
    /// Renewal date from, YYYY-MM-DD.
    #[arg(long, value_name = "DATE")]
    pub renewal_from: Option<String>,
    #[arg(long, value_name = "DATE")]
    pub renewal_to: Option<String>,
}

/// `portaldesk employer …`.
#[derive(Debug, Subcommand)]
pub enum EmployerCmd {
    /// Find employers by name, EIN (NN-NNNNNNN) or group number.
    Find {
        #[arg(default_value = "")]
        query: String,
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// An employer (employer.view): its groups as a tree, contacts, portal users, codes, imports, cases.
    Show {
        /// A name, an EIN or one of its group numbers.
        query: String,
        #[command(flatten)]
        json: JsonFlag,
    },
}

/// `portaldesk group …`.
#[derive(Debug, Subcommand)]
pub enum GroupCmd {
    /// A group's details, key dates, contacts, renewal and alerts (group.view).
    Show {
        group: String,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Billing and payment figures with aging, bills and payments (group.billing, audited).
    Billing {
        group: String,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Plans with carrier, rates by tier and settings, and bundles, for a plan year (group.plans).
    Plans {
        group: String,
        /// The plan year (default: the current one).
        #[arg(long)]
        year: Option<i64>,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Subscribers with plan, status and alerts (group.subscribers); --csv writes them all, SSNs masked.
    Subscribers {
        group: String,
        /// active, pending, terminated, cobra_elected or cobra_expired.
        #[arg(long)]
        status: Option<String>,
        /// A parent's and every suffix's subscribers.
        #[arg(long)]
        family: bool,
        /// Write every subscriber to this CSV file (SSNs masked; audited).
        #[arg(long, value_name = "FILE")]
        csv: Option<std::path::PathBuf>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[command(flatten)]
        json: JsonFlag,
    },
}

/// `portaldesk access …`.
#[derive(Debug, Subcommand)]
pub enum AccessCmd {
    /// Grant a broker (or an agency, by id) access to groups of one employer (access.grant).
    Grant {
        #[arg(long, conflicts_with = "agency", required_unless_present = "agency")]
        broker: Option<String>,
        #[arg(long)]
        agency: Option<i64>,
        /// Every group must belong to this employer (default: the first group's).
        #[arg(long, value_name = "EIN")]
        employer: Option<String>,
        /// A group number; repeat for several.
        #[arg(long = "group", required = true)]
        groups: Vec<String>,
        /// view,enrollment,billing
        #[arg(long, default_value = "view")]
        perm: String,
        /// First day of access, YYYY-MM-DD (default today).
        #[arg(long)]
        from: Option<String>,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Change a grant's permissions (access.change).
    Change {
        grant: i64,
        #[arg(long)]
        perm: String,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// End a grant (access.revoke); never deletes it.
    Revoke {
        grant: i64,
        /// Last day is the day before this, YYYY-MM-DD (default today).
        #[arg(long)]
        on: Option<String>,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// The history of grants of a group (who can see it, with what) or of a broker.
    List {
        #[arg(long, conflicts_with = "broker", required_unless_present = "broker")]
        group: Option<String>,
        #[arg(long)]
        broker: Option<String>,
        #[command(flatten)]
        json: JsonFlag,
    },
}

/// `portaldesk account …`: portal users by email.
#[derive(Debug, Subcommand)]
pub enum AccountCmd {
    /// List portal users by name.
    List {
        #[arg(default_value = "")]
        query: String,
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Unlock a locked account (account.unlock).
    Unlock {
        email: String,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Disable an account (account.disable).
    Disable {
        email: String,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Enable a disabled account (account.enable).
    Enable {
        email: String,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Resend the registration email with a new token (account.resend_registration).
    ResendRegistration {
        email: String,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Queue a single-use password reset email (account.reset_password); same answer whether or not the email exists.
    ResetPassword {
        email: String,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Set tool access: eligibility,billing,commissions,book or none (account.tools).
    Tools {
        email: String,
        #[arg(long)]
        set: String,
        #[command(flatten)]
        json: JsonFlag,
    },
}

/// `portaldesk staff …` (admin).
#[derive(Debug, Subcommand)]
pub enum StaffCmd {
    /// Every staff account.
    List {
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Create a staff account (staff.create).
    Create {
        login: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        name: String,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Change a role (staff.set_role).
    SetRole {
        login: String,
        role: String,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Disable a staff account (staff.disable).
    Disable {
        login: String,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Enable a staff account (staff.enable).
    Enable {
        login: String,
        #[command(flatten)]
        json: JsonFlag,
    },
}

/// `portaldesk import …`.
#[derive(Debug, Subcommand)]
pub enum ImportCmd {
    /// Store a file as a queued job (import.enqueue); the same file again needs --force.
    Enqueue {
        file: std::path::PathBuf,
        #[arg(long, value_name = "EIN")]
        employer: String,
        /// demographic, dependent, event, plan or x12-834 (an ASC X12 834 enrollment file)
        #[arg(long)]
        kind: String,
        #[arg(long)]
        force: bool,
        /// The job this corrected file replaces.
        #[arg(long, value_name = "JOB")]
        parent: Option<i64>,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Import jobs, newest first.
    List {
        /// Only failed and partial jobs.
        #[arg(long)]
        failed: bool,
        /// Only jobs in this status: queued, running, succeeded, partial, failed, abandoned.
        #[arg(long)]
        status: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// A job with its counts and a summary of its row errors.
    Show {
        job: i64,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Run a queued or interrupted job (import.run).
    Run {
        job: i64,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Retry a job (import.retry), whole or its failed rows only.
    Retry {
        job: i64,
        #[arg(long)]
        failed_rows_only: bool,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Write a job's failed rows with their errors to CSV (SSNs masked).
    Errors {
        job: i64,
        #[arg(long, value_name = "FILE")]
        csv: std::path::PathBuf,
    },
    /// Abandon a job, with a reason (import.abandon).
    Abandon {
        job: i64,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// An 834 job's TA1/999-style acknowledgment: the interchange, each
    /// transaction set accepted, partially accepted or rejected, its member loops.
    Ack {
        job: i64,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// The subscribers a full 834 file (030) left out (import.terminate_missing):
    /// previewed; terminated only with --confirm and the count the preview showed.
    Terminations {
        job: i64,
        /// The day their coverage ends (default today).
        #[arg(long, value_name = "DATE")]
        on: Option<String>,
        /// The number of members the preview listed.
        #[arg(long, value_name = "COUNT")]
        confirm: Option<usize>,
        #[command(flatten)]
        json: JsonFlag,
    },
}

/// `portaldesk report …`.
#[derive(Debug, Subcommand)]
pub enum ReportCmd {
    /// The catalogue: every report, its parameters and columns (docs/reports.md).
    List(JsonFlag),
    /// Queue a report with its parameters (report.run); `portaldesk worker` runs it.
    Run {
        /// The report's name, as `report list` shows it.
        name: String,
        /// A parameter, NAME=VALUE (repeat).
        #[arg(long = "param", value_name = "NAME=VALUE")]
        params: Vec<String>,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// A report job: its status, rows written, worker and error.
    Show {
        job: i64,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Write a finished job's CSV to a file (audited as an export).
    Get {
        job: i64,
        #[arg(long, value_name = "FILE")]
        out: std::path::PathBuf,
    },
    /// Cancel a job that has not finished (report.cancel).
    Cancel {
        job: i64,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Run a report at a local date and time, once or repeating (report.schedule); the
    /// worker queues each run, and runs missed while no worker ran happen once.
    Schedule {
        name: String,
        /// The first run, local to --zone: YYYY-MM-DD HH:MM.
        #[arg(long, value_name = "DATETIME")]
        at: String,
        /// once, daily, weekly (on --at's weekday) or monthly (on --at's day; a short month's last day).
        #[arg(long, value_name = "REPEAT", default_value = "once")]
        every: String,
        /// The IANA time zone of --at.
        #[arg(long, default_value = "America/New_York")]
        zone: String,
        /// A parameter, NAME=VALUE (repeat).
        #[arg(long = "param", value_name = "NAME=VALUE")]
        params: Vec<String>,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// The report schedules, with their next run.
    Schedules(JsonFlag),
    /// Remove a schedule (report.unschedule); the jobs it queued are kept.
    Unschedule {
        id: i64,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Pause a schedule (report.pause): the worker queues none of its runs until it is resumed.
    Pause {
        id: i64,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Resume a paused schedule (report.resume) from its next run; runs skipped while paused
    /// are not made up.
    Resume {
        id: i64,
        #[command(flatten)]
        json: JsonFlag,
    },
}

/// `portaldesk commission …`: brokers' commission statements.
#[derive(Debug, Subcommand)]
pub enum CommissionCmd {
    /// A broker's statements for a month (commission.list): the latest month on file by
    /// default; the last 18 months can be searched, as long as statements are kept.
    List {
        /// The broker's NPN.
        #[arg(long)]
        npn: String,
        /// The statement month, YYYY-MM.
        #[arg(long, value_name = "MONTH")]
        month: Option<String>,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Write a statement's lines to a CSV file (commission.get; audited as an export).
    Get {
        id: i64,
        #[arg(long, value_name = "FILE")]
        out: std::path::PathBuf,
        #[command(flatten)]
        json: JsonFlag,
    },
}
