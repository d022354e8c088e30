//! Employers and groups in the TUI (area 7): the Employers list and what
//! opens from it, the `:employers`, `:employer`, `:group` and `:book`
//! commands, a group's subscribers exported with `:export`, and the keys
//! of the group view when it is not in front.

use super::app::App;
use super::book_view::BookTab;
use super::employer_view::{EmployerScreen, Target};
use super::group_view::{GroupScreen, GroupTab};
use super::screen::Area;
use super::task::Report;
use crate::action::Action;
use crate::ops::request::Request;

impl App {
    /// Enter in a group or employer view: a subscriber of the open group
    /// opens the member; in an employer's view, the selected row opens (the
    /// list's Enter is the list screen's).
    pub(super) fn open_employer_item(&mut self) {
        if let Some(s) = self.top::<GroupScreen>() {
            return match (s.tab, s.selected_member()) {
                (GroupTab::Subscribers, Some(m)) => self.open_member(&m),
                (GroupTab::Subscribers, None) => self.complain("no subscriber is selected"),
                _ => self.complain("Enter opens a subscriber: Tab to the Subscribers tab first"),
            };
        }
        if let Some(s) = self.top::<EmployerScreen>() {
            match s.target() {
                Some(t) => self.follow(t),
                None => self.complain("nothing to open here"),
            }
        }
    }

    /// `:employer QUERY` (or Enter on the list): the employer's view.
    pub(super) fn open_employer(&mut self, query: &str) {
        let query = crate::domain::text::sanitize(query.trim());
        if query.is_empty() {
            return self.complain("type :employer NAME, EIN or GROUP");
        }
        self.show_screen(Area::Employers, Box::new(EmployerScreen::new(query)));
    }

    /// Opens group `number` on tab `tab`: above the employer view it came
    /// from (Esc returns there), else in place of what area 7 showed.
    pub(super) fn open_group(&mut self, number: &str, tab: GroupTab) {
        let number = number.trim();
        if number.is_empty() || number.chars().any(char::is_whitespace) {
            return self.complain("a group number is one word, such as ABC101-01");
        }
        let screen = Box::new(GroupScreen::new(number, tab));
        if self.top::<EmployerScreen>().is_some() {
            self.push_screen(Area::Employers, screen);
        } else {
            self.show_screen(Area::Employers, screen);
        }
    }

    /// `:group NUMBER`, a case's group link: the group's details.
    pub(super) fn open_group_details(&mut self, number: &str) {
        self.open_group(number, GroupTab::Details);
    }

    fn follow(&mut self, target: Target) {
        match target {
            Target::Group(g) => self.open_group(&g, GroupTab::Details),
            Target::Case(c) => self.open_case(&c),
            Target::Import(id) => self.open_import(Some(id)),
            Target::Account { id, name } => {
                // The Accounts list shows the user's name; its record opens over it.
                self.pane_mut(Area::Accounts).kind = crate::store::lists::ListKind::Accounts;
                self.set_filter(Area::Accounts, &name);
                self.open_account(id);
            }
        }
    }

    /// Opens a portal user's record over the Accounts list.
    fn open_account(&mut self, id: i64) {
        let store = self.ops.store().clone();
        let work = async move {
            let loaded = crate::store::records::account(&store, id)
                .await
                .map(|r| r.map(|a| super::record::Record::Account(a.into())));
            Report::Record(loaded.map_err(|e| crate::store::short_cause(&e)))
        };
        self.record_task = Some(self.tasks.spawn(work));
    }

    /// `:employers [QUERY]`: the Employers list, found by name, EIN or group number.
    pub(super) fn find_employers(&mut self, query: &str) {
        self.stack_mut(Area::Employers).clear();
        self.set_filter(Area::Employers, query);
    }

    /// `:book FILTERS`: the open broker's book of business under them.
    pub(super) fn book_command(&mut self, typed: &str) {
        let filter = match crate::ops::employers::parse_book_filter(typed) {
            Ok(f) => f,
            Err(e) => return self.complain(e),
        };
        let Some(s) = self.screen_mut::<super::admin::BrokerScreen>() else {
            return self.complain("open a broker first (3, then Enter, or :broker NPN), then :book FILTERS");
        };
        s.book = Some(Box::new(BookTab::new(typed, filter)));
        s.commissions = None;
        self.area = Area::Brokers;
        self.pump_screen();
    }

    /// `:export FILE.csv [family]` in a group's view: its subscribers (a
    /// parent's whole family with `family`) under the status filter, SSNs
    /// masked, audited before the file is written. False when no group is
    /// in front (the list's export runs instead).
    pub(super) fn export_group(&mut self, args: &str) -> bool {
        let Some(s) = self.top::<GroupScreen>() else { return false };
        let mut words: Vec<&str> = args.split_whitespace().collect();
        let family = words.last() == Some(&"family");
        if family {
            words.pop();
        }
        let [file] = words.as_slice() else {
            self.complain("type :export FILE.csv, or :export FILE.csv family for a parent's whole family");
            return true;
        };
        let req = Request::GroupExport {
            group: s.number.clone(),
            family,
            status: s.status.map(str::to_owned),
            path: std::path::PathBuf::from(file),
        };
        let (run, shown) = (self.runner(), (*file).to_owned());
        self.spawn_op(format!("exporting to {shown}…"), async move {
            let done = run.ask::<usize>(req).await;
            Report::Op(done.map(|n| format!("exported {n} subscribers to {shown}")).map_err(|e| e.to_string()))
        });
        true
    }

    /// A key of the group view or the book that reached the app: the
    /// screen it belongs to is not in front, or not on its tab.
    pub(super) fn group_key_elsewhere(&mut self, action: Action) {
        self.complain(match action {
            Action::GroupPlans => "y switches plan years in a group's Plans tab (7, Enter, Tab)",
            Action::GroupSubscribers => "s steps through statuses in a group's Subscribers tab",
            _ => "type :book FILTERS in a broker's view, e.g. :book status:active alert:past_due",
        });
    }
}
