//! The `:` command line vocabulary (BRIEF section 4). Scripts depend on it,
//! so names are stable; parsing is pure and unit tested. The words come
//! from the action table (`ActionSpec::command`) and `OTHER_WORDS` alone.

use chrono::{DateTime, Utc};

use crate::action::{Action, SPECS};
use crate::domain::access::Perms;
use crate::domain::case::{CaseView, Queue};
use crate::domain::case_change::{default_info_due, end_of_day};
use crate::domain::import_spec::ImportKind;
use crate::domain::member_query::parse_date;
use crate::domain::role::Role;
use crate::ops::accounts::Tools;
use crate::ops::codes::CodeFor;
use crate::ops::request::Request;

/// A parsed `:` command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Cases(Option<CaseView>),
    Case(String),
    Take,
    Mark,
    /// `:assign LOGIN` or `:assign me`.
    Assign(String),
    Note {
        text: String,
        to_submitter: bool,
    },
    /// `:request-info [DATE]`: the due date, or the default.
    RequestInfo(Option<String>),
    Received,
    Resolve(String),
    Reopen,
    Priority(String),
    BulkAssign(String),
    BulkResolve(String),
    Sweep,
    Member(String),
    /// `:elig QUERY DATE`, as typed after the word.
    Elig(String),
    Reveal(String),
    Export(String),
    Brokers(String),
    Broker(String),
    /// `:employers [QUERY]`, `:employer QUERY`, `:group NUMBER`, `:book FILTERS`.
    Employers(String),
    Employer(String),
    Group(String),
    Book(String),
    /// `:reports [catalogue|jobs|schedules]`, `:report NAME` (its form).
    Reports(String),
    Report(String),
    /// A report job or schedule action on the selected row (`:stop-job`, `:pause` …).
    ReportRow(crate::action::Action),
    /// `:commissions [YYYY-MM]`, `:statement ID FILE` in a broker's view.
    Commissions(String),
    Statement(String),
    Accounts(String),
    Staff,
    /// A broker, account or staff action with what was typed after its word.
    Admin(crate::action::Action, String),
    /// A member change with what was typed after its word.
    Maintain(crate::action::Action, String),
    Imports {
        failed_only: bool,
    },
    Import(String),
    Codes(String),
    IssueCode(String),
    RevokeCode(String),
    ReissueCode,
    /// `:redeem CODE EIN|npn:NPN`, as typed after the word.
    Redeem(String),
    Audit(String),
    Help,
    Refresh,
    /// `:import-…` commands with what was typed after the word.
    Import2(crate::action::Action, String),
    /// `:macro NAME`: replay a recorded macro.
    Macro(String),
    /// `:record`: start or stop recording a macro.
    Record,
    /// `:messages`: the recent messages, whole.
    Messages,
    /// `:lock`: lock the screen now.
    Lock,
    Quit,
}

/// `:` words that run no Action of their own: a view or record to open, a
/// screen of the session, and `reply` (a second word for `case.note`, to
/// the submitter). They check no role and change nothing, so they are no
/// rows of the action table (no key, no CLI form, no audit).
pub const OTHER_WORDS: &[(&str, &str)] = &[
    ("case", ":case C-000123"),
    ("reply", ":reply TEXT  (note to the submitter)"),
    ("staff", ":staff  (staff accounts, in the Accounts area)"),
    ("import", ":import JOB-ID"),
    ("audit", ":audit [entity]"),
    ("macro", ":macro NAME  (replay a recorded macro)"),
    ("messages", ":messages  (the recent messages, whole)"),
];

/// Short spellings accepted but not completed or listed.
const ALIASES: &[(&str, &str)] = &[("h", "help"), ("quit", "q")];

const fn word_count() -> usize {
    let (mut n, mut i) = (OTHER_WORDS.len(), 0);
    while i < SPECS.len() {
        if SPECS[i].command.is_some() {
            n += 1;
        }
        i += 1;
    }
    n
}

/// The action table's words in its order, then `OTHER_WORDS`.
const fn all_words() -> [(&'static str, &'static str); word_count()] {
    let mut out = [("", ""); word_count()];
    let (mut n, mut i) = (0, 0);
    while i < SPECS.len() {
        if let Some(w) = SPECS[i].command {
            out[n] = (w, SPECS[i].usage);
            n += 1;
        }
        i += 1;
    }
    let mut j = 0;
    while j < OTHER_WORDS.len() {
        out[n] = OTHER_WORDS[j];
        n += 1;
        j += 1;
    }
    out
}

const ALL_WORDS: [(&str, &str); word_count()] = all_words();

/// Every command word with its usage line, for completion and help: built
/// at compile time from the action table (`ActionSpec::command`, `usage`)
/// and `OTHER_WORDS`, so a word is known only if one of them has it.
pub const WORDS: &[(&str, &str)] = &ALL_WORDS;

/// What a `:` word runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// An Action of the table, by its `command` word.
    Action(Action),
    /// A word of `OTHER_WORDS`.
    Other(&'static str),
}

/// The target of a whole word (not a prefix).
pub fn target(word: &str) -> Option<Target> {
    let word = ALIASES.iter().find(|(a, _)| *a == word).map_or(word, |(_, w)| *w);
    if let Some(s) = SPECS.iter().find(|s| s.command == Some(word)) {
        return Some(Target::Action(s.action));
    }
    OTHER_WORDS.iter().find(|(w, _)| *w == word).map(|(w, _)| Target::Other(w))
}

fn unknown(typed: &str) -> String {
    format!("unknown command :{} (Tab completes, :help lists all)", crate::domain::text::clip(typed, 30))
}

/// Parses a command line (without the leading `:`): the word names an
/// Action through the table (or a word of `OTHER_WORDS`), then the
/// arguments are read as that action takes them.
pub fn parse(line: &str) -> Result<Command, String> {
    let line = line.trim();
    let (typed, rest) = match line.split_once(char::is_whitespace) {
        Some((w, r)) => (w, r.trim()),
        None => (line, ""),
    };
    if typed.is_empty() {
        return Err("type a command, e.g. :cases billing (Tab completes, :help lists all)".into());
    }
    let word = resolve_word(typed)?;
    let needs = |what: &str| -> Result<String, String> {
        if rest.is_empty() { Err(format!(":{word} needs {what}")) } else { Ok(rest.to_owned()) }
    };
    match target(word).ok_or_else(|| unknown(typed))? {
        Target::Action(action) => action_args(action, rest, &needs),
        Target::Other(other) => match other {
            "case" => needs("a case ID, e.g. C-000123").map(Command::Case),
            "reply" => needs("the text for the submitter").map(|text| Command::Note { text, to_submitter: true }),
            "staff" => Ok(Command::Staff),
            "import" => needs("a job ID").map(Command::Import),
            "audit" => Ok(Command::Audit(rest.to_owned())),
            "macro" => needs("a macro name").map(Command::Macro),
            "messages" => Ok(Command::Messages),
            _ => Err(unknown(typed)),
        },
    }
}

/// The arguments of an Action's `:` command, as the screen takes them.
fn action_args(action: Action, rest: &str, needs: &dyn Fn(&str) -> Result<String, String>) -> Result<Command, String> {
    use Action as A;
    let typed = || rest.to_owned();
    Ok(match action {
        A::AreaCases => match rest {
            "" => Command::Cases(None),
            v => Command::Cases(Some(CaseView::parse(v).ok_or_else(|| {
                format!(
                    "no case view {:?}: use {}",
                    crate::domain::text::clip(v, 30),
                    CaseView::ALL.map(CaseView::name).join(", ")
                )
            })?)),
        },
        A::CaseClaimNext => Command::Take,
        A::CaseMark => Command::Mark,
        A::CaseAssign => Command::Assign(needs("me or a staff login")?),
        A::CaseNote => Command::Note { text: needs("the note's text")?, to_submitter: false },
        A::CaseRequestInfo => Command::RequestInfo((!rest.is_empty()).then(typed)),
        A::CaseInfoReceived => Command::Received,
        A::CaseResolve => Command::Resolve(needs("resolution comments")?),
        A::CaseReopen => Command::Reopen,
        A::CasePriority => Command::Priority(needs("a priority, 1 (urgent) to 4 (low)")?),
        A::CaseBulkAssign => Command::BulkAssign(needs("me or a staff login")?),
        A::CaseBulkResolve => Command::BulkResolve(needs("resolution comments")?),
        A::CaseSweep => Command::Sweep,
        A::AreaMembers => Command::Member(needs("a query: ssn:…, id:M…, ind:I…, name:last[,first] or text")?),
        A::MemberEligibility => {
            Command::Elig(needs("a member ID or last name and a date, e.g. :elig M0000042 01/31/2026")?)
        }
        A::MemberRevealSsn => Command::Reveal(needs("a reason: it is audited")?),
        A::ListExport => Command::Export(needs("a file name, e.g. :export members.csv")?),
        A::AreaBrokers => Command::Brokers(typed()),
        A::BrokerView => Command::Broker(needs("an NPN")?),
        A::AreaEmployers => Command::Employers(typed()),
        A::EmployerView => Command::Employer(needs("an employer's name, EIN or group number")?),
        A::GroupView => Command::Group(needs("a group number, e.g. ABC101-01")?),
        A::BrokerBook => Command::Book(typed()),
        A::AreaReports => match rest {
            "" | "catalogue" | "jobs" | "schedules" => Command::Reports(typed()),
            _ => return Err(":reports takes catalogue, jobs or schedules".into()),
        },
        A::ReportRun => Command::Report(needs("a report's name, e.g. :report qb_roster")?),
        A::ReportCancel | A::ReportPause | A::ReportResume | A::ReportUnschedule => Command::ReportRow(action),
        A::CommissionList => Command::Commissions(typed()),
        A::CommissionGet => Command::Statement(needs("a file, e.g. :statement may.csv (or :statement ID may.csv)")?),
        A::AreaAccounts => Command::Accounts(typed()),
        A::AccountTools => Command::Admin(action, needs("tools, e.g. eligibility,billing (or none)")?),
        A::StaffSetRole => Command::Admin(action, needs("LOGIN ROLE")?),
        A::StaffDisable | A::StaffEnable => Command::Admin(action, needs("a login")?),
        // With nothing after it, :staff-create opens a form that asks for each part.
        A::AccessGrant
        | A::AccessChange
        | A::AccessRevoke
        | A::AccountUnlock
        | A::AccountDisable
        | A::AccountEnable
        | A::AccountResendRegistration
        | A::AccountResetPassword
        | A::StaffCreate => Command::Admin(action, typed()),
        A::MemberAdd
        | A::MemberAddDependent
        | A::MemberUpdate
        | A::MemberChangeType
        | A::MemberTerminate
        | A::MemberReinstate
        | A::MemberAddEvent
        | A::MemberEnroll
        | A::MemberChangeTier
        | A::MemberEndEnrollment
        | A::MemberUndo => Command::Maintain(action, typed()),
        A::AreaImports => match rest {
            "" | "all" => Command::Imports { failed_only: false },
            "failed" => Command::Imports { failed_only: true },
            _ => return Err(":imports takes failed or all".into()),
        },
        A::ImportEnqueue => Command::Import2(action, needs("FILE EIN KIND")?),
        A::ImportRun | A::ImportRetry => Command::Import2(action, needs("a job ID")?),
        A::ImportAbandon => Command::Import2(action, needs("a job ID and a reason")?),
        A::AreaCodes => Command::Codes(typed()),
        A::CodeIssue => Command::IssueCode(needs("an EIN (NN-NNNNNNN) or npn:NPN")?),
        A::CodeRevoke => Command::RevokeCode(needs("a reason")?),
        A::CodeReissue => Command::ReissueCode,
        A::CodeRedeem => Command::Redeem(needs("a code and an EIN or npn:NPN")?),
        A::MacroRecord => Command::Record,
        A::Help => Command::Help,
        A::SessionLock => Command::Lock,
        A::Refresh => Command::Refresh,
        A::Quit => Command::Quit,
        // An action given a word in the table but no arguments here: the
        // table test (`every_table_word_parses`) fails until it has them.
        other => return Err(format!(":{} is not a command yet", other.spec().command.unwrap_or(other.name()))),
    })
}

/// The command word `typed` stands for: itself, or the one word it begins
/// (`:memb` is `:member`); several candidates are named so the operator can choose.
pub fn resolve_word(typed: &str) -> Result<&str, String> {
    if let Some((_, w)) = ALIASES.iter().find(|(a, _)| *a == typed) {
        return Ok(w);
    }
    if let Some((w, _)) = WORDS.iter().find(|(w, _)| *w == typed) {
        return Ok(w);
    }
    let found: Vec<&str> = WORDS.iter().map(|(w, _)| *w).filter(|w| w.starts_with(typed)).collect();
    match found.as_slice() {
        [one] => Ok(one),
        [] => Err(unknown(typed)),
        many => Err(format!(":{typed} could be :{}; type more of it", many.join(", :"))),
    }
}

/// Completes a partial command line: the command word, then the case view
/// or import filter. Returns every candidate line.
pub fn complete(line: &str) -> Vec<String> {
    match line.split_once(' ') {
        None => WORDS.iter().filter(|(w, _)| w.starts_with(line)).map(|(w, _)| (*w).to_owned()).collect(),
        Some((word, arg)) => {
            let options: Vec<&str> = match target(word) {
                Some(Target::Action(Action::AreaCases)) => CaseView::ALL.iter().map(|v| v.name()).collect(),
                Some(Target::Action(Action::AreaImports)) => vec!["failed", "all"],
                Some(Target::Action(Action::AreaReports)) => vec!["catalogue", "jobs", "schedules"],
                Some(Target::Action(Action::ReportRun)) => {
                    crate::domain::report_catalogue::REPORTS.iter().map(|r| r.name).collect()
                }
                _ => vec![],
            };
            options.into_iter().filter(|o| o.starts_with(arg.trim_start())).map(|o| format!("{word} {o}")).collect()
        }
    }
}

/// What a `:` command acts on: the screen's selection when it was typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selected {
    /// The queue on screen (`:take` takes from it).
    pub queue: Option<Queue>,
    /// The open or selected case, with the row version shown.
    pub case: Option<(String, i64)>,
    /// The marked cases, for the bulk commands.
    pub marked: Vec<String>,
    /// The open member.
    pub member: Option<String>,
    /// The selected registration code.
    pub code: Option<i64>,
    /// The selected portal user's email.
    pub account: Option<String>,
    /// The selected access grant.
    pub grant: Option<i64>,
}

fn role(typed: &str) -> Result<Role, String> {
    Role::parse(&typed.to_lowercase()).ok_or_else(|| "the role is agent, supervisor or admin".to_owned())
}

/// The typed request a parsed `:` command stands for, on `on`, for the same
/// `Ops::execute` the CLI calls. `Ok(None)` for a command that changes
/// nothing (a view, navigation) or whose screen builds the request from a
/// form or a preview (member changes, a new grant, an export).
pub fn request(cmd: &Command, on: &Selected, now: DateTime<Utc>, info_days: u32) -> Result<Option<Request>, String> {
    let case = || on.case.clone().ok_or_else(|| "open or select a case first".to_owned());
    let marked = || {
        if on.marked.is_empty() {
            Err("no cases are marked: mark some with Space first".to_owned())
        } else {
            Ok(on.marked.clone())
        }
    };
    let account = || on.account.clone().ok_or_else(|| "select a portal user in the Accounts area (4) first".to_owned());
    let grant = || on.grant.ok_or_else(|| "select a grant in a broker's book of business first".to_owned());
    let job = |args: &str| -> Result<(i64, String), String> {
        let (id, rest) = args.split_once(char::is_whitespace).unwrap_or((args, ""));
        let id = id
            .trim()
            .parse::<i64>()
            .map_err(|_| format!("{:?} is not a job number", crate::domain::text::clip(id, 20)))?;
        Ok((id, rest.trim().to_owned()))
    };
    Ok(Some(match cmd {
        Command::Take => Request::CaseClaimNext { queue: on.queue.ok_or("open a queue first: :cases billing")? },
        Command::Assign(to) => {
            let (case, seen) = case()?;
            Request::CaseAssign { case, to: to.clone(), seen: Some(seen) }
        }
        Command::Note { text, to_submitter } => {
            let (case, seen) = case()?;
            Request::CaseNote { case, text: text.clone(), to_submitter: *to_submitter, seen: Some(seen) }
        }
        Command::RequestInfo(due) => {
            let (case, seen) = case()?;
            let due = match due {
                Some(d) => end_of_day(parse_date(d)?),
                None => default_info_due(now, info_days),
            };
            Request::CaseRequestInfo { case, due, seen: Some(seen) }
        }
        Command::Received => {
            let (case, seen) = case()?;
            Request::CaseInfoReceived { case, seen: Some(seen) }
        }
        Command::Resolve(comment) => {
            let (case, seen) = case()?;
            Request::CaseResolve { case, comment: comment.clone(), seen: Some(seen) }
        }
        Command::Reopen => {
            let (case, seen) = case()?;
            Request::CaseReopen { case, seen: Some(seen) }
        }
        Command::Priority(p) => {
            let (case, seen) = case()?;
            let priority = p.trim().parse::<i64>().ok().filter(|p| (1..=4).contains(p));
            let priority = priority.ok_or("the priority is 1 (urgent) to 4 (low)")?;
            Request::CasePriority { case, priority, seen: Some(seen) }
        }
        Command::BulkAssign(to) => Request::CaseBulkAssign { cases: marked()?, to: to.clone(), seen: None },
        Command::BulkResolve(comment) => {
            Request::CaseBulkResolve { cases: marked()?, comment: comment.clone(), seen: None }
        }
        Command::Sweep => Request::CaseSweep,
        Command::Reveal(reason) => {
            Request::MemberRevealSsn { member: on.member.clone().ok_or("open a member first")?, reason: reason.clone() }
        }
        Command::RevokeCode(reason) => {
            Request::CodeRevoke { id: on.code.ok_or("select a code first")?, reason: reason.clone() }
        }
        Command::ReissueCode => Request::CodeReissue { id: on.code.ok_or("select a code first")? },
        Command::Admin(Action::StaffSetRole, args) => match args.split_whitespace().collect::<Vec<_>>().as_slice() {
            [login, r] => Request::StaffSetRole { login: (*login).to_owned(), role: role(r)? },
            _ => return Err(":staff-role LOGIN ROLE".into()),
        },
        Command::IssueCode(who) => Request::CodeIssue { who: CodeFor::parse(who)? },
        Command::Redeem(args) => match args.split_once(char::is_whitespace) {
            Some((code, who)) => Request::CodeRedeem { code: code.to_owned(), who: CodeFor::parse(who)? },
            None => return Err(":redeem CODE EIN|npn:NPN".into()),
        },
        Command::Admin(Action::AccessChange, perms) if !perms.is_empty() => {
            Request::AccessChange { grant: grant()?, perms: Perms::parse(perms)? }
        }
        Command::Admin(Action::AccessRevoke, _) => Request::AccessRevoke { grant: grant()?, on: None },
        Command::Admin(Action::AccountUnlock, _) => Request::AccountUnlock { email: account()? },
        Command::Admin(Action::AccountDisable, _) => Request::AccountDisable { email: account()? },
        Command::Admin(Action::AccountEnable, _) => Request::AccountEnable { email: account()? },
        Command::Admin(Action::AccountResendRegistration, _) => {
            Request::AccountResendRegistration { email: account()? }
        }
        Command::Admin(Action::AccountResetPassword, _) => Request::AccountResetPassword { email: account()? },
        Command::Admin(Action::AccountTools, tools) => {
            Request::AccountTools { email: account()?, tools: Tools::parse(tools)? }
        }
        Command::Admin(Action::StaffCreate, args) if !args.is_empty() => {
            let mut w = args.splitn(3, char::is_whitespace);
            match (w.next(), w.next().map(role), w.next().map(str::trim)) {
                (Some(login), Some(role), Some(name)) if !name.is_empty() => {
                    Request::StaffCreate { login: login.to_owned(), role: role?, name: name.to_owned() }
                }
                _ => return Err(":staff-create LOGIN ROLE NAME, e.g. :staff-create jdoe agent Jane Doe".into()),
            }
        }
        Command::Admin(Action::StaffDisable, login) => Request::StaffDisable { login: login.trim().to_owned() },
        Command::Admin(Action::StaffEnable, login) => Request::StaffEnable { login: login.trim().to_owned() },
        Command::Import2(Action::ImportEnqueue, args) => match args.split_whitespace().collect::<Vec<_>>().as_slice() {
            [file, ein, kind] => Request::ImportEnqueue {
                file: (*file).into(),
                employer: (*ein).to_owned(),
                kind: ImportKind::parse(kind).ok_or_else(|| format!("KIND is {}", ImportKind::NAMES))?,
                force: false,
                parent: None,
            },
            _ => return Err(":import-enqueue FILE EIN KIND".into()),
        },
        Command::Import2(Action::ImportRun, args) => Request::ImportRun { job: job(args)?.0, progress: None },
        Command::Import2(Action::ImportRetry, args) => {
            let (job, rest) = job(args)?;
            Request::ImportRetry { job, failed_only: rest == "failed", progress: None }
        }
        Command::Import2(Action::ImportAbandon, args) => match job(args)? {
            (_, reason) if reason.is_empty() => return Err(":import-abandon JOB REASON".into()),
            (job, reason) => Request::ImportAbandon { job, reason },
        },
        _ => return Ok(None),
    }))
}

/// The longest common prefix of candidates: what Tab fills in when several match.
pub fn common_prefix(c: &[String]) -> Option<String> {
    let first = c.first()?;
    let mut n = first.len();
    for s in &c[1..] {
        n = n.min(first.bytes().zip(s.bytes()).take_while(|(a, b)| a == b).count());
    }
    while !first.is_char_boundary(n) {
        n -= 1;
    }
    Some(first[..n].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_vocabulary() {
        assert_eq!(parse("cases billing"), Ok(Command::Cases(Some(CaseView::Queue(Queue::Billing)))));
        assert_eq!(parse("cases"), Ok(Command::Cases(None)));
        assert_eq!(parse(" take "), Ok(Command::Take));
        assert_eq!(parse("member name:smith,john"), Ok(Command::Member("name:smith,john".into())));
        assert_eq!(parse("imports failed"), Ok(Command::Imports { failed_only: true }));
        assert_eq!(parse("q"), Ok(Command::Quit));
        assert_eq!(parse("case C-000123"), Ok(Command::Case("C-000123".into())));
        assert_eq!(
            parse("reply  Sent the form. "),
            Ok(Command::Note { text: "Sent the form.".into(), to_submitter: true })
        );
        assert_eq!(parse("request-info"), Ok(Command::RequestInfo(None)));
        assert_eq!(parse("request-info 2026-12-01"), Ok(Command::RequestInfo(Some("2026-12-01".into()))));
        assert_eq!(parse("assign me"), Ok(Command::Assign("me".into())));
    }

    #[test]
    fn bad_commands_say_what_to_do() {
        assert!(parse("cases nope").unwrap_err().contains("eligibility"));
        assert!(parse("case").unwrap_err().contains("C-000123"));
        assert!(parse("resolve").unwrap_err().contains("resolution comments"));
        assert!(parse("note   ").unwrap_err().contains("text"));
        assert!(parse("frobnicate").unwrap_err().contains("unknown command"));
        assert!(parse("").is_err());
        let long = "x".repeat(10_000);
        assert!(parse(&long).unwrap_err().len() < 200);
    }

    #[test]
    fn a_unique_prefix_stands_for_its_word() {
        assert_eq!(parse("memb mensah"), Ok(Command::Member("mensah".into())));
        assert_eq!(parse("rece"), Ok(Command::Received));
        assert!(parse("rec").unwrap_err().contains(":received, :record"));
        assert_eq!(parse("tak"), Ok(Command::Take));
        // An exact word wins over the longer words it begins.
        assert_eq!(parse("case C-000001"), Ok(Command::Case("C-000001".into())));
        let e = parse("re").unwrap_err();
        assert!(e.contains(":request-info") && e.contains(":reopen") && e.contains("type more"), "{e}");
        assert!(parse("zzz").unwrap_err().contains("unknown command :zzz"));
    }

    #[test]
    fn completes_words_and_arguments() {
        assert_eq!(complete("ta"), vec!["take"]);
        assert_eq!(complete("cases bi"), vec!["cases billing"]);
        assert_eq!(complete("rece"), vec!["received"]);
        let c = complete("ca");
        assert_eq!(c, vec!["cases", "case"]);
        assert_eq!(common_prefix(&c).as_deref(), Some("case"));
        assert!(complete("zz").is_empty());
    }

    #[test]
    fn a_line_builds_the_typed_request_of_its_action() {
        let now = DateTime::parse_from_rfc3339("2026-11-24T17:30:00Z").unwrap().with_timezone(&Utc);
        let on = Selected {
            queue: Some(Queue::Billing),
            case: Some(("C-000042".into(), 7)),
            marked: vec!["C-000001".into(), "C-000002".into()],
            member: Some("M0000001".into()),
            code: Some(9),
            account: Some("pat@example.com".into()),
            grant: Some(4),
        };
        let req = |line: &str| request(&parse(line).unwrap(), &on, now, 10);
        assert!(matches!(req("take"), Ok(Some(Request::CaseClaimNext { queue: Queue::Billing }))));
        let Ok(Some(r @ Request::CaseAssign { .. })) = req("assign me") else { panic!("{:?}", req("assign me")) };
        assert_eq!(r.action(), Action::CaseAssignMe);
        assert!(matches!(&r, Request::CaseAssign { case, seen: Some(7), .. } if case == "C-000042"));
        assert_eq!(req("assign bob").unwrap().unwrap().action(), Action::CaseAssign);
        let Ok(Some(Request::CaseRequestInfo { due, .. })) = req("request-info 2026-12-01") else { panic!() };
        assert_eq!(due, end_of_day(chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()));
        let Ok(Some(Request::CaseRequestInfo { due, .. })) = req("request-info") else { panic!() };
        assert_eq!(due, default_info_due(now, 10));
        assert!(matches!(req("reply Sent."), Ok(Some(Request::CaseNote { to_submitter: true, .. }))));
        assert!(matches!(req("priority 2"), Ok(Some(Request::CasePriority { priority: 2, .. }))));
        assert!(req("priority 9").unwrap_err().contains("1 (urgent)"));
        assert!(
            matches!(req("bulk-resolve done"), Ok(Some(Request::CaseBulkResolve { cases, .. })) if cases.len() == 2)
        );
        assert!(matches!(req("revoke-code lost"), Ok(Some(Request::CodeRevoke { id: 9, .. }))));
        assert!(matches!(
            req("staff-role bob Supervisor"),
            Ok(Some(Request::StaffSetRole { role: Role::Supervisor, .. }))
        ));
        assert!(matches!(
            req("import-retry 12 failed"),
            Ok(Some(Request::ImportRetry { job: 12, failed_only: true, .. }))
        ));
        assert!(req("import-run x").unwrap_err().contains("job number"));
        assert!(matches!(req("perms view,billing"), Ok(Some(Request::AccessChange { grant: 4, .. }))));
        assert!(matches!(req("unlock"), Ok(Some(Request::AccountUnlock { email })) if email == "pat@example.com"));
        assert!(matches!(req("tools none"), Ok(Some(Request::AccountTools { .. }))));
        assert!(matches!(req("issue-code npn:1234567"), Ok(Some(Request::CodeIssue { who: CodeFor::Broker(_) }))));
        assert!(matches!(
            req("staff-create jdoe agent Jane Doe"),
            Ok(Some(Request::StaffCreate { role: Role::Agent, name, .. })) if name == "Jane Doe"
        ));
        assert!(matches!(
            req("import-enqueue f.csv 12-3456789 plan"),
            Ok(Some(Request::ImportEnqueue { kind: ImportKind::Plan, .. }))
        ));
        // With no arguments these open a form or a prompt on the screen.
        assert!(matches!(req("staff-create"), Ok(None)));
        assert!(matches!(req("perms"), Ok(None)));
        // Views change nothing: no request.
        assert!(matches!(req("cases billing"), Ok(None)));
        // Without a case open, a case command says what is missing.
        let none = Selected::default();
        assert!(request(&parse("resolve ok").unwrap(), &none, now, 10).unwrap_err().contains("case"));
        assert!(request(&parse("take").unwrap(), &none, now, 10).unwrap_err().contains(":cases"));
    }
}
