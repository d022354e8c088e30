//! The import job view: the job's counts, its row errors summarised by
//! code and listed with their (SSN-masked) values; Tab narrows the list to
//! one code at a time; `Q` retries.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

use super::app::App;
use super::screen::{Area, Handled, Reported, Screen};
use super::task::{Report, TaskId};
use crate::action::Action;
use crate::domain::text::sanitize;
use crate::store::imports::{self as store, JobHead, RowError};

/// The job the Imports area shows instead of its list.
#[derive(Debug, Clone)]
pub struct ImportScreen {
    pub id: i64,
    pub job: Option<(JobHead, Vec<RowError>)>,
    pub loading: Option<TaskId>,
    /// Only errors of this code, when set.
    pub code: Option<String>,
    pub selected: usize,
}

impl ImportScreen {
    /// Error codes with their counts, most frequent first.
    pub fn summary(&self) -> Vec<(String, usize)> {
        let mut m: std::collections::BTreeMap<String, usize> = Default::default();
        for e in self.job.iter().flat_map(|(_, e)| e) {
            *m.entry(e.code.clone()).or_default() += 1;
        }
        let mut v: Vec<(String, usize)> = m.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v
    }

    /// The errors the list shows (all, or one code's).
    pub fn shown(&self) -> Vec<&RowError> {
        self.job.iter().flat_map(|(_, e)| e).filter(|e| self.code.as_ref().is_none_or(|c| &e.code == c)).collect()
    }
}

impl App {
    /// Opens a job: `:import ID`, or Enter on the list.
    pub(super) fn open_import(&mut self, id: Option<i64>) {
        let Some(id) = id else { return self.nothing_selected() };
        self.open_screen(
            Area::Imports,
            Box::new(ImportScreen { id, job: None, loading: None, code: None, selected: 0 }),
        );
        self.reload_import();
    }

    /// Reads the import job in front again after a live change (its run
    /// moved on in another session, or in this one's background task).
    pub(super) fn follow_import(&mut self) {
        if self.top::<ImportScreen>().is_some() {
            self.live_reloads += 1;
            self.reload_import();
        }
    }

    /// Loads (again) the open job.
    pub(super) fn reload_import(&mut self) {
        let Some(id) = self.screen::<ImportScreen>().map(|s| s.id) else { return };
        let st = self.ops.store().clone();
        let task = self.tasks.spawn_screen(async move {
            let r = async {
                let job = store::job(&st, id).await?;
                match job {
                    Some(j) => Ok(Some((j, store::errors(&st, id).await?))),
                    None => Ok(None),
                }
            };
            r.await.map_err(|e: sqlx::Error| crate::store::short_cause(&e))
        });
        if let Some(s) = self.screen_mut::<ImportScreen>() {
            s.loading = Some(task);
        }
    }

    /// Enter in the job view: the selected error row's detail.
    pub(super) fn open_import_error(&mut self) {
        let Some(s) = self.top::<ImportScreen>() else { return };
        match s.shown().get(s.selected) {
            Some(e) => {
                let record = super::record::Record::ImportError { job: s.id, error: Box::new((*e).clone()) };
                self.show_record(record);
            }
            None => self.complain("this job has no error rows to open"),
        }
    }

    /// `Q`: retries the open (or selected) job: only its failed rows when
    /// some rows went in, else the whole file.
    pub(super) fn retry_selected_import(&mut self) {
        let target = match (
            self.top::<ImportScreen>(),
            self.list_in_front().filter(|p| matches!(p.kind, crate::store::lists::ListKind::Imports { .. })),
        ) {
            (Some(s), _) => s.job.as_ref().map(|(j, _)| (j.id, j.ok_rows > 0)),
            (None, Some(p)) => p
                .rows
                .get(p.selected)
                .map(|r| (r.id, matches!(&r.item, crate::store::lists::ListItem::Import(j) if j.ok_rows != 0))),
            (None, None) => None,
        };
        let Some((id, some_ok)) = target else {
            return self.complain("open or select an import job first (5)");
        };
        let args = if some_ok { format!("{id} failed") } else { id.to_string() };
        self.import_command(Action::ImportRetry, &args);
    }
}

/// Draws the open job in the list's place.
pub fn draw_import(f: &mut Frame, app: &App, s: &ImportScreen, r: Rect) {
    let t = &app.theme;
    let Some((j, _)) = &s.job else {
        f.render_widget(Paragraph::new(format!("Loading import job {}…", s.id)).style(t.dim), r);
        return;
    };
    let summary: Vec<String> = s.summary().iter().map(|(c, n)| format!("{c} {n}")).collect();
    let mut head = vec![
        Line::from(vec![
            Span::styled(format!("Import job {}  ", j.id), t.header),
            Span::raw(sanitize(&format!("{} · {} · employer {} · {}", j.kind, j.status, j.ein, j.file_name))),
        ]),
        Line::from(format!(
            "{} rows: {} in, {} failed{}",
            j.total_rows,
            j.ok_rows,
            j.failed_rows,
            j.parent_job_id.map(|p| format!(" · corrects job {p}")).unwrap_or_default()
        )),
    ];
    if let Some(e) = &j.file_error {
        head.push(Line::from(Span::styled(format!("File error: {}", sanitize(e)), t.error)));
    }
    head.push(Line::from(vec![
        Span::styled("Errors by code: ", t.header),
        Span::raw(if summary.is_empty() { "none".into() } else { summary.join(" · ") }),
    ]));
    head.push(Line::from(Span::styled(
        format!(
            "Showing {} · Tab next code · Q retry{}",
            s.code.as_deref().unwrap_or("all codes"),
            if j.ok_rows > 0 { " failed rows" } else { "" }
        ),
        t.dim,
    )));
    let [top, table] = Layout::vertical([Constraint::Length(head.len() as u16), Constraint::Min(1)]).areas(r);
    f.render_widget(Paragraph::new(head), top);
    let shown = s.shown();
    let visible = usize::from(table.height.saturating_sub(1)).max(1);
    let first = s.selected.saturating_sub(visible - 1);
    let rows = shown.iter().skip(first).take(visible).map(|e| {
        Row::new(vec![
            Cell::from(e.row_number.to_string()),
            Cell::from(e.field.clone()),
            Cell::from(e.code.clone()),
            Cell::from(sanitize(&e.message)),
            Cell::from(sanitize(&e.raw_values)),
        ])
    });
    let header = Row::new(["Row", "Field", "Code", "Message", "Values"]).style(t.header);
    let widths = [
        Constraint::Length(5),
        Constraint::Length(14),
        Constraint::Length(20),
        Constraint::Fill(2),
        Constraint::Fill(1),
    ];
    let tbl = Table::new(rows, widths).header(header).row_highlight_style(t.selected).column_spacing(1);
    let mut state = TableState::default().with_selected((!shown.is_empty()).then_some(s.selected - first));
    f.render_stateful_widget(tbl, table, &mut state);
}

impl Screen<App> for ImportScreen {
    fn title(&self) -> String {
        format!("job {}", self.id)
    }

    fn loading(&self) -> bool {
        self.loading.is_some()
    }

    fn act(&mut self, action: Action) -> Handled<App> {
        match action {
            Action::Open => Handled::Then(Box::new(|app: &mut App| app.open_import_error())),
            _ if self.handle(action) => Handled::Done,
            _ => Handled::Ignored,
        }
    }

    fn handle(&mut self, action: Action) -> bool {
        let n = self.shown().len();
        match action {
            Action::FocusNext | Action::FocusPrev => {
                // The cycle is: every code, then each code alone in order.
                let codes: Vec<String> = self.summary().into_iter().map(|(c, _)| c).collect();
                let at = self.code.as_ref().and_then(|c| codes.iter().position(|x| x == c));
                let next = match (action == Action::FocusNext, at) {
                    (true, None) => Some(0),
                    (true, Some(i)) => Some(i + 1),
                    (false, None) => codes.len().checked_sub(1),
                    (false, Some(i)) => i.checked_sub(1),
                };
                self.code = next.and_then(|i| codes.get(i)).cloned();
                self.selected = 0;
            }
            Action::Down => self.selected = (self.selected + 1).min(n.saturating_sub(1)),
            Action::Up => self.selected = self.selected.saturating_sub(1),
            Action::PageDown => self.selected = (self.selected + 10).min(n.saturating_sub(1)),
            Action::PageUp => self.selected = self.selected.saturating_sub(10),
            Action::Top => self.selected = 0,
            Action::Bottom => self.selected = n.saturating_sub(1),
            _ => return false,
        }
        true
    }

    /// The job view offers what the Imports list offers.
    fn offers(&self) -> Vec<(Action, &'static str)> {
        Area::Imports.list_offers()
    }

    fn draw(&self, f: &mut Frame, app: &App, r: Rect) {
        draw_import(f, app, self, r);
    }

    fn on_report(&mut self, task: TaskId, report: Report) -> Reported {
        if self.loading != Some(task) {
            return Reported::NotMine(report);
        }
        match report.screen::<Option<(JobHead, Vec<RowError>)>>() {
            Ok(result) => {
                self.loading = None;
                match result {
                    Ok(Some(j)) => self.job = Some(j),
                    Ok(None) => return Reported::Gone(format!("no import job {}", self.id)),
                    Err(e) => return Reported::Failed(e),
                }
                Reported::Shown
            }
            Err(other) => Reported::NotMine(other),
        }
    }
}
