//! Brokers, portal accounts and staff in the TUI: the broker view with its
//! book of business, and the supervisor and admin actions, each asked for
//! what it needs, confirmed when it is destructive or sends mail, and run
//! through the ops layer.

use super::app::App;
use super::modal::{Confirm, Pending, Prompt, PromptKind};
use super::screen::Area;
use super::task::TaskId;
use crate::action::Action;
use crate::domain::access::Perms;
use crate::domain::role::Role;
use crate::ops::access::Grantee;
use crate::ops::accounts::Tools;
use crate::ops::request::{Outcome, Request};
use crate::store::brokers::{self as store, BrokerFile};
use crate::store::lists::ListKind;

/// The broker the Brokers area shows instead of its list.
#[derive(Debug, Clone)]
pub struct BrokerScreen {
    pub npn: String,
    pub file: Option<Box<BrokerFile>>,
    pub loading: Option<TaskId>,
    /// The selected row of the book of business.
    pub selected: usize,
    /// The filtered book of business with its alerts, while that tab shows
    /// (Tab, or `:book FILTERS`); `None` shows the grants.
    pub book: Option<Box<super::book_view::BookTab>>,
    /// The commission statements, while that tab shows (Tab from the book,
    /// or `:commissions [YYYY-MM]`).
    pub commissions: Option<Box<super::commission_tab::CommissionTab>>,
}

use crate::domain::role::parse_role;

impl App {
    /// Opens a broker: the selected row (Enter on the list), or `:broker NPN`.
    pub(super) fn open_broker(&mut self, npn: Option<String>) {
        let Some(npn) = npn.map(|n| n.trim().to_owned()) else { return self.nothing_selected() };
        if let Err(e) = crate::domain::npn::parse_npn(&npn) {
            return self.complain(e);
        }
        let screen = BrokerScreen { npn, file: None, loading: None, selected: 0, book: None, commissions: None };
        self.open_screen(Area::Brokers, Box::new(screen));
        self.reload_broker();
    }

    /// Loads (again) the open broker.
    pub(super) fn reload_broker(&mut self) {
        let Some(npn) = self.screen::<BrokerScreen>().map(|s| s.npn.clone()) else { return };
        let store = self.ops.store().clone();
        let today = self.ops.now().date_naive();
        let id = self.tasks.spawn_screen(async move {
            store::file_by_npn(&store, &npn, today)
                .await
                .map(|f| f.map(Box::new))
                .map_err(|e| crate::store::short_cause(&e))
        });
        if let Some(s) = self.screen_mut::<BrokerScreen>() {
            s.loading = Some(id);
        }
    }

    /// Enter in the broker view: on the book of business opens the selected
    /// group; on the grants lists the selected group's members.
    pub(super) fn broker_group_members(&mut self) {
        let Some(s) = self.top::<BrokerScreen>() else { return };
        if let Some(b) = s.book.as_ref() {
            return match b.selected_group() {
                Some(g) => self.open_group_details(&g),
                None => self.complain("no group is selected in the book of business"),
            };
        }
        match s.file.as_ref().and_then(|f| f.book.get(s.selected)) {
            Some(g) => {
                let filter = format!("group:{}", g.group_number);
                self.set_filter(Area::Members, &filter);
            }
            None => self.complain("this broker has no groups"),
        }
    }

    fn selected_grant(&self) -> Option<i64> {
        let s = self.top::<BrokerScreen>()?;
        s.file.as_ref()?.book.get(s.selected).map(|g| g.grant_id)
    }

    fn selected_account(&self) -> Option<String> {
        let p = self.list_in_front().filter(|p| p.kind == ListKind::Accounts)?;
        p.rows.get(p.selected).map(|r| r.item.handle())
    }

    /// A broker, account or staff action from a key (empty `arg`) or a `:` command.
    pub(super) fn admin_action(&mut self, action: Action, arg: String) {
        if self.lacks_role(action) {
            return;
        }
        let arg = arg.trim().to_owned();
        let prompt = |kind, number: String| Prompt { kind, number, seen: None };
        let need_account = || "select a portal user in the Accounts area (4) first".to_owned();
        let job = match action {
            Action::AccessGrant => {
                let Some(npn) = self.top::<BrokerScreen>().map(|s| s.npn.clone()) else {
                    return self.complain("open a broker first (3, then Enter, or :broker NPN)");
                };
                if arg.is_empty() {
                    return self.prompt(prompt(PromptKind::Grant, npn), String::new());
                }
                return self.submit_admin_prompt(&PromptKind::Grant, &npn, &arg).unwrap_or_else(|e| self.complain(e));
            }
            Action::AccessChange | Action::AccessRevoke => {
                let Some(grant) = self.selected_grant() else {
                    return self.complain("select a grant in a broker's book of business first");
                };
                if action == Action::AccessRevoke {
                    Request::AccessRevoke { grant, on: None }
                } else if arg.is_empty() {
                    return self.prompt(prompt(PromptKind::Perms(grant), String::new()), String::new());
                } else {
                    return self
                        .submit_admin_prompt(&PromptKind::Perms(grant), "", &arg)
                        .unwrap_or_else(|e| self.complain(e));
                }
            }
            Action::AccountTools => {
                let Some(email) = self.selected_account() else { return self.complain(need_account()) };
                if arg.is_empty() {
                    return self.prompt(prompt(PromptKind::Tools, email), String::new());
                }
                return self.submit_admin_prompt(&PromptKind::Tools, &email, &arg).unwrap_or_else(|e| self.complain(e));
            }
            Action::AccountUnlock
            | Action::AccountDisable
            | Action::AccountEnable
            | Action::AccountResendRegistration
            | Action::AccountResetPassword => {
                let Some(email) = self.selected_account() else { return self.complain(need_account()) };
                match action {
                    Action::AccountUnlock => Request::AccountUnlock { email },
                    Action::AccountDisable => Request::AccountDisable { email },
                    Action::AccountEnable => Request::AccountEnable { email },
                    Action::AccountResendRegistration => Request::AccountResendRegistration { email },
                    _ => Request::AccountResetPassword { email },
                }
            }
            Action::StaffCreate if arg.is_empty() => return self.open_form(super::form::FormKind::StaffCreate),
            Action::StaffCreate => {
                let mut w = arg.splitn(3, char::is_whitespace);
                match (w.next(), w.next().map(parse_role), w.next()) {
                    (Some(login), Some(Ok(role)), Some(name)) => {
                        Request::StaffCreate { login: login.into(), role, name: name.into() }
                    }
                    (_, Some(Err(e)), _) => return self.complain(e),
                    _ => return self.complain(":staff-create LOGIN ROLE NAME, e.g. :staff-create jdoe agent Jane Doe"),
                }
            }
            Action::StaffSetRole => match arg.split_whitespace().collect::<Vec<_>>().as_slice() {
                [login, role] => match parse_role(role) {
                    Ok(role) => Request::StaffSetRole { login: (*login).into(), role },
                    Err(e) => return self.complain(e),
                },
                _ => return self.complain(":staff-role LOGIN ROLE"),
            },
            Action::StaffDisable | Action::StaffEnable if arg.is_empty() => {
                let word = action.spec().command.and_then(|c| c.split(' ').next()).unwrap_or("");
                return self.complain(format!(":{word} LOGIN"));
            }
            Action::StaffDisable => Request::StaffDisable { login: arg },
            Action::StaffEnable => Request::StaffEnable { login: arg },
            _ => return,
        };
        self.confirm_or_run(job);
    }

    /// Destructive and outward-facing changes ask first; the rest run.
    fn confirm_or_run(&mut self, job: Request) {
        let ask = match &job {
            Request::AccessRevoke { grant, .. } => {
                Some(format!("Revoke grant {grant}? Access ends today, for the office staff too."))
            }
            Request::AccountDisable { email: e } => Some(format!("Disable portal user {e}?")),
            Request::AccountResendRegistration { email: e } => {
                Some(format!("Email a new registration link to {e}? The old one stops working."))
            }
            Request::AccountResetPassword { email: e } => Some(format!("Email a password reset code to {e}?")),
            Request::StaffDisable { login } => Some(format!("Disable staff account {login}?")),
            Request::AccessGrant { groups, perms, .. } => {
                Some(format!("Grant {} on {}?", perms.describe(), groups.join(", ")))
            }
            _ => None,
        };
        match ask {
            Some(title) => self.confirm(Confirm {
                title,
                lines: Vec::new(),
                pending: Pending::Admin(super::modal::Waiting(Box::new(job))),
            }),
            None => self.run_admin_job(job),
        }
    }

    /// Checks what an admin prompt collected.
    pub(super) fn submit_admin_prompt(&mut self, kind: &PromptKind, target: &str, text: &str) -> Result<(), String> {
        let job = match kind {
            PromptKind::Grant => {
                let (groups, perms, starts) = crate::domain::access::parse_grant(text)?;
                Request::AccessGrant {
                    to: Grantee::Broker(target.to_owned()),
                    employer: None,
                    groups,
                    perms,
                    from: starts,
                }
            }
            PromptKind::Perms(grant) => Request::AccessChange { grant: *grant, perms: Perms::parse(text)? },
            PromptKind::Tools => Request::AccountTools { email: target.to_owned(), tools: Tools::parse(text)? },
            _ => return Ok(()),
        };
        self.confirm_or_run(job);
        Ok(())
    }

    /// Creates a staff account from the form's checked values.
    pub(super) fn run_staff_create(&mut self, login: String, role: Role, name: String) {
        self.run_admin_job(Request::StaffCreate { login, role, name });
    }

    /// Runs a confirmed change and reports its outcome.
    pub(super) fn run_admin_job(&mut self, job: Request) {
        let run = self.runner();
        self.spawn_op("saving…".into(), async move {
            super::cases::result_text(run.execute(job.clone()).await.map(|out| done_text(&job, &out)))
        });
    }

    /// `:staff`: the staff accounts, in the Accounts area.
    pub(super) fn show_staff(&mut self) {
        self.pane_mut(Area::Accounts).kind = ListKind::Staff;
        self.set_filter(Area::Accounts, "");
    }
}

/// What the status line says once an admin change is done.
fn done_text(job: &Request, out: &Outcome) -> String {
    match (job, out) {
        (Request::AccessGrant { groups, perms, .. }, Outcome::Granted(ids)) => format!(
            "granted {} on {} (grant {})",
            perms.describe(),
            groups.join(", "),
            ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
        ),
        (Request::AccessChange { grant, perms }, _) => format!("grant {grant} now allows {}", perms.describe()),
        (Request::AccessRevoke { grant, .. }, _) => format!("grant {grant} revoked"),
        (Request::AccountUnlock { email }, _) => format!("{email} unlocked"),
        (Request::AccountDisable { email }, _) => format!("{email} disabled"),
        (Request::AccountEnable { email }, _) => format!("{email} enabled"),
        (Request::AccountTools { email, .. }, _) => format!("{email}: tool access saved"),
        (Request::AccountResendRegistration { email }, _) => {
            format!("registration email for {email} queued in the outbox")
        }
        (Request::AccountResetPassword { email }, _) => format!("password reset for {email} queued in the outbox"),
        (Request::StaffCreate { login, role, .. }, _) => format!("staff account {login} created ({})", role.as_str()),
        (Request::StaffSetRole { login, role }, _) => format!("{login} is now {}", role.as_str()),
        (Request::StaffDisable { login }, _) => format!("{login} disabled"),
        (Request::StaffEnable { login }, _) => format!("{login} enabled"),
        (Request::ReportCancel { job }, _) => format!("report job {job} cancelled"),
        (Request::ReportPause { id }, _) => format!("report schedule {id} paused: :resume starts it again"),
        (Request::ReportResume { id }, Outcome::Resumed(Some(next))) => {
            format!("report schedule {id} resumed; next run {}", next.format("%Y-%m-%d %H:%M UTC"))
        }
        (Request::ReportResume { id }, _) => {
            format!("report schedule {id} resumed, but its time passed while it was paused: it will not run")
        }
        (Request::ReportUnschedule { id }, _) => format!("report schedule {id} deleted; its jobs are kept"),
        (_, out) => format!("done ({out:?})"),
    }
}
