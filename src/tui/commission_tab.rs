//! The broker view's commission statements tab: the broker's statements
//! for a month (the latest on file first), `[` and `]` stepping to the
//! month before or after within the 18 kept, read through
//! `Request::CommissionList`; `:statement FILE.csv` writes the selected one
//! (`commission.get`, in src/tui/reports.rs).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

use super::app::App;
use super::part::Part;
use super::task::TaskId;
use crate::action::Action;
use crate::domain::billing::dollars;
use crate::domain::text::{fit, sanitize};
use crate::ops::commissions::Statements;
use crate::ops::request::{Outcome, Request};

/// The statements tab of a broker's view.
#[derive(Debug, Clone, Default)]
pub struct CommissionTab {
    /// The month asked for (`YYYY-MM`); none: the latest on file.
    pub month: Option<String>,
    pub part: Part<Statements>,
    pub selected: usize,
}

/// The month before or after `month` (`YYYY-MM`), if it parses.
fn step_month(month: &str, forward: bool) -> Option<String> {
    let first = chrono::NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").ok()?;
    let other = if forward { first + chrono::Duration::days(32) } else { first - chrono::Duration::days(1) };
    Some(other.format("%Y-%m").to_string())
}

impl CommissionTab {
    /// The tab on month `month` (none: the latest on file), read when shown.
    pub fn new(month: Option<String>) -> CommissionTab {
        CommissionTab { month, ..CommissionTab::default() }
    }

    /// The selected statement's id.
    pub fn selected_statement(&self) -> Option<i64> {
        self.part.shown()?.statements.get(self.selected).map(|s| s.id)
    }

    /// Moves within the tab: the selection, or `[`/`]` to another month.
    /// `Err` says why a step went nowhere (past the 18 months kept).
    pub fn handle(&mut self, action: Action) -> Option<Result<(), String>> {
        let n = self.part.shown().map_or(0, |s| s.statements.len());
        match action {
            Action::Down => self.selected = (self.selected + 1).min(n.saturating_sub(1)),
            Action::Up => self.selected = self.selected.saturating_sub(1),
            Action::Top => self.selected = 0,
            Action::Bottom => self.selected = n.saturating_sub(1),
            Action::Refresh => self.part = Part::Unasked,
            Action::CasePrevQueue | Action::CaseNextQueue => {
                let forward = action == Action::CaseNextQueue;
                let Some(s) = self.part.shown() else { return Some(Ok(())) };
                let Some(now) = s.month.clone().or_else(|| self.month.clone()) else {
                    return Some(Err("this broker has no statement in the months kept".into()));
                };
                let Some(next) = step_month(&now, forward) else { return Some(Ok(())) };
                if next < s.searchable_from || next > s.searchable_to {
                    return Some(Err(format!(
                        "statements are kept from {} to {}: {next} is outside them",
                        s.searchable_from, s.searchable_to
                    )));
                }
                *self = CommissionTab::new(Some(next));
            }
            _ => return None,
        }
        Some(Ok(()))
    }

    /// The read it needs now.
    pub fn wants(&mut self, npn: &str) -> Option<Request> {
        matches!(self.part, Part::Unasked).then(|| {
            self.part = Part::Loading(0);
            Request::CommissionList { npn: npn.to_owned(), month: self.month.clone() }
        })
    }

    /// The task reading it.
    pub fn started(&mut self, id: TaskId) {
        if matches!(self.part, Part::Loading(0)) {
            self.part = Part::Loading(id);
        }
    }

    /// Takes its answer: a refusal (a month outside the 18 kept) shows in its place.
    pub fn take(&mut self, answer: Result<Outcome, String>) {
        self.part.settle(answer.and_then(|o| match o {
            Outcome::Statements(s) => Ok(*s),
            other => Err(other.unexpected().to_string()),
        }));
        let n = self.part.shown().map_or(0, |s| s.statements.len());
        self.selected = self.selected.min(n.saturating_sub(1));
    }
}

/// Draws the statements tab.
pub fn draw_commissions(f: &mut Frame, app: &App, tab: &CommissionTab, r: Rect) {
    let t = &app.theme;
    let Some(s) = tab.part.shown() else {
        let why = tab.part.placeholder("commission statements").unwrap_or_default();
        let style = if matches!(tab.part, Part::Failed(_)) { t.error } else { t.dim };
        let hint = "[ and ] step months; :commissions YYYY-MM goes to one";
        f.render_widget(Paragraph::new(vec![Line::styled(why, style), Line::styled(hint, t.dim)]), r);
        return;
    };
    let [head, table, foot] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(1), Constraint::Length(1)]).areas(r);
    let month = s.month.clone().unwrap_or_else(|| "none on file".to_owned());
    let title = format!("Commission statements, {month} ({} shown)", s.statements.len());
    f.render_widget(Paragraph::new(Line::styled(title, t.header)), head);
    if s.statements.is_empty() {
        let none = match &s.month {
            Some(m) => format!("No statement for {m}."),
            None => "No statement in the 18 months kept.".to_owned(),
        };
        f.render_widget(Paragraph::new(Line::styled(none, t.dim)), table);
    } else {
        let header =
            Row::new(["ID", "Broker ID", "Broker", "Issued", "Groups", "Premium", "Commission"].map(Cell::from))
                .style(t.header);
        let rows = s.statements.iter().map(|st| {
            Row::new([
                Cell::from(st.id.to_string()),
                Cell::from(st.broker_id.to_string()),
                Cell::from(fit(&sanitize(&st.broker), 24)),
                Cell::from(app.day(st.issued_on)),
                Cell::from(st.groups.to_string()),
                Cell::from(dollars(st.premium_cents)),
                Cell::from(dollars(st.commission_cents)),
            ])
        });
        let widths = [
            Constraint::Length(6),
            Constraint::Length(9),
            Constraint::Fill(1),
            Constraint::Length(10),
            Constraint::Length(6),
            Constraint::Length(12),
            Constraint::Length(11),
        ];
        let tbl = Table::new(rows, widths).header(header).row_highlight_style(t.selected).column_spacing(1);
        let mut state = TableState::default().with_selected(Some(tab.selected));
        f.render_stateful_widget(tbl, table, &mut state);
    }
    let hint = format!(
        "[ earlier  ] later ({} to {} kept) · :statement FILE.csv writes the selected one",
        s.searchable_from, s.searchable_to
    );
    f.render_widget(Paragraph::new(Line::styled(hint, t.dim)), foot);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_step_across_year_ends() {
        assert_eq!(step_month("2026-01", false).as_deref(), Some("2025-12"));
        assert_eq!(step_month("2025-12", true).as_deref(), Some("2026-01"));
        assert_eq!(step_month("2026-03", true).as_deref(), Some("2026-04"));
        assert_eq!(step_month("nope", true), None);
    }
}
