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
}

/// What is known about an action, for dispatch, permission and help.
#[derive(Debug, Clone, Copy)]
pub struct ActionSpec {
    pub action: Action,
    /// Stable dotted name: scripts and keymaps depend on it.
    pub name: &'static str,
    /// One line for the help screen.
    pub help: &'static str,
    /// The least role allowed to run it (checked in the ops layer for changes).
    pub min_role: Role,
    /// Whether it changes data (such actions need a modified or shifted key).
    pub writes: bool,
    /// The `:` command that runs it, if it has one.
    pub command: Option<&'static str>,
    /// The CLI form, if it has one.
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

const fn ui(
    action: Action,
    name: &'static str,
    help: &'static str,
    command: Option<&'static str>,
    footer: Option<&'static str>,
) -> ActionSpec {
    ActionSpec { action, name, help, min_role: Role::Agent, writes: false, command, cli: None, footer }
}

/// An action that changes a case.
const fn case_write(
    action: Action,
    name: &'static str,
    help: &'static str,
    min_role: Role,
    command: &'static str,
    cli: &'static str,
    footer: Option<&'static str>,
) -> ActionSpec {
    ActionSpec { action, name, help, min_role, writes: true, command: Some(command), cli: Some(cli), footer }
}

/// An action that changes data, for a supervisor or admin.
const fn admin_write(
    action: Action,
    name: &'static str,
    help: &'static str,
    min_role: Role,
    command: &'static str,
    cli: &'static str,
) -> ActionSpec {
    case_write(action, name, help, min_role, command, cli, None)
}

/// The table of every action.
pub const SPECS: &[ActionSpec] = &[
    ui(Action::Quit, "app.quit", "Quit portaldesk (from the top level)", Some("q"), Some("quit")),
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
    ui(Action::AreaCases, "area.cases", "Cases: the work queues", Some("cases"), None),
    ui(Action::AreaMembers, "area.members", "Members: find by SSN, ID or name", Some("member"), None),
    ui(Action::AreaBrokers, "area.brokers", "Brokers and their book of business", Some("brokers"), None),
    ui(Action::AreaAccounts, "area.accounts", "Portal user accounts", Some("accounts"), None),
    ui(Action::AreaImports, "area.imports", "Import jobs", Some("imports"), None),
    ui(Action::AreaCodes, "area.codes", "Registration codes", Some("codes"), None),
    ui(Action::CommandLine, "ui.command", "Open the : command line", None, Some("command")),
    ui(Action::Filter, "ui.filter", "Filter the current list", None, Some("filter")),
    ui(Action::Help, "ui.help", "Show every key and command", Some("help"), Some("help")),
    ui(Action::Refresh, "ui.refresh", "Reload the current list", Some("refresh"), None),
    ui(Action::CaseNextQueue, "case.next_queue", "Next case queue", None, Some("queue")),
    ui(Action::CasePrevQueue, "case.prev_queue", "Previous case queue", None, None),
    case_write(
        Action::CaseClaimNext,
        "case.claim_next",
        "Take the next unassigned case of this queue (due first)",
        Role::Agent,
        "take",
        "case take --queue QUEUE",
        Some("take"),
    ),
    ui(Action::CaseMark, "case.mark", "Mark or unmark the selected case for a bulk change", Some("mark"), Some("mark")),
    case_write(
        Action::CaseAssignMe,
        "case.assign_me",
        "Assign the case to yourself",
        Role::Agent,
        "assign me",
        "case assign ID --to me",
        Some("mine"),
    ),
    case_write(
        Action::CaseAssign,
        "case.assign",
        "Assign the case to a named staff member",
        Role::Supervisor,
        "assign LOGIN",
        "case assign ID --to LOGIN",
        None,
    ),
    case_write(
        Action::CaseNote,
        "case.note",
        "Add a note: internal, or to the submitter (Tab switches)",
        Role::Agent,
        "note TEXT | :reply TEXT",
        "case note ID --text TEXT [--to-submitter]",
        Some("note"),
    ),
    case_write(
        Action::CaseRequestInfo,
        "case.request_info",
        "Request additional information by a due date (pauses the SLA)",
        Role::Agent,
        "request-info [DATE]",
        "case request-info ID [--due DATE]",
        Some("ask"),
    ),
    case_write(
        Action::CaseInfoReceived,
        "case.info_received",
        "Record the requested information as received (SLA resumes)",
        Role::Agent,
        "received",
        "case received ID",
        None,
    ),
    case_write(
        Action::CaseResolve,
        "case.resolve",
        "Resolve the case with resolution comments",
        Role::Agent,
        "resolve TEXT",
        "case resolve ID --comment TEXT",
        Some("resolve"),
    ),
    case_write(
        Action::CaseReopen,
        "case.reopen",
        "Reopen a closed case",
        Role::Agent,
        "reopen",
        "case reopen ID",
        None,
    ),
    case_write(
        Action::CasePriority,
        "case.priority",
        "Change the priority: 1 urgent … 4 low",
        Role::Agent,
        "priority N",
        "case priority ID N",
        None,
    ),
    case_write(
        Action::CaseBulkAssign,
        "case.bulk_assign",
        "Assign every marked case (preview first)",
        Role::Supervisor,
        "bulk-assign LOGIN",
        "case assign ID ID… --to LOGIN",
        None,
    ),
    case_write(
        Action::CaseBulkResolve,
        "case.bulk_resolve",
        "Resolve every marked case with one comment (preview first)",
        Role::Supervisor,
        "bulk-resolve TEXT",
        "case resolve ID ID… --comment TEXT",
        None,
    ),
    case_write(
        Action::CaseSweep,
        "case.sweep",
        "Close cases awaiting information past their due date",
        Role::Agent,
        "sweep",
        "case sweep",
        None,
    ),
    ActionSpec {
        action: Action::CodeIssue,
        name: "code.issue",
        help: "Issue a registration code for an employer (EIN) or broker (npn:N); shown once",
        min_role: Role::Supervisor,
        writes: true,
        command: Some("issue-code EIN|npn:NPN"),
        cli: Some("code issue --employer EIN | --broker NPN"),
        footer: Some("issue"),
    },
    ActionSpec {
        action: Action::CodeRevoke,
        name: "code.revoke",
        help: "Revoke the selected active code, with a reason",
        min_role: Role::Supervisor,
        writes: true,
        command: Some("revoke-code REASON"),
        cli: Some("code revoke ID --reason TEXT"),
        footer: Some("revoke"),
    },
    ActionSpec {
        action: Action::CodeReissue,
        name: "code.reissue",
        help: "Issue a new code for the selected code's subject (revokes the old one)",
        min_role: Role::Supervisor,
        writes: true,
        command: Some("reissue-code"),
        cli: Some("code reissue ID"),
        footer: None,
    },
    ActionSpec {
        action: Action::CodeRedeem,
        name: "code.redeem",
        help: "Redeem a code as the portal does (for integration and tests)",
        min_role: Role::Agent,
        writes: true,
        command: Some("redeem CODE EIN|npn:NPN"),
        cli: Some("code redeem --code CODE --ein EIN | --npn NPN"),
        footer: None,
    },
    ActionSpec {
        action: Action::MemberView,
        name: "member.view",
        help: "Open the selected member's record (audited)",
        min_role: Role::Agent,
        writes: false,
        command: Some("member QUERY"),
        cli: Some("member show MEMBER-ID"),
        footer: None,
    },
    ActionSpec {
        action: Action::MemberRevealSsn,
        name: "member.reveal_ssn",
        help: "Show the member's full SSN for a while, with a reason (audited)",
        min_role: Role::Supervisor,
        writes: false,
        command: Some("reveal REASON"),
        cli: Some("member show MEMBER-ID --reveal --reason TEXT"),
        footer: None,
    },
    ActionSpec {
        action: Action::MemberEligibility,
        name: "member.eligibility",
        help: "Quick eligibility check: is a member covered on a date?",
        min_role: Role::Agent,
        writes: false,
        command: Some("elig MEMBER-ID|LAST-NAME MM/DD/YYYY"),
        cli: Some("member elig QUERY DATE"),
        footer: None,
    },
    ActionSpec {
        action: Action::ListExport,
        name: "list.export",
        help: "Export the current list to a CSV file (SSNs masked; member exports audited)",
        min_role: Role::Agent,
        writes: false,
        command: Some("export FILE"),
        cli: Some("member find QUERY --csv FILE"),
        footer: None,
    },
    ActionSpec {
        action: Action::BrokerView,
        name: "broker.view",
        help: "Open a broker: agency, licences, office staff, book of business",
        min_role: Role::Agent,
        writes: false,
        command: Some("broker NPN"),
        cli: Some("broker show NPN"),
        footer: None,
    },
    admin_write(
        Action::AccessGrant,
        "access.grant",
        "Grant the open broker access to groups of one employer",
        Role::Supervisor,
        "grant GROUP[,GROUP…] PERMS [YYYY-MM-DD]",
        "access grant --broker NPN --group G --perm view,enrollment",
    ),
    admin_write(
        Action::AccessChange,
        "access.change",
        "Change the permissions of the selected grant",
        Role::Supervisor,
        "perms view,enrollment,billing",
        "access change GRANT --perm …",
    ),
    admin_write(
        Action::AccessRevoke,
        "access.revoke",
        "Revoke the selected grant (it ends; office staff lose it too)",
        Role::Supervisor,
        "revoke-access [YYYY-MM-DD]",
        "access revoke GRANT",
    ),
    admin_write(
        Action::AccountUnlock,
        "account.unlock",
        "Unlock the selected portal user",
        Role::Supervisor,
        "unlock",
        "account unlock EMAIL",
    ),
    admin_write(
        Action::AccountDisable,
        "account.disable",
        "Disable the selected portal user",
        Role::Supervisor,
        "disable",
        "account disable EMAIL",
    ),
    admin_write(
        Action::AccountEnable,
        "account.enable",
        "Enable the selected portal user",
        Role::Supervisor,
        "enable",
        "account enable EMAIL",
    ),
    admin_write(
        Action::AccountResendRegistration,
        "account.resend_registration",
        "Resend the registration email (the old link stops working)",
        Role::Supervisor,
        "resend-registration",
        "account resend-registration EMAIL",
    ),
    admin_write(
        Action::AccountResetPassword,
        "account.reset_password",
        "Send a single-use password reset email",
        Role::Supervisor,
        "reset-password",
        "account reset-password EMAIL",
    ),
    admin_write(
        Action::AccountTools,
        "account.tools",
        "Set the selected portal user's tool access",
        Role::Supervisor,
        "tools eligibility,billing,commissions,book|none",
        "account tools EMAIL --set …",
    ),
    admin_write(
        Action::StaffCreate,
        "staff.create",
        "Create a staff account",
        Role::Admin,
        "staff-create LOGIN ROLE NAME",
        "staff create LOGIN --role R --name N",
    ),
    admin_write(
        Action::StaffSetRole,
        "staff.set_role",
        "Change a staff account's role",
        Role::Admin,
        "staff-role LOGIN ROLE",
        "staff set-role LOGIN ROLE",
    ),
    admin_write(
        Action::StaffDisable,
        "staff.disable",
        "Disable a staff account",
        Role::Admin,
        "staff-disable LOGIN",
        "staff disable LOGIN",
    ),
    admin_write(
        Action::StaffEnable,
        "staff.enable",
        "Enable a staff account",
        Role::Admin,
        "staff-enable LOGIN",
        "staff enable LOGIN",
    ),
    ui(
        Action::MacroRecord,
        "macro.record",
        "Start, or stop and name, recording a macro of actions",
        Some("record"),
        None,
    ),
    ui(
        Action::SessionLock,
        "session.lock",
        "Lock the screen now (it also locks after ui.idle_lock_minutes without a key)",
        Some("lock"),
        None,
    ),
    ui(Action::SessionUnlock, "session.unlock", "Unlock the screen by typing your login", None, None),
    admin_write(
        Action::ImportEnqueue,
        "import.enqueue",
        "Store a file as a queued import job",
        Role::Agent,
        "import-enqueue FILE EIN KIND",
        "import enqueue FILE --employer EIN --kind KIND",
    ),
    admin_write(
        Action::ImportRun,
        "import.run",
        "Run a queued or interrupted import job",
        Role::Agent,
        "import-run JOB",
        "import run JOB",
    ),
    admin_write(
        Action::ImportRetry,
        "import.retry",
        "Retry an import job, whole or its failed rows only",
        Role::Agent,
        "import-retry JOB [failed]",
        "import retry JOB [--failed-rows-only]",
    ),
    admin_write(
        Action::ImportAbandon,
        "import.abandon",
        "Abandon an import job, with a reason",
        Role::Agent,
        "import-abandon JOB REASON",
        "import abandon JOB --reason TEXT",
    ),
    admin_write(
        Action::MemberAdd,
        "member.add",
        "Add a member (subscriber, QB or direct bill) to a group",
        Role::Agent,
        "add-member",
        "member add --set FIELD=VALUE…",
    ),
    admin_write(
        Action::MemberAddDependent,
        "member.add_dependent",
        "Add a dependent under the subscriber",
        Role::Agent,
        "add-dependent",
        "member add-dependent MEMBER-ID --set FIELD=VALUE…",
    ),
    admin_write(
        Action::MemberUpdate,
        "member.update",
        "Change a member's demographics (birth date and SSN: supervisor)",
        Role::Agent,
        "edit",
        "member update MEMBER-ID --set FIELD=VALUE…",
    ),
    admin_write(
        Action::MemberChangeType,
        "member.change_type",
        "Change a member's type (subscriber, QB, direct bill)",
        Role::Agent,
        "change-type TYPE DATE",
        "member change-type MEMBER-ID --type TYPE --date DATE",
    ),
    admin_write(
        Action::MemberTerminate,
        "member.terminate",
        "Terminate a member's coverage on a date, with a reason",
        Role::Agent,
        "terminate DATE REASON",
        "member terminate MEMBER-ID --date DATE --reason TEXT",
    ),
    admin_write(
        Action::MemberReinstate,
        "member.reinstate",
        "Reinstate a terminated member's coverage",
        Role::Agent,
        "reinstate DATE",
        "member reinstate MEMBER-ID --date DATE",
    ),
    admin_write(
        Action::MemberAddEvent,
        "member.add_event",
        "Record a qualifying event (X12 codes 1-7; COBRA deadlines computed)",
        Role::Agent,
        "event CODE DATE",
        "member add-event MEMBER-ID --code CODE --date DATE",
    ),
    admin_write(
        Action::MemberEnroll,
        "member.enroll",
        "Enroll the member in a plan of their group",
        Role::Agent,
        "enroll PLAN TIER DATE",
        "member enroll MEMBER-ID --plan PLAN --tier TIER --date DATE",
    ),
    admin_write(
        Action::MemberChangeTier,
        "member.change_tier",
        "Change the tier of an active enrollment",
        Role::Agent,
        "tier PLAN TIER DATE",
        "member change-tier MEMBER-ID --plan PLAN --tier TIER --date DATE",
    ),
    admin_write(
        Action::MemberEndEnrollment,
        "member.end_enrollment",
        "End an active enrollment on a date",
        Role::Agent,
        "end-enrollment PLAN DATE",
        "member end-enrollment MEMBER-ID --plan PLAN --date DATE",
    ),
    admin_write(
        Action::MemberUndo,
        "member.undo",
        "Revert a member's last change within the undo window (a new, audited change)",
        Role::Supervisor,
        "undo-change",
        "member undo MEMBER-ID",
    ),
    // Shell-only: a rotation runs for minutes and replaces the key file, so
    // it is no `:` command; every other session keeps working through it.
    ActionSpec {
        action: Action::KeyRotate,
        name: "key.rotate",
        help: "Re-encrypt every SSN and tax ID under a new data key (resumable)",
        min_role: Role::Admin,
        writes: true,
        command: None,
        cli: Some("key rotate --new-key-file FILE"),
        footer: None,
    },
    ActionSpec {
        action: Action::KeyStatus,
        name: "key.status",
        help: "Show a data key rotation's progress",
        min_role: Role::Agent,
        writes: false,
        command: None,
        cli: Some("key status"),
        footer: None,
    },
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
        // key.rotate alone is shell-only (it replaces the key file).
        for s in SPECS.iter().filter(|s| s.writes) {
            assert!(s.cli.is_some(), "{} lacks a CLI form", s.name);
            assert!(s.command.is_some() || s.action == Action::KeyRotate, "{} lacks a command", s.name);
        }
    }
}
