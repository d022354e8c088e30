//! Every user-visible operation as an `Action` with a stable dotted name.
//!
//! The keymap, the `:` command line, scripts and the CLI all resolve to
//! these; the help screen, footer hints and docs are generated from `SPECS`,
//! so what a person reads is always what the program does.

use crate::domain::role::Role;

/// A user-visible operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Quit,
    Back,
    Cancel,
    Down,
    Up,
    Top,
    Bottom,
    PageDown,
    PageUp,
    Open,
    FocusNext,
    FocusPrev,
    AreaCases,
    AreaMembers,
    AreaBrokers,
    AreaAccounts,
    AreaImports,
    AreaCodes,
    AreaEmployers,
    AreaReports,
    SearchNext,
    SearchPrev,
    ScrollLeft,
    ScrollRight,
    CommandLine,
    Filter,
    Help,
    Refresh,
    CaseNextQueue,
    CasePrevQueue,
    CaseClaimNext,
    CaseMark,
    CaseAssignMe,
    CaseAssign,
    CaseNote,
    CaseRequestInfo,
    CaseInfoReceived,
    CaseResolve,
    CaseReopen,
    CasePriority,
    CaseBulkAssign,
    CaseBulkResolve,
    CaseSweep,
    CodeIssue,
    CodeRevoke,
    CodeReissue,
    CodeRedeem,
    MemberView,
    MemberRevealSsn,
    MemberEligibility,
    ListExport,
    BrokerView,
    AccessGrant,
    AccessChange,
    AccessRevoke,
    AccountUnlock,
    AccountDisable,
    AccountEnable,
    AccountResendRegistration,
    AccountResetPassword,
    AccountTools,
    StaffCreate,
    StaffSetRole,
    StaffDisable,
    StaffEnable,
    MacroRecord,
    SessionLock,
    SessionUnlock,
    ImportEnqueue,
    ImportRun,
    ImportRetry,
    ImportAbandon,
    ImportTerminateMissing,
    MemberAdd,
    MemberAddDependent,
    MemberUpdate,
    MemberChangeType,
    MemberTerminate,
    MemberReinstate,
    MemberAddEvent,
    MemberEnroll,
    MemberChangeTier,
    MemberEndEnrollment,
    MemberUndo,
    KeyRotate,
    KeyStatus,
    ReportRun,
    ReportCancel,
    ReportSchedule,
    ReportUnschedule,
    ReportPause,
    ReportResume,
    GroupBilling,
    EmployerView,
    GroupView,
    GroupPlans,
    GroupSubscribers,
    BrokerBook,
    CommissionList,
    CommissionGet,
    CommissionPurge,
}

/// What is known about an action, for dispatch, permission and help.
#[derive(Debug, Clone, Copy)]
pub struct ActionSpec {
    pub action: Action,
    /// Stable dotted name: scripts and keymaps depend on it.
    pub name: &'static str,
    /// One line for the help screen.
    pub help: &'static str,
    /// The least role allowed to run it (checked by `Ops::execute` and `Ops::begin`).
    pub min_role: Role,
    /// Whether it changes data (such actions need a modified or shifted key).
    pub writes: bool,
    /// The `:` command word that runs it, if it has one: the command line
    /// knows a word only from here (and `command::OTHER_WORDS`).
    pub command: Option<&'static str>,
    /// The `:` command's usage line, `:word ARGS  (note)`; empty without one.
    pub usage: &'static str,
    /// The CLI form, if it has one: the subcommand path, then its arguments
    /// in placeholders a test fills with examples and parses with clap.
    pub cli: Option<&'static str>,
    /// Its word in the footer, if it is shown there.
    pub footer: Option<&'static str>,
}

impl ActionSpec {
    /// Why `login` (of role `have`) may not run it, in words for people:
    /// the action's help, not its id.
    pub fn refusal(&self, login: &str, have: Role) -> String {
        let what = self.help.split(['(', ':']).next().unwrap_or(self.help).trim();
        format!("\"{what}\" needs the {} role; {login} is {} {}", self.min_role.as_str(), article(have), have.as_str())
    }
}

fn article(r: Role) -> &'static str {
    if r == Role::Agent || r == Role::Admin { "an" } else { "a" }
}

/// A `:` command of the table: its word, and its usage line (which starts
/// with `:word`, so the word is written once, in `colon!`).
#[derive(Debug, Clone, Copy)]
pub struct Colon {
    word: &'static str,
    usage: &'static str,
}

/// `colon!("assign", " me|LOGIN  (…)")`: the word and the usage line `:assign me|LOGIN  (…)`.
macro_rules! colon {
    ($word:literal, $rest:literal) => {
        Some(Colon { word: $word, usage: concat!(":", $word, $rest) })
    };
}

/// Every field, for the entries the shorthands below do not fit.
#[allow(clippy::too_many_arguments)]
const fn spec(
    action: Action,
    name: &'static str,
    help: &'static str,
    min_role: Role,
    writes: bool,
    colon: Option<Colon>,
    cli: Option<&'static str>,
    footer: Option<&'static str>,
) -> ActionSpec {
    let (command, usage) = match colon {
        Some(c) => (Some(c.word), c.usage),
        None => (None, ""),
    };
    ActionSpec { action, name, help, min_role, writes, command, usage, cli, footer }
}

/// An action of the screen alone: any role, changes nothing.
const fn ui(
    action: Action,
    name: &'static str,
    help: &'static str,
    colon: Option<Colon>,
    footer: Option<&'static str>,
) -> ActionSpec {
    spec(action, name, help, Role::Agent, false, colon, None, footer)
}

/// An area: its `:` word opens it, its CLI form lists its rows.
const fn area(
    action: Action,
    name: &'static str,
    help: &'static str,
    colon: Option<Colon>,
    cli: &'static str,
) -> ActionSpec {
    spec(action, name, help, Role::Agent, false, colon, Some(cli), None)
}

/// An action that changes a case.
const fn case_write(
    action: Action,
    name: &'static str,
    help: &'static str,
    min_role: Role,
    colon: Option<Colon>,
    cli: &'static str,
    footer: Option<&'static str>,
) -> ActionSpec {
    spec(action, name, help, min_role, true, colon, Some(cli), footer)
}

/// An action that changes data, for a supervisor or admin.
const fn admin_write(
    action: Action,
    name: &'static str,
    help: &'static str,
    min_role: Role,
    colon: Option<Colon>,
    cli: &'static str,
) -> ActionSpec {
    case_write(action, name, help, min_role, colon, cli, None)
}

/// The table of every action.
pub const SPECS: &[ActionSpec] = &[
    ui(Action::Quit, "app.quit", "Quit portaldesk (from the top level)", colon!("q", "  (quit)"), Some("quit")),
    ui(Action::Back, "nav.back", "Go back or close what is open; never quits", None, None),
    ui(Action::Cancel, "app.cancel", "Cancel the running query, or the input being typed", None, None),
    ui(Action::Down, "nav.down", "Move down one row", None, None),
    ui(Action::Up, "nav.up", "Move up one row", None, None),
    ui(Action::Top, "nav.top", "Go to the first row", None, None),
    ui(Action::Bottom, "nav.bottom", "Go to the last row", None, None),
    ui(Action::PageDown, "nav.page_down", "Next page", None, None),
    ui(Action::PageUp, "nav.page_up", "Previous page", None, None),
    ui(Action::Open, "nav.open", "Open the selected row", None, Some("open")),
    ui(Action::FocusNext, "nav.focus_next", "Move focus to the next tab, link or error code", None, None),
    ui(Action::FocusPrev, "nav.focus_prev", "Move focus back to the previous tab, link or error code", None, None),
    area(
        Action::AreaCases,
        "area.cases",
        "Cases: the work queues",
        colon!("cases", " [eligibility|enrollment|billing|support|mine|unassigned|awaiting|all]"),
        "case list --queue VIEW",
    ),
    area(
        Action::AreaMembers,
        "area.members",
        "Members: find by SSN, ID or name",
        colon!("member", " ssn:…|id:M…|ind:I…|name:last[,first]|text"),
        "member find QUERY",
    ),
    area(
        Action::AreaBrokers,
        "area.brokers",
        "Brokers and their book of business",
        colon!("brokers", " [query]"),
        "broker find QUERY",
    ),
    area(
        Action::AreaAccounts,
        "area.accounts",
        "Portal user accounts",
        colon!("accounts", " [query]"),
        "account list QUERY",
    ),
    area(
        Action::AreaImports,
        "area.imports",
        "Import jobs",
        colon!("imports", " [failed|all]"),
        "import list [--failed]",
    ),
    area(
        Action::AreaCodes,
        "area.codes",
        "Registration codes",
        colon!("codes", " [EIN|NPN]"),
        "code list [--subject EIN]",
    ),
    area(
        Action::AreaEmployers,
        "area.employers",
        "Employers: find by name, EIN or group number",
        colon!("employers", " [NAME|EIN|GROUP]"),
        "employer find QUERY",
    ),
    area(
        Action::AreaReports,
        "area.reports",
        "Reports: the catalogue, the job queue and the schedules",
        colon!("reports", " [catalogue|jobs|schedules]"),
        "report list",
    ),
    ui(Action::CommandLine, "ui.command", "Open the : command line", None, Some("command")),
    ui(Action::SearchNext, "nav.search_next", "In a report's result, the next row matching the search", None, None),
    ui(Action::SearchPrev, "nav.search_prev", "In a report's result, the previous row matching the search", None, None),
    ui(Action::ScrollLeft, "nav.left", "In a report's result, show the columns to the left", None, None),
    ui(Action::ScrollRight, "nav.right", "In a report's result, show the columns to the right", None, None),
    ui(Action::Filter, "ui.filter", "Filter the current list", None, Some("filter")),
    ui(Action::Help, "ui.help", "Show every key and command", colon!("help", ""), Some("help")),
    ui(Action::Refresh, "ui.refresh", "Reload the current list", colon!("refresh", ""), None),
    ui(Action::CaseNextQueue, "case.next_queue", "Next case queue", None, Some("queue")),
    ui(Action::CasePrevQueue, "case.prev_queue", "Previous case queue", None, None),
    case_write(
        Action::CaseClaimNext,
        "case.claim_next",
        "Take the next unassigned case of this queue (due first)",
        Role::Agent,
        colon!("take", "  (claim the next case of this queue)"),
        "case take --queue QUEUE",
        Some("take"),
    ),
    ui(
        Action::CaseMark,
        "case.mark",
        "Mark or unmark the selected case for a bulk change",
        colon!("mark", "  (mark or unmark the selected case)"),
        Some("mark"),
    ),
    case_write(
        Action::CaseAssignMe,
        "case.assign_me",
        "Assign the case to yourself",
        Role::Agent,
        None,
        "case assign ID --to me",
        Some("mine"),
    ),
    case_write(
        Action::CaseAssign,
        "case.assign",
        "Assign the case to a named staff member",
        Role::Supervisor,
        colon!("assign", " me|LOGIN  (the open or selected case)"),
        "case assign ID --to LOGIN",
        None,
    ),
    case_write(
        Action::CaseNote,
        "case.note",
        "Add a note: internal, or to the submitter (Tab switches)",
        Role::Agent,
        colon!("note", " TEXT  (internal note)"),
        "case note ID --text TEXT [--to-submitter]",
        Some("note"),
    ),
    case_write(
        Action::CaseRequestInfo,
        "case.request_info",
        "Request additional information by a due date (pauses the SLA)",
        Role::Agent,
        colon!("request-info", " [YYYY-MM-DD]  (default: the configured business days)"),
        "case request-info ID [--due DATE]",
        Some("ask"),
    ),
    case_write(
        Action::CaseInfoReceived,
        "case.info_received",
        "Record the requested information as received (SLA resumes)",
        Role::Agent,
        colon!("received", "  (requested information arrived)"),
        "case received ID",
        None,
    ),
    case_write(
        Action::CaseResolve,
        "case.resolve",
        "Resolve the case with resolution comments",
        Role::Agent,
        colon!("resolve", " TEXT  (resolution comments)"),
        "case resolve ID --comment TEXT",
        Some("resolve"),
    ),
    case_write(
        Action::CaseReopen,
        "case.reopen",
        "Reopen a closed case",
        Role::Agent,
        colon!("reopen", ""),
        "case reopen ID",
        None,
    ),
    case_write(
        Action::CasePriority,
        "case.priority",
        "Change the priority: 1 urgent … 4 low",
        Role::Agent,
        colon!("priority", " 1-4"),
        "case priority ID N",
        None,
    ),
    case_write(
        Action::CaseBulkAssign,
        "case.bulk_assign",
        "Assign every marked case (preview first)",
        Role::Supervisor,
        colon!("bulk-assign", " LOGIN  (every marked case)"),
        "case assign ID ID… --to LOGIN",
        None,
    ),
    case_write(
        Action::CaseBulkResolve,
        "case.bulk_resolve",
        "Resolve every marked case with one comment (preview first)",
        Role::Supervisor,
        colon!("bulk-resolve", " TEXT  (every marked case)"),
        "case resolve ID ID… --comment TEXT",
        None,
    ),
    case_write(
        Action::CaseSweep,
        "case.sweep",
        "Close cases awaiting information past their due date",
        Role::Agent,
        colon!("sweep", "  (close cases awaiting info past due)"),
        "case sweep",
        None,
    ),
    spec(
        Action::CodeIssue,
        "code.issue",
        "Issue a registration code for an employer (EIN) or broker (npn:N); shown once",
        Role::Supervisor,
        true,
        colon!("issue-code", " EIN|npn:NPN  (shown once)"),
        Some("code issue --employer EIN | --broker NPN"),
        Some("issue"),
    ),
    spec(
        Action::CodeRevoke,
        "code.revoke",
        "Revoke the selected active code, with a reason",
        Role::Supervisor,
        true,
        colon!("revoke-code", " REASON  (the selected code)"),
        Some("code revoke ID --reason TEXT"),
        Some("revoke"),
    ),
    spec(
        Action::CodeReissue,
        "code.reissue",
        "Issue a new code for the selected code's subject (revokes the old one)",
        Role::Supervisor,
        true,
        colon!("reissue-code", "  (the selected code's subject)"),
        Some("code reissue ID"),
        None,
    ),
    spec(
        Action::CodeRedeem,
        "code.redeem",
        "Redeem a code as the portal does (for integration and tests)",
        Role::Agent,
        true,
        colon!("redeem", " CODE EIN|npn:NPN  (as the portal does)"),
        Some("code redeem --code CODE --ein EIN | --npn NPN"),
        None,
    ),
    spec(
        Action::MemberView,
        "member.view",
        "Open the selected member's record (audited)",
        Role::Agent,
        false,
        None,
        Some("member show MEMBER-ID"),
        None,
    ),
    spec(
        Action::MemberRevealSsn,
        "member.reveal_ssn",
        "Show the member's full SSN for a while, with a reason (audited)",
        Role::Supervisor,
        false,
        colon!("reveal", " REASON  (the open member's SSN, audited)"),
        Some("member show MEMBER-ID --reveal --reason TEXT"),
        None,
    ),
    spec(
        Action::MemberEligibility,
        "member.eligibility",
        "Quick eligibility check: is a member covered on a date?",
        Role::Agent,
        false,
        colon!("elig", " MEMBER-ID|LAST-NAME MM/DD/YYYY  (covered on that date?)"),
        Some("member elig QUERY DATE"),
        None,
    ),
    spec(
        Action::ListExport,
        "list.export",
        "Export the current list to a CSV file (SSNs masked; member exports audited)",
        Role::Agent,
        false,
        colon!("export", " FILE.csv  (the current list; SSNs masked)"),
        Some("member find QUERY --csv FILE"),
        None,
    ),
    spec(
        Action::BrokerView,
        "broker.view",
        "Open a broker: agency, licences, office staff, book of business",
        Role::Agent,
        false,
        colon!("broker", " NPN"),
        Some("broker show NPN"),
        None,
    ),
    admin_write(
        Action::AccessGrant,
        "access.grant",
        "Grant the open broker access to groups of one employer",
        Role::Supervisor,
        colon!("grant", " GROUP[,GROUP…] view,enrollment,billing [YYYY-MM-DD]  (the open broker)"),
        "access grant --broker NPN --group G --perm view,enrollment",
    ),
    admin_write(
        Action::AccessChange,
        "access.change",
        "Change the permissions of the selected grant",
        Role::Supervisor,
        colon!("perms", " view,enrollment,billing  (the selected grant)"),
        "access change GRANT --perm …",
    ),
    admin_write(
        Action::AccessRevoke,
        "access.revoke",
        "Revoke the selected grant (it ends; office staff lose it too)",
        Role::Supervisor,
        colon!("revoke-access", "  (the selected grant)"),
        "access revoke GRANT",
    ),
    admin_write(
        Action::AccountUnlock,
        "account.unlock",
        "Unlock the selected portal user",
        Role::Supervisor,
        colon!("unlock", "  (the selected portal user)"),
        "account unlock EMAIL",
    ),
    admin_write(
        Action::AccountDisable,
        "account.disable",
        "Disable the selected portal user",
        Role::Supervisor,
        colon!("disable", "  (the selected portal user)"),
        "account disable EMAIL",
    ),
    admin_write(
        Action::AccountEnable,
        "account.enable",
        "Enable the selected portal user",
        Role::Supervisor,
        colon!("enable", "  (the selected portal user)"),
        "account enable EMAIL",
    ),
    admin_write(
        Action::AccountResendRegistration,
        "account.resend_registration",
        "Resend the registration email (the old link stops working)",
        Role::Supervisor,
        colon!("resend-registration", "  (the selected portal user)"),
        "account resend-registration EMAIL",
    ),
    admin_write(
        Action::AccountResetPassword,
        "account.reset_password",
        "Send a single-use password reset email",
        Role::Supervisor,
        colon!("reset-password", "  (the selected portal user)"),
        "account reset-password EMAIL",
    ),
    admin_write(
        Action::AccountTools,
        "account.tools",
        "Set the selected portal user's tool access",
        Role::Supervisor,
        colon!("tools", " eligibility,billing,commissions,book|none"),
        "account tools EMAIL --set …",
    ),
    admin_write(
        Action::StaffCreate,
        "staff.create",
        "Create a staff account",
        Role::Admin,
        colon!("staff-create", " [LOGIN ROLE NAME]  (no arguments: a form)"),
        "staff create LOGIN --role R --name N",
    ),
    admin_write(
        Action::StaffSetRole,
        "staff.set_role",
        "Change a staff account's role",
        Role::Admin,
        colon!("staff-role", " LOGIN ROLE"),
        "staff set-role LOGIN ROLE",
    ),
    admin_write(
        Action::StaffDisable,
        "staff.disable",
        "Disable a staff account",
        Role::Admin,
        colon!("staff-disable", " LOGIN"),
        "staff disable LOGIN",
    ),
    admin_write(
        Action::StaffEnable,
        "staff.enable",
        "Enable a staff account",
        Role::Admin,
        colon!("staff-enable", " LOGIN"),
        "staff enable LOGIN",
    ),
    ui(
        Action::MacroRecord,
        "macro.record",
        "Start, or stop and name, recording a macro of actions",
        colon!("record", "  (start or stop recording a macro)"),
        None,
    ),
    ui(
        Action::SessionLock,
        "session.lock",
        "Lock the screen now (it also locks after ui.idle_lock_minutes without a key)",
        colon!("lock", "  (lock the screen; your login unlocks it)"),
        None,
    ),
    ui(Action::SessionUnlock, "session.unlock", "Unlock the screen by typing your login", None, None),
    admin_write(
        Action::ImportEnqueue,
        "import.enqueue",
        "Store a file as a queued import job",
        Role::Agent,
        colon!("import-enqueue", " FILE EIN KIND"),
        "import enqueue FILE --employer EIN --kind KIND",
    ),
    admin_write(
        Action::ImportRun,
        "import.run",
        "Run a queued or interrupted import job",
        Role::Agent,
        colon!("import-run", " JOB"),
        "import run JOB",
    ),
    admin_write(
        Action::ImportRetry,
        "import.retry",
        "Retry an import job, whole or its failed rows only",
        Role::Agent,
        colon!("import-retry", " JOB [failed]"),
        "import retry JOB [--failed-rows-only]",
    ),
    admin_write(
        Action::ImportAbandon,
        "import.abandon",
        "Abandon an import job, with a reason",
        Role::Agent,
        colon!("import-abandon", " JOB REASON"),
        "import abandon JOB --reason TEXT",
    ),
    admin_write(
        Action::ImportTerminateMissing,
        "import.terminate_missing",
        "Terminate the subscribers a full 834 file left out (previewed; confirmed with the count shown)",
        Role::Supervisor,
        None,
        "import terminations JOB [--on DATE] [--confirm COUNT]",
    ),
    admin_write(
        Action::MemberAdd,
        "member.add",
        "Add a member (subscriber, QB or direct bill) to a group",
        Role::Agent,
        colon!("add-member", " group_number=… ssn=… first_name=… …  (previewed, then y)"),
        "member add --set FIELD=VALUE…",
    ),
    admin_write(
        Action::MemberAddDependent,
        "member.add_dependent",
        "Add a dependent under the subscriber",
        Role::Agent,
        colon!("add-dependent", " first_name=… birth_date=… relationship=child coverage_start=…"),
        "member add-dependent MEMBER-ID --set FIELD=VALUE…",
    ),
    admin_write(
        Action::MemberUpdate,
        "member.update",
        "Change a member's demographics (birth date and SSN: supervisor)",
        Role::Agent,
        colon!("edit", " FIELD=VALUE …  (the open member: address_line=12 Elm St city=Austin)"),
        "member update MEMBER-ID --set FIELD=VALUE…",
    ),
    admin_write(
        Action::MemberChangeType,
        "member.change_type",
        "Change a member's type (subscriber, QB, direct bill)",
        Role::Agent,
        colon!("change-type", " SUBSCRIBER|QB|DIRECT_BILL YYYY-MM-DD"),
        "member change-type MEMBER-ID --type TYPE --date DATE",
    ),
    admin_write(
        Action::MemberTerminate,
        "member.terminate",
        "Terminate a member's coverage on a date, with a reason",
        Role::Agent,
        colon!("terminate", " YYYY-MM-DD REASON"),
        "member terminate MEMBER-ID --date DATE --reason TEXT",
    ),
    admin_write(
        Action::MemberReinstate,
        "member.reinstate",
        "Reinstate a terminated member's coverage",
        Role::Agent,
        colon!("reinstate", " YYYY-MM-DD"),
        "member reinstate MEMBER-ID --date DATE",
    ),
    admin_write(
        Action::MemberAddEvent,
        "member.add_event",
        "Record a qualifying event (X12 codes 1-7; COBRA deadlines computed)",
        Role::Agent,
        colon!("event", " CODE(1-7) YYYY-MM-DD  (qualifying event; COBRA deadlines shown)"),
        "member add-event MEMBER-ID --code CODE --date DATE",
    ),
    admin_write(
        Action::MemberEnroll,
        "member.enroll",
        "Enroll the member in a plan of their group",
        Role::Agent,
        colon!("enroll", " PLAN TIER YYYY-MM-DD"),
        "member enroll MEMBER-ID --plan PLAN --tier TIER --date DATE",
    ),
    admin_write(
        Action::MemberChangeTier,
        "member.change_tier",
        "Change the tier of an active enrollment",
        Role::Agent,
        colon!("tier", " [PLAN] TIER YYYY-MM-DD"),
        "member change-tier MEMBER-ID --plan PLAN --tier TIER --date DATE",
    ),
    admin_write(
        Action::MemberEndEnrollment,
        "member.end_enrollment",
        "End an active enrollment on a date",
        Role::Agent,
        colon!("end-enrollment", " [PLAN] YYYY-MM-DD"),
        "member end-enrollment MEMBER-ID --plan PLAN --date DATE",
    ),
    admin_write(
        Action::MemberUndo,
        "member.undo",
        "Revert a member's last change within the undo window (a new, audited change)",
        Role::Supervisor,
        colon!("undo-change", "  (revert the member's last change; supervisor)"),
        "member undo MEMBER-ID",
    ),
    // Shell-only: a rotation runs for minutes and replaces the key file, so
    // it is no `:` command; every other session keeps working through it.
    spec(
        Action::KeyRotate,
        "key.rotate",
        "Re-encrypt every SSN and tax ID under a new data key (resumable)",
        Role::Admin,
        true,
        None,
        Some("key rotate --new-key-file FILE"),
        None,
    ),
    spec(
        Action::KeyStatus,
        "key.status",
        "Show a data key rotation's progress",
        Role::Agent,
        false,
        None,
        Some("key status"),
        None,
    ),
    spec(
        Action::ReportRun,
        "report.run",
        "Queue a report of the catalogue with its parameters (a worker runs it)",
        Role::Agent,
        true,
        colon!("report", " NAME  (its parameter form)"),
        Some("report run NAME [--param NAME=VALUE…]"),
        None,
    ),
    spec(
        Action::ReportCancel,
        "report.cancel",
        "Cancel a report job that has not finished",
        Role::Agent,
        true,
        colon!("stop-job", "  (the selected report job; confirmed)"),
        Some("report cancel JOB"),
        None,
    ),
    spec(
        Action::ReportSchedule,
        "report.schedule",
        "Run a report at a date and time, once or daily, weekly or monthly",
        Role::Supervisor,
        true,
        None,
        Some("report schedule NAME --at DATETIME [--every REPEAT] [--param NAME=VALUE…]"),
        None,
    ),
    spec(
        Action::ReportUnschedule,
        "report.unschedule",
        "Stop a report schedule (its jobs so far are kept)",
        Role::Supervisor,
        true,
        colon!("unschedule", "  (the selected schedule; confirmed)"),
        Some("report unschedule ID"),
        None,
    ),
    spec(
        Action::ReportPause,
        "report.pause",
        "Pause a report schedule: no run is queued until it is resumed",
        Role::Supervisor,
        true,
        colon!("pause", "  (the selected schedule)"),
        Some("report pause ID"),
        None,
    ),
    spec(
        Action::ReportResume,
        "report.resume",
        "Resume a paused report schedule from its next run (runs skipped while paused are not made up)",
        Role::Supervisor,
        true,
        colon!("resume", "  (the selected schedule)"),
        Some("report resume ID"),
        None,
    ),
    spec(
        Action::GroupBilling,
        "group.billing",
        "Open a group's billing and payment figures (audited)",
        Role::Agent,
        false,
        None,
        Some("group billing G"),
        None,
    ),
    spec(
        Action::EmployerView,
        "employer.view",
        "Open an employer: its groups as a tree, contacts, portal users, codes, imports, cases, communications",
        Role::Agent,
        false,
        colon!("employer", " NAME|EIN|GROUP"),
        Some("employer show QUERY"),
        None,
    ),
    spec(
        Action::GroupView,
        "group.view",
        "Open a group: details, billing, renewal, plans and bundles, subscribers (Tab moves between them)",
        Role::Agent,
        false,
        colon!("group", " GROUP"),
        Some("group show G"),
        None,
    ),
    spec(
        Action::GroupPlans,
        "group.plans",
        "A group's plans, rates and bundles; in its Plans tab, switch between the current and prior plan year",
        Role::Agent,
        false,
        None,
        Some("group plans G --year YEAR"),
        None,
    ),
    spec(
        Action::GroupSubscribers,
        "group.subscribers",
        "A group's subscribers; in its Subscribers tab, show the next status (all, active, pending …)",
        Role::Agent,
        false,
        None,
        Some("group subscribers G --status STATUS"),
        None,
    ),
    spec(
        Action::BrokerBook,
        "broker.book",
        "The open broker's book of business, filtered (name: parent: suffix: status: alert: plan: type: enrolled: renewal:)",
        Role::Agent,
        false,
        colon!("book", " [name:… parent:… suffix:… status:… alert:… plan:… type:… enrolled:FROM..TO renewal:FROM..TO]"),
        Some("broker book NPN --status STATUS"),
        None,
    ),
    spec(
        Action::CommissionList,
        "commission.list",
        "A broker's commission statements for a month (the latest by default; 18 months are kept)",
        Role::Agent,
        false,
        colon!("commissions", " [YYYY-MM]  (in a broker's view)"),
        Some("commission list --npn NPN [--month MONTH]"),
        None,
    ),
    spec(
        Action::CommissionGet,
        "commission.get",
        "Write a commission statement's lines to a CSV file (audited)",
        Role::Agent,
        false,
        colon!("statement", " [ID] FILE.csv  (the selected statement in a broker's view)"),
        Some("commission get ID --out FILE"),
        None,
    ),
    spec(
        Action::CommissionPurge,
        "commission.purge",
        "Delete commission statements older than the 18 months kept (the report worker's own; audited)",
        Role::Agent,
        true,
        None,
        None,
        None,
    ),
];

impl Action {
    /// This action's entry in `SPECS`.
    pub fn spec(self) -> &'static ActionSpec {
        SPECS.iter().find(|s| s.action == self).expect("every action has a spec (tested)")
    }

    /// The stable dotted name.
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// Finds an action by its dotted name.
    pub fn by_name(name: &str) -> Option<Action> {
        SPECS.iter().find(|s| s.name == name).map(|s| s.action)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_are_unique_dotted_and_resolve() {
        let mut seen = HashSet::new();
        for s in SPECS {
            assert!(seen.insert(s.name), "duplicate {}", s.name);
            assert!(
                s.name.contains('.') && s.name.chars().all(|c| c.is_ascii_lowercase() || c == '.' || c == '_'),
                "{}",
                s.name
            );
            assert_eq!(Action::by_name(s.name), Some(s.action));
            assert_eq!(s.action.spec().name, s.name);
        }
    }

    #[test]
    fn every_writing_action_has_a_command_and_cli_form() {
        // key.rotate is shell-only (it replaces the key file); case.assign_me
        // is `:assign me`, case.assign's word with `me`; a report schedule is
        // made from the shell (its repeat, time and zone are a CLI's flags).
        // commission.purge is the report worker's housekeeping, run by no one;
        // a full 834 file's terminations are shell-only (previewed, then
        // confirmed with the count the preview showed).
        for s in SPECS.iter().filter(|s| s.writes) {
            assert!(s.cli.is_some() || s.action == Action::CommissionPurge, "{} lacks a CLI form", s.name);
            let elsewhere = [
                Action::KeyRotate,
                Action::CaseAssignMe,
                Action::ReportSchedule,
                Action::CommissionPurge,
                Action::ImportTerminateMissing,
            ];
            assert!(s.command.is_some() || elsewhere.contains(&s.action), "{} lacks a command", s.name);
        }
    }

    #[test]
    fn command_words_are_one_word_each_once_with_their_usage() {
        let mut seen = HashSet::new();
        for s in SPECS {
            match s.command {
                Some(w) => {
                    assert!(seen.insert(w), ":{w} names two actions");
                    assert!(!w.is_empty() && !w.contains(' '), "{}: {w:?} is not one word", s.name);
                    assert!(s.usage.starts_with(&format!(":{w}")), "{}: {:?}", s.name, s.usage);
                }
                None => assert!(s.usage.is_empty(), "{} has a usage line and no word", s.name),
            }
        }
    }
}
