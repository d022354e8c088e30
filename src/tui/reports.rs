//! Reports in the TUI (area 8): the catalogue (a screen over the area's
//! list, Enter opens a report's parameter form), the job queue and the
//! schedules (the area's list, `:reports jobs|schedules`), the actions on
//! their selected row (`:stop-job`, `:pause`, `:resume`, `:unschedule`),
//! and a broker's commission statements (`:commissions`, `:statement`).
//! Every read and change is a `Request` through `App::runner()`.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

use super::app::App;
use super::form::FormKind;
use super::modal::{Confirm, Pending, Waiting};
use super::report_pager::ReportPager;
use super::screen::{Area, Handled, Screen};
use super::task::Report;
use crate::action::Action;
use crate::domain::report_catalogue::{REPORTS, ReportSpec};
use crate::domain::text::fit;
use crate::ops::request::{Outcome, Request};
use crate::store::lists::{ListItem, ListKind};

/// The report catalogue, shown over the Reports area's list.
#[derive(Debug, Clone, Default)]
pub struct CatalogueScreen {
    pub selected: usize,
}

impl CatalogueScreen {
    /// The selected report.
    pub fn report(&self) -> Option<&'static ReportSpec> {
        REPORTS.get(self.selected)
    }
}

impl Screen<App> for CatalogueScreen {
    fn title(&self) -> String {
        "catalogue".into()
    }

    fn loading(&self) -> bool {
        false
    }

    fn handle(&mut self, action: Action) -> bool {
        let last = REPORTS.len().saturating_sub(1);
        self.selected = match action {
            Action::Down => (self.selected + 1).min(last),
            Action::Up => self.selected.saturating_sub(1),
            Action::PageDown => (self.selected + 10).min(last),
            Action::PageUp => self.selected.saturating_sub(10),
            Action::Top => 0,
            Action::Bottom => last,
            _ => return false,
        };
        true
    }

    fn act(&mut self, action: Action) -> Handled<App> {
        let i = self.selected;
        match action {
            Action::Open => Handled::Then(Box::new(move |app: &mut App| app.open_report_form(i))),
            Action::FocusNext => Handled::Then(Box::new(|app: &mut App| app.show_reports("jobs"))),
            _ if self.handle(action) => Handled::Done,
            _ => Handled::Ignored,
        }
    }

    fn offers(&self) -> Vec<(Action, &'static str)> {
        vec![
            (Action::Open, "parameters"),
            (Action::FocusNext, "jobs"),
            (Action::Back, "jobs"),
            (Action::CommandLine, "command"),
            (Action::Help, "help"),
        ]
    }

    fn draw(&self, f: &mut Frame, app: &App, r: Rect) {
        let t = &app.theme;
        let header = Row::new(["Report", "Kind", "What it lists"].map(Cell::from)).style(t.header);
        let rows = REPORTS.iter().map(|spec| {
            Row::new([
                Cell::from(spec.name),
                Cell::from(spec.kind.as_str()),
                Cell::from(fit(&format!("{}: {}", spec.title, spec.help), usize::from(r.width).saturating_sub(36))),
            ])
        });
        let widths = [Constraint::Length(22), Constraint::Length(10), Constraint::Fill(1)];
        let table = Table::new(rows, widths).header(header).row_highlight_style(t.selected).column_spacing(1);
        let mut state = TableState::default().with_selected(Some(self.selected));
        let listed = (REPORTS.len() as u16 + 2).min(r.height);
        let [top, below] = Layout::vertical([Constraint::Length(listed), Constraint::Fill(1)]).areas(r);
        f.render_stateful_widget(table, top, &mut state);
        // The selected report whole: what it lists, its parameters, its columns.
        let Some(spec) = self.report() else { return };
        let width = usize::from(r.width).max(20);
        let params: Vec<String> = spec
            .params
            .iter()
            .map(|p| format!("{}{} ({})", p.name, if p.required { "*" } else { "" }, p.ty.as_str()))
            .collect();
        let params = if params.is_empty() { "none".to_owned() } else { params.join(", ") };
        let text = [
            format!("{}: {}", spec.title, spec.help),
            format!("Parameters (* required): {params}"),
            format!("Columns: {}", spec.columns.join(", ")),
        ];
        let lines: Vec<Line> = text
            .iter()
            .flat_map(|l| super::widgets::wrap(l, width, 2))
            .enumerate()
            .map(|(i, l)| if i == 0 { Line::styled(l, t.header) } else { Line::styled(l, t.dim) })
            .collect();
        f.render_widget(Paragraph::new(lines), below);
    }
}

impl App {
    /// Every area's stack at start: its list, and in Reports the catalogue over it.
    pub(super) fn initial_stacks() -> Vec<super::screen::Stack<App>> {
        let mut stacks: Vec<_> = Area::ALL.iter().map(|a| super::screen::Stack::new(App::list_screen(*a))).collect();
        stacks[Area::Reports.index()].open(Box::new(CatalogueScreen::default()));
        stacks
    }

    /// `:reports [catalogue|jobs|schedules]`: the catalogue over the area's
    /// list, or the list of jobs or schedules.
    pub(super) fn show_reports(&mut self, view: &str) {
        let kind = match view.trim() {
            "" | "catalogue" => {
                self.area = Area::Reports;
                self.close_modals();
                if self.top::<CatalogueScreen>().is_none() {
                    self.show_screen(Area::Reports, Box::new(CatalogueScreen::default()));
                }
                return;
            }
            "schedules" => ListKind::ReportSchedules,
            _ => ListKind::ReportJobs,
        };
        self.stack_mut(Area::Reports).clear();
        self.pane_mut(Area::Reports).kind = kind;
        self.set_filter(Area::Reports, "");
    }

    /// Tab on the Reports list: catalogue, jobs, schedules in turn.
    pub(super) fn next_reports_view(&mut self) {
        match self.pane_of(Area::Reports).kind {
            ListKind::ReportJobs => self.show_reports("schedules"),
            _ => self.show_reports("catalogue"),
        }
    }

    /// The catalogue's report at `i` as a form, one field per parameter.
    pub(super) fn open_report_form(&mut self, i: usize) {
        let Some(spec) = REPORTS.get(i) else { return self.complain("no report is selected") };
        if spec.params.is_empty() {
            // Nothing to fill in: the report is queued as it is.
            return self.run_report(i, Vec::new());
        }
        self.open_form(FormKind::Report(i));
    }

    /// `:report NAME`: that report's form.
    pub(super) fn report_command(&mut self, name: &str) {
        match REPORTS.iter().position(|r| r.name == name.trim()) {
            Some(i) => {
                self.show_reports("catalogue");
                if let Some(s) = self.screen_mut::<CatalogueScreen>() {
                    s.selected = i;
                }
                self.open_report_form(i);
            }
            None => {
                let names: Vec<&str> = REPORTS.iter().map(|r| r.name).collect();
                self.complain(format!("no report {:?}; the catalogue has {}", fit(name, 30), names.join(", ")))
            }
        }
    }

    /// Queues the catalogue's report at `i` with `params` (a refusal keeps the form).
    pub(super) fn run_report(&mut self, i: usize, params: Vec<(String, String)>) {
        let Some(spec) = REPORTS.get(i) else { return };
        let run = self.runner();
        let req = Request::ReportRun { report: spec.name.to_owned(), params };
        let title = spec.title;
        self.spawn_op(format!("queueing {title}…"), async move {
            Report::Op(match run.execute(req).await {
                Ok(Outcome::Queued(id)) => {
                    Ok(format!("{title} queued as report job {id}; a worker runs it (:reports jobs shows it)"))
                }
                Ok(other) => Err(other.unexpected().to_string()),
                Err(e) => Err(e.to_string()),
            })
        });
        if self.top::<CatalogueScreen>().is_some() {
            // The queue shows the new job once the change is done.
            self.stack_mut(Area::Reports).clear();
            self.pane_mut(Area::Reports).kind = ListKind::ReportJobs;
        }
    }

    /// Enter on a report job: its result in the pager.
    pub(super) fn open_report_job(&mut self, job: i64) {
        self.show_screen(Area::Reports, Box::new(ReportPager::new(job)));
    }

    /// Enter on a schedule: what can be done with it.
    pub(super) fn schedule_help(&mut self) {
        self.say(":pause, :resume or :unschedule the selected schedule");
    }

    /// The selected row of the Reports list, when it is of `kind`.
    fn selected_report_row(&self, kind: ListKind) -> Option<ListItem> {
        // The kinds of the Reports list are its own: in front, it is that list.
        let p = self.list_in_front().filter(|p| p.kind == kind)?;
        p.rows.get(p.selected).map(|r| r.item.clone())
    }

    /// `:stop-job`, `:pause`, `:resume`, `:unschedule` on the selected
    /// job or schedule; cancel and unschedule ask first.
    pub(super) fn report_row_action(&mut self, action: Action) {
        if action == Action::ReportCancel {
            let Some(ListItem::ReportJob(j)) = self.selected_report_row(ListKind::ReportJobs) else {
                return self.complain("select a report job first (:reports jobs), then :stop-job");
            };
            if !matches!(j.status.as_str(), "queued" | "running") {
                return self.complain(format!("job {} is {}: only a queued or running job stops", j.id, j.status));
            }
            return self.confirm(Confirm {
                title: format!("Cancel report job {} ({})?", j.id, j.report),
                lines: vec![format!("status: {} → cancelled; its worker stops and writes nothing more", j.status)],
                pending: Pending::Admin(Waiting(Box::new(Request::ReportCancel { job: j.id }))),
            });
        }
        let Some(ListItem::ReportSchedule(s)) = self.selected_report_row(ListKind::ReportSchedules) else {
            return self.complain("select a schedule first (:reports schedules)");
        };
        match action {
            Action::ReportPause => self.run_admin_job(Request::ReportPause { id: s.id }),
            Action::ReportResume => self.run_admin_job(Request::ReportResume { id: s.id }),
            _ => self.confirm(Confirm {
                title: format!("Delete report schedule {} ({})?", s.id, s.report),
                lines: vec![format!("{} at {} {} → removed; the jobs it queued are kept", s.repeat, s.at_time, s.zone)],
                pending: Pending::Admin(Waiting(Box::new(Request::ReportUnschedule { id: s.id }))),
            }),
        }
    }

    /// `:export FILE` in a report's pager: its stored output, as `report get` writes it.
    /// False when no pager is in front.
    pub(super) fn export_report(&mut self, args: &str) -> bool {
        let Some(p) = self.top::<ReportPager>() else { return false };
        let file = args.trim();
        if file.is_empty() || file.contains(char::is_whitespace) {
            self.complain("type :export FILE.csv");
            return true;
        }
        let req = Request::ReportGet { job: p.job, out: std::path::PathBuf::from(file) };
        let (run, shown, job) = (self.runner(), file.to_owned(), p.job);
        self.spawn_op(format!("writing report job {job} to {shown}…"), async move {
            Report::Op(match run.execute(req).await {
                Ok(Outcome::Written(_, lines)) if lines <= 1 => {
                    Ok(format!("report job {job} had no rows: {shown} holds the header only"))
                }
                Ok(Outcome::Written(bytes, lines)) => {
                    Ok(format!("report job {job} written to {shown}: {} rows, {bytes} bytes", lines - 1))
                }
                Ok(other) => Err(other.unexpected().to_string()),
                Err(e) => Err(e.to_string()),
            })
        });
        true
    }

    /// `:commissions [YYYY-MM]`: the open broker's statements tab on that
    /// month (the latest on file by default).
    pub(super) fn commissions(&mut self, month: &str) {
        let month = (!month.trim().is_empty()).then(|| month.trim().to_owned());
        let Some(b) = self.screen_mut::<super::admin::BrokerScreen>() else {
            return self.complain("open a broker first (3, then Enter, or :broker NPN), then :commissions [YYYY-MM]");
        };
        b.book = None;
        b.commissions = Some(Box::new(super::commission_tab::CommissionTab::new(month)));
        self.area = Area::Brokers;
        self.pump_screen();
    }

    /// `:statement FILE.csv` (the statement selected in a broker's
    /// statements tab) or `:statement ID FILE.csv`: its lines written to FILE.
    pub(super) fn statement_command(&mut self, args: &str) {
        let words: Vec<&str> = args.split_whitespace().collect();
        let selected = self
            .screen::<super::admin::BrokerScreen>()
            .and_then(|b| b.commissions.as_ref())
            .and_then(|c| c.selected_statement());
        let (id, file) = match (words.as_slice(), selected) {
            ([file], Some(id)) => (id, *file),
            ([id, file], _) if id.parse::<i64>().is_ok() => (id.parse::<i64>().unwrap_or_default(), *file),
            _ => {
                return self.complain(
                    "type :statement FILE.csv in a broker's statements tab (Tab, or :commissions), or :statement ID FILE.csv",
                );
            }
        };
        let req = Request::CommissionGet { id, out: std::path::PathBuf::from(file) };
        let run = self.runner();
        self.spawn_op(format!("writing statement {id}…"), async move {
            Report::Op(match run.execute(req).await {
                Ok(Outcome::StatementWritten(w)) => {
                    Ok(format!("statement {id} written to {}: {} lines", w.file, w.lines))
                }
                Ok(other) => Err(other.unexpected().to_string()),
                Err(e) => Err(e.to_string()),
            })
        });
    }
}
