//! Modals: what the keyboard talks to above the screens (`Mode`): the
//! prompt that collects the text an action needs, the confirm that asks
//! before a change (and the job it will run), forms, the detail view and
//! popups. They stack: the one in front (`App::mode`) takes every key, and
//! those under it (`Modals`) wait with their text (a confirm over the form
//! it came from, help over a prompt); closing the front one shows the one
//! below as it was. What the operator typed survives a refusal, a "no" at
//! a confirm and Esc (as a draft that Up brings back).
//! This file holds their state alone and names no module that names it
//! back: their keys are in dialog.rs, form_view.rs and record_view.rs.

use crossterm::event::{KeyCode, KeyModifiers};
use tui_input::Input;

use crate::domain::case_change::CaseChange;
use crate::keys::Key;
use crate::ops::cases::BulkLine;
use crate::ops::codes::{CodeFor, Issued};
use crate::ops::request::Request;

/// What a popup says of the keys that close it.
pub const POPUP_KEYS: &str = "Esc, q or Enter closes";

/// Whether `key` closes a popup: Esc, q or Enter, never a stray key.
pub fn closes_popup(key: Key) -> bool {
    matches!(key.code, KeyCode::Esc | KeyCode::Enter) || is_char(key, 'q')
}

/// Whether `key` is the character `c` with no Ctrl or Alt.
pub fn is_char(key: Key, c: char) -> bool {
    key.code == KeyCode::Char(c) && key.mods.difference(KeyModifiers::SHIFT).is_empty()
}

/// Whether `key` is Ctrl-C, which cancels wherever the keyboard is.
pub fn is_ctrl_c(key: Key) -> bool {
    key.code == KeyCode::Char('c') && key.mods == KeyModifiers::CONTROL
}

/// What a prompt collects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromptKind {
    Assign,
    Note {
        to_submitter: bool,
    },
    RequestInfo,
    Resolve,
    Priority,
    BulkAssign,
    BulkResolve,
    /// For codes: the subject (EIN or NPN) of a new code.
    IssueCode,
    /// For codes: why code `id` is revoked.
    RevokeCode(i64),
    /// For members: why the open member's SSN is needed.
    RevealReason,
    /// For brokers: `GROUP[,GROUP…] PERMS [DATE]` to grant the open broker.
    Grant,
    /// For brokers: the new permissions of grant `id`.
    Perms(i64),
    /// For accounts: the tools of the selected portal user.
    Tools,
    /// The name to save a recorded macro under.
    MacroName,
    /// Text to find in a report's result (the pager).
    Search,
}

/// A prompt for one case (or, for bulk kinds, the marked cases).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    pub kind: PromptKind,
    pub number: String,
    pub seen: Option<i64>,
}

impl PromptKind {
    /// Whether its text may hold line breaks (a pasted paragraph stays one).
    pub fn multiline(&self) -> bool {
        matches!(self, PromptKind::Note { .. } | PromptKind::Resolve | PromptKind::BulkResolve)
    }
}

impl Prompt {
    /// The prompt's title: what is being typed, for which case.
    pub fn title(&self, marked: usize) -> String {
        let n = &self.number;
        match self.kind {
            PromptKind::Assign => format!("Assign {n} to (staff login, or me)"),
            PromptKind::Note { to_submitter: false } => format!("Internal note on {n} (Tab: to submitter)"),
            PromptKind::Note { to_submitter: true } => format!("Note TO THE SUBMITTER on {n} (Tab: internal)"),
            PromptKind::RequestInfo => format!("Information on {n} due by (YYYY-MM-DD)"),
            PromptKind::Resolve => format!("Resolution comments for {n}"),
            PromptKind::Priority => format!("Priority of {n}: 1 urgent … 4 low"),
            PromptKind::BulkAssign => format!("Assign {marked} marked case(s) to (staff login, or me)"),
            PromptKind::BulkResolve => format!("Resolution comments for {marked} marked case(s)"),
            PromptKind::IssueCode => "Issue a registration code for (EIN NN-NNNNNNN, or npn:NPN)".into(),
            PromptKind::RevokeCode(id) => format!("Why is code {id} revoked?"),
            PromptKind::RevealReason => format!("Why do you need the SSN of {n}? (audited)"),
            PromptKind::Grant => format!("Grant broker {n}: GROUP[,GROUP…] view,enrollment,billing [YYYY-MM-DD]"),
            PromptKind::Perms(id) => format!("New permissions of grant {id}: view,enrollment,billing"),
            PromptKind::Tools => format!("Tools for {n}: eligibility,billing,commissions,book (or none)"),
            PromptKind::MacroName => "Save the recorded macro as (a-z, 0-9, - _)".into(),
            PromptKind::Search => "Find in the report (n next, p previous)".into(),
        }
    }
}

/// What the keyboard is talking to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Normal,
    Command,
    /// Filtering; holds the filter to restore on Esc.
    Filter(String),
    Help,
    /// The detail view of a row: its whole record.
    Record(Box<super::record::RecordView>),
    /// Typing the text an action needs (a note, a login, a date).
    Prompt(Prompt),
    /// Waiting for `y` before a destructive or bulk change.
    Confirm(Box<Confirm>),
    /// A registration code, shown this once.
    ShowCode(Box<ShownCode>),
    /// A form of several fields.
    Form(Box<super::form::Form>),
}

/// A code change waiting for `y`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeJob {
    Issue(CodeFor),
    Revoke { id: i64, reason: String },
    Reissue(i64),
}

/// A code just issued, with the letter written for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownCode {
    pub issued: Issued,
    pub letter: Option<String>,
}

/// A request waiting for `y`. Modals compare by what they show: a request
/// can hold a key or a progress handle, which have no equality of their own.
#[derive(Debug, Clone)]
pub struct Waiting(pub Box<Request>);

impl PartialEq for Waiting {
    fn eq(&self, other: &Waiting) -> bool {
        format!("{:?}", self.0) == format!("{:?}", other.0)
    }
}

impl Eq for Waiting {}

/// A change waiting for `y`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pending {
    Case {
        number: String,
        seen: Option<i64>,
        change: CaseChange,
    },
    Bulk {
        lines: Vec<BulkLine>,
        change: crate::ops::request::BulkChange,
    },
    /// Nothing to apply (a refused preview, an information box): a popup.
    Nothing,
    /// A code change, run by `tui::codes`.
    Code(CodeJob),
    /// A broker, account or staff change, run by `tui::admin`.
    Admin(Waiting),
    /// A member change, checked in a dry run, run by `tui::maintenance`.
    Member(Box<crate::ops::maintenance::ChangeRequest>),
    /// Quitting while a change still runs.
    Quit,
    /// A change of a case someone else is editing, asked about first
    /// (presence's collision warning): on y its prompt opens with the text
    /// (`submit`: the text came typed with a `:` command, and is sent).
    Prompt {
        draft: Draft,
        submit: bool,
    },
}

/// A confirmation dialog. The prompt or form it came from waits under it
/// on the modal stack: shown again if the operator says no, and kept to
/// show again if the change is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirm {
    pub title: String,
    pub lines: Vec<String>,
    pub pending: Pending,
}

/// What was typed into a prompt, kept so that it can be shown again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub prompt: Prompt,
    pub text: String,
    /// The cursor, in characters.
    pub cursor: usize,
}

/// Typed work whose submission may yet be refused: shown again if it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unsent {
    Prompt(Draft),
    Form(Box<super::form::Form>),
}

/// A modal waiting under the one in front, with the text its line held
/// (a prompt's, the `:` line's, the filter's: the app has one line input,
/// which the modal in front uses).
#[derive(Debug, Clone)]
pub struct Layer {
    pub mode: Mode,
    pub input: Input,
}

impl Layer {
    /// Typed work shown again as a modal: a prompt with its text and cursor, or a form.
    pub fn of(unsent: Unsent) -> Layer {
        match unsent {
            Unsent::Prompt(d) => {
                Layer { mode: Mode::Prompt(d.prompt), input: Input::new(d.text).with_cursor(d.cursor) }
            }
            Unsent::Form(f) => Layer { mode: Mode::Form(f), input: Input::default() },
        }
    }

    /// The typed work this modal holds, if it is a prompt or a form.
    pub fn unsent(self) -> Option<Unsent> {
        match self.mode {
            Mode::Prompt(prompt) => {
                Some(Unsent::Prompt(Draft { prompt, text: self.input.value().to_owned(), cursor: self.input.cursor() }))
            }
            Mode::Form(f) => Some(Unsent::Form(f)),
            _ => None,
        }
    }
}

/// The modals under the one in front, bottom first. Empty while nothing
/// is open (`Mode::Normal` is never kept here).
#[derive(Debug, Clone, Default)]
pub struct Modals(Vec<Layer>);

impl Modals {
    /// Puts `layer` under the modal in front; a closed one (`Normal`) is not kept.
    pub fn push(&mut self, layer: Layer) {
        if layer.mode != Mode::Normal {
            self.0.push(layer);
        }
    }

    /// The modal that comes to the front when the one in front closes.
    pub fn pop(&mut self) -> Option<Layer> {
        self.0.pop()
    }

    /// The modal right under the one in front.
    pub fn next(&self) -> Option<&Layer> {
        self.0.last()
    }

    /// Forgets them all (the operator went elsewhere).
    pub fn clear(&mut self) {
        self.0.clear();
    }

    /// Those waiting, bottom first.
    pub fn iter(&self) -> impl Iterator<Item = &Layer> {
        self.0.iter()
    }

    /// How many wait under the one in front.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether none waits.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Pasted text as a field takes it: line breaks kept where the field holds
/// paragraphs, spaces elsewhere; tabs as spaces, other control characters dropped.
pub fn pasted_text(text: &str, multiline: bool) -> String {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let text = if multiline { text.trim_end_matches('\n') } else { text.as_str() };
    text.chars()
        .filter_map(|c| match c {
            '\n' if multiline => Some('\n'),
            '\n' | '\t' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prompt() -> Prompt {
        Prompt { kind: PromptKind::Resolve, number: "C-000001".into(), seen: Some(3) }
    }

    #[test]
    fn a_prompt_under_another_modal_keeps_its_text_and_cursor() {
        let draft = Draft { prompt: prompt(), text: "Dependent added.".into(), cursor: 9 };
        let layer = Layer::of(Unsent::Prompt(draft.clone()));
        assert_eq!(layer.mode, Mode::Prompt(prompt()));
        assert_eq!((layer.input.value(), layer.input.cursor()), ("Dependent added.", 9));
        assert_eq!(layer.unsent(), Some(Unsent::Prompt(draft)));
        assert_eq!(Layer { mode: Mode::Help, input: Input::default() }.unsent(), None, "help holds no typed work");
    }

    #[test]
    fn the_stack_keeps_open_modals_only_and_gives_back_the_latest_first() {
        let mut m = Modals::default();
        m.push(Layer { mode: Mode::Normal, input: Input::default() });
        assert!(m.is_empty(), "nothing open is not kept");
        m.push(Layer::of(Unsent::Prompt(Draft { prompt: prompt(), text: "a".into(), cursor: 1 })));
        m.push(Layer { mode: Mode::Help, input: Input::default() });
        assert_eq!(m.len(), 2);
        assert_eq!(m.next().map(|l| &l.mode), Some(&Mode::Help));
        assert_eq!(m.pop().map(|l| l.mode), Some(Mode::Help));
        assert!(matches!(m.pop().map(|l| l.mode), Some(Mode::Prompt(_))));
        assert!(m.pop().is_none());
    }
}
