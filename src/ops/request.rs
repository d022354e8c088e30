//! One path per Action: every change (and every read the CLI offers) is a
//! typed `Request`, which a key, a `:` command, a script step or a CLI
//! subcommand builds, and `Ops::execute` runs: the role check from the
//! action table, then the operation of `src/ops` it names.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};

use super::access::Grantee;
use super::accounts::Tools;
use super::cases::{BulkLine, Changed, Claimed};
use super::codes::{CodeFor, CodePolicy, Issued, Redeemed};
use super::employers::{BookView, EmployerView, GroupBilling, GroupFile, GroupPlans, SubscriberView};
use super::imports::Progress;
use super::maintenance::{ChangeDone, ChangeRequest};
use super::{OpError, Ops};
use crate::action::Action;
use crate::config::MaintenanceConfig;
use crate::crypto::DataKey;
use crate::domain::access::Perms;
use crate::domain::case::Queue;
use crate::domain::case_change::CaseChange;
use crate::domain::import_spec::ImportKind;
use crate::domain::presence::EntityKind;
use crate::domain::role::Role;
use crate::store::Dir;
use crate::store::accounts::AccountHead;
use crate::store::book::BookFilter;
use crate::store::brokers::BrokerFile;
use crate::store::cases::CaseFile;
use crate::store::employers::EmployerRow;
use crate::store::imports::JobHead;
use crate::store::key_rotation::Rotation;
use crate::store::lists::{ListKind, ListRequest, ListRow};
use crate::store::maintenance::ChangeRow;
use crate::store::members::{Coverage, MemberFile, MemberSearch};
use crate::store::paging::Page;
use crate::store::staff::Staff;

/// A case as typed (`C-000123`, `c-123`, `123`): the ops layer checks it,
/// so a bad one is refused exactly as from any other surface.
pub type CaseRef = String;

/// What the operator asked for, with its arguments parsed into the types
/// the operation takes. `seen` is the row version a screen showed (a
/// change made since is refused); the CLI sends none.
#[derive(Debug, Clone)]
pub enum Request {
    CaseClaimNext {
        queue: Queue,
    },
    /// `case.assign`, or `case.assign_me` when `to` is `me` or the operator.
    CaseAssign {
        case: CaseRef,
        to: String,
        seen: Option<i64>,
    },
    CaseNote {
        case: CaseRef,
        text: String,
        to_submitter: bool,
        seen: Option<i64>,
    },
    CaseRequestInfo {
        case: CaseRef,
        due: DateTime<Utc>,
        seen: Option<i64>,
    },
    CaseInfoReceived {
        case: CaseRef,
        seen: Option<i64>,
    },
    CaseResolve {
        case: CaseRef,
        comment: String,
        seen: Option<i64>,
    },
    CaseReopen {
        case: CaseRef,
        seen: Option<i64>,
    },
    CasePriority {
        case: CaseRef,
        priority: i64,
        seen: Option<i64>,
    },
    /// All or nothing: refused whole when the preview refuses one case.
    /// `seen` holds the row versions a screen's preview showed, in the
    /// order of `cases`: a case changed since is refused, as with one case.
    CaseBulkAssign {
        cases: Vec<CaseRef>,
        to: String,
        seen: Option<Vec<i64>>,
    },
    CaseBulkResolve {
        cases: Vec<CaseRef>,
        comment: String,
        seen: Option<Vec<i64>>,
    },
    /// What a bulk change would do to each case, changing nothing: the
    /// screen's confirm. Permitted as the bulk change it previews.
    CaseBulkPreview {
        cases: Vec<CaseRef>,
        what: BulkChange,
    },
    CaseSweep,
    CodeIssue {
        who: CodeFor,
    },
    CodeRevoke {
        id: i64,
        reason: String,
    },
    CodeReissue {
        id: i64,
    },
    CodeRedeem {
        code: String,
        who: CodeFor,
    },
    MemberView {
        member: String,
    },
    MemberRevealSsn {
        member: String,
        reason: String,
    },
    MemberEligibility {
        search: MemberSearch,
        on: NaiveDate,
    },
    /// Every `member.*` change: one change model, its kind naming the action.
    MemberChange(ChangeRequest),
    ListExport {
        list: ListRequest,
        path: PathBuf,
        entity: String,
    },
    AccessGrant {
        to: Grantee,
        employer: Option<String>,
        groups: Vec<String>,
        perms: Perms,
        from: Option<NaiveDate>,
    },
    AccessChange {
        grant: i64,
        perms: Perms,
    },
    AccessRevoke {
        grant: i64,
        on: Option<NaiveDate>,
    },
    AccountUnlock {
        email: String,
    },
    AccountDisable {
        email: String,
    },
    AccountEnable {
        email: String,
    },
    AccountResendRegistration {
        email: String,
    },
    AccountResetPassword {
        email: String,
    },
    AccountTools {
        email: String,
        tools: Tools,
    },
    StaffCreate {
        login: String,
        role: Role,
        name: String,
    },
    StaffSetRole {
        login: String,
        role: Role,
    },
    StaffDisable {
        login: String,
    },
    StaffEnable {
        login: String,
    },
    ImportEnqueue {
        file: PathBuf,
        employer: String,
        kind: ImportKind,
        force: bool,
        parent: Option<i64>,
    },
    /// `progress` is where a screen watches the rows go by; the CLI has none.
    ImportRun {
        job: i64,
        progress: Option<Arc<Progress>>,
    },
    ImportRetry {
        job: i64,
        failed_only: bool,
        progress: Option<Arc<Progress>>,
    },
    ImportAbandon {
        job: i64,
        reason: String,
    },
    /// A full 834 file's left-out subscribers: previewed, or terminated on
    /// `on` when `confirm` is the number the preview showed.
    ImportTerminations {
        job: i64,
        on: Option<chrono::NaiveDate>,
        confirm: Option<usize>,
    },
    /// Starts (or resumes) a rotation from `old` to `new` and runs at most
    /// `batches` batches; the key files around it are the CLI's.
    KeyRotate {
        old: Box<DataKey>,
        new: Box<DataKey>,
        batch_size: i64,
        batches: Option<usize>,
    },
    /// Marks the rotation to key `new_key_id` done, once the key file holds it.
    KeyRotateFinish {
        new_key_id: String,
    },
    // Reads: no change, answered as their area's action.
    /// The first page of a list.
    List(ListRequest),
    CaseShow {
        case: CaseRef,
    },
    BrokerView {
        npn: String,
    },
    MemberHistory {
        member: String,
    },
    /// The latest rotation of the data key.
    KeyStatus,
    /// Queue report `report` with `name=value` parameters, checked by the catalogue.
    ReportRun {
        report: String,
        params: Vec<(String, String)>,
    },
    ReportCancel {
        job: i64,
    },
    /// A schedule of report `report`, checked by the catalogue and `Schedule::new`.
    ReportSchedule {
        report: String,
        params: Vec<(String, String)>,
        schedule: crate::domain::schedule::Schedule,
    },
    ReportUnschedule {
        id: i64,
    },
    /// Employers found by name, EIN or group number (an unknown EIN or
    /// group number is refused in words, not an empty page).
    EmployerFind {
        query: String,
        dir: Dir,
        limit: usize,
    },
    EmployerView {
        query: String,
    },
    GroupView {
        group: String,
    },
    /// Audited (`group.billing`); refused in a read-only session.
    GroupBilling {
        group: String,
    },
    /// `year` none: the plan year today falls in.
    GroupPlans {
        group: String,
        year: Option<i64>,
    },
    /// `family`: a parent's and every suffix's.
    GroupSubscribers {
        group: String,
        family: bool,
        status: Option<String>,
        dir: Dir,
        limit: usize,
    },
    /// The subscribers as CSV, SSNs masked: a `list.export`, audited first.
    GroupExport {
        group: String,
        family: bool,
        status: Option<String>,
        path: PathBuf,
    },
    BrokerBook {
        npn: String,
        filter: Box<BookFilter>,
        dir: Dir,
        limit: usize,
    },
    /// The whole book under the filter as CSV.
    BrokerBookExport {
        npn: String,
        filter: Box<BookFilter>,
        path: PathBuf,
    },
    ReportPause {
        id: i64,
    },
    ReportResume {
        id: i64,
    },
    /// Broker `npn`'s commission statements for `month` as typed (`YYYY-MM`,
    /// checked against the 18 months kept), else the latest month on file.
    CommissionList {
        npn: String,
        month: Option<String>,
    },
    /// Statement `id`'s lines written to `out` as CSV.
    CommissionGet {
        id: i64,
        out: PathBuf,
    },
    /// A report job and the start of its output, for a screen to show.
    ReportResult {
        job: i64,
    },
    /// A finished report job's output written to `out` (a `list.export`, audited first).
    ReportGet {
        job: i64,
        out: PathBuf,
    },
    /// A heartbeat of an open case or member view (presence): no Action of
    /// its own, permitted as reading the entity's area, never audited.
    Presence(super::presence::Beat),
}

/// The change a bulk preview is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BulkChange {
    /// To a staff login, or `me`.
    Assign(String),
    /// With this resolution comment.
    Resolve(String),
}

/// What a request answered, typed: the CLI prints it as text or JSON, a
/// screen shows it.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// A take: none when the queue had nothing to take.
    Claimed(Option<Claimed>),
    Changed(Changed),
    /// A bulk change's cases, or the sweep's closed ones.
    ChangedAll(Vec<Changed>),
    Closed(Vec<String>),
    /// A bulk preview's line per case.
    Preview(Vec<BulkLine>),
    Issued(Box<Issued>),
    Redeemed(Redeemed),
    Member(Box<MemberFile>),
    Ssn(String),
    Coverage(Vec<Coverage>),
    MemberChanged(Box<ChangeDone>),
    /// Rows exported.
    Exported(usize),
    Granted(Vec<i64>),
    Account(AccountHead),
    /// A password reset: the same answer whether or not the account exists.
    ResetQueued,
    StaffCreated(i64),
    Staff(Staff),
    /// A new import or report job's id, or a new report schedule's.
    Queued(i64),
    Job(JobHead),
    /// A full 834 file's left-out subscribers, previewed or terminated.
    Terminations(Box<crate::ops::imports::Terminations>),
    Page(Page<ListRow>),
    Case(Option<Box<CaseFile>>),
    Broker(Option<Box<BrokerFile>>),
    History(Vec<ChangeRow>),
    /// A rotation's progress, and whether every row is under the new key.
    Rotated(Rotation, bool),
    Rotation(Option<Rotation>),
    Employers(Page<EmployerRow>),
    Employer(Box<EmployerView>),
    Group(Box<GroupFile>),
    Billing(Box<GroupBilling>),
    Plans(Box<GroupPlans>),
    Subscribers(Page<SubscriberView>),
    Book(Page<BookView>),
    /// A broker's commission statements for a month.
    Statements(Box<super::commissions::Statements>),
    /// A commission statement written to a file.
    StatementWritten(Box<super::commissions::StatementWritten>),
    /// A schedule resumed: its next run, if it has one.
    Resumed(Option<chrono::DateTime<chrono::Utc>>),
    /// A report job and the start of its output.
    ReportResult(Box<super::reports::ReportResult>),
    /// A report's output written to a file: its bytes and lines (the header included).
    Written(u64, u64),
    /// Who else is on the entity a presence heartbeat was about.
    Present(Vec<crate::domain::presence::Present>),
    /// Done, with nothing more to say (a revocation, a grant changed).
    Done,
}

/// What some requests need besides the operator: the data key (SSNs, tax
/// IDs, codes), the code policy and where letters go, the maintenance rules.
#[derive(Debug, Clone, Copy)]
pub struct Env<'a> {
    pub key: Option<&'a DataKey>,
    pub codes: CodePolicy,
    pub letters: Option<&'a Path>,
    pub maintenance: MaintenanceConfig,
}

impl<'a> Env<'a> {
    /// The settings of `config`, with the data key if one was loaded and
    /// the directory issued codes' letters go to.
    pub fn new(config: &crate::config::Config, key: Option<&'a DataKey>, letters: Option<&'a Path>) -> Env<'a> {
        Env { key, codes: (&config.codes).into(), letters, maintenance: config.maintenance }
    }

    fn key(&self) -> Result<&DataKey, OpError> {
        self.key.ok_or_else(|| OpError::Invalid("this needs the data key, and none was loaded".into()))
    }
}

fn area_of(kind: &ListKind) -> Action {
    match kind {
        ListKind::Cases(_) => Action::AreaCases,
        ListKind::Members => Action::AreaMembers,
        ListKind::Brokers => Action::AreaBrokers,
        ListKind::Accounts | ListKind::Staff => Action::AreaAccounts,
        ListKind::Imports { .. } => Action::AreaImports,
        ListKind::Codes => Action::AreaCodes,
        ListKind::Employers => Action::AreaEmployers,
        ListKind::ReportJobs | ListKind::ReportSchedules => Action::AreaReports,
    }
}

impl Request {
    /// The Action this request is permitted and audited as.
    pub fn action(&self) -> Action {
        use Request as R;
        match self {
            R::CaseClaimNext { .. } => Action::CaseClaimNext,
            R::CaseAssign { to, .. } if to.trim() == "me" => Action::CaseAssignMe,
            R::CaseAssign { .. } => Action::CaseAssign,
            R::CaseNote { .. } => Action::CaseNote,
            R::CaseRequestInfo { .. } => Action::CaseRequestInfo,
            R::CaseInfoReceived { .. } => Action::CaseInfoReceived,
            R::CaseResolve { .. } => Action::CaseResolve,
            R::CaseReopen { .. } => Action::CaseReopen,
            R::CasePriority { .. } => Action::CasePriority,
            R::CaseBulkAssign { .. } => Action::CaseBulkAssign,
            R::CaseBulkResolve { .. } => Action::CaseBulkResolve,
            R::CaseBulkPreview { what: BulkChange::Assign(_), .. } => Action::CaseBulkAssign,
            R::CaseBulkPreview { what: BulkChange::Resolve(_), .. } => Action::CaseBulkResolve,
            R::CaseSweep => Action::CaseSweep,
            R::CodeIssue { .. } => Action::CodeIssue,
            R::CodeRevoke { .. } => Action::CodeRevoke,
            R::CodeReissue { .. } => Action::CodeReissue,
            R::CodeRedeem { .. } => Action::CodeRedeem,
            R::MemberView { .. } => Action::MemberView,
            R::MemberRevealSsn { .. } => Action::MemberRevealSsn,
            R::MemberEligibility { .. } => Action::MemberEligibility,
            R::MemberChange(c) => super::maintenance::action_of(c.kind),
            R::ListExport { .. } => Action::ListExport,
            R::AccessGrant { .. } => Action::AccessGrant,
            R::AccessChange { .. } => Action::AccessChange,
            R::AccessRevoke { .. } => Action::AccessRevoke,
            R::AccountUnlock { .. } => Action::AccountUnlock,
            R::AccountDisable { .. } => Action::AccountDisable,
            R::AccountEnable { .. } => Action::AccountEnable,
            R::AccountResendRegistration { .. } => Action::AccountResendRegistration,
            R::AccountResetPassword { .. } => Action::AccountResetPassword,
            R::AccountTools { .. } => Action::AccountTools,
            R::StaffCreate { .. } => Action::StaffCreate,
            R::StaffSetRole { .. } => Action::StaffSetRole,
            R::StaffDisable { .. } => Action::StaffDisable,
            R::StaffEnable { .. } => Action::StaffEnable,
            R::ImportEnqueue { .. } => Action::ImportEnqueue,
            R::ImportRun { .. } => Action::ImportRun,
            R::ImportRetry { .. } => Action::ImportRetry,
            R::ImportAbandon { .. } => Action::ImportAbandon,
            R::ImportTerminations { .. } => Action::ImportTerminateMissing,
            R::List(l) => area_of(&l.kind),
            R::CaseShow { .. } => Action::AreaCases,
            R::BrokerView { .. } => Action::BrokerView,
            R::MemberHistory { .. } => Action::AreaMembers,
            R::KeyRotate { .. } | R::KeyRotateFinish { .. } => Action::KeyRotate,
            R::KeyStatus => Action::KeyStatus,
            R::ReportRun { .. } => Action::ReportRun,
            R::ReportCancel { .. } => Action::ReportCancel,
            R::ReportSchedule { .. } => Action::ReportSchedule,
            R::ReportUnschedule { .. } => Action::ReportUnschedule,
            R::EmployerFind { .. } => Action::AreaEmployers,
            R::EmployerView { .. } => Action::EmployerView,
            R::GroupView { .. } => Action::GroupView,
            R::GroupBilling { .. } => Action::GroupBilling,
            R::GroupPlans { .. } => Action::GroupPlans,
            R::GroupSubscribers { .. } => Action::GroupSubscribers,
            R::GroupExport { .. } => Action::ListExport,
            R::BrokerBook { .. } | R::BrokerBookExport { .. } => Action::BrokerBook,
            R::ReportPause { .. } => Action::ReportPause,
            R::ReportResume { .. } => Action::ReportResume,
            R::CommissionList { .. } => Action::CommissionList,
            R::CommissionGet { .. } => Action::CommissionGet,
            R::ReportResult { .. } => Action::AreaReports,
            R::ReportGet { .. } => Action::ListExport,
            R::Presence(b) => match b.here.as_ref().map(|h| h.kind) {
                Some(EntityKind::Member) => Action::AreaMembers,
                _ => Action::AreaCases,
            },
        }
    }

    /// What a refusal by role is audited against: the thing named, as the
    /// operation itself would name it.
    fn entity(&self) -> String {
        use Request as R;
        let case = |c: &str| {
            super::cases::normalize_number(c).map_or_else(|_| format!("case:{}", c.trim()), |n| format!("case:{n}"))
        };
        let member = |m: &str| format!("member:{}", crate::domain::text::clip(&m.trim().to_uppercase(), 20));
        match self {
            R::CaseClaimNext { queue } => format!("queue:{}", queue.as_str()),
            R::CaseAssign { case: c, .. }
            | R::CaseNote { case: c, .. }
            | R::CaseRequestInfo { case: c, .. }
            | R::CaseInfoReceived { case: c, .. }
            | R::CaseResolve { case: c, .. }
            | R::CaseReopen { case: c, .. }
            | R::CasePriority { case: c, .. }
            | R::CaseShow { case: c } => case(c),
            R::CaseBulkAssign { cases, .. } | R::CaseBulkResolve { cases, .. } | R::CaseBulkPreview { cases, .. } => {
                format!("cases:{}", cases.len())
            }
            R::CaseSweep => "cases:sweep".into(),
            R::CodeIssue { who } => match who {
                CodeFor::Employer(e) => format!("employer:{e}"),
                CodeFor::Broker(n) => format!("broker:{n}"),
                CodeFor::PortalUser(e) => format!("portal_user:{e}"),
            },
            R::CodeRevoke { id, .. } | R::CodeReissue { id } => format!("code:{id}"),
            R::CodeRedeem { .. } => "code:?".into(),
            R::MemberView { member: m } | R::MemberRevealSsn { member: m, .. } | R::MemberHistory { member: m } => {
                member(m)
            }
            R::MemberChange(c) => c.member.as_deref().map_or_else(|| "member:new".into(), member),
            R::MemberEligibility { .. } => "members:eligibility".into(),
            R::ListExport { entity, .. } => crate::domain::ssn::redact(entity),
            R::AccessGrant { to: Grantee::Broker(npn), .. } => format!("broker:{npn}"),
            R::AccessGrant { to: Grantee::Agency(id), .. } => format!("agency:{id}"),
            R::AccessChange { grant, .. } | R::AccessRevoke { grant, .. } => format!("grant:{grant}"),
            R::AccountUnlock { email }
            | R::AccountDisable { email }
            | R::AccountEnable { email }
            | R::AccountResendRegistration { email }
            | R::AccountResetPassword { email }
            | R::AccountTools { email, .. } => format!("portal_user:{}", email.trim().to_lowercase()),
            R::StaffCreate { login, .. }
            | R::StaffSetRole { login, .. }
            | R::StaffDisable { login }
            | R::StaffEnable { login } => format!("staff:{}", login.trim()),
            R::ImportEnqueue { employer, .. } => format!("employer:{}", employer.trim()),
            R::ImportRun { job, .. }
            | R::ImportRetry { job, .. }
            | R::ImportAbandon { job, .. }
            | R::ImportTerminations { job, .. } => {
                format!("import:{job}")
            }
            R::List(_) => "list".into(),
            R::BrokerView { npn } => format!("broker:{npn}"),
            R::KeyRotate { new, .. } => format!("key:{}", new.id()),
            R::KeyRotateFinish { new_key_id } => format!("key:{new_key_id}"),
            R::KeyStatus => "key".into(),
            R::ReportRun { report, .. } => format!("report:{}", report.trim()),
            R::ReportCancel { job } => format!("report-job:{job}"),
            R::ReportSchedule { report, .. } => format!("report:{}", report.trim()),
            R::EmployerFind { query, .. } | R::EmployerView { query } => {
                format!("employer:{}", crate::domain::text::clip(query.trim(), 30))
            }
            R::GroupView { group }
            | R::GroupBilling { group }
            | R::GroupPlans { group, .. }
            | R::GroupSubscribers { group, .. }
            | R::GroupExport { group, .. } => {
                format!("group:{}", crate::domain::text::clip(&group.trim().to_uppercase(), 20))
            }
            R::BrokerBook { npn, .. } | R::BrokerBookExport { npn, .. } => format!("broker:{}", npn.trim()),
            R::ReportUnschedule { id } | R::ReportPause { id } | R::ReportResume { id } => {
                format!("report-schedule:{id}")
            }
            R::CommissionList { npn, .. } => format!("broker:{}", npn.trim()),
            R::CommissionGet { id, .. } => format!("commission-statement:{id}"),
            R::ReportResult { job } | R::ReportGet { job, .. } => format!("report-job:{job}"),
            R::Presence(b) => {
                b.here.as_ref().map_or_else(|| "presence".into(), |h| format!("{}:{}", h.kind.as_str(), h.key))
            }
        }
    }
}

impl Ops {
    /// Refuses `action` when the operator's role is below the table's
    /// `min_role`, auditing the refusal. A read-only session is left to the
    /// operation, which refuses every write the same way (and cannot audit).
    pub(super) async fn permit(&self, action: Action, entity: &str) -> Result<(), OpError> {
        let spec = action.spec();
        if self.role() < spec.min_role && !self.read_only() {
            self.audit_refusal(action, entity).await?;
            return Err(OpError::RefusedRole(spec.refusal(&self.operator().login, self.role())));
        }
        Ok(())
    }

    /// The one entry point: checks the operator's role against the action
    /// table, then runs the operation. Every surface calls here.
    pub async fn execute(&self, env: &Env<'_>, req: Request) -> Result<Outcome, OpError> {
        let action = match &req {
            // Your own login is `me`: assigning to yourself is case.assign_me.
            Request::CaseAssign { to, .. } if to.trim() == self.operator().login => Action::CaseAssignMe,
            r => r.action(),
        };
        self.permit(action, &req.entity()).await?;
        self.run_request(env, req).await
    }

    async fn run_request(&self, env: &Env<'_>, req: Request) -> Result<Outcome, OpError> {
        use Outcome as O;
        use Request as R;
        let case = |case: CaseRef, seen, what| async move { self.change_case(&case, seen, what).await.map(O::Changed) };
        Ok(match req {
            R::CaseClaimNext { queue } => O::Claimed(self.claim_next(queue).await?),
            R::CaseAssign { case: c, to, seen } => {
                let what = self.assignment(&to).await?;
                case(c, seen, what).await?
            }
            R::CaseNote { case: c, text, to_submitter, seen } => {
                case(c, seen, CaseChange::Note { text, to_submitter }).await?
            }
            R::CaseRequestInfo { case: c, due, seen } => case(c, seen, CaseChange::RequestInfo { due }).await?,
            R::CaseInfoReceived { case: c, seen } => case(c, seen, CaseChange::InfoReceived).await?,
            R::CaseResolve { case: c, comment, seen } => case(c, seen, CaseChange::Resolve { comment }).await?,
            R::CaseReopen { case: c, seen } => case(c, seen, CaseChange::Reopen).await?,
            R::CasePriority { case: c, priority, seen } => case(c, seen, CaseChange::Priority(priority)).await?,
            R::CaseBulkAssign { cases, to, seen } => {
                let what = self.assignment(&to).await?;
                O::ChangedAll(self.bulk(&cases, what, seen).await?)
            }
            R::CaseBulkResolve { cases, comment, seen } => {
                O::ChangedAll(self.bulk(&cases, CaseChange::Resolve { comment }, seen).await?)
            }
            R::CaseBulkPreview { cases, what } => {
                let what = match what {
                    BulkChange::Assign(to) => self.assignment(&to).await?,
                    BulkChange::Resolve(comment) => CaseChange::Resolve { comment },
                };
                O::Preview(self.preview_bulk(&cases, &what).await?)
            }
            R::CaseSweep => O::Closed(self.sweep().await?),
            R::CodeIssue { who } => {
                O::Issued(Box::new(self.issue_code(env.key()?, env.codes, &who, env.letters).await?))
            }
            R::CodeReissue { id } => {
                O::Issued(Box::new(self.reissue_code(env.key()?, env.codes, id, env.letters).await?))
            }
            R::CodeRevoke { id, reason } => self.revoke_code(id, &reason).await.map(|()| O::Done)?,
            R::CodeRedeem { code, who } => O::Redeemed(self.redeem_code(env.key()?, env.codes, &code, &who).await?),
            R::MemberView { member } => O::Member(Box::new(self.view_member(&member).await?)),
            R::MemberRevealSsn { member, reason } => O::Ssn(self.reveal_ssn(env.key()?, &member, &reason).await?),
            R::MemberEligibility { search, on } => {
                O::Coverage(crate::store::members::coverage_on(self.store(), &search, on, 50).await?)
            }
            R::MemberChange(c) => O::MemberChanged(Box::new(self.change_member(env.key()?, env.maintenance, c).await?)),
            R::ListExport { list, path, entity } => O::Exported(self.export_list(list, &path, &entity).await?),
            R::AccessGrant { to, employer, groups, perms, from } => {
                O::Granted(self.grant_access(&to, employer.as_deref(), &groups, perms, from).await?)
            }
            R::AccessChange { grant, perms } => self.change_access(grant, perms).await.map(|()| O::Done)?,
            R::AccessRevoke { grant, on } => self.revoke_access(grant, on).await.map(|()| O::Done)?,
            R::AccountUnlock { email } => O::Account(self.unlock_account(&email).await?),
            R::AccountDisable { email } => O::Account(self.disable_account(&email).await?),
            R::AccountEnable { email } => O::Account(self.enable_account(&email).await?),
            R::AccountTools { email, tools } => O::Account(self.set_tools(&email, tools).await?),
            R::AccountResendRegistration { email } => {
                O::Issued(Box::new(self.resend_registration(env.key()?, &email).await?))
            }
            R::AccountResetPassword { email } => {
                self.reset_password(env.key()?, &email).await.map(|_| O::ResetQueued)?
            }
            R::StaffCreate { login, role, name } => O::StaffCreated(self.create_staff(&login, &name, role).await?),
            R::StaffSetRole { login, role } => O::Staff(self.set_staff_role(&login, role).await?),
            R::StaffDisable { login } => O::Staff(self.disable_staff(&login).await?),
            R::StaffEnable { login } => O::Staff(self.enable_staff(&login).await?),
            R::ImportEnqueue { file, employer, kind, force, parent } => {
                O::Queued(self.enqueue_import_file(&employer, kind, &file, force, parent).await?)
            }
            R::ImportRun { job, progress: None } => O::Job(self.run_import(env.key()?, job, None).await?),
            R::ImportRun { job, progress: Some(p) } => O::Job(self.run_import_with(env.key()?, job, None, &p).await?),
            R::ImportRetry { job, failed_only, progress: None } => {
                O::Job(self.retry_import(env.key()?, job, failed_only).await?)
            }
            R::ImportRetry { job, failed_only, progress: Some(p) } => {
                O::Job(self.run_import_with(env.key()?, job, Some(failed_only), &p).await?)
            }
            R::ImportAbandon { job, reason } => self.abandon_import(job, &reason).await.map(|()| O::Done)?,
            R::ImportTerminations { job, on, confirm } => {
                O::Terminations(Box::new(self.full_file_terminations(env.key()?, job, on, confirm).await?))
            }
            R::List(list) => O::Page(crate::store::lists::fetch(self.store(), &list).await?),
            R::CaseShow { case } => {
                let number = super::cases::normalize_number(&case)?;
                O::Case(crate::store::cases::file_by_number(self.store(), &number).await?.map(Box::new))
            }
            R::BrokerView { npn } => {
                let today = self.now().date_naive();
                O::Broker(crate::store::brokers::file_by_npn(self.store(), &npn, today).await?.map(Box::new))
            }
            R::MemberHistory { member } => O::History(self.member_history(&member).await?),
            R::KeyRotate { old, new, batch_size, batches } => {
                self.start_rotation(&old, &new).await?;
                let (r, complete) = self.rotate_batches(&old, &new, batch_size, batches).await?;
                O::Rotated(r, complete)
            }
            R::KeyRotateFinish { new_key_id } => self.finish_rotation(&new_key_id).await.map(|_| O::Done)?,
            R::KeyStatus => O::Rotation(crate::store::key_rotation::latest(self.store()).await?),
            R::ReportRun { report, params } => O::Queued(self.enqueue_report(&report, &params).await?),
            R::ReportCancel { job } => self.cancel_report(job).await.map(|()| O::Done)?,
            R::ReportSchedule { report, params, schedule } => {
                O::Queued(self.schedule_report(&report, &params, schedule).await?)
            }
            R::ReportUnschedule { id } => self.unschedule_report(id).await.map(|()| O::Done)?,
            R::EmployerFind { query, dir, limit } => O::Employers(self.find_employers(&query, &dir, limit).await?),
            R::EmployerView { query } => O::Employer(Box::new(self.employer_view(&query).await?)),
            R::GroupView { group } => O::Group(Box::new(self.group(&group).await?)),
            R::GroupBilling { group } => O::Billing(Box::new(self.group_billing(&group).await?)),
            R::GroupPlans { group, year } => O::Plans(Box::new(self.group_plans(&group, year).await?)),
            R::GroupSubscribers { group, family, status, dir, limit } => {
                O::Subscribers(self.group_subscribers(&group, family, status.as_deref(), &dir, limit).await?)
            }
            R::GroupExport { group, family, status, path } => {
                O::Exported(self.export_subscribers(&group, family, status.as_deref(), &path).await?)
            }
            R::BrokerBook { npn, filter, dir, limit } => O::Book(self.broker_book(&npn, &filter, &dir, limit).await?),
            R::BrokerBookExport { npn, filter, path } => O::Exported(self.export_book(&npn, &filter, &path).await?),
            R::ReportPause { id } => self.pause_schedule(id).await.map(|()| O::Done)?,
            R::ReportResume { id } => O::Resumed(self.resume_schedule(id).await?),
            R::CommissionList { npn, month } => {
                O::Statements(Box::new(self.commission_statements(&npn, month.as_deref()).await?))
            }
            R::CommissionGet { id, out } => O::StatementWritten(Box::new(self.write_statement(id, &out).await?)),
            R::ReportResult { job } => O::ReportResult(Box::new(self.report_result(job).await?)),
            R::ReportGet { job, out } => {
                let (bytes, lines) = self.get_report(job, &out).await?;
                O::Written(bytes, lines)
            }
            R::Presence(beat) => O::Present(self.beat(beat).await?),
        })
    }

    /// A bulk change, all or nothing, against the versions a screen's
    /// preview showed (`seen`), else those read just before.
    async fn bulk(&self, cases: &[CaseRef], what: CaseChange, seen: Option<Vec<i64>>) -> Result<Vec<Changed>, OpError> {
        let mut lines = self.preview_bulk(cases, &what).await?;
        if let Some(seen) = seen {
            if seen.len() != lines.len() {
                return Err(OpError::Invalid(
                    "the previewed versions do not match the cases; nothing was changed".into(),
                ));
            }
            lines.iter_mut().zip(seen).for_each(|(l, v)| l.row_version = v);
        }
        if let Some(bad) = lines.iter().find(|l| l.outcome.is_err()) {
            let why = bad.outcome.clone().err().unwrap_or_default();
            return Err(OpError::Refused(format!("{}: {why}; nothing was changed", bad.case_number)));
        }
        self.apply_bulk(&lines, &what).await
    }
}

impl Outcome {
    /// An answer of another shape than its request's: a bug, said plainly.
    pub fn unexpected(&self) -> OpError {
        OpError::Db(format!("internal: unexpected answer {self:?}"))
    }
}

/// `TryFrom<Outcome>` for each answer's type: `Variant(v) => Type = value`.
macro_rules! outcome_into {
    ($($variant:ident($v:ident) => $t:ty = $out:expr),* $(,)?) => {$(
        impl TryFrom<Outcome> for $t {
            type Error = OpError;
            fn try_from(o: Outcome) -> Result<$t, OpError> {
                match o {
                    Outcome::$variant($v) => Ok($out),
                    other => Err(other.unexpected()),
                }
            }
        }
    )*};
}
outcome_into!(
    Claimed(v) => Option<Claimed> = v,
    Changed(v) => Changed = v,
    ChangedAll(v) => Vec<Changed> = v,
    Closed(v) => Vec<String> = v,
    Preview(v) => Vec<BulkLine> = v,
    Issued(v) => Issued = *v,
    Redeemed(v) => Redeemed = v,
    Member(v) => MemberFile = *v,
    Ssn(v) => String = v,
    Coverage(v) => Vec<Coverage> = v,
    MemberChanged(v) => ChangeDone = *v,
    Exported(v) => usize = v,
    Granted(v) => Vec<i64> = v,
    Account(v) => AccountHead = v,
    StaffCreated(v) => i64 = v,
    Staff(v) => Staff = v,
    Job(v) => JobHead = v,
    ReportResult(v) => super::reports::ReportResult = *v,
    Page(v) => Page<ListRow> = v,
    Case(v) => Option<CaseFile> = v.map(|b| *b),
    Broker(v) => Option<BrokerFile> = v.map(|b| *b),
    History(v) => Vec<ChangeRow> = v,
    Rotation(v) => Option<Rotation> = v,
    Employers(v) => Page<EmployerRow> = v,
    Employer(v) => EmployerView = *v,
    Group(v) => GroupFile = *v,
    Billing(v) => GroupBilling = *v,
    Plans(v) => GroupPlans = *v,
    Subscribers(v) => Page<SubscriberView> = v,
    Book(v) => Page<BookView> = v,
    Statements(v) => super::commissions::Statements = *v,
    StatementWritten(v) => super::commissions::StatementWritten = *v,
    Resumed(v) => Option<chrono::DateTime<chrono::Utc>> = v,
    Present(v) => Vec<crate::domain::presence::Present> = v,
);

impl TryFrom<Outcome> for () {
    type Error = OpError;
    fn try_from(o: Outcome) -> Result<(), OpError> {
        match o {
            Outcome::Done | Outcome::ResetQueued => Ok(()),
            other => Err(other.unexpected()),
        }
    }
}

impl Ops {
    /// `execute`, with the answer as the type the caller expects.
    pub async fn ask<T: TryFrom<Outcome, Error = OpError>>(&self, env: &Env<'_>, req: Request) -> Result<T, OpError> {
        self.execute(env, req).await?.try_into()
    }
}

/// Ops with what its requests need, owned: a spawned task carries it into
/// the runtime, where an `Env` (which borrows) cannot go. The TUI's one way
/// to the ops layer.
#[derive(Clone)]
pub struct Runner {
    ops: Ops,
    key: Option<DataKey>,
    codes: CodePolicy,
    letters: Option<PathBuf>,
    maintenance: MaintenanceConfig,
}

impl Runner {
    /// `ops` under these settings.
    pub fn new(
        ops: Ops,
        key: Option<DataKey>,
        codes: CodePolicy,
        letters: Option<PathBuf>,
        maintenance: MaintenanceConfig,
    ) -> Runner {
        Runner { ops, key, codes, letters, maintenance }
    }

    /// The runner as the system's `name` (the sweep timer): audited as
    /// `system:NAME`, never as the operator whose screen happened to be open.
    pub fn as_system(self, name: &str) -> Runner {
        Runner { ops: self.ops.as_system(name), ..self }
    }

    /// `Ops::execute` under the runner's settings.
    pub async fn execute(&self, req: Request) -> Result<Outcome, OpError> {
        let env = Env {
            key: self.key.as_ref(),
            codes: self.codes,
            letters: self.letters.as_deref(),
            maintenance: self.maintenance,
        };
        self.ops.execute(&env, req).await
    }

    /// `execute`, with the answer as the type the caller expects.
    pub async fn ask<T: TryFrom<Outcome, Error = OpError>>(&self, req: Request) -> Result<T, OpError> {
        self.execute(req).await?.try_into()
    }
}
