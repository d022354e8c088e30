//! The paged lists behind the six areas, as typed rows (what `--json`
//! prints); `crate::columns` turns them into the cells a view shows.
//!
//! Each list sorts by an indexed key ending in `id` and pages by keyset.

use std::sync::Arc;
use std::sync::atomic::AtomicI64;

use chrono::{DateTime, NaiveDate, Utc};

use super::brokers::BrokerSearch;
use super::members::MemberSearch;
use super::sql::escape_like;
use super::{Arg, Cursor, Dir, Page, Sql, Store};
use crate::domain::case::CaseView;
use crate::domain::text::{fold_key, prefix_end};

/// Which list to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    Cases(CaseView),
    Members,
    Brokers,
    Accounts,
    /// The department's own staff accounts (`:staff`, in the Accounts area).
    Staff,
    Imports {
        failed_only: bool,
    },
    Codes,
    /// Employers by name, EIN or group number (`:employers`, area 7).
    Employers,
    /// Report jobs, newest first (`:reports jobs`, area 8).
    ReportJobs,
    /// Report schedules by id (`:reports schedules`, area 8).
    ReportSchedules,
}

/// A request for one page of a list.
#[derive(Debug, Clone)]
pub struct ListRequest {
    pub kind: ListKind,
    /// What `/` typed: narrows the list by its main text key.
    pub filter: String,
    pub dir: Dir,
    pub limit: usize,
    /// The operator's staff id (for `mine`).
    pub me: i64,
    /// The clock for ages and due times.
    pub now: DateTime<Utc>,
    /// Where the PostgreSQL backend running the query is published, for cancelling.
    pub backend_pid: Arc<AtomicI64>,
    /// The Members or Brokers list's search (from `:member`, `:brokers` or `/`); `None` lists everyone.
    pub search: Option<Search>,
    /// How dates in the cells read (`ui.date_format`).
    pub date_format: crate::domain::date_format::DateFormat,
}

/// A parsed search of the Members or Brokers list.
#[derive(Debug, Clone, PartialEq)]
pub enum Search {
    Members(MemberSearch),
    Brokers(BrokerSearch),
    Employers(super::employers::EmployerFind),
}

/// One row as the table shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ListRow {
    pub id: i64,
    pub key: Cursor,
    /// The row as read, typed: numbers, times and absent values as they
    /// are; `crate::columns` makes the cells a screen, a CSV or the CLI shows.
    pub item: ListItem,
    /// The row's `row_version` where it has one (cases), so an action taken
    /// from the list is refused if the row changed since it was shown.
    pub version: Option<i64>,
}

/// A list row's typed values, one kind a list; serialized bare (a case
/// item is the case's object, not wrapped in its kind).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(untagged)]
pub enum ListItem {
    Case(CaseItem),
    Member(MemberItem),
    Broker(BrokerItem),
    Account(AccountItem),
    Staff(StaffItem),
    Import(ImportItem),
    Code(CodeItem),
    Employer(super::employers::EmployerRow),
    ReportJob(ReportJobItem),
    ReportSchedule(ReportScheduleItem),
}

impl ListItem {
    /// What names the row to an action or a `:` command: a case's number,
    /// a member's number, a broker's NPN, an account's email, a staff
    /// login, an import job's or a code's id.
    pub fn handle(&self) -> String {
        match self {
            ListItem::Case(c) => c.case_number.clone(),
            ListItem::Member(m) => m.member_number.clone(),
            ListItem::Broker(b) => b.npn.clone(),
            ListItem::Account(a) => a.email.clone(),
            ListItem::Staff(s) => s.login.clone(),
            ListItem::Import(j) => j.id.to_string(),
            ListItem::Code(c) => c.id.to_string(),
            ListItem::Employer(e) => e.ein.clone(),
            ListItem::ReportJob(j) => j.id.to_string(),
            ListItem::ReportSchedule(s) => s.id.to_string(),
        }
    }
}

/// A list's statement with its filter and without paging: what the list
/// shows and what `count::count` counts, so the two never disagree.
pub(super) fn unpaged(req: &ListRequest) -> Sql {
    match req.kind {
        ListKind::Cases(view) => cases_sql(req, view),
        ListKind::Members => members_sql(req).0,
        ListKind::Brokers => brokers_sql(req).0,
        ListKind::Accounts => accounts_sql(req).0,
        ListKind::Staff => staff_sql(),
        ListKind::Imports { failed_only } => imports_sql(req, failed_only),
        ListKind::Codes => codes_sql(req).0,
        ListKind::Employers => employers_sql(req).0,
        ListKind::ReportJobs => report_jobs_sql(req),
        ListKind::ReportSchedules => report_schedules_sql(req),
    }
}

/// Fetches one page of a list.
pub async fn fetch(store: &Store, req: &ListRequest) -> Result<Page<ListRow>, sqlx::Error> {
    let store = store.reads();
    match req.kind {
        ListKind::Cases(view) => cases(store, req, view).await,
        ListKind::Members => members(store, req).await,
        ListKind::Brokers => brokers(store, req).await,
        ListKind::Accounts => accounts(store, req).await,
        ListKind::Staff => staff(store, req).await,
        ListKind::Imports { failed_only } => imports(store, req, failed_only).await,
        ListKind::Codes => codes(store, req).await,
        ListKind::Employers => employers(store, req).await,
        ListKind::ReportJobs => report_jobs(store, req).await,
        ListKind::ReportSchedules => report_schedules(store, req).await,
    }
}

async fn run<T: super::Record>(store: &Store, q: Sql, req: &ListRequest) -> Result<Page<T>, sqlx::Error> {
    let (sql, args) = q.into_parts();
    let rows = store.fetch_all_cancellable::<T>(sql, args, &req.backend_pid).await?;
    Ok(Page::from_fetched(rows, req.limit, &req.dir))
}

/// A case in a case list.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct CaseItem {
    pub id: i64,
    pub case_number: String,
    pub sla_due_at: DateTime<Utc>,
    pub priority: i64,
    pub status: String,
    pub company_name: String,
    pub group_numbers: String,
    pub subscriber_name: Option<String>,
    /// The assignee's login; `None` while unassigned.
    pub assignee: Option<String>,
    pub submitted_at: DateTime<Utc>,
    /// A retroactive eligibility case without its Exception Request Form.
    pub missing_paperwork: bool,
    pub row_version: i64,
}

/// A case list's statement before paging (its WHERE is open).
fn cases_sql(req: &ListRequest, view: CaseView) -> Sql {
    // The paperwork flag is a scalar subquery with LIMIT rather than NOT
    // EXISTS: PostgreSQL would hash NOT EXISTS over every attachment (30 ms
    // per page); this way it looks up the page's 50 cases by index.
    let mut q = Sql::new(
        "SELECT c.id, c.case_number, c.sla_due_at, c.priority, c.status, c.company_name, c.group_numbers, \
         c.subscriber_name, s.login AS assignee, c.submitted_at, c.row_version, \
         (c.queue = 'eligibility' AND c.retroactive AND (SELECT 1 FROM case_attachments a \
         WHERE a.case_id = c.id AND a.kind = 'exception_request_form' LIMIT 1) IS NULL) AS missing_paperwork \
         FROM cases c LEFT JOIN staff s ON s.id = c.assignee_id WHERE ",
    );
    // Each condition matches a partial index of the migration word for word.
    match view {
        CaseView::Queue(queue) => {
            q.push("c.queue = ").bind(queue.as_str()).push(" AND c.status IN ('new','open','awaiting_info')");
        }
        CaseView::Mine => {
            q.push("c.assignee_id = ").bind(req.me).push(" AND c.status IN ('new','open','awaiting_info')");
        }
        CaseView::Unassigned => {
            q.push("c.assignee_id IS NULL AND c.status IN ('new','open','awaiting_info')");
        }
        CaseView::Awaiting => {
            q.push("c.status = 'awaiting_info'");
        }
        CaseView::All => {
            q.push("1 = 1");
        }
    }
    let f = req.filter.trim().to_lowercase();
    if !f.is_empty() {
        let like = format!("%{}%", escape_like(&f));
        q.push(" AND (lower(c.company_name) LIKE ").bind(like.clone()).push(" ESCAPE '\\'");
        q.push(" OR lower(c.case_number) LIKE ").bind(like.clone()).push(" ESCAPE '\\'");
        q.push(" OR lower(c.subscriber_name) LIKE ").bind(like.clone()).push(" ESCAPE '\\'");
        q.push(" OR c.group_numbers LIKE ").bind(f.to_uppercase()).push(")");
    }
    q
}

async fn cases(store: &Store, req: &ListRequest, view: CaseView) -> Result<Page<ListRow>, sqlx::Error> {
    let mut q = cases_sql(req, view);
    q.keyset(&["c.sla_due_at", "c.priority", "c.id"], false, &req.dir, req.limit, true);
    let page: Page<CaseItem> = run(store, q, req).await?;
    Ok(page.map(|c| ListRow {
        id: c.id,
        version: Some(c.row_version),
        key: vec![Arg::Time(Some(c.sla_due_at)), Arg::I64(Some(c.priority)), Arg::I64(Some(c.id))],
        item: ListItem::Case(c),
    }))
}

/// A member in the Members list.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct MemberItem {
    pub id: i64,
    /// The sort keys: the list's business, not a script's.
    #[serde(skip)]
    pub last_name_key: String,
    #[serde(skip)]
    pub first_name_key: String,
    pub first_name: String,
    pub last_name: String,
    pub member_number: String,
    pub member_type: String,
    pub group_number: String,
    pub birth_date: NaiveDate,
    pub ssn_last4: Option<String>,
    pub status: String,
}

/// The Members list's statement before paging, and whether a WHERE is open.
fn members_sql(req: &ListRequest) -> (Sql, bool) {
    let mut q = Sql::new(
        // The group number is read per row, not joined: with members alone
        // in FROM, SQLite pages by the name index for any statistics (with a
        // join it has sorted all million members for one page).
        "SELECT m.id, m.last_name_key, m.first_name_key, m.first_name, m.last_name, m.member_number, m.member_type, \
         (SELECT g.group_number FROM employer_groups g WHERE g.id = m.group_id) AS group_number, m.birth_date, \
         m.ssn_last4, m.status FROM members m",
    );
    let filtered = match &req.search {
        Some(Search::Members(m)) => m.push_where(&mut q),
        _ => false,
    };
    (q, filtered)
}

async fn members(store: &Store, req: &ListRequest) -> Result<Page<ListRow>, sqlx::Error> {
    let (mut q, filtered) = members_sql(req);
    q.keyset(&["m.last_name_key", "m.first_name_key", "m.id"], false, &req.dir, req.limit, filtered);
    let page: Page<MemberItem> = run(store, q, req).await?;
    Ok(page.map(|m| ListRow {
        id: m.id,
        version: None,
        key: vec![m.last_name_key.clone().into(), m.first_name_key.clone().into(), m.id.into()],
        item: ListItem::Member(m),
    }))
}

/// A broker in the Brokers list.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct BrokerItem {
    pub id: i64,
    pub npn: String,
    /// The sort key.
    #[serde(skip)]
    pub last_name_key: String,
    pub first_name: String,
    pub last_name: String,
    pub agency: Option<String>,
    pub tax_id_last4: String,
    pub states_appointed: String,
    pub status: String,
}

/// The Brokers list's statement before paging, and whether a WHERE is open.
fn brokers_sql(req: &ListRequest) -> (Sql, bool) {
    let mut q = Sql::new(
        "SELECT b.id, b.npn, b.last_name_key, b.first_name, b.last_name, a.name AS agency, b.tax_id_last4, \
         b.states_appointed, b.status FROM brokers b LEFT JOIN agencies a ON a.id = b.agency_id",
    );
    let filtered = match &req.search {
        Some(Search::Brokers(b)) => b.push_where(&mut q),
        _ => false,
    };
    (q, filtered)
}

async fn brokers(store: &Store, req: &ListRequest) -> Result<Page<ListRow>, sqlx::Error> {
    let (mut q, filtered) = brokers_sql(req);
    q.keyset(&["b.last_name_key", "b.id"], false, &req.dir, req.limit, filtered);
    let page: Page<BrokerItem> = run(store, q, req).await?;
    Ok(page.map(|b| ListRow {
        id: b.id,
        version: None,
        key: vec![b.last_name_key.clone().into(), b.id.into()],
        item: ListItem::Broker(b),
    }))
}

/// A portal user in the Accounts list.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct AccountItem {
    pub id: i64,
    /// The sort key.
    #[serde(skip)]
    pub name_key: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub kind: String,
    pub status: String,
    /// `None`: never signed in.
    pub last_login_at: Option<DateTime<Utc>>,
    pub failed_logins: i64,
}

/// The Accounts list's statement before paging, and whether a WHERE is open.
fn accounts_sql(req: &ListRequest) -> (Sql, bool) {
    let mut q = Sql::new(
        "SELECT id, name_key, email, first_name, last_name, kind, status, last_login_at, failed_logins FROM portal_users",
    );
    let key = fold_key(&req.filter);
    let filtered = !key.is_empty();
    if filtered {
        q.push(" WHERE name_key >= ").bind(key.clone()).push(" AND name_key < ").bind(prefix_end(&key));
    }
    (q, filtered)
}

async fn accounts(store: &Store, req: &ListRequest) -> Result<Page<ListRow>, sqlx::Error> {
    let (mut q, filtered) = accounts_sql(req);
    q.keyset(&["name_key", "id"], false, &req.dir, req.limit, filtered);
    let page: Page<AccountItem> = run(store, q, req).await?;
    Ok(page.map(|a| ListRow {
        id: a.id,
        version: None,
        key: vec![a.name_key.clone().into(), a.id.into()],
        item: ListItem::Account(a),
    }))
}

/// A staff account in the staff list, and as `staff set-role|disable|enable`
/// answer: the stored row, whole.
pub type StaffItem = super::staff::Staff;

/// The staff list's statement before paging (no WHERE).
fn staff_sql() -> Sql {
    Sql::new("SELECT id, login, name, role, status, created_at, row_version FROM staff s")
}

async fn staff(store: &Store, req: &ListRequest) -> Result<Page<ListRow>, sqlx::Error> {
    let mut q = staff_sql();
    q.keyset(&["s.login", "s.id"], false, &req.dir, req.limit, false);
    let page: Page<StaffItem> = run(store, q, req).await?;
    Ok(page.map(|s| ListRow {
        id: s.id,
        version: Some(s.row_version),
        key: vec![s.login.clone().into(), s.id.into()],
        item: ListItem::Staff(s),
    }))
}

/// An import job in the Imports list.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct ImportItem {
    pub id: i64,
    pub status: String,
    pub kind: String,
    pub ein: String,
    /// The employer's legal name.
    pub employer: String,
    pub file_name: String,
    pub ok_rows: i64,
    pub failed_rows: i64,
    pub uploaded_at: DateTime<Utc>,
}

/// The Imports list's statement before paging (its WHERE is open).
fn imports_sql(req: &ListRequest, failed_only: bool) -> Sql {
    let mut q = Sql::new(
        "SELECT j.id, j.status, j.kind, e.ein, e.legal_name AS employer, j.file_name, j.ok_rows, j.failed_rows, j.uploaded_at \
         FROM import_jobs j JOIN employers e ON e.id = j.employer_id WHERE ",
    );
    q.push(if failed_only { "j.status IN ('failed','partial')" } else { "1 = 1" });
    let f = req.filter.trim().to_lowercase();
    // `status:partial` narrows by status; other text matches the file name.
    if let Some(status) = f.strip_prefix("status:") {
        q.push(" AND j.status = ").bind(status.trim().to_owned());
    } else if !f.is_empty() {
        q.push(" AND lower(j.file_name) LIKE ").bind(format!("%{}%", escape_like(&f))).push(" ESCAPE '\\'");
    }
    q
}

async fn imports(store: &Store, req: &ListRequest, failed_only: bool) -> Result<Page<ListRow>, sqlx::Error> {
    let mut q = imports_sql(req, failed_only);
    // Newest first.
    q.keyset(&["j.uploaded_at", "j.id"], true, &req.dir, req.limit, true);
    let page: Page<ImportItem> = run(store, q, req).await?;
    Ok(page.map(|j| ListRow {
        id: j.id,
        version: None,
        key: vec![Arg::Time(Some(j.uploaded_at)), j.id.into()],
        item: ListItem::Import(j),
    }))
}

/// A registration or verification code in the Codes list.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct CodeItem {
    pub id: i64,
    pub purpose: String,
    /// Whose: the employer's legal name, `Last, First` of a broker, or a portal user's email.
    pub subject: String,
    /// The code's last four characters, to tell codes apart on a call.
    pub last4: String,
    pub issued_by: String,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// As shown: `expired` once past `expires_at`, whatever is stored.
    pub status: String,
    pub attempts: i64,
}

/// The code list's columns and the joins that name each code's subject;
/// `records::code` reads the same with a few more columns.
macro_rules! code_select {
    ($($more:literal)?) => {
        concat!(
            "SELECT c.id, c.purpose, COALESCE(e.legal_name, b.last_name || ', ' || b.first_name, u.email, '?') AS subject, \
             c.last4, c.issued_by, c.issued_at, c.expires_at, c.status, c.attempts", $($more,)? " FROM one_time_codes c \
             LEFT JOIN employers e ON c.subject_kind = 'employer' AND e.id = c.subject_id \
             LEFT JOIN brokers b ON c.subject_kind = 'broker' AND b.id = c.subject_id \
             LEFT JOIN portal_users u ON c.subject_kind = 'portal_user' AND u.id = c.subject_id"
        )
    };
}
pub(super) use code_select;

/// The Codes list's statement before paging, and whether a WHERE is open.
fn codes_sql(req: &ListRequest) -> (Sql, bool) {
    let mut q = Sql::new(code_select!());
    // `:codes EIN` or an NPN: that subject's codes.
    let subject = req.filter.trim();
    let filtered = !subject.is_empty();
    if filtered {
        q.push(" WHERE (e.ein = ").bind(subject).push(" OR b.npn = ").bind(subject).push(")");
    }
    (q, filtered)
}

async fn codes(store: &Store, req: &ListRequest) -> Result<Page<ListRow>, sqlx::Error> {
    let (mut q, filtered) = codes_sql(req);
    q.keyset(&["c.issued_at", "c.id"], true, &req.dir, req.limit, filtered);
    let page: Page<CodeItem> = run(store, q, req).await?;
    Ok(page.map(|mut c| {
        // Expiry is a fact of time, not a stored status.
        c.status = crate::domain::code::shown_status(&c.status, c.expires_at, req.now).to_owned();
        ListRow {
            id: c.id,
            version: None,
            key: vec![Arg::Time(Some(c.issued_at)), c.id.into()],
            item: ListItem::Code(c),
        }
    }))
}

/// The Employers list's statement before paging, and whether a WHERE is open.
fn employers_sql(req: &ListRequest) -> (Sql, bool) {
    let find = match &req.search {
        Some(Search::Employers(f)) => f.clone(),
        _ => super::employers::EmployerFind::All,
    };
    super::employers::find_sql(&find)
}

async fn employers(store: &Store, req: &ListRequest) -> Result<Page<ListRow>, sqlx::Error> {
    let (mut q, filtered) = employers_sql(req);
    q.keyset(&["e.name_key", "e.id"], false, &req.dir, req.limit, filtered);
    let page: Page<super::employers::EmployerRow> = run(store, q, req).await?;
    Ok(page.map(|e| ListRow { id: e.id, version: None, key: e.cursor(), item: ListItem::Employer(e) }))
}

/// A report job in the Reports area's job queue.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct ReportJobItem {
    pub id: i64,
    pub report: String,
    pub status: String,
    /// Rows written so far: the progress of a running job.
    pub rows_written: i64,
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Why it failed, when it did.
    pub error: Option<String>,
}

fn report_jobs_sql(req: &ListRequest) -> Sql {
    let mut q = Sql::new(
        "SELECT j.id, j.report, j.status, j.rows_written, j.requested_by, j.requested_at, j.finished_at, j.error \
         FROM report_jobs j WHERE 1 = 1",
    );
    let f = req.filter.trim().to_lowercase();
    // `status:failed` narrows by status; other text matches the report's name.
    if let Some(status) = f.strip_prefix("status:") {
        q.push(" AND j.status = ").bind(status.trim().to_owned());
    } else if !f.is_empty() {
        q.push(" AND j.report LIKE ").bind(format!("%{}%", escape_like(&f))).push(" ESCAPE '\\'");
    }
    q
}

async fn report_jobs(store: &Store, req: &ListRequest) -> Result<Page<ListRow>, sqlx::Error> {
    let mut q = report_jobs_sql(req);
    // Newest first.
    q.keyset(&["j.requested_at", "j.id"], true, &req.dir, req.limit, true);
    let page: Page<ReportJobItem> = run(store, q, req).await?;
    Ok(page.map(|j| ListRow {
        id: j.id,
        version: None,
        key: vec![Arg::Time(Some(j.requested_at)), j.id.into()],
        item: ListItem::ReportJob(j),
    }))
}

/// A report schedule in the Reports area's schedules list.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct ReportScheduleItem {
    pub id: i64,
    pub report: String,
    /// `once`, `daily`, `weekly` or `monthly`.
    pub repeat: String,
    pub at_time: String,
    pub zone: String,
    pub paused: bool,
    /// None: a one-off that ran, or whose moment passed.
    pub next_at: Option<DateTime<Utc>>,
    pub created_by: String,
    pub row_version: i64,
}

fn report_schedules_sql(req: &ListRequest) -> Sql {
    let mut q = Sql::new(
        "SELECT s.id, s.report, s.repeat, s.at_time, s.zone, s.paused, s.next_at, s.created_by, s.row_version \
         FROM report_schedules s WHERE 1 = 1",
    );
    let f = req.filter.trim().to_lowercase();
    if !f.is_empty() {
        q.push(" AND s.report LIKE ").bind(format!("%{}%", escape_like(&f))).push(" ESCAPE '\\'");
    }
    q
}

async fn report_schedules(store: &Store, req: &ListRequest) -> Result<Page<ListRow>, sqlx::Error> {
    let mut q = report_schedules_sql(req);
    q.keyset(&["s.id"], false, &req.dir, req.limit, true);
    let page: Page<ReportScheduleItem> = run(store, q, req).await?;
    Ok(page.map(|s| ListRow {
        id: s.id,
        version: Some(s.row_version),
        key: vec![s.id.into()],
        item: ListItem::ReportSchedule(s),
    }))
}
