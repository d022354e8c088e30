//! Members in the TUI: the member view and its tabs, the audited SSN
//! reveal that masks itself again, the eligibility check and CSV export.

use super::app::App;
use super::modal::{Confirm, Pending, Prompt, PromptKind};
use super::screen::Area;
use super::task::{Report, TaskId};
use crate::action::Action;
use crate::domain::member_query::parse_date;
use crate::domain::text::{clip, sanitize};
use crate::ops::request::Request;
use crate::store::members::{self as store, MemberFile, MemberSearch};
use crate::store::{Dir, lists};

/// The member view's tabs, in order.
pub const TABS: [&str; 8] =
    ["Demographics", "Events", "Plans", "Payments", "Communications", "Letters", "Cases", "History"];

/// The member the Members area shows instead of its list.
#[derive(Debug, Clone)]
pub struct MemberScreen {
    pub number: String,
    pub file: Option<Box<MemberFile>>,
    pub loading: Option<TaskId>,
    pub error: Option<String>,
    pub tab: usize,
    pub scroll: u16,
    /// The selected link: a relative on Demographics, a case on Cases.
    pub selected: usize,
    /// The revealed SSN and the tick at which it is masked again.
    pub revealed: Option<(String, u64)>,
}

impl MemberScreen {
    /// What Enter can open on the current tab: (label, member ID or case ID, is a case).
    pub fn links(&self) -> Vec<(String, String, bool)> {
        let Some(f) = &self.file else { return Vec::new() };
        match TABS[self.tab] {
            "Demographics" => f
                .subscriber
                .iter()
                .map(|r| ("subscriber", r))
                .chain(f.dependents.iter().map(|r| ("dependent", r)))
                .map(|(what, r)| {
                    let label =
                        format!("{what} {} {}, {} ({})", r.member_number, r.last_name, r.first_name, r.relationship);
                    (sanitize(&label), r.member_number.clone(), false)
                })
                .collect(),
            "Cases" => f
                .cases
                .iter()
                .map(|c| {
                    (sanitize(&format!("{} {} {}", c.case_number, c.status, c.subject)), c.case_number.clone(), true)
                })
                .collect(),
            _ => Vec::new(),
        }
    }
}

impl App {
    /// Enter in the member view: follows the selected link (a case, a relative).
    pub(super) fn follow_member_link(&mut self) {
        let Some(s) = self.top::<MemberScreen>() else { return };
        let links = s.links();
        let Some((_, key, is_case)) = links.get(s.selected).cloned() else {
            return self.complain("nothing to open on this tab: Tab moves between tabs");
        };
        if is_case {
            self.open_case(&key);
        } else {
            self.open_member(&key);
        }
    }

    /// Opens a member's view (audited by the ops layer).
    pub(super) fn open_member(&mut self, number: &str) {
        let number = number.to_owned();
        let (run, member) = (self.runner(), number.clone());
        let id = self.tasks.spawn_screen(async move {
            run.ask::<crate::store::members::MemberFile>(Request::MemberView { member })
                .await
                .map(Box::new)
                .map_err(|e| e.to_string())
        });
        let screen = MemberScreen {
            number,
            file: None,
            loading: Some(id),
            error: None,
            tab: 0,
            scroll: 0,
            selected: 0,
            revealed: None,
        };
        self.open_screen(Area::Members, Box::new(screen));
    }

    /// Reads the open member again after a change (not audited again: the
    /// view that shows it already was).
    pub(super) fn reload_member(&mut self) {
        let Some(number) = self.screen::<MemberScreen>().filter(|s| s.file.is_some()).map(|s| s.number.clone()) else {
            return;
        };
        let store = self.ops.store().clone();
        let id = self.tasks.spawn_screen(async move {
            let r = store::file_by_number(&store, &number).await.map_err(|e| crate::store::short_cause(&e));
            r.and_then(|f| f.map(Box::new).ok_or_else(|| format!("member {number} is gone")))
        });
        if let Some(s) = self.screen_mut::<MemberScreen>() {
            s.loading = Some(id);
        }
    }

    /// `member.reveal_ssn` from a key (asks the reason) or `:reveal REASON`.
    pub(super) fn reveal(&mut self, reason: Option<String>) {
        let Some(number) = self.top::<MemberScreen>().map(|s| s.number.clone()) else {
            return self.complain("open a member first: the SSN shown is the open member's");
        };
        let spec = Action::MemberRevealSsn.spec();
        if self.ops.role() < spec.min_role {
            // Still asked of the ops layer, so the refusal is audited.
            let run = self.runner();
            return self.spawn_op(String::new(), async move {
                let r =
                    run.ask::<String>(Request::MemberRevealSsn { member: number, reason: "(refused)".into() }).await;
                Report::Op(r.map(|_| String::new()).map_err(|e| e.to_string()))
            });
        }
        match reason {
            Some(r) => {
                if let Err(e) = self.submit_reveal(&r) {
                    self.complain(e);
                }
            }
            None => self.prompt(Prompt { kind: PromptKind::RevealReason, number, seen: None }, String::new()),
        }
    }

    /// Asks the ops layer for the SSN with the typed reason.
    pub(super) fn submit_reveal(&mut self, reason: &str) -> Result<(), String> {
        let reason = sanitize(reason).trim().to_owned();
        if reason.is_empty() {
            return Err("type why you need the SSN: the reason is audited".into());
        }
        let Some(number) = self.screen::<MemberScreen>().map(|s| s.number.clone()) else {
            return Err("open a member first".into());
        };
        if self.key.is_none() {
            return Err("no data key loaded: SSNs cannot be revealed".into());
        }
        let run = self.runner();
        self.spawn_op("revealing…".into(), async move {
            let req = Request::MemberRevealSsn { member: number.clone(), reason };
            Report::Revealed { number, result: run.ask(req).await.map_err(|e| e.to_string()) }
        });
        Ok(())
    }

    /// The SSN arrived: show it until the configured time has passed.
    pub(super) fn on_revealed(&mut self, number: String, result: Result<String, String>) {
        match result {
            // Locked meanwhile: the SSN is not kept for after the unlock.
            Ok(_) if self.locked.is_some() => {}
            Ok(ssn) => {
                let until = self.tick + self.reveal_ticks;
                if let Some(s) = self.screen_mut::<MemberScreen>().filter(|s| s.number == number) {
                    s.revealed = Some((ssn, until));
                    s.tab = 0;
                }
                self.say(format!("SSN shown for {} s; the view was audited with your reason", self.reveal_seconds));
            }
            Err(e) => self.complain(e),
        }
    }

    /// Masks a revealed SSN again once its time is up.
    pub(super) fn expire_reveal(&mut self) {
        let tick = self.tick;
        if let Some(s) = self.screen_mut::<MemberScreen>()
            && s.revealed.as_ref().is_some_and(|(_, until)| tick >= *until)
        {
            s.revealed = None;
        }
    }

    /// `:elig QUERY DATE`: whether the members the query finds were covered then.
    pub(super) fn eligibility(&mut self, args: &str) {
        let Some((query, date)) = args.trim().rsplit_once(char::is_whitespace) else {
            return self.complain(":elig takes a member ID or last name and a date, e.g. :elig M0000042 01/31/2026");
        };
        let on = match parse_date(date.trim()) {
            Ok(d) => d,
            Err(e) => return self.complain(e),
        };
        let search = match MemberSearch::parse(query, self.key.as_ref()) {
            Ok(Some(s)) => s,
            Ok(None) => return self.complain(":elig needs a member ID or a last name"),
            Err(e) => return self.complain(e),
        };
        let store = self.ops.store().clone();
        let query = clip(query.trim(), 40);
        let shown_on = self.day(on);
        self.spawn_op("checking eligibility…".into(), async move {
            match store::coverage_on(&store, &search, on, 50).await {
                Ok(rows) => Report::Info {
                    title: format!("Eligibility of {query} on {shown_on}"),
                    lines: store::describe_coverage(&rows),
                },
                Err(e) => Report::Op(Err(crate::store::short_cause(&e))),
            }
        });
    }

    /// `:export FILE`: every row of the current list (not just the page on
    /// screen) to CSV, cells neutralised against spreadsheet formulas.
    pub(super) fn export(&mut self, file: &str) {
        // In a group's view, the export is its subscribers.
        if self.export_group(file) || self.export_report(file) {
            return;
        }
        let path = std::path::PathBuf::from(file.trim());
        match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() && !dir.is_dir() => {
                return self.complain(format!("folder {} does not exist", dir.display()));
            }
            _ => {}
        }
        let area = self.area;
        // In an import job's view, the export is its row errors.
        let errors =
            self.top::<super::import_view::ImportScreen>().and_then(|s| s.job.as_ref()).map(|(_, e)| e.clone());
        if let Some(errors) = errors {
            return match crate::export::import_errors_csv(&errors, &path) {
                Ok(n) => self.say(format!(
                    "{n} row errors written to {}: correct them, then enqueue the file as a child job",
                    path.display()
                )),
                Err(e) => self.complain(e),
            };
        }
        let req = match self.request(area, Dir::First, 1000) {
            Ok(r) => r,
            Err(e) => return self.complain(e),
        };
        if matches!(req.kind, lists::ListKind::Members) && self.ops.read_only() {
            return self.complain("exporting members is audited, and this session is read-only");
        }
        let entity = format!("{}:{}", area.title().to_lowercase(), clip(&self.pane_of(area).filter, 60));
        let run = self.runner();
        self.spawn_op(format!("exporting to {}…", path.display()), async move {
            // A member export is audited before its file is written.
            let r = run.ask::<usize>(Request::ListExport { list: req, path: path.clone(), entity }).await;
            Report::Op(r.map(|n| format!("exported {n} rows to {}", path.display())).map_err(|e| e.to_string()))
        });
    }

    /// Shows an information box (Esc, q or Enter closes it).
    pub(super) fn on_info(&mut self, title: String, lines: Vec<String>) {
        self.message = None;
        self.confirm(Confirm { title, lines, pending: Pending::Nothing });
    }
}
