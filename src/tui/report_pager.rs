//! A report job's result in a pager (Enter on a job of the Reports list):
//! the CSV as aligned columns, scrolled with j/k, PgUp/PgDn, g/G; `/`
//! searches, `n` and `p` step through the matches; `:export FILE` writes
//! the stored output (src/tui/reports.rs). A failed job shows its error, a
//! job with no rows says so, one not finished says what it is doing.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::app::App;
use super::modal::{Prompt, PromptKind};
use super::part::Part;
use super::screen::{Handled, Reported, Screen};
use super::task::{Report, TaskId};
use crate::action::Action;
use crate::domain::text::{fit, sanitize};
use crate::ops::reports::ReportResult;
use crate::ops::request::{Outcome, Request};

/// The widest a column is drawn; a longer cell is cut with `…`.
const MAX_COLUMN: usize = 30;

/// The result of report job `job`, as aligned lines.
#[derive(Debug, Clone)]
pub struct ReportPager {
    pub job: i64,
    pub result: Part<ReportResult>,
    /// The output as aligned lines, the header first.
    pub lines: Vec<String>,
    /// The first data line shown (the header always shows).
    pub top: usize,
    /// The first character of each line shown (h/l scroll sideways by a column).
    pub left: usize,
    /// Where each column starts in the aligned lines, in characters.
    pub starts: Vec<usize>,
    /// The last search, lower-cased, and the data lines it matched.
    pub search: Option<String>,
    pub matches: Vec<usize>,
    /// Rows on screen at the last draw (for paging); a page is 10 before one.
    height: std::cell::Cell<usize>,
}

impl ReportPager {
    /// Job `job`'s result, read once it is shown.
    pub fn new(job: i64) -> ReportPager {
        ReportPager {
            job,
            result: Part::Unasked,
            lines: Vec::new(),
            top: 0,
            left: 0,
            starts: Vec::new(),
            search: None,
            matches: Vec::new(),
            height: std::cell::Cell::new(10),
        }
    }

    /// Looks for `text` (case-insensitive) and shows the first match from
    /// the top line on; false when nothing matches.
    pub fn find(&mut self, text: &str) -> bool {
        let needle = text.trim().to_lowercase();
        self.matches = if needle.is_empty() {
            Vec::new()
        } else {
            (1..self.lines.len()).filter(|i| self.lines[*i].to_lowercase().contains(&needle)).map(|i| i - 1).collect()
        };
        self.search = (!needle.is_empty()).then_some(needle);
        match self.matches.iter().find(|m| **m >= self.top).or(self.matches.first()) {
            Some(m) => {
                self.top = *m;
                true
            }
            None => false,
        }
    }

    /// The next (or previous) match after the top line, wrapping round.
    pub fn step(&mut self, forward: bool) -> bool {
        let next = if forward {
            self.matches.iter().find(|m| **m > self.top).or(self.matches.first())
        } else {
            self.matches.iter().rev().find(|m| **m < self.top).or(self.matches.last())
        };
        match next {
            Some(m) => {
                self.top = *m;
                true
            }
            None => false,
        }
    }

    /// Data lines (without the header).
    fn rows(&self) -> usize {
        self.lines.len().saturating_sub(1)
    }
}

/// CSV text as lines of aligned columns (each as wide as its widest cell,
/// at most `MAX_COLUMN`), sanitized for the terminal, with where each
/// column starts.
pub fn align(csv_text: &str) -> (Vec<String>, Vec<usize>) {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(csv_text.as_bytes());
    let records: Vec<Vec<String>> =
        reader.records().map_while(Result::ok).map(|r| r.iter().map(sanitize).collect()).collect();
    let mut widths: Vec<usize> = Vec::new();
    for r in &records {
        for (i, c) in r.iter().enumerate() {
            let w = unicode_width::UnicodeWidthStr::width(c.as_str()).min(MAX_COLUMN);
            match widths.get_mut(i) {
                Some(x) => *x = (*x).max(w),
                None => widths.push(w),
            }
        }
    }
    let starts = widths.iter().scan(0, |at, w| {
        let start = *at;
        *at += w + 2;
        Some(start)
    });
    let lines = records
        .iter()
        .map(|r| {
            let cells: Vec<String> =
                r.iter().enumerate().map(|(i, c)| format!("{:<w$}", fit(c, widths[i]), w = widths[i])).collect();
            cells.join("  ").trim_end().to_owned()
        })
        .collect();
    (lines, starts.collect())
}

impl Screen<App> for ReportPager {
    fn title(&self) -> String {
        match self.result.shown() {
            Some(r) => format!("job {} {}", self.job, r.job.report),
            None => format!("job {}", self.job),
        }
    }

    fn loading(&self) -> bool {
        self.result.loading()
    }

    fn handle(&mut self, action: Action) -> bool {
        let last = self.rows().saturating_sub(1);
        let page = self.height.get().saturating_sub(1).max(1);
        self.top = match action {
            Action::Down => (self.top + 1).min(last),
            Action::Up => self.top.saturating_sub(1),
            Action::PageDown => (self.top + page).min(last),
            Action::PageUp => self.top.saturating_sub(page),
            Action::Top => 0,
            Action::Bottom => self.rows().saturating_sub(page),
            Action::Refresh => {
                self.result = Part::Unasked;
                self.top
            }
            Action::ScrollRight => {
                self.left = self.starts.iter().copied().find(|s| *s > self.left).unwrap_or(self.left);
                self.top
            }
            Action::ScrollLeft => {
                self.left = self.starts.iter().copied().rev().find(|s| *s < self.left).unwrap_or(0);
                self.top
            }
            _ => return false,
        };
        true
    }

    fn act(&mut self, action: Action) -> Handled<App> {
        match action {
            Action::Filter => Handled::Then(Box::new(|app: &mut App| {
                let was = app.top::<ReportPager>().and_then(|p| p.search.clone()).unwrap_or_default();
                app.prompt(Prompt { kind: PromptKind::Search, number: String::new(), seen: None }, was);
            })),
            Action::SearchNext | Action::SearchPrev => {
                let Some(needle) = self.search.clone() else {
                    return Handled::Then(Box::new(|app: &mut App| app.complain("/ searches first; then n and p")));
                };
                if self.step(action == Action::SearchNext) {
                    let at = self.matches.iter().position(|m| *m == self.top).map_or(0, |i| i + 1);
                    let n = self.matches.len();
                    Handled::Then(Box::new(move |app: &mut App| app.say(format!("/{needle}: match {at} of {n}"))))
                } else {
                    Handled::Then(Box::new(move |app: &mut App| app.complain(format!("/{needle} matches nothing"))))
                }
            }
            _ if self.handle(action) => Handled::Done,
            _ => Handled::Ignored,
        }
    }

    fn offers(&self) -> Vec<(Action, &'static str)> {
        vec![
            (Action::Back, "back"),
            (Action::Filter, "search"),
            (Action::SearchNext, "next"),
            (Action::SearchPrev, "prev"),
            (Action::ScrollRight, "sideways"),
            (Action::ListExport, "export"),
            (Action::Help, "help"),
        ]
    }

    fn draw(&self, f: &mut Frame, app: &App, r: Rect) {
        let t = &app.theme;
        let Some(res) = self.result.shown() else {
            let why = self.result.placeholder(&format!("report job {}", self.job)).unwrap_or_default();
            f.render_widget(Paragraph::new(Line::styled(why, t.dim)), r);
            return;
        };
        let j = &res.job;
        let mut head =
            format!("report job {} · {} · {} · queued by {}", j.id, j.report, j.status, sanitize(&j.requested_by));
        let said = match j.status.as_str() {
            "succeeded" if j.rows_written == 0 => Some(
                "No rows: the report found nothing for these parameters (its file has the header only).".to_owned(),
            ),
            "succeeded" => {
                head.push_str(&format!(" · {} rows", j.rows_written));
                None
            }
            "failed" => Some(format!("It failed: {}", sanitize(j.error.as_deref().unwrap_or("no reason recorded")))),
            "cancelled" => Some("It was cancelled before it finished.".to_owned()),
            other => Some(format!("It is {other} ({} rows so far): Ctrl-R reads it again.", j.rows_written)),
        };
        let mut lines = vec![Line::styled(fit(&head, usize::from(r.width)), t.header)];
        if let Some(s) = said {
            let style = if j.status == "failed" { t.error } else { t.dim };
            lines.push(Line::styled(s, style));
            if j.rows_written == 0 || j.status != "succeeded" {
                f.render_widget(Paragraph::new(lines), r);
                return;
            }
        }
        let width = usize::from(r.width);
        let cut = |l: &str| fit(&l.chars().skip(self.left).collect::<String>(), width);
        if let Some(h) = self.lines.first() {
            lines.push(Line::styled(cut(h), t.header));
        }
        let room = usize::from(r.height).saturating_sub(lines.len() + 1);
        self.height.set(room.max(1));
        for (i, text) in self.lines.iter().skip(1).enumerate().skip(self.top).take(room) {
            let hit = self.matches.binary_search(&i).is_ok();
            let style = if hit { t.selected } else { ratatui::style::Style::new() };
            lines.push(Line::from(Span::styled(cut(text), style)));
        }
        let last = (self.top + room).min(self.rows());
        let mut foot = format!("rows {}–{} of {}", (self.top + 1).min(last), last, self.rows());
        if self.lines.iter().any(|l| l.chars().count() > width + self.left) || self.left > 0 {
            foot.push_str(" · h/l scroll sideways");
        }
        if res.truncated {
            foot.push_str(" (the first part: :export FILE writes it all)");
        }
        if let Some(s) = &self.search {
            foot.push_str(&format!(" · /{s}: {} matches", self.matches.len()));
        }
        lines.push(Line::styled(foot, t.dim));
        f.render_widget(Paragraph::new(lines), r);
    }

    fn on_report(&mut self, id: TaskId, report: Report) -> Reported {
        match report {
            Report::Answer(answer) if self.result.waits_for(id) => {
                match answer.and_then(|o| match *o {
                    Outcome::ReportResult(r) => Ok(*r),
                    other => Err(other.unexpected().to_string()),
                }) {
                    Ok(r) => {
                        (self.lines, self.starts) = align(&r.text);
                        self.result.settle(Ok(r));
                        self.top = self.top.min(self.rows().saturating_sub(1));
                        if let Some(s) = self.search.clone() {
                            self.find(&s);
                        }
                        Reported::Shown
                    }
                    Err(e) => Reported::Gone(e),
                }
            }
            other => Reported::NotMine(other),
        }
    }

    fn wants(&mut self) -> Option<Request> {
        matches!(self.result, Part::Unasked).then(|| {
            self.result = Part::Loading(0);
            Request::ReportResult { job: self.job }
        })
    }

    fn started(&mut self, id: TaskId) {
        if matches!(self.result, Part::Loading(0)) {
            self.result = Part::Loading(id);
        }
    }
}

impl App {
    /// `/` in the pager, submitted: the first match from the top line on.
    pub(super) fn search_report(&mut self, text: &str) -> Result<(), String> {
        let Some(p) = self.screen_mut::<ReportPager>() else { return Err("open a report job's result first".into()) };
        if p.find(text) {
            let n = p.matches.len();
            self.say(format!("/{}: {n} matching rows; n next, p previous", text.trim()));
            Ok(())
        } else if text.trim().is_empty() {
            self.say("search cleared");
            Ok(())
        } else {
            Err(format!("nothing in this report matches {:?}", fit(text.trim(), 40)))
        }
    }
}
