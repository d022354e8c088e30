//! Input as an ordered stream: keys and pastes typed while a load or change
//! the operator started is still running wait here, and run in order once it
//! settles, so that each acts on the screen it was typed for. A person typing
//! ahead and a headless script (which waits after every key) get one result.

use crossterm::event::{KeyCode, KeyModifiers};

use super::app::App;
use crate::keys::Key;

/// One thing typed: a key, or a bracketed paste.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Typed {
    Key(Key),
    Paste(String),
}

impl App {
    /// A key from the terminal or a script: acts now, or waits its turn.
    pub fn on_key(&mut self, key: Key) {
        // A terminal sends Esc and the key typed right after it as one
        // Alt-key; bound to nothing, it was meant as those two keys
        // (Alt-Backspace excepted: text fields delete a word with it).
        if key.mods == KeyModifiers::ALT && key.code != KeyCode::Backspace && self.keymap.action(key).is_none() {
            self.on_typed(Typed::Key(Key::plain(KeyCode::Esc)));
            self.on_typed(Typed::Key(Key::plain(key.code)));
            return;
        }
        self.on_typed(Typed::Key(key));
    }

    /// A bracketed paste from the terminal: goes into the focused field, in its turn.
    pub fn on_paste(&mut self, text: String) {
        self.on_typed(Typed::Paste(text));
    }

    fn on_typed(&mut self, typed: Typed) {
        let ctrl_c = matches!(typed, Typed::Key(k) if super::modal::is_ctrl_c(k));
        if ctrl_c && self.waiting() {
            // Ctrl-C stops what the keys wait for, and the keys with it.
            let dropped = self.typeahead.len();
            self.typeahead.clear();
            self.cancel_running();
            if dropped > 0 {
                self.say(format!("cancelled; {dropped} typed key(s) were not run"));
            }
            return;
        }
        if self.waiting() {
            self.typeahead.push_back(typed);
            return;
        }
        self.act(typed);
    }

    /// Whether typed input must wait: work the operator started is running,
    /// or earlier input is still waiting.
    pub fn waiting(&self) -> bool {
        self.tasks.foreground() || !self.typeahead.is_empty()
    }

    /// Runs waiting input for as long as nothing it started is running.
    pub fn drain_typeahead(&mut self) {
        while !self.tasks.foreground() {
            let Some(typed) = self.typeahead.pop_front() else { break };
            self.act(typed);
        }
    }

    fn act(&mut self, typed: Typed) {
        self.last_input = self.tick;
        match typed {
            Typed::Key(key) => self.handle_key(key),
            Typed::Paste(_) if self.locked.is_some() => self.complain("the screen is locked: type your login"),
            Typed::Paste(_) if self.too_small() => {
                self.complain("the terminal is too small to type in: enlarge it first")
            }
            Typed::Paste(text) => self.paste(&text),
        }
    }

    /// Keys that wait, for the spinner in the status line.
    pub fn waiting_keys(&self) -> usize {
        self.typeahead.len()
    }
}
