//! Registration codes in the TUI: issue (shown once, copyable over SSH
//! with OSC 52), revoke with a reason, reissue, and redeem for testing.

use crossterm::event::KeyCode;

use super::app::{App, Mode};
use super::modal::{CodeJob, Confirm, Pending, Prompt, PromptKind, ShownCode};
use super::task::Report;
use crate::action::Action;
use crate::keys::Key;
use crate::ops::codes::{CodeFor, Issued};
use crate::ops::request::Request;

/// The report of an issue: the code to show, with the employer's letter
/// (written by the issue itself, before the code was committed).
fn issued_report(r: Result<Issued, crate::ops::OpError>) -> Report {
    Report::Issued(r.map_err(|e| e.to_string()).map(|issued| {
        let letter = issued.letter.clone();
        Box::new(ShownCode { issued, letter })
    }))
}

impl App {
    /// The selected code's id, in the Codes area.
    fn selected_code(&self) -> Option<i64> {
        let p = self.pane_of(super::screen::Area::Codes);
        p.rows.get(p.selected).map(|r| r.id)
    }

    /// A code action from a key.
    pub(super) fn code_action(&mut self, action: Action) {
        self.code_command(action, String::new());
    }

    /// A code action from a key (empty `arg`) or a `:` command.
    pub(super) fn code_command(&mut self, action: Action, arg: String) {
        if self.lacks_role(action) {
            return;
        }
        if action == Action::CodeRedeem {
            return self.redeem(&arg);
        }
        if self.pane().kind != crate::store::lists::ListKind::Codes {
            self.switch_to_codes();
        }
        let prompt = |kind| Prompt { kind, number: String::new(), seen: None };
        match action {
            Action::CodeIssue if arg.is_empty() => self.prompt(prompt(PromptKind::IssueCode), String::new()),
            Action::CodeIssue => {
                if let Err(e) = self.submit_code_prompt(&PromptKind::IssueCode, &arg) {
                    self.complain(e);
                }
            }
            Action::CodeRevoke | Action::CodeReissue => {
                let Some(id) = self.selected_code() else { return self.complain("select a code first") };
                if action == Action::CodeReissue {
                    return self.confirm(Confirm {
                        title: format!("Issue a new code for the subject of code {id}?"),
                        lines: vec!["Their current code, if still active, is revoked.".into()],
                        pending: Pending::Code(CodeJob::Reissue(id)),
                    });
                }
                if arg.is_empty() {
                    self.prompt(prompt(PromptKind::RevokeCode(id)), String::new());
                } else if let Err(e) = self.submit_code_prompt(&PromptKind::RevokeCode(id), &arg) {
                    self.complain(e);
                }
            }
            _ => {}
        }
    }

    fn switch_to_codes(&mut self) {
        self.run(Action::AreaCodes);
    }

    /// Checks what a code prompt collected, then asks to confirm.
    pub(super) fn submit_code_prompt(&mut self, kind: &PromptKind, text: &str) -> Result<(), String> {
        match kind {
            PromptKind::IssueCode => {
                let who = CodeFor::parse(text)?;
                let whom = match &who {
                    CodeFor::Employer(ein) => format!("the employer with EIN {ein}"),
                    CodeFor::Broker(npn) => format!("the broker with NPN {npn}"),
                    CodeFor::PortalUser(_) => return Err("portal users get tokens from the Accounts area".into()),
                };
                self.confirm(Confirm {
                    title: format!("Issue a registration code for {whom}?"),
                    lines: vec![
                        "Their current code, if any, is revoked; the notice goes to the outbox.".into(),
                        "The code is shown once, on the next screen.".into(),
                    ],
                    pending: Pending::Code(CodeJob::Issue(who)),
                });
            }
            PromptKind::RevokeCode(id) => {
                let reason = crate::domain::text::sanitize(text).trim().to_owned();
                if reason.is_empty() {
                    return Err("type why the code is revoked".into());
                }
                self.confirm(Confirm {
                    title: format!("Revoke code {id}?"),
                    lines: vec![format!("Reason: {reason}")],
                    pending: Pending::Code(CodeJob::Revoke { id: *id, reason }),
                });
            }
            _ => {}
        }
        Ok(())
    }

    /// Runs a confirmed code change.
    pub(super) fn run_code_job(&mut self, job: CodeJob) {
        if self.key.is_none() {
            return self.complain("no data key loaded: codes cannot be issued");
        }
        let run = self.runner();
        match job {
            CodeJob::Issue(who) => self.spawn_op("issuing the code…".into(), async move {
                issued_report(run.ask(Request::CodeIssue { who }).await)
            }),
            CodeJob::Reissue(id) => self.spawn_op(format!("reissuing for code {id}…"), async move {
                issued_report(run.ask(Request::CodeReissue { id }).await)
            }),
            CodeJob::Revoke { id, reason } => self.spawn_op(format!("revoking code {id}…"), async move {
                let r = run.ask::<()>(Request::CodeRevoke { id, reason }).await;
                Report::Op(r.map(|()| format!("code {id} revoked")).map_err(|e| e.to_string()))
            }),
        }
    }

    /// `:redeem CODE EIN|npn:NPN`.
    fn redeem(&mut self, args: &str) {
        let mut words = args.split_whitespace();
        let (Some(code), Some(subject), None) = (words.next(), words.next(), words.next()) else {
            return self
                .complain(":redeem takes a code and an EIN or npn:NPN, e.g. :redeem 7KQH-M3XD-9TWA-P2RC 12-3456789");
        };
        let who = match CodeFor::parse(subject) {
            Ok(w) => w,
            Err(e) => return self.complain(e),
        };
        if self.key.is_none() {
            return self.complain("no data key loaded");
        }
        let (run, code) = (self.runner(), code.to_owned());
        self.spawn_op("redeeming…".into(), async move {
            let r = run.ask::<crate::ops::codes::Redeemed>(Request::CodeRedeem { code, who }).await;
            Report::Op(r.map(|d| format!("code {} redeemed for {}", d.id, d.subject)).map_err(|e| e.to_string()))
        });
    }

    /// A code was issued: show it, this once.
    pub(super) fn on_issued(&mut self, result: Result<Box<ShownCode>, String>) {
        match result {
            Ok(shown) => {
                self.message = None;
                self.open_modal(Mode::ShowCode(shown));
            }
            Err(e) => self.complain(e),
        }
        self.reload_in_place(super::screen::Area::Codes);
    }

    /// In the code dialog: `c` copies the code, anything else closes it for good.
    pub(super) fn show_code_key(&mut self, key: Key) {
        let Mode::ShowCode(shown) = &self.mode else { return };
        if key.code == KeyCode::Char('c') && key.mods.is_empty() {
            self.clipboard = Some(shown.issued.code.clone());
            self.say("code copied to your terminal's clipboard (OSC 52); Esc, q or Enter closes");
            return;
        }
        if !super::modal::closes_popup(key) {
            // A stray key must not make a code that is shown once vanish.
            return self.complain("c copies the code; Esc, q or Enter closes (it is not shown again)");
        }
        let last4 = shown.issued.code.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect::<String>();
        self.close_modal();
        self.say(format!("code …{last4} issued; it is not shown again"));
    }
}
