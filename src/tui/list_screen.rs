//! An area's list as the bottom screen of its stack: one `ListScreen` for
//! every kind of list (`ListKind`), holding its rows and paging (`Pane`).
//! It draws itself, moves its selection and pages by keyset (a page to
//! load comes back to the app as a callback), says what Enter opens for
//! the selected row, offers its footer actions and takes its own page and
//! count reports. The loads it asks for are spawned here, in `impl App`.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

use super::app::App;
use super::pane::{Pane, Select};
use super::screen::{Area, Handled, Reported, Screen};
use super::task::{Report, TaskId};
use crate::action::Action;
use crate::columns::{FILL, cells, columns};
use crate::domain::case::CaseView;
use crate::store::lists::{self, ListItem, ListKind, ListRequest};
use crate::store::{Dir, short_cause};

/// An area's list: the bottom of its stack.
pub struct ListScreen {
    area: Area,
    pane: Pane,
}

impl ListScreen {
    /// Area `area`'s list, showing its first kind of rows, not loaded yet.
    pub fn new(area: Area) -> ListScreen {
        ListScreen { area, pane: Pane::new(area.first_list()) }
    }

    /// What Enter (or `member.view`, `broker.view`) opens for the selected
    /// row: the screen of its record, or its detail view.
    fn opens(&self, action: Action) -> Handled<App> {
        let p = &self.pane;
        // Every kind of list opens something (a new kind must say what).
        let opens = match p.kind {
            ListKind::Cases(_) => Opens::Case,
            ListKind::Members => Opens::Member,
            ListKind::Brokers => Opens::Broker,
            ListKind::Imports { .. } => Opens::Import,
            ListKind::Accounts | ListKind::Staff | ListKind::Codes => Opens::Record,
            ListKind::Employers => Opens::Employer,
            ListKind::ReportJobs => Opens::ReportJob,
            ListKind::ReportSchedules => Opens::Schedule,
        };
        match (opens, action) {
            (_, Action::Open) | (Opens::Member, Action::MemberView) | (Opens::Broker, Action::BrokerView) => {}
            // `member.view` on another list: the app says where it works.
            _ => return Handled::Ignored,
        }
        let Some(row) = p.rows.get(p.selected) else {
            return Handled::Then(Box::new(|app: &mut App| app.nothing_selected()));
        };
        let (kind, id, handle) = (p.kind, row.id, row.item.handle());
        Handled::Then(Box::new(move |app: &mut App| match opens {
            Opens::Case => app.open_case(&handle),
            Opens::Member => app.open_member(&handle),
            Opens::Broker => app.open_broker(Some(handle)),
            Opens::Import => app.open_import(Some(id)),
            Opens::Record => app.open_record(kind, id),
            Opens::Employer => app.open_employer(&handle),
            Opens::ReportJob => app.open_report_job(id),
            Opens::Schedule => app.schedule_help(),
        }))
    }
}

/// A callback that loads a page of area `area`'s list.
fn load(area: Area, dir: Dir, select: Select) -> Handled<App> {
    Handled::Then(Box::new(move |app: &mut App| app.load(area, dir, select)))
}

/// What a row of a kind of list opens.
#[derive(Clone, Copy)]
enum Opens {
    Case,
    Member,
    Broker,
    Import,
    /// The detail view of the row (accounts, staff, codes).
    Record,
    Employer,
    /// A report job's result, in the pager.
    ReportJob,
    /// A schedule: its actions are `:` words on the selected row.
    Schedule,
}

impl Screen<App> for ListScreen {
    /// The list's part of the breadcrumb: which view of the area, and the filter.
    fn title(&self) -> String {
        let mut parts = Vec::new();
        match self.pane.kind {
            ListKind::Cases(v) => parts.push(v.name().to_owned()),
            ListKind::Imports { failed_only: true } => parts.push("failed".into()),
            ListKind::Staff => parts.push("staff".into()),
            ListKind::ReportJobs => parts.push("jobs".into()),
            ListKind::ReportSchedules => parts.push("schedules".into()),
            _ => {}
        }
        if !self.pane.filter.is_empty() {
            parts.push(format!("/{}", crate::domain::ssn::redact(&self.pane.filter)));
        }
        parts.join(" › ")
    }

    fn loading(&self) -> bool {
        self.pane.loading.is_some()
    }

    fn handle(&mut self, _: Action) -> bool {
        false
    }

    fn act(&mut self, action: Action) -> Handled<App> {
        let area = self.area;
        let p = &mut self.pane;
        match action {
            Action::Down if p.selected + 1 < p.rows.len() => p.selected += 1,
            // Scroll by one row: the page after the first row on screen.
            Action::Down if p.more_after && p.loading.is_none() => {
                return load(area, Dir::After(p.rows[0].key.clone()), Select::Last);
            }
            Action::Up if p.selected > 0 => p.selected -= 1,
            Action::Up if p.more_before && p.loading.is_none() => {
                return load(area, Dir::Before(p.rows[p.rows.len() - 1].key.clone()), Select::First);
            }
            Action::Down | Action::Up => {}
            // Tab steps the Reports area through its views: jobs, schedules, the catalogue.
            Action::FocusNext if matches!(p.kind, ListKind::ReportJobs | ListKind::ReportSchedules) => {
                return Handled::Then(Box::new(|app: &mut App| app.next_reports_view()));
            }
            Action::Top => return load(area, Dir::First, Select::First),
            Action::Bottom => return load(area, Dir::Last, Select::Last),
            Action::PageDown => match p.rows.last() {
                Some(last) if p.more_after => {
                    return load(area, Dir::After(last.key.clone()), Select::Index(p.selected));
                }
                _ => p.selected = p.rows.len().saturating_sub(1),
            },
            Action::PageUp => match p.rows.first() {
                Some(first) if p.more_before => {
                    return load(area, Dir::Before(first.key.clone()), Select::Index(p.selected));
                }
                _ => p.selected = 0,
            },
            Action::Open | Action::MemberView | Action::BrokerView => return self.opens(action),
            _ => return Handled::Ignored,
        }
        Handled::Done
    }

    /// The action table's footer entries for this area's list; the
    /// accounts list offers the portal user actions.
    fn offers(&self) -> Vec<(Action, &'static str)> {
        match self.pane.kind {
            ListKind::ReportJobs => {
                return vec![
                    (Action::Open, "result"),
                    (Action::ReportCancel, "cancel"),
                    (Action::FocusNext, "schedules"),
                    (Action::Filter, "filter"),
                    (Action::CommandLine, "command"),
                    (Action::Help, "help"),
                ];
            }
            ListKind::ReportSchedules => {
                return vec![
                    (Action::ReportPause, "pause"),
                    (Action::ReportResume, "resume"),
                    (Action::ReportUnschedule, "delete"),
                    (Action::FocusNext, "catalogue"),
                    (Action::CommandLine, "command"),
                    (Action::Help, "help"),
                ];
            }
            ListKind::Accounts => {}
            _ => return self.area.list_offers(),
        }
        vec![
            (Action::AccountUnlock, "unlock"),
            (Action::AccountDisable, "disable"),
            (Action::AccountEnable, "enable"),
            (Action::AccountResendRegistration, "resend reg."),
            (Action::AccountResetPassword, "reset pw"),
            (Action::AccountTools, "tools"),
            (Action::CommandLine, "command"),
            (Action::Help, "help"),
        ]
    }

    fn draw(&self, f: &mut Frame, app: &App, r: Rect) {
        draw_list(f, app, &self.pane, r);
    }

    /// A page or a count of this list: the pane knows the task it waits for.
    fn on_report(&mut self, id: TaskId, report: Report) -> Reported {
        match report {
            Report::List(result) if self.pane.loading.is_some_and(|(t, _, _)| t == id) => {
                self.pane.arrived(id, result);
                Reported::Shown
            }
            Report::ListCount(result) if self.pane.count_task == Some(id) => {
                self.pane.counted(id, result);
                Reported::Shown
            }
            other => Reported::NotMine(other),
        }
    }

    fn list(&self) -> Option<&Pane> {
        Some(&self.pane)
    }

    fn list_mut(&mut self) -> Option<&mut Pane> {
        Some(&mut self.pane)
    }
}

fn draw_list(f: &mut Frame, app: &App, pane: &Pane, r: Rect) {
    let t = &app.theme;
    let cols = columns(pane.kind);
    if let Some(e) = &pane.error {
        let msg = format!("Could not load this list: {e}\nPress Ctrl-R to retry.");
        f.render_widget(Paragraph::new(msg).style(t.error), r);
        return;
    }
    if pane.loaded && pane.rows.is_empty() && pane.loading.is_none() {
        let msg = if pane.filter.is_empty() {
            "Nothing here.".to_owned()
        } else if pane.kind == ListKind::Employers {
            format!("{} — Esc clears the search.", crate::ops::employers::no_match(&pane.filter))
        } else {
            format!("Nothing matches /{} — Esc clears the filter.", crate::domain::ssn::redact(&pane.filter))
        };
        f.render_widget(Paragraph::new(msg).style(t.dim), r);
        return;
    }
    let header = Row::new(cols.iter().map(|(h, _)| Cell::from(*h))).style(t.header);
    let cases = matches!(pane.kind, ListKind::Cases(_));
    let now = app.ops.now();
    let rows = pane.rows.iter().map(|row| {
        let marked = matches!(&row.item, ListItem::Case(c) if app.marked.contains(&c.case_number));
        let cells = cells(&row.item, now, &app.date_format).into_iter().enumerate().map(|(i, c)| {
            // Overdue cases stand out in the Due column; marked ones carry a `*`.
            let style = if cases && i == 1 && c.starts_with('-') { t.overdue } else { Style::new() };
            if cases && i == 3 {
                let flags = format!("{}{c}", if marked { "*" } else { "" });
                return Cell::from(flags).style(t.error);
            }
            Cell::from(c).style(style)
        });
        Row::new(cells).style(if marked { t.key } else { Style::new() })
    });
    let widths = cols.iter().map(|(_, w)| if *w == FILL { Constraint::Fill(1) } else { Constraint::Length(*w) });
    let table = Table::new(rows, widths).header(header).row_highlight_style(t.selected).column_spacing(1);
    let mut state = TableState::default().with_selected(if pane.rows.is_empty() { None } else { Some(pane.selected) });
    f.render_stateful_widget(table, r, &mut state);
}

impl App {
    /// Area `area`'s list screen, for the bottom of its stack.
    pub(super) fn list_screen(area: Area) -> Box<dyn Screen<App>> {
        Box::new(ListScreen::new(area))
    }

    /// The request for a page of area `area`'s list, or why the typed
    /// member search cannot be run.
    pub(super) fn request(&self, area: Area, dir: Dir, limit: usize) -> Result<ListRequest, String> {
        let pane = self.pane_of(area);
        let search = match pane.kind {
            ListKind::Members => {
                crate::store::members::MemberSearch::parse(&pane.filter, self.key.as_ref())?.map(lists::Search::Members)
            }
            ListKind::Brokers => Some(lists::Search::Brokers(crate::store::brokers::BrokerSearch::parse(
                &pane.filter,
                self.key.as_ref(),
            )?)),
            ListKind::Employers => {
                Some(lists::Search::Employers(crate::store::employers::EmployerFind::parse(&pane.filter)?))
            }
            _ => None,
        };
        Ok(ListRequest {
            kind: pane.kind,
            filter: pane.filter.clone(),
            dir,
            limit,
            me: self.ops.operator().id,
            now: self.ops.now(),
            backend_pid: std::sync::Arc::default(),
            date_format: self.date_format.clone(),
            search,
        })
    }

    /// Loads a page of area `area`'s list (cancelling the page it was
    /// loading), and counts the list again when it is loaded afresh.
    pub(super) fn load(&mut self, area: Area, dir: Dir, select: Select) {
        let req = match self.request(area, dir.clone(), self.page_len()) {
            Ok(r) => r,
            Err(e) => return self.complain(e),
        };
        if let Some((id, _, _)) = self.pane_mut(area).loading.take() {
            self.tasks.cancel(id);
        }
        let pane = self.pane_mut(area);
        pane.next_offset = pane.next_offset_for(&dir);
        if dir == Dir::First {
            // Another queue or filter: the old total says nothing of it.
            pane.total = None;
        }
        // A list loaded afresh (a queue, a filter, a refresh after a change)
        // is counted again; stepping through its pages is not.
        if !matches!(dir, Dir::After(_) | Dir::Before(_)) || pane.total.is_none() {
            self.count(area, &req);
        }
        let backend_pid = std::sync::Arc::clone(&req.backend_pid);
        let store = self.ops.store().clone();
        let edge = matches!(dir, Dir::After(_) | Dir::Before(_));
        let id = self.tasks.spawn_tracked(backend_pid, async move {
            Report::List(lists::fetch(&store, &req).await.map_err(|e| short_cause(&e)))
        });
        self.pane_mut(area).loading = Some((id, edge, select));
    }

    /// Counts area `area`'s whole list in the background: typed keys do not
    /// wait for it, and a newer count cancels it.
    fn count(&mut self, area: Area, req: &ListRequest) {
        let mut req = req.clone();
        req.backend_pid = std::sync::Arc::default();
        if let Some(id) = self.pane_mut(area).count_task.take() {
            self.tasks.cancel(id);
        }
        let pid = std::sync::Arc::clone(&req.backend_pid);
        let store = self.ops.store().clone();
        let cap = self.count_cap;
        let id = self.tasks.spawn_tracked(pid, async move {
            Report::ListCount(crate::store::count::count(&store, &req, cap).await.map_err(|e| short_cause(&e)))
        });
        self.tasks.set_background(id);
        self.pane_mut(area).count_task = Some(id);
    }

    /// Loads area `area`'s page again where it stands, the selection kept.
    pub(super) fn reload_in_place(&mut self, area: Area) {
        let pane = self.pane_of(area);
        let dir = match pane.rows.first() {
            Some(first) if pane.more_before => Dir::From(first.key.clone()),
            _ => Dir::First,
        };
        let select = Select::Index(pane.selected);
        self.load(area, dir, select);
    }

    /// Reloads area `area`'s list where it stands after another session's
    /// change (live queues): the selection stays on the same row by its id,
    /// or, if that row left the list, on the row now in its place.
    pub(super) fn reload_keeping(&mut self, area: Area) {
        let pane = self.pane_of(area);
        let dir = match pane.rows.first() {
            Some(first) if pane.more_before => Dir::From(first.key.clone()),
            _ => Dir::First,
        };
        let select = match pane.rows.get(pane.selected) {
            Some(r) => Select::Keep { id: r.id, index: pane.selected },
            None => Select::First,
        };
        self.load(area, dir, select);
    }

    /// The case list's view (a queue, mine, unassigned…): its kind.
    pub fn case_view(&self) -> CaseView {
        match self.pane_of(Area::Cases).kind {
            ListKind::Cases(v) => v,
            _ => CaseView::ALL[0],
        }
    }

    /// Shows case view `v` (`]`, `[`, `:cases VIEW`), with no case open above it.
    pub(super) fn set_case_view(&mut self, v: CaseView) {
        self.area = Area::Cases;
        self.stack_mut(Area::Cases).clear();
        self.pane_mut(Area::Cases).kind = ListKind::Cases(v);
        self.load(Area::Cases, Dir::First, Select::First);
    }

    /// `:accounts [QUERY]`: the portal users (after `:staff`, their list again).
    pub(super) fn show_accounts(&mut self, query: &str) {
        self.pane_mut(Area::Accounts).kind = ListKind::Accounts;
        self.set_filter(Area::Accounts, query);
    }

    /// `:imports [failed|all]`: the import jobs, with no job open above them.
    pub(super) fn show_imports(&mut self, failed_only: bool) {
        self.stack_mut(Area::Imports).clear();
        self.pane_mut(Area::Imports).kind = ListKind::Imports { failed_only };
        self.set_filter(Area::Imports, "");
    }
}
