//! Recording and replaying macros. A macro is recorded as Actions (by
//! their stable names), command lines and the text typed into prompts, so
//! it survives remapping keys; it is saved in the script format, so a
//! recorded macro is a script `portaldesk run` can run and check.

use std::path::PathBuf;

use crossterm::event::KeyCode;

use super::app::{App, Mode};
use super::modal::{Prompt, PromptKind};
use crate::action::Action;
use crate::keys::Key;
use crate::script::{self, Step};

/// The file of macro `name`, if the name is safe as a file name.
fn macro_file(dir: &std::path::Path, name: &str) -> Result<PathBuf, String> {
    let n = name.trim();
    let ok = !n.is_empty()
        && n.len() <= 40
        && n.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if !ok {
        return Err(format!("{:?} is not a macro name: a-z, 0-9, - and _", crate::domain::text::clip(n, 40)));
    }
    Ok(dir.join(format!("{n}.pdscript")))
}

impl App {
    /// Notes a key in the macro being recorded, as what it means here.
    pub(super) fn record_key(&mut self, key: Key) {
        let Some(lines) = &mut self.recording else { return };
        match &self.mode {
            Mode::Normal => match self.keymap.action(key) {
                // The toggle is not part of the macro, and a command line
                // is recorded whole when it runs.
                Some(Action::MacroRecord | Action::CommandLine) | None => {}
                Some(a) => lines.push(format!("action {}", a.name())),
            },
            // The command line is recorded whole when it runs.
            Mode::Command => {
                if key.code == KeyCode::Enter {
                    lines.push(format!(":{}", self.input.value().trim()));
                }
            }
            Mode::Prompt(Prompt { kind: PromptKind::MacroName, .. }) => {}
            _ => {
                let k = match key.code {
                    KeyCode::Char(c) if key.mods.is_empty() => script::keys_line(&c.to_string()),
                    _ => format!("<{}>", key.to_string().trim_matches(['<', '>'])),
                };
                // Keys typed in a row share a line.
                match lines.last_mut() {
                    Some(l) if l.starts_with("keys ") => l.push_str(&k),
                    _ => lines.push(format!("keys {k}")),
                }
            }
        }
    }

    /// Starts recording, or stops and asks for the macro's name.
    pub(super) fn toggle_recording(&mut self) {
        match &self.recording {
            None => {
                self.recording = Some(Vec::new());
                let k = self.keymap.label(Action::MacroRecord);
                self.say(format!("recording a macro: {k} again stops and names it"));
            }
            Some(lines) if lines.is_empty() => {
                self.recording = None;
                self.say("nothing was recorded");
            }
            Some(_) => {
                self.prompt(Prompt { kind: PromptKind::MacroName, number: String::new(), seen: None }, String::new())
            }
        }
    }

    /// Saves the recording under `name`.
    pub(super) fn save_macro(&mut self, name: &str) -> Result<(), String> {
        let dir = self.macros_dir.clone().ok_or("there is no data directory to save macros in")?;
        let file = macro_file(&dir, name)?;
        let lines = self.recording.take().unwrap_or_default();
        let text = format!(
            "# portaldesk macro {:?}, recorded by {}\n{}\n",
            name.trim(),
            self.ops.operator().login,
            lines.join("\n")
        );
        let written = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&file, text));
        if let Err(e) = written {
            self.recording = Some(lines);
            return Err(format!("cannot write {}: {e}", file.display()));
        }
        self.say(format!("macro saved: {} ({} steps); :macro {} replays it", file.display(), lines.len(), name.trim()));
        Ok(())
    }

    /// `:macro NAME`: queues its steps; they run one by one as the app
    /// becomes idle, and its changes are audited with its name.
    pub(super) fn replay_macro(&mut self, name: &str) {
        let Some(dir) = self.macros_dir.clone() else { return self.complain("there is no data directory with macros") };
        let file = match macro_file(&dir, name) {
            Ok(f) => f,
            Err(e) => return self.complain(e),
        };
        let text = match std::fs::read_to_string(&file) {
            Ok(t) => t,
            Err(_) => return self.complain(format!("no macro {} (looked for {})", name.trim(), file.display())),
        };
        match script::parse(&text, &file.display().to_string()) {
            Ok(steps) => {
                let label = format!("macro:{}", name.trim());
                if self.macro_ops.is_none() {
                    let own = self.ops.clone();
                    self.ops = own.clone().with_script(label.clone());
                    self.macro_ops = Some((label, own));
                }
                self.script_queue.extend(steps.into_iter().map(|(_, s)| s));
            }
            Err(e) => self.complain(e.to_string()),
        }
    }

    /// Runs the next queued macro step if the app is idle; returns whether
    /// it ran one. Checks and screenshots belong to `portaldesk run`; here
    /// they are skipped.
    pub fn run_queued_step(&mut self) -> bool {
        // A locked screen runs nothing until the operator's login unlocks it.
        if self.busy() || self.locked.is_some() {
            return false;
        }
        let Some(step) = self.script_queue.pop_front() else {
            if let Some((label, own)) = self.macro_ops.take() {
                self.ops = own;
                self.say(format!("{label} done"));
            }
            return false;
        };
        match step {
            Step::Keys(keys) => keys.into_iter().for_each(|k| self.on_key(k)),
            Step::Command(line) => self.type_command(&line),
            Step::Action(a) => self.run(a),
            Step::Sleep(d) => {
                for _ in 0..(d.as_millis() as u64 / self.tick_ms.max(1)) {
                    self.on_tick();
                }
                // A macro's pause is not the operator walking away.
                self.last_input = self.tick;
            }
            Step::Wait(..) | Step::Expect(_) | Step::ExpectNot(_) | Step::Screenshot { .. } => {}
        }
        true
    }

    /// Types a command line as a person would: `:`, the text, Enter.
    pub fn type_command(&mut self, line: &str) {
        self.run(Action::CommandLine);
        self.input = tui_input::Input::new(line.to_owned());
        self.on_key(Key::plain(KeyCode::Enter));
    }
}
