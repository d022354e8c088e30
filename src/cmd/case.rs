//! `portaldesk case …`: every case action without a screen, for scripts
//! and cron. Exit codes: 0 done, 1 refused, not found or nothing to do,
//! 2 usage or database trouble.

use chrono::{DateTime, Utc};

use super::report;
use crate::action::Action;
use crate::cli::CaseCmd;
use crate::config::Config;
use crate::domain::case::{CaseView, Queue};
use crate::domain::case_change::{default_info_due, end_of_day};
use crate::domain::member_query::parse_date;
use crate::domain::text::sanitize;
use crate::fatal::Fatal;
use crate::ops::cases::{Changed, Claimed};
use crate::ops::request::{Env, Outcome, Request};
use crate::ops::{OpError, Ops};
use crate::store::cases::CaseFile;
use crate::store::lists::ListKind;

fn usage(e: String) -> Fatal {
    Fatal::new(e)
}

/// The request a case subcommand that changes data stands for; `None`
/// for the reads, which `run` answers itself.
pub fn request(now: DateTime<Utc>, config: &Config, cmd: &CaseCmd) -> Result<Option<Request>, Fatal> {
    let one = |ids: &[String]| ids.first().cloned().unwrap_or_default();
    Ok(Some(match cmd.clone() {
        CaseCmd::List { .. } | CaseCmd::Show { .. } => return Ok(None),
        CaseCmd::Take { queue, .. } => Request::CaseClaimNext {
            queue: Queue::parse(&queue)
                .ok_or_else(|| usage(format!("no queue {queue:?}: use eligibility, enrollment, billing or support")))?,
        },
        CaseCmd::Assign { ids, to, .. } if ids.len() == 1 => Request::CaseAssign { case: one(&ids), to, seen: None },
        CaseCmd::Assign { ids, to, .. } => Request::CaseBulkAssign { cases: ids, to, seen: None },
        CaseCmd::Resolve { ids, comment, .. } if ids.len() == 1 => {
            Request::CaseResolve { case: one(&ids), comment, seen: None }
        }
        CaseCmd::Resolve { ids, comment, .. } => Request::CaseBulkResolve { cases: ids, comment, seen: None },
        CaseCmd::Note { id, text, to_submitter, .. } => Request::CaseNote { case: id, text, to_submitter, seen: None },
        CaseCmd::RequestInfo { id, due, .. } => {
            let due = match due {
                Some(d) => end_of_day(parse_date(&d).map_err(usage)?),
                None => default_info_due(now, config.cases.info_due_business_days),
            };
            Request::CaseRequestInfo { case: id, due, seen: None }
        }
        CaseCmd::Received { id, .. } => Request::CaseInfoReceived { case: id, seen: None },
        CaseCmd::Reopen { id, .. } => Request::CaseReopen { case: id, seen: None },
        CaseCmd::Priority { id, priority, .. } => Request::CasePriority { case: id, priority, seen: None },
        CaseCmd::Sweep { .. } => Request::CaseSweep,
    }))
}

/// Runs a case subcommand.
pub async fn run(ops: &Ops, env: &Env<'_>, config: &Config, cmd: CaseCmd) -> Result<u8, Fatal> {
    let changed = |d: &Changed| {
        format!(
            "{}: {}, priority {}, {}",
            d.case_number,
            d.status,
            d.priority,
            d.assignee.as_deref().map(|a| format!("assigned to {a}")).unwrap_or_else(|| "unassigned".into())
        )
    };
    let all_changed = |v: &Vec<Changed>| v.iter().map(changed).collect::<Vec<_>>().join("\n");
    let Some(req) = request(ops.now(), config, &cmd)? else {
        return match cmd {
            CaseCmd::List { queue, filter, limit, json } => list(ops, env, &queue, &filter, limit, json.json).await,
            CaseCmd::Show { id, json } => show(ops, env, &id, json.json).await,
            _ => Ok(0),
        };
    };
    let json = cmd.json();
    let action = req.action();
    Ok(match (action, ops.execute(env, req).await) {
        (_, Ok(Outcome::Claimed(None))) => {
            if json {
                super::json::print_ok(&None::<()>);
            } else if let CaseCmd::Take { queue, .. } = &cmd {
                let q = Queue::parse(queue).map_or("", Queue::as_str);
                println!("nothing to take: {q} has no unassigned new case");
            }
            1
        }
        (Action::CaseClaimNext, r) => report(json, r.and_then(Option::<Claimed>::try_from), |c| {
            c.as_ref().map_or_else(String::new, |c| {
                format!(
                    "took {} ({}, priority {}, due {})",
                    c.case_number,
                    c.queue,
                    c.priority,
                    c.sla_due_at.format("%Y-%m-%d %H:%M UTC")
                )
            })
        }),
        (Action::CaseSweep, r) => report(json, r.and_then(Vec::<String>::try_from), |closed| {
            format!(
                "closed {} case(s) awaiting information past due{}",
                closed.len(),
                if closed.is_empty() { String::new() } else { format!(": {}", closed.join(" ")) }
            )
        }),
        // Assign and resolve answer a list, for one case or several.
        (_, r) if matches!(cmd, CaseCmd::Assign { .. } | CaseCmd::Resolve { .. }) => {
            let r = r.and_then(|o| match o {
                Outcome::Changed(c) => Ok(vec![c]),
                o => Vec::<Changed>::try_from(o),
            });
            report(json, r, all_changed)
        }
        (_, r) => report(json, r.and_then(Changed::try_from), changed),
    })
}

async fn list(ops: &Ops, env: &Env<'_>, queue: &str, filter: &str, limit: usize, json: bool) -> Result<u8, Fatal> {
    let view = CaseView::parse(queue).ok_or_else(|| {
        usage(format!("no case view {queue:?}: use {}", CaseView::ALL.map(CaseView::name).join(", ")))
    })?;
    let req = super::first_page(ops, ListKind::Cases(view), &sanitize(filter), None, limit);
    super::print_list(ops, env, req, Some(view.name().to_owned()), json).await
}

async fn show(ops: &Ops, env: &Env<'_>, id: &str, json: bool) -> Result<u8, Fatal> {
    let file = super::read(ops.ask::<Option<CaseFile>>(env, Request::CaseShow { case: id.to_owned() }).await)?;
    let r = file.and_then(|f| {
        f.ok_or_else(|| {
            let number = crate::ops::cases::normalize_number(id).unwrap_or_else(|_| id.to_owned());
            OpError::NotFound(format!("no case {number}"))
        })
    });
    Ok(report(json, r, show_text))
}

fn show_text(f: &CaseFile) -> String {
    let c = &f.case;
    let mut out = vec![
        format!("{}  {} · {} · priority {}", c.case_number, c.queue, c.status, c.priority),
        format!("subject     {}", sanitize(&c.subject)),
        format!("company     {}", sanitize(&c.company_name)),
        format!("groups      {}", sanitize(&c.group_numbers)),
        format!("subscriber  {}", sanitize(c.subscriber_name.as_deref().unwrap_or("-"))),
        format!("member      {}", c.member_number.as_deref().unwrap_or("-")),
        format!("submitted   {} by {}", c.submitted_at.format("%Y-%m-%d %H:%M"), sanitize(&c.submitted_by)),
        format!("assignee    {}", c.assignee_login.as_deref().unwrap_or("unassigned")),
        format!("sla due     {}", c.sla_due_at.format("%Y-%m-%d %H:%M")),
    ];
    if let Some(d) = c.info_due_at {
        out.push(format!("info due    {}", d.format("%Y-%m-%d %H:%M")));
    }
    if let Some(r) = &c.resolution {
        out.push(format!("resolution  {}", sanitize(r)));
    }
    if f.missing_paperwork() {
        out.push("paperwork   MISSING: retroactive request without an Exception Request Form".into());
    }
    out.push(format!("description {}", sanitize(&c.description)));
    for a in &f.attachments {
        out.push(format!("attachment  {} ({}, {} bytes)", sanitize(&a.file_name), a.kind, a.size_bytes));
    }
    for e in &f.events {
        out.push(format!(
            "{}  {:<10} {:<14} {}",
            e.at.format("%Y-%m-%d %H:%M"),
            e.staff_login.as_deref().unwrap_or("portal"),
            e.kind,
            sanitize(&e.body)
        ));
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Cmd};
    use clap::Parser;

    fn request_of(args: &[&str]) -> Result<Option<Request>, Fatal> {
        let now = DateTime::parse_from_rfc3339("2026-11-24T17:30:00Z").unwrap().with_timezone(&Utc);
        let cli = Cli::try_parse_from([&["portaldesk", "case"], args].concat()).unwrap();
        let Some(Cmd::Case(cmd)) = cli.command else { panic!("not a case command: {args:?}") };
        let config = Config::load(None, std::iter::empty(), &Default::default()).unwrap();
        request(now, &config, &cmd)
    }

    #[test]
    fn clap_args_build_the_typed_request_of_their_action() {
        let r = request_of(&["assign", "C-000001", "--to", "me"]).unwrap().unwrap();
        assert_eq!(r.action(), Action::CaseAssignMe);
        assert!(matches!(&r, Request::CaseAssign { case, seen: None, .. } if case == "C-000001"));
        // Several IDs are the bulk action, all or nothing.
        let r = request_of(&["assign", "1", "2", "--to", "bob"]).unwrap().unwrap();
        assert_eq!(r.action(), Action::CaseBulkAssign);
        assert!(matches!(&r, Request::CaseBulkAssign { cases, to, .. } if cases.len() == 2 && to == "bob"));
        let r = request_of(&["take", "--queue", "billing"]).unwrap().unwrap();
        assert!(matches!(r, Request::CaseClaimNext { queue: Queue::Billing }));
        let r = request_of(&["request-info", "7", "--due", "12/01/2026"]).unwrap().unwrap();
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert!(matches!(r, Request::CaseRequestInfo { due, .. } if due == end_of_day(day)));
        assert!(matches!(request_of(&["priority", "7", "2"]), Ok(Some(Request::CasePriority { priority: 2, .. }))));
        // Reads are no request; a bad queue is a usage error before any.
        assert!(matches!(request_of(&["list"]), Ok(None)));
        assert!(request_of(&["take", "--queue", "nope"]).unwrap_err().message.contains("no queue"));
    }
}
