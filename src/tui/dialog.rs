//! The prompt and the confirm at work: their keys, pastes, drafts kept for
//! a refusal, and their drawing. Their state, and the modal stack they
//! open on (a confirm over its prompt), are in modal.rs.

use crossterm::event::{Event, KeyCode};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::app::{App, Mode};
use super::modal::{
    Confirm, Draft, Layer, POPUP_KEYS, Pending, Prompt, PromptKind, Unsent, closes_popup, is_char, is_ctrl_c,
    pasted_text,
};
use super::task::TaskId;
use crate::domain::text::sanitize;
use crate::keys::Key;

impl App {
    /// Opens a prompt holding `initial`.
    pub(super) fn prompt(&mut self, p: Prompt, initial: String) {
        self.open_modal(Mode::Prompt(p));
        self.input = Input::new(initial);
    }

    /// Opens a confirm, over what is in front.
    pub(super) fn confirm(&mut self, c: Confirm) {
        self.open_modal(Mode::Confirm(Box::new(c)));
    }

    fn draft_of(&self, prompt: &Prompt) -> Draft {
        Draft { prompt: prompt.clone(), text: self.input.value().to_owned(), cursor: self.input.cursor() }
    }

    /// Shows a prompt again with the text and cursor it had: in place of
    /// the prompt in front (Up recalls its draft), else opened again.
    pub(super) fn restore(&mut self, d: Draft) {
        if matches!(self.mode, Mode::Prompt(_)) {
            self.mode = Mode::Prompt(d.prompt);
        } else {
            self.open_modal(Mode::Prompt(d.prompt));
        }
        self.input = Input::new(d.text).with_cursor(d.cursor);
    }

    /// Shows refused typed work again: the prompt or the form, as it was.
    pub(super) fn restore_unsent(&mut self, u: Unsent) {
        match u {
            Unsent::Prompt(d) => self.restore(d),
            Unsent::Form(f) => self.open_modal(Mode::Form(f)),
        }
    }

    pub(super) fn prompt_key(&mut self, key: Key, mut p: Prompt) {
        match key.code {
            KeyCode::Esc => self.leave_prompt(&p),
            _ if is_ctrl_c(key) => self.leave_prompt(&p),
            KeyCode::Tab => {
                if let PromptKind::Note { to_submitter } = p.kind {
                    p.kind = PromptKind::Note { to_submitter: !to_submitter };
                    self.mode = Mode::Prompt(p);
                }
            }
            KeyCode::Up => match self.draft.take_if(|d| d.prompt.kind == p.kind) {
                Some(d) => self.restore(Draft { prompt: p, ..d }),
                None => self.complain("no draft of this prompt to bring back"),
            },
            KeyCode::Enter => self.submit_typed(&p),
            // Help opens over the prompt; closing it shows the prompt and its text.
            KeyCode::F(1) => self.open_help(),
            _ => {
                self.input.handle_event(&Event::Key(key.to_event()));
            }
        }
    }

    /// Esc on a prompt: nothing changes, and typed text stays as a draft.
    fn leave_prompt(&mut self, p: &Prompt) {
        self.close_modal();
        if self.input.value().trim().is_empty() {
            self.say("cancelled; nothing was changed");
        } else {
            self.draft = Some(self.draft_of(p));
            self.say("cancelled; nothing was changed. Your text is kept: Up in this prompt brings it back");
        }
    }

    /// Enter on a prompt. The typed text comes back with the reason if it
    /// is refused: here, by the database when the work reports, or by a
    /// "no" at the confirm it leads to.
    fn submit_typed(&mut self, p: &Prompt) {
        let draft = self.draft_of(p);
        let (before, refusals) = (self.op_task, self.refusals);
        self.close_modal();
        if let Err(e) = self.submit_prompt(p.clone(), &draft.text) {
            self.restore(draft);
            return self.complain(e);
        }
        match &self.mode {
            // The text waits under the confirm it led to.
            Mode::Confirm(_) => self.modals.push(Layer::of(Unsent::Prompt(draft))),
            _ => self.keep_for_refusal(before, refusals, Unsent::Prompt(draft)),
        }
    }

    /// After typed text was submitted: refused on the spot, the prompt
    /// opens again now; running, it opens again if the work reports a refusal.
    pub(super) fn keep_for_refusal(&mut self, before: Option<TaskId>, refusals: u64, unsent: Unsent) {
        match self.op_task {
            Some(id) if self.op_task != before => self.reopen = Some((id, unsent)),
            _ if self.refusals != refusals && self.mode == Mode::Normal => self.restore_unsent(unsent),
            _ => {}
        }
    }

    pub(super) fn confirm_key(&mut self, key: Key, c: Confirm) {
        if c.pending == Pending::Nothing {
            if closes_popup(key) {
                self.close_modal();
            } else {
                self.complain(POPUP_KEYS);
            }
            return;
        }
        // The prompt or form the confirm came from waits right under it.
        let typed = self.modals.next().is_some_and(|l| matches!(l.mode, Mode::Prompt(_) | Mode::Form(_)));
        if key.code == KeyCode::Esc || is_char(key, 'n') || is_ctrl_c(key) {
            // Only the confirm closes: what is under it comes back as it was.
            self.close_modal();
            if typed {
                self.say("not applied; your text is still here: Enter asks again, Esc leaves it");
            } else {
                self.say("cancelled; nothing was changed");
            }
            return;
        }
        if !is_char(key, 'y') {
            return self.complain("y applies, n or Esc cancels");
        }
        // Applied: the confirm and the text it came from close; the text is
        // kept to show again should the change be refused.
        let back = if typed { self.modals.pop().and_then(Layer::unsent) } else { None };
        self.close_modal();
        let (before, refusals) = (self.op_task, self.refusals);
        self.apply_confirmed(c.pending);
        if let Some(unsent) = back {
            self.keep_for_refusal(before, refusals, unsent);
        }
    }

    /// A bracketed paste: into the focused text field whole, never as keys.
    pub(super) fn paste(&mut self, text: &str) {
        let multiline = match &self.mode {
            Mode::Form(f) => return self.paste_into_form(f.clone(), text),
            Mode::Prompt(p) => p.kind.multiline(),
            Mode::Command | Mode::Filter(_) => false,
            _ => return self.complain("a paste goes into a text field: open one first (: for a command, / to filter)"),
        };
        let text = pasted_text(text, multiline);
        let cursor = self.input.cursor();
        let value = self.input.value();
        let at = value.char_indices().nth(cursor).map_or(value.len(), |(i, _)| i);
        let joined = format!("{}{text}{}", &value[..at], &value[at..]);
        self.input = Input::new(joined).with_cursor(cursor + text.chars().count());
        if matches!(self.mode, Mode::Filter(_)) {
            self.filter_typed();
        }
    }
}

/// Draws the prompt as a box over the bottom of the body.
pub fn draw_prompt(f: &mut Frame, app: &App, p: &Prompt, body: Rect) {
    let h = 3.min(body.height);
    let r = Rect { x: body.x, y: body.y + body.height - h, width: body.width, height: h };
    f.render_widget(Clear, r);
    let title = format!(" {} — Enter saves, Esc cancels ", p.title(app.marked.len()));
    let block =
        Block::default().borders(Borders::ALL).title(crate::domain::text::clip(&title, usize::from(r.width) - 2));
    let inner = block.inner(r);
    // Line breaks show as ⏎ so that a pasted paragraph stays on one line.
    let width = usize::from(inner.width.saturating_sub(1));
    let cursor = app.input.cursor();
    let scroll = cursor.saturating_sub(width);
    let shown: String = app.input.value().chars().skip(scroll).map(|c| if c == '\n' { '⏎' } else { c }).collect();
    f.render_widget(Paragraph::new(sanitize(&shown)).block(block), r);
    let x = shown
        .chars()
        .take(cursor - scroll)
        .map(|c| unicode_width::UnicodeWidthChar::width(c).unwrap_or(0))
        .sum::<usize>();
    f.set_cursor_position((inner.x + (x as u16).min(inner.width.saturating_sub(1)), inner.y));
}

/// Draws a confirmation dialog: the title, what will change, and how to answer.
pub fn draw_confirm(f: &mut Frame, app: &App, c: &Confirm, area: Rect) {
    let w = area.width.saturating_sub(8).min(100);
    let h = (c.lines.len() as u16 + 4).min(area.height.saturating_sub(4));
    let r = super::widgets::centered(area, w, h);
    f.render_widget(Clear, r);
    let answer = match c.pending {
        Pending::Nothing => POPUP_KEYS,
        _ => "y applies · n or Esc cancels",
    };
    let room = usize::from(h.saturating_sub(4));
    let mut lines: Vec<Line> = c.lines.iter().take(room).map(|l| Line::from(sanitize(l))).collect();
    if c.lines.len() > room && room > 0 {
        lines.pop();
        lines.push(Line::from(format!("… and {} more lines", c.lines.len() - room + 1)));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(answer, app.theme.key)));
    let block = Block::default().borders(Borders::ALL).title(format!(" {} ", c.title));
    f.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }), r);
}
