//! The areas of the app: the tabs, each showing one list (and the screens
//! opened above it). Names no other module of the TUI.

use crate::action::{Action, SPECS};
use crate::domain::case::CaseView;
use crate::store::lists::ListKind;

/// The areas, in the order of their number keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Area {
    Cases,
    Members,
    Brokers,
    Accounts,
    Imports,
    Codes,
    Employers,
    Reports,
}

impl Area {
    /// Every area, in tab order.
    pub const ALL: [Area; 8] = [
        Area::Cases,
        Area::Members,
        Area::Brokers,
        Area::Accounts,
        Area::Imports,
        Area::Codes,
        Area::Employers,
        Area::Reports,
    ];

    /// The tab's title.
    pub fn title(self) -> &'static str {
        match self {
            Area::Cases => "Cases",
            Area::Members => "Members",
            Area::Brokers => "Brokers",
            Area::Accounts => "Accounts",
            Area::Imports => "Imports",
            Area::Codes => "Codes",
            Area::Employers => "Employers",
            Area::Reports => "Reports",
        }
    }

    /// The action that shows this area (its number key).
    pub fn action(self) -> Action {
        match self {
            Area::Cases => Action::AreaCases,
            Area::Members => Action::AreaMembers,
            Area::Brokers => Action::AreaBrokers,
            Area::Accounts => Action::AreaAccounts,
            Area::Imports => Action::AreaImports,
            Area::Codes => Action::AreaCodes,
            Area::Employers => Action::AreaEmployers,
            Area::Reports => Action::AreaReports,
        }
    }

    /// The area an `area.*` action shows.
    pub fn of_action(action: Action) -> Option<Area> {
        Area::ALL.into_iter().find(|a| a.action() == action)
    }

    /// The list the area shows at start.
    pub fn first_list(self) -> ListKind {
        match self {
            Area::Cases => ListKind::Cases(CaseView::ALL[0]),
            Area::Members => ListKind::Members,
            Area::Brokers => ListKind::Brokers,
            Area::Accounts => ListKind::Accounts,
            Area::Imports => ListKind::Imports { failed_only: false },
            Area::Codes => ListKind::Codes,
            Area::Employers => ListKind::Employers,
            Area::Reports => ListKind::ReportJobs,
        }
    }

    /// Where the area stands among the tabs (0-based).
    pub fn index(self) -> usize {
        self as usize
    }

    /// The prefix of the actions only this area's list offers (its rows'
    /// actions), if any: other lists leave them out of their footer.
    pub fn own_actions(self) -> Option<&'static str> {
        match self {
            Area::Cases => Some("case."),
            Area::Members => Some("member."),
            Area::Codes => Some("code."),
            Area::Reports => Some("report."),
            _ => None,
        }
    }

    /// What this area's list offers: the action table's footer entries,
    /// less the row actions of the other areas' lists (and, on the case list,
    /// those that need the case open).
    pub fn list_offers(self) -> Vec<(Action, &'static str)> {
        let own = self.own_actions();
        let others: Vec<&str> = Area::ALL.iter().filter_map(|a| a.own_actions()).filter(|p| Some(*p) != own).collect();
        SPECS
            .iter()
            .filter(|s| !others.iter().any(|p| s.name.starts_with(p)))
            .filter(|s| {
                !matches!(self, Area::Cases)
                    || !matches!(
                        s.action,
                        Action::CaseAssignMe | Action::CaseNote | Action::CaseRequestInfo | Action::CaseResolve
                    )
            })
            .filter_map(|s| s.footer.map(|word| (s.action, word)))
            .collect()
    }

    /// Whether the area shows the queue strip (case counts per view) above its list.
    pub fn has_queue_strip(self) -> bool {
        matches!(self, Area::Cases)
    }
}
