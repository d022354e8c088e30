//! The `:` command line vocabulary (BRIEF section 4). Scripts depend on it,
//! so names are stable; parsing is pure and unit tested.

use crate::domain::case::CaseView;

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

/// Every command word, for completion and help.
pub const WORDS: &[(&str, &str)] = &[
    ("cases", ":cases [eligibility|enrollment|billing|support|mine|unassigned|awaiting|all]"),
    ("case", ":case C-000123"),
    ("take", ":take  (claim the next case of this queue)"),
    ("mark", ":mark  (mark or unmark the selected case)"),
    ("assign", ":assign me|LOGIN  (the open or selected case)"),
    ("note", ":note TEXT  (internal note)"),
    ("reply", ":reply TEXT  (note to the submitter)"),
    ("request-info", ":request-info [YYYY-MM-DD]  (default: the configured business days)"),
    ("received", ":received  (requested information arrived)"),
    ("resolve", ":resolve TEXT  (resolution comments)"),
    ("reopen", ":reopen"),
    ("priority", ":priority 1-4"),
    ("bulk-assign", ":bulk-assign LOGIN  (every marked case)"),
    ("bulk-resolve", ":bulk-resolve TEXT  (every marked case)"),
    ("sweep", ":sweep  (close cases awaiting info past due)"),
    ("member", ":member ssn:…|id:M…|ind:I…|name:last[,first]|text"),
    ("elig", ":elig MEMBER-ID|LAST-NAME MM/DD/YYYY  (covered on that date?)"),
    ("reveal", ":reveal REASON  (the open member's SSN, audited)"),
    ("export", ":export FILE.csv  (the current list; SSNs masked)"),
    ("brokers", ":brokers [query]"),
    ("broker", ":broker NPN"),
    ("accounts", ":accounts [query]"),
    ("staff", ":staff  (staff accounts, in the Accounts area)"),
    ("grant", ":grant GROUP[,GROUP…] view,enrollment,billing [YYYY-MM-DD]  (the open broker)"),
    ("perms", ":perms view,enrollment,billing  (the selected grant)"),
    ("revoke-access", ":revoke-access  (the selected grant)"),
    ("unlock", ":unlock  (the selected portal user)"),
    ("disable", ":disable  (the selected portal user)"),
    ("enable", ":enable  (the selected portal user)"),
    ("resend-registration", ":resend-registration  (the selected portal user)"),
    ("reset-password", ":reset-password  (the selected portal user)"),
    ("tools", ":tools eligibility,billing,commissions,book|none"),
    ("staff-create", ":staff-create [LOGIN ROLE NAME]  (no arguments: a form)"),
    ("add-member", ":add-member group_number=… ssn=… first_name=… …  (previewed, then y)"),
    ("add-dependent", ":add-dependent first_name=… birth_date=… relationship=child coverage_start=…"),
    ("edit", ":edit FIELD=VALUE …  (the open member: address_line=12 Elm St city=Austin)"),
    ("change-type", ":change-type SUBSCRIBER|QB|DIRECT_BILL YYYY-MM-DD"),
    ("terminate", ":terminate YYYY-MM-DD REASON"),
    ("reinstate", ":reinstate YYYY-MM-DD"),
    ("event", ":event CODE(1-7) YYYY-MM-DD  (qualifying event; COBRA deadlines shown)"),
    ("enroll", ":enroll PLAN TIER YYYY-MM-DD"),
    ("tier", ":tier [PLAN] TIER YYYY-MM-DD"),
    ("end-enrollment", ":end-enrollment [PLAN] YYYY-MM-DD"),
    ("undo-change", ":undo-change  (revert the member's last change; supervisor)"),
    ("staff-role", ":staff-role LOGIN ROLE"),
    ("staff-disable", ":staff-disable LOGIN"),
    ("staff-enable", ":staff-enable LOGIN"),
    ("imports", ":imports [failed|all]"),
    ("import", ":import JOB-ID"),
    ("import-enqueue", ":import-enqueue FILE EIN KIND"),
    ("import-run", ":import-run JOB"),
    ("import-retry", ":import-retry JOB [failed]"),
    ("import-abandon", ":import-abandon JOB REASON"),
    ("codes", ":codes [EIN|NPN]"),
    ("issue-code", ":issue-code EIN|npn:NPN  (shown once)"),
    ("revoke-code", ":revoke-code REASON  (the selected code)"),
    ("reissue-code", ":reissue-code  (the selected code's subject)"),
    ("redeem", ":redeem CODE EIN|npn:NPN  (as the portal does)"),
    ("audit", ":audit [entity]"),
    ("macro", ":macro NAME  (replay a recorded macro)"),
    ("record", ":record  (start or stop recording a macro)"),
    ("help", ":help"),
    ("messages", ":messages  (the recent messages, whole)"),
    ("lock", ":lock  (lock the screen; your login unlocks it)"),
    ("refresh", ":refresh"),
    ("q", ":q  (quit)"),
];

/// Parses a command line (without the leading `:`).
pub fn parse(line: &str) -> Result<Command, String> {
    let line = line.trim();
    let (typed, rest) = match line.split_once(char::is_whitespace) {
        Some((w, r)) => (w, r.trim()),
        None => (line, ""),
    };
    let word = resolve_word(typed)?;
    let needs = |what: &str| -> Result<String, String> {
        if rest.is_empty() { Err(format!(":{word} needs {what}")) } else { Ok(rest.to_owned()) }
    };
    match word {
        "" => Err("type a command, e.g. :cases billing (Tab completes, :help lists all)".into()),
        "cases" => match rest {
            "" => Ok(Command::Cases(None)),
            v => CaseView::parse(v).map(|v| Command::Cases(Some(v))).ok_or_else(|| {
                format!(
                    "no case view {:?}: use {}",
                    crate::domain::text::clip(v, 30),
                    CaseView::ALL.map(CaseView::name).join(", ")
                )
            }),
        },
        "case" => needs("a case ID, e.g. C-000123").map(Command::Case),
        "take" => Ok(Command::Take),
        "mark" => Ok(Command::Mark),
        "assign" => needs("me or a staff login").map(Command::Assign),
        "note" => needs("the note's text").map(|text| Command::Note { text, to_submitter: false }),
        "reply" => needs("the text for the submitter").map(|text| Command::Note { text, to_submitter: true }),
        "request-info" => Ok(Command::RequestInfo((!rest.is_empty()).then(|| rest.to_owned()))),
        "received" => Ok(Command::Received),
        "resolve" => needs("resolution comments").map(Command::Resolve),
        "reopen" => Ok(Command::Reopen),
        "priority" => needs("a priority, 1 (urgent) to 4 (low)").map(Command::Priority),
        "bulk-assign" => needs("me or a staff login").map(Command::BulkAssign),
        "bulk-resolve" => needs("resolution comments").map(Command::BulkResolve),
        "sweep" => Ok(Command::Sweep),
        "member" => needs("a query: ssn:…, id:M…, ind:I…, name:last[,first] or text").map(Command::Member),
        "elig" => needs("a member ID or last name and a date, e.g. :elig M0000042 01/31/2026").map(Command::Elig),
        "reveal" => needs("a reason: it is audited").map(Command::Reveal),
        "export" => needs("a file name, e.g. :export members.csv").map(Command::Export),
        "brokers" => Ok(Command::Brokers(rest.to_owned())),
        "broker" => needs("an NPN").map(Command::Broker),
        "accounts" => Ok(Command::Accounts(rest.to_owned())),
        "staff" => Ok(Command::Staff),
        "grant" => Ok(Command::Admin(crate::action::Action::AccessGrant, rest.to_owned())),
        "perms" => Ok(Command::Admin(crate::action::Action::AccessChange, rest.to_owned())),
        "revoke-access" => Ok(Command::Admin(crate::action::Action::AccessRevoke, rest.to_owned())),
        "unlock" => Ok(Command::Admin(crate::action::Action::AccountUnlock, rest.to_owned())),
        "disable" => Ok(Command::Admin(crate::action::Action::AccountDisable, rest.to_owned())),
        "enable" => Ok(Command::Admin(crate::action::Action::AccountEnable, rest.to_owned())),
        "resend-registration" => Ok(Command::Admin(crate::action::Action::AccountResendRegistration, rest.to_owned())),
        "reset-password" => Ok(Command::Admin(crate::action::Action::AccountResetPassword, rest.to_owned())),
        "tools" => needs("tools, e.g. eligibility,billing (or none)")
            .map(|t| Command::Admin(crate::action::Action::AccountTools, t)),
        // With nothing after it, a form asks for each part.
        "staff-create" => Ok(Command::Admin(crate::action::Action::StaffCreate, rest.to_owned())),
        "add-member" => Ok(Command::Maintain(crate::action::Action::MemberAdd, rest.to_owned())),
        "add-dependent" => Ok(Command::Maintain(crate::action::Action::MemberAddDependent, rest.to_owned())),
        "edit" => Ok(Command::Maintain(crate::action::Action::MemberUpdate, rest.to_owned())),
        "change-type" => Ok(Command::Maintain(crate::action::Action::MemberChangeType, rest.to_owned())),
        "terminate" => Ok(Command::Maintain(crate::action::Action::MemberTerminate, rest.to_owned())),
        "reinstate" => Ok(Command::Maintain(crate::action::Action::MemberReinstate, rest.to_owned())),
        "event" => Ok(Command::Maintain(crate::action::Action::MemberAddEvent, rest.to_owned())),
        "enroll" => Ok(Command::Maintain(crate::action::Action::MemberEnroll, rest.to_owned())),
        "tier" => Ok(Command::Maintain(crate::action::Action::MemberChangeTier, rest.to_owned())),
        "end-enrollment" => Ok(Command::Maintain(crate::action::Action::MemberEndEnrollment, rest.to_owned())),
        "undo-change" => Ok(Command::Maintain(crate::action::Action::MemberUndo, rest.to_owned())),
        "staff-role" => needs("LOGIN ROLE").map(|t| Command::Admin(crate::action::Action::StaffSetRole, t)),
        "staff-disable" => needs("a login").map(|t| Command::Admin(crate::action::Action::StaffDisable, t)),
        "staff-enable" => needs("a login").map(|t| Command::Admin(crate::action::Action::StaffEnable, t)),
        "imports" => match rest {
            "" | "all" => Ok(Command::Imports { failed_only: false }),
            "failed" => Ok(Command::Imports { failed_only: true }),
            _ => Err(":imports takes failed or all".into()),
        },
        "import" => needs("a job ID").map(Command::Import),
        "import-enqueue" => needs("FILE EIN KIND").map(|t| Command::Import2(crate::action::Action::ImportEnqueue, t)),
        "import-run" => needs("a job ID").map(|t| Command::Import2(crate::action::Action::ImportRun, t)),
        "import-retry" => needs("a job ID").map(|t| Command::Import2(crate::action::Action::ImportRetry, t)),
        "import-abandon" => {
            needs("a job ID and a reason").map(|t| Command::Import2(crate::action::Action::ImportAbandon, t))
        }
        "codes" => Ok(Command::Codes(rest.to_owned())),
        "issue-code" => needs("an EIN (NN-NNNNNNN) or npn:NPN").map(Command::IssueCode),
        "revoke-code" => needs("a reason").map(Command::RevokeCode),
        "reissue-code" => Ok(Command::ReissueCode),
        "redeem" => needs("a code and an EIN or npn:NPN").map(Command::Redeem),
        "audit" => Ok(Command::Audit(rest.to_owned())),
        "macro" => needs("a macro name").map(Command::Macro),
        "record" => Ok(Command::Record),
        "help" | "h" => Ok(Command::Help),
        "messages" => Ok(Command::Messages),
        "lock" => Ok(Command::Lock),
        "refresh" => Ok(Command::Refresh),
        "q" | "quit" => Ok(Command::Quit),
        other => {
            Err(format!("unknown command :{} (Tab completes, :help lists all)", crate::domain::text::clip(other, 30)))
        }
    }
}

/// The command word `typed` stands for: itself, or the one word it begins
/// (`:memb` is `:member`); several candidates are named so the operator can choose.
pub fn resolve_word(typed: &str) -> Result<&str, String> {
    if typed.is_empty() || typed == "h" || typed == "quit" || WORDS.iter().any(|(w, _)| *w == typed) {
        return Ok(typed);
    }
    let found: Vec<&str> = WORDS.iter().map(|(w, _)| *w).filter(|w| w.starts_with(typed)).collect();
    match found.as_slice() {
        [one] => Ok(one),
        [] => {
            Err(format!("unknown command :{} (Tab completes, :help lists all)", crate::domain::text::clip(typed, 30)))
        }
        many => Err(format!(":{typed} could be :{}; type more of it", many.join(", :"))),
    }
}

/// Completes a partial command line: the command word, then the case view
/// or import filter. Returns every candidate line.
pub fn complete(line: &str) -> Vec<String> {
    match line.split_once(' ') {
        None => WORDS.iter().filter(|(w, _)| w.starts_with(line)).map(|(w, _)| (*w).to_owned()).collect(),
        Some((word, arg)) => {
            let options: Vec<&str> = match word {
                "cases" => CaseView::ALL.iter().map(|v| v.name()).collect(),
                "imports" => vec!["failed", "all"],
                _ => vec![],
            };
            options.into_iter().filter(|o| o.starts_with(arg.trim_start())).map(|o| format!("{word} {o}")).collect()
        }
    }
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
    use crate::domain::case::Queue;

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
}
