//! Brokers, portal accounts and staff in the TUI: the broker view with its
//! book of business, and the supervisor and admin actions, each asked for
//! what it needs, confirmed when it is destructive or sends mail, and run
//! through the ops layer.

use chrono::NaiveDate;

use super::app::App;
use super::modal::{AdminJob, Confirm, Pending, Prompt, PromptKind};
use super::screen::Area;
use super::task::{Report, TaskId};
use crate::action::Action;
use crate::domain::access::Perms;
use crate::domain::role::Role;
use crate::ops::access::Grantee;
use crate::ops::accounts::Tools;
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
}

/// Parses `GROUP[,GROUP…] PERMS [DATE]`.
fn parse_grant(text: &str) -> Result<(Vec<String>, Perms, Option<NaiveDate>), String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let (groups, perms, date) = match words.as_slice() {
        [g, p] => (g, p, None),
        [g, p, d] => (g, p, Some(crate::domain::member_query::parse_date(d)?)),
        _ => return Err("type GROUP[,GROUP…] PERMISSIONS [YYYY-MM-DD], e.g. ABC101,ABC101-01 view,enrollment".into()),
    };
    let groups: Vec<String> = groups.split(',').filter(|g| !g.is_empty()).map(str::to_uppercase).collect();
    Ok((groups, Perms::parse(perms)?, date))
}

use crate::domain::role::parse_role;

impl App {
    /// Opens the selected broker, or `:broker NPN`.
    pub(super) fn open_broker(&mut self, npn: Option<String>) {
        let npn = match npn {
            Some(n) => n.trim().to_owned(),
            None => match self.pane_of(Area::Brokers).rows.get(self.pane_of(Area::Brokers).selected) {
                Some(r) => r.item.handle(),
                None => return self.nothing_selected(),
            },
        };
        if let Err(e) = crate::domain::npn::parse_npn(&npn) {
            return self.complain(e);
        }
        let screen = BrokerScreen { npn, file: None, loading: None, selected: 0, book: None };
        self.open_screen(Area::Brokers, Box::new(screen));
        self.reload_broker();
    }

    /// Loads (again) the open broker.
    pub(super) fn reload_broker(&mut self) {
        let Some(npn) = self.screen::<BrokerScreen>().map(|s| s.npn.clone()) else { return };
        let store = self.ops.store().clone();
        let today = self.ops.now().date_naive();
        let id = self.tasks.spawn(async move {
            let result = store::file_by_npn(&store, &npn, today)
                .await
                .map(|f| f.map(Box::new))
                .map_err(|e| crate::store::short_cause(&e));
            Report::Broker(result)
        });
        if let Some(s) = self.screen_mut::<BrokerScreen>() {
            s.loading = Some(id);
        }
    }

    /// Enter on the Brokers area: opens the selected broker, or in the
    /// broker view lists the selected group's members.
    pub(super) fn open_broker_item(&mut self) {
        if let Some(b) = self.top::<BrokerScreen>().and_then(|s| s.book.as_ref()) {
            return match b.selected_group() {
                Some(g) => self.open_group_details(&g),
                None => self.complain("no group is selected in the book of business"),
            };
        }
        match self.top::<BrokerScreen>() {
            Some(s) => match s.file.as_ref().and_then(|f| f.book.get(s.selected)) {
                Some(g) => {
                    let filter = format!("group:{}", g.group_number);
                    self.set_filter(Area::Members, &filter);
                }
                None => self.complain("this broker has no groups"),
            },
            None => self.open_broker(None),
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
                    AdminJob::Revoke { grant }
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
                    Action::AccountUnlock => AdminJob::Unlock(email),
                    Action::AccountDisable => AdminJob::Disable(email),
                    Action::AccountEnable => AdminJob::Enable(email),
                    Action::AccountResendRegistration => AdminJob::Resend(email),
                    _ => AdminJob::Reset(email),
                }
            }
            Action::StaffCreate if arg.is_empty() => return self.open_form(super::form::FormKind::StaffCreate),
            Action::StaffCreate => {
                let mut w = arg.splitn(3, char::is_whitespace);
                match (w.next(), w.next().map(parse_role), w.next()) {
                    (Some(login), Some(Ok(role)), Some(name)) => {
                        AdminJob::StaffCreate { login: login.into(), role, name: name.into() }
                    }
                    (_, Some(Err(e)), _) => return self.complain(e),
                    _ => return self.complain(":staff-create LOGIN ROLE NAME, e.g. :staff-create jdoe agent Jane Doe"),
                }
            }
            Action::StaffSetRole => match arg.split_whitespace().collect::<Vec<_>>().as_slice() {
                [login, role] => match parse_role(role) {
                    Ok(role) => AdminJob::StaffRole { login: (*login).into(), role },
                    Err(e) => return self.complain(e),
                },
                _ => return self.complain(":staff-role LOGIN ROLE"),
            },
            Action::StaffDisable | Action::StaffEnable if arg.is_empty() => {
                let word = action.spec().command.and_then(|c| c.split(' ').next()).unwrap_or("");
                return self.complain(format!(":{word} LOGIN"));
            }
            Action::StaffDisable => AdminJob::StaffDisable(arg),
            Action::StaffEnable => AdminJob::StaffEnable(arg),
            _ => return,
        };
        self.confirm_or_run(job);
    }

    /// Destructive and outward-facing changes ask first; the rest run.
    fn confirm_or_run(&mut self, job: AdminJob) {
        let ask = match &job {
            AdminJob::Revoke { grant } => {
                Some(format!("Revoke grant {grant}? Access ends today, for the office staff too."))
            }
            AdminJob::Disable(e) => Some(format!("Disable portal user {e}?")),
            AdminJob::Resend(e) => Some(format!("Email a new registration link to {e}? The old one stops working.")),
            AdminJob::Reset(e) => Some(format!("Email a password reset code to {e}?")),
            AdminJob::StaffDisable(l) => Some(format!("Disable staff account {l}?")),
            AdminJob::Grant { groups, perms, .. } => {
                Some(format!("Grant {} on {}?", perms.describe(), groups.join(", ")))
            }
            _ => None,
        };
        match ask {
            Some(title) => {
                self.confirm(Confirm { back: None, title, lines: Vec::new(), pending: Pending::Admin(Box::new(job)) })
            }
            None => self.run_admin_job(job),
        }
    }

    /// Checks what an admin prompt collected.
    pub(super) fn submit_admin_prompt(&mut self, kind: &PromptKind, target: &str, text: &str) -> Result<(), String> {
        let job = match kind {
            PromptKind::Grant => {
                let (groups, perms, starts) = parse_grant(text)?;
                AdminJob::Grant { to: Grantee::Broker(target.to_owned()), groups, perms, starts }
            }
            PromptKind::Perms(grant) => AdminJob::Perms { grant: *grant, perms: Perms::parse(text)? },
            PromptKind::Tools => AdminJob::Tools { email: target.to_owned(), tools: Tools::parse(text)? },
            _ => return Ok(()),
        };
        self.confirm_or_run(job);
        Ok(())
    }

    /// Creates a staff account from the form's checked values.
    pub(super) fn run_staff_create(&mut self, login: String, role: Role, name: String) {
        self.run_admin_job(AdminJob::StaffCreate { login, role, name });
    }

    /// Runs a confirmed change and reports its outcome.
    pub(super) fn run_admin_job(&mut self, job: AdminJob) {
        let ops = self.ops.clone();
        let key = self.key.clone();
        self.spawn_op("saving…".into(), async move {
            let done = super::cases::result_text;
            let key_needed = || crate::ops::OpError::Refused("no data key loaded".into());
            done(match job {
                AdminJob::Grant { to, groups, perms, starts } => {
                    ops.grant_access(&to, None, &groups, perms, starts).await.map(|ids| {
                        format!(
                            "granted {} on {} (grant {})",
                            perms.describe(),
                            groups.join(", "),
                            ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
                        )
                    })
                }
                AdminJob::Perms { grant, perms } => ops
                    .change_access(grant, perms)
                    .await
                    .map(|()| format!("grant {grant} now allows {}", perms.describe())),
                AdminJob::Revoke { grant } => {
                    ops.revoke_access(grant, None).await.map(|()| format!("grant {grant} revoked"))
                }
                AdminJob::Unlock(e) => ops.unlock_account(&e).await.map(|_| format!("{e} unlocked")),
                AdminJob::Disable(e) => ops.disable_account(&e).await.map(|_| format!("{e} disabled")),
                AdminJob::Enable(e) => ops.enable_account(&e).await.map(|_| format!("{e} enabled")),
                AdminJob::Tools { email, tools } => {
                    ops.set_tools(&email, tools).await.map(|_| format!("{email}: tool access saved"))
                }
                AdminJob::Resend(e) => match key {
                    Some(k) => ops
                        .resend_registration(&k, &e)
                        .await
                        .map(|_| format!("registration email for {e} queued in the outbox")),
                    None => Err(key_needed()),
                },
                AdminJob::Reset(e) => match key {
                    Some(k) => {
                        ops.reset_password(&k, &e).await.map(|_| format!("password reset for {e} queued in the outbox"))
                    }
                    None => Err(key_needed()),
                },
                AdminJob::StaffCreate { login, role, name } => ops
                    .create_staff(&login, &name, role)
                    .await
                    .map(|_| format!("staff account {login} created ({})", role.as_str())),
                AdminJob::StaffRole { login, role } => {
                    ops.set_staff_role(&login, role).await.map(|_| format!("{login} is now {}", role.as_str()))
                }
                AdminJob::StaffDisable(l) => ops.disable_staff(&l).await.map(|_| format!("{l} disabled")),
                AdminJob::StaffEnable(l) => ops.enable_staff(&l).await.map(|_| format!("{l} enabled")),
            })
        });
    }

    /// `:staff`: the staff accounts, in the Accounts area.
    pub(super) fn show_staff(&mut self) {
        self.pane_mut(Area::Accounts).kind = ListKind::Staff;
        self.set_filter(Area::Accounts, "");
    }
}
