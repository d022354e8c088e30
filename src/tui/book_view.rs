//! The book of business in the broker view (Tab switches from the grants
//! to it): the groups the broker's grants reach, filtered as typed on the
//! `:book` line (`name:` `parent:` `suffix:` `status:` `alert:` `plan:`
//! `type:` `enrolled:FROM..TO` `renewal:FROM..TO`), with the alert column
//! (past-due billing, renewal within 60 days, members turning 65,
//! cancelled), keyset paged. Enter opens the group view.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

use super::app::App;
use super::part::{Part, page_move};
use super::task::TaskId;
use crate::action::Action;
use crate::domain::text::{fit, sanitize};
use crate::ops::employers::BookView;
use crate::ops::request::{Outcome, Request};
use crate::store::book::BookFilter;
use crate::store::{Dir, Page};

/// Book rows read per page.
const BOOK_PAGE: usize = 50;

/// The broker view's book of business tab.
#[derive(Debug, Clone)]
pub struct BookTab {
    /// The filter as typed (shown above the rows).
    pub typed: String,
    pub filter: BookFilter,
    pub page: Part<Page<BookView>>,
    dir: Dir,
    pub selected: usize,
}

impl BookTab {
    /// The book under `filter` (typed as `typed`), read when shown.
    pub fn new(typed: &str, filter: BookFilter) -> BookTab {
        BookTab { typed: typed.trim().to_owned(), filter, page: Part::Unasked, dir: Dir::First, selected: 0 }
    }

    /// The selected group's number.
    pub fn selected_group(&self) -> Option<String> {
        self.page.shown()?.rows.get(self.selected).map(|r| r.row.group_number.clone())
    }

    fn load(&mut self, dir: Dir, select: usize) {
        self.dir = dir;
        self.selected = select;
        self.page = Part::Unasked;
    }

    /// Moves the selection, reading the next or previous page at the ends.
    pub fn handle(&mut self, action: Action) -> bool {
        if action == Action::Refresh {
            self.load(self.dir.clone(), self.selected);
            return true;
        }
        let moves = matches!(
            action,
            Action::Down | Action::Up | Action::PageDown | Action::PageUp | Action::Top | Action::Bottom
        );
        // While the page is read, moving waits for it (the list below stays put).
        let Some(p) = self.page.shown() else { return moves };
        match page_move(action, &mut self.selected, p, |r| r.row.cursor(), BOOK_PAGE) {
            None => false,
            Some(Some((dir, select))) => {
                self.load(dir, select);
                true
            }
            Some(None) => true,
        }
    }

    /// The page to read now, for broker `npn`.
    pub fn wants(&mut self, npn: &str) -> Option<Request> {
        matches!(self.page, Part::Unasked).then(|| {
            self.page = Part::Loading(0);
            Request::BrokerBook {
                npn: npn.to_owned(),
                filter: Box::new(self.filter.clone()),
                dir: self.dir.clone(),
                limit: BOOK_PAGE,
            }
        })
    }

    /// The task reading the page.
    pub fn started(&mut self, id: TaskId) {
        if matches!(self.page, Part::Loading(0)) {
            self.page = Part::Loading(id);
        }
    }

    /// Takes its page's answer; `Err` carries the refusal to say.
    pub fn take(&mut self, answer: Result<Outcome, String>) -> Result<(), String> {
        let answer = answer.and_then(|o| match o {
            Outcome::Book(p) => Ok(p),
            o => Err(o.unexpected().to_string()),
        });
        let failed = answer.as_ref().err().cloned();
        self.page.settle(answer);
        let n = self.page.shown().map_or(0, |p| p.rows.len());
        self.selected = self.selected.min(n.saturating_sub(1));
        failed.map_or(Ok(()), Err)
    }
}

/// Draws the book of business tab of the broker view.
pub fn draw_book(f: &mut Frame, app: &App, b: &BookTab, r: Rect) {
    let t = &app.theme;
    let [head, table] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(r);
    let filter = if b.typed.is_empty() { "no filter".to_owned() } else { sanitize(&b.typed) };
    f.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(format!("Book of business: {}", fit(&filter, 40)), t.header),
            Span::styled("  :book FILTERS · Tab grants · Enter group", t.dim),
        ])),
        head,
    );
    let Some(page) = b.page.shown() else {
        let style = if matches!(b.page, Part::Failed(_)) { t.error } else { t.dim };
        let text = b.page.placeholder("the book of business").unwrap_or_default();
        f.render_widget(Paragraph::new(vec![Line::styled(text, style)]), table);
        return;
    };
    if page.rows.is_empty() {
        let msg = if b.typed.is_empty() {
            "No group is in this broker's book: no grant is in force.".to_owned()
        } else {
            format!(
                "No group of this broker's book matches {}: :book with nothing after it clears the filter.",
                fit(&filter, 40)
            )
        };
        f.render_widget(Paragraph::new(msg).style(t.dim).wrap(ratatui::widgets::Wrap { trim: true }), table);
        return;
    }
    let wide = r.width >= 100;
    let day = |d: chrono::NaiveDate| if wide { app.day(d) } else { d.format("%y-%m-%d").to_string() };
    let mut titles = vec!["Group", "Name", "Status"];
    if wide {
        titles.push("Effective");
    }
    titles.extend(["Renewal", "Plan", "Subs", "Alert"]);
    let visible = usize::from(table.height.saturating_sub(1)).max(1);
    let first = b.selected.saturating_sub(visible - 1);
    let rows = page.rows.iter().skip(first).take(visible).map(|v| {
        let g = &v.row;
        let mut cells =
            vec![Cell::from(sanitize(&g.group_number)), Cell::from(sanitize(&g.name)), Cell::from(g.status.clone())];
        if wide {
            cells.push(Cell::from(day(g.original_effective_date)));
        }
        cells.extend([
            Cell::from(day(g.renewal_date)),
            Cell::from(sanitize(g.plan.as_deref().unwrap_or("—"))),
            Cell::from(g.subscribers.to_string()),
            Cell::from(v.alerts.iter().map(|a| a.icon()).collect::<Vec<_>>().join(" ")).style(t.error),
        ]);
        Row::new(cells)
    });
    let date_w = if wide { 10 } else { 8 };
    let mut widths = vec![Constraint::Length(10), Constraint::Fill(1), Constraint::Length(10)];
    if wide {
        widths.push(Constraint::Length(date_w));
    }
    widths.extend([Constraint::Length(date_w), Constraint::Fill(1), Constraint::Length(5), Constraint::Length(8)]);
    let tbl = Table::new(rows, widths).header(Row::new(titles).style(t.header)).row_highlight_style(t.selected);
    let mut state = TableState::default().with_selected(Some(b.selected - first));
    f.render_stateful_widget(tbl.column_spacing(1), table, &mut state);
}
