//! What `--json` prints: one envelope for every command, and the typed
//! answers inside it. Numbers are numbers, booleans booleans, times RFC 3339,
//! dates `YYYY-MM-DD`, and an absent value `null`; the same thing has the
//! same field name in every answer (`id`, `case_number`, `member_number`).
//! `docs/json.md` is generated from examples of these types (`examples`).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::error_code::ErrorCode;
use crate::ops::accounts::Tools;
use crate::store::brokers::GrantRow;
use crate::store::imports::{JobHead, RowError};
use crate::store::lists::{
    AccountItem, BrokerItem, CaseItem, CodeItem, ImportItem, ListItem, ListKind, MemberItem, StaffItem,
};
use crate::store::members::{Coverage, MemberFile};

/// `{"ok": true, "result": …}`.
#[derive(Serialize)]
struct Done<'a, T: Serialize> {
    ok: bool,
    result: &'a T,
}

/// `{"ok": false, "error": {"code": …, "message": …}}`.
#[derive(Serialize)]
struct Failed<'a> {
    ok: bool,
    error: ErrorBody<'a>,
}

/// A failure as scripts read it: a stable code and the operator's sentence.
#[derive(Serialize)]
struct ErrorBody<'a> {
    code: ErrorCode,
    message: &'a str,
}

/// The success envelope, pretty-printed with fields in their declared order.
pub fn ok_text(result: &impl Serialize) -> String {
    serde_json::to_string_pretty(&Done { ok: true, result }).expect("our types serialize")
}

/// The failure envelope, pretty-printed.
pub fn error_text(code: ErrorCode, message: &str) -> String {
    serde_json::to_string_pretty(&Failed { ok: false, error: ErrorBody { code, message } })
        .expect("our types serialize")
}

/// Prints the success envelope on stdout.
pub fn print_ok(result: &impl Serialize) {
    println!("{}", ok_text(result));
}

/// Prints the failure envelope on stdout (the caller also says it on stderr).
pub fn print_error(code: ErrorCode, message: &str) {
    println!("{}", error_text(code, message));
}

/// One page of a list: its rows under the list's name, and whether more follow.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListPage {
    /// The case view listed (`case list` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub view: Option<String>,
    #[serde(flatten)]
    pub rows: Rows,
    /// Whether rows past this page exist: raise `--limit` or narrow the filter.
    pub more: bool,
}

/// A list's rows, named by what they are.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rows {
    Cases(Vec<CaseItem>),
    Members(Vec<MemberItem>),
    Brokers(Vec<BrokerItem>),
    Accounts(Vec<AccountItem>),
    Staff(Vec<StaffItem>),
    Jobs(Vec<ImportItem>),
    Codes(Vec<CodeItem>),
    Employers(Vec<crate::store::employers::EmployerRow>),
    ReportJobs(Vec<crate::store::lists::ReportJobItem>),
    ReportSchedules(Vec<crate::store::lists::ReportScheduleItem>),
}

impl Rows {
    /// The typed rows of a page of `kind`.
    pub fn of(kind: ListKind, items: impl IntoIterator<Item = ListItem>) -> Rows {
        macro_rules! pick {
            ($variant:ident, $item:ident) => {
                Rows::$variant(
                    items
                        .into_iter()
                        .filter_map(|i| match i {
                            ListItem::$item(x) => Some(x),
                            _ => None,
                        })
                        .collect(),
                )
            };
        }
        match kind {
            ListKind::Cases(_) => pick!(Cases, Case),
            ListKind::Members => pick!(Members, Member),
            ListKind::Brokers => pick!(Brokers, Broker),
            ListKind::Accounts => pick!(Accounts, Account),
            ListKind::Staff => pick!(Staff, Staff),
            ListKind::Imports { .. } => pick!(Jobs, Import),
            ListKind::Codes => pick!(Codes, Code),
            ListKind::Employers => pick!(Employers, Employer),
            ListKind::ReportJobs => pick!(ReportJobs, ReportJob),
            ListKind::ReportSchedules => pick!(ReportSchedules, ReportSchedule),
        }
    }
}

/// `member show`: the record with every tab, and the SSN as shown (masked
/// unless a permitted, audited reveal asked).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemberShown {
    #[serde(flatten)]
    pub file: MemberFile,
    pub ssn: String,
}

/// `member elig`: each member the search found, with the plans in force on the date.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Eligibility {
    pub on: NaiveDate,
    pub coverage: Vec<Coverage>,
}

/// `access list`: the grants on a group or reaching a broker.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Grants {
    pub grants: Vec<GrantRow>,
}

/// `access grant`: the grants made, one a group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Granted {
    pub grant_ids: Vec<i64>,
}

/// `access change|revoke`: the grant changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GrantChanged {
    pub grant_id: i64,
}

/// A portal user after `account unlock|disable|enable|tools`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccountShown {
    pub id: i64,
    pub email: String,
    pub status: String,
    pub failed_logins: i64,
    pub tools: Tools,
}

impl From<crate::store::accounts::AccountHead> for AccountShown {
    fn from(a: crate::store::accounts::AccountHead) -> AccountShown {
        AccountShown {
            id: a.id,
            email: a.email,
            status: a.status,
            failed_logins: a.failed_logins,
            tools: Tools {
                eligibility: a.tool_eligibility,
                billing: a.tool_billing,
                commissions: a.tool_commissions,
                book: a.tool_book,
            },
        }
    }
}

/// `account resend-registration`: where the email went and when its link
/// expires (never the link itself).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Queued {
    pub emailed_to: Option<String>,
    pub expires_at: DateTime<Utc>,
}

/// `staff create`: the account made.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StaffCreated {
    pub id: i64,
    pub login: String,
    pub role: String,
}

/// What a command answers with an id alone (`import enqueue|abandon`, `code revoke`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Id {
    pub id: i64,
}

/// `import show`: the job, its row errors counted by code, and each error.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobShown {
    #[serde(flatten)]
    pub job: JobHead,
    pub errors_by_code: BTreeMap<String, usize>,
    pub errors: Vec<RowError>,
}

/// `actions`: the action table with the live keymap.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionRow {
    pub name: &'static str,
    pub keys: Vec<String>,
    pub command: Option<&'static str>,
    pub cli: Option<&'static str>,
    pub role: &'static str,
    pub writes: bool,
    pub help: &'static str,
}

/// `actions`: every action.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Actions {
    pub actions: Vec<ActionRow>,
}

/// `info`: where everything is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Info {
    pub config_file: std::path::PathBuf,
    pub keymap_file: std::path::PathBuf,
    pub data_dir: std::path::PathBuf,
    pub log_file: std::path::PathBuf,
    /// With any password replaced by `***`.
    pub database_url: String,
    /// `PORTALDESK_DATA_KEY`, or the key file's path.
    pub data_key: String,
    pub operator: String,
    pub environment: String,
    pub read_only: bool,
    /// The PostgreSQL connections a terminal holds at most (0 on SQLite).
    pub terminal_connections: u32,
    /// How the terminal's lists follow other sessions (`ui.live`), and
    /// what it costs; "off" when turned off.
    pub live_queues: String,
}

/// `config show`: the file read and every setting with where it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConfigShown {
    pub config_file: std::path::PathBuf,
    pub settings: Vec<crate::config::Setting>,
}

/// `group subscribers`: one page of a group's (or a family's) subscribers with their alerts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Subscribers {
    pub group: String,
    pub family: bool,
    /// The status kept, if filtered.
    pub status: Option<String>,
    pub subscribers: Vec<crate::ops::employers::SubscriberView>,
    pub more: bool,
}

/// `broker book`: one page of a broker's book of business with each group's alerts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Book {
    pub npn: String,
    pub groups: Vec<crate::ops::employers::BookView>,
    pub more: bool,
}

/// `group subscribers --csv`, `broker book --csv`: the file written and its rows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exported {
    pub file: String,
    pub rows: usize,
}
