//! `portaldesk case …`: every case action without a screen, for scripts
//! and cron. Exit codes: 0 done, 1 refused, not found or nothing to do,
//! 2 usage or database trouble.

use super::report;
use crate::cli::CaseCmd;
use crate::config::Config;
use crate::domain::case::{CaseView, Queue};
use crate::domain::case_change::{CaseChange, default_info_due, end_of_day};
use crate::domain::member_query::parse_date;
use crate::domain::text::sanitize;
use crate::fatal::Fatal;
use crate::ops::{OpError, Ops};
use crate::store::cases::{CaseFile, file_by_number};
use crate::store::lists::ListKind;

fn usage(e: String) -> Fatal {
    Fatal::new(e)
}

/// Runs a case subcommand.
pub async fn run(ops: &Ops, config: &Config, cmd: CaseCmd) -> Result<u8, Fatal> {
    let changed = |d: &crate::ops::cases::Changed| {
        format!(
            "{}: {}, priority {}, {}",
            d.case_number,
            d.status,
            d.priority,
            d.assignee.as_deref().map(|a| format!("assigned to {a}")).unwrap_or_else(|| "unassigned".into())
        )
    };
    let all_changed = |v: &Vec<crate::ops::cases::Changed>| v.iter().map(changed).collect::<Vec<_>>().join("\n");
    Ok(match cmd {
        CaseCmd::List { queue, filter, limit, json } => return list(ops, &queue, &filter, limit, json.json).await,
        CaseCmd::Show { id, json } => return show(ops, &id, json.json).await,
        CaseCmd::Take { queue, json } => {
            let q = Queue::parse(&queue)
                .ok_or_else(|| usage(format!("no queue {queue:?}: use eligibility, enrollment, billing or support")))?;
            match ops.claim_next(q).await {
                Ok(None) => {
                    if json.json {
                        super::json::print_ok(&None::<()>);
                    } else {
                        println!("nothing to take: {} has no unassigned new case", q.as_str());
                    }
                    1
                }
                r => report(json.json, r.map(Option::unwrap), |c| {
                    format!(
                        "took {} ({}, priority {}, due {})",
                        c.case_number,
                        c.queue,
                        c.priority,
                        c.sla_due_at.format("%Y-%m-%d %H:%M UTC")
                    )
                }),
            }
        }
        CaseCmd::Assign { ids, to, json } => {
            let r = async {
                let change = ops.assignment(&to).await?;
                bulk_or_one(ops, &ids, change).await
            };
            report(json.json, r.await, all_changed)
        }
        CaseCmd::Resolve { ids, comment, json } => {
            let r = bulk_or_one(ops, &ids, CaseChange::Resolve { comment }).await;
            report(json.json, r, all_changed)
        }
        CaseCmd::Note { id, text, to_submitter, json } => {
            report(json.json, ops.change_case(&id, None, CaseChange::Note { text, to_submitter }).await, changed)
        }
        CaseCmd::RequestInfo { id, due, json } => {
            let due = match due {
                Some(d) => end_of_day(parse_date(&d).map_err(usage)?),
                None => default_info_due(ops.now(), config.cases.info_due_business_days),
            };
            report(json.json, ops.change_case(&id, None, CaseChange::RequestInfo { due }).await, changed)
        }
        CaseCmd::Received { id, json } => {
            report(json.json, ops.change_case(&id, None, CaseChange::InfoReceived).await, changed)
        }
        CaseCmd::Reopen { id, json } => {
            report(json.json, ops.change_case(&id, None, CaseChange::Reopen).await, changed)
        }
        CaseCmd::Priority { id, priority, json } => {
            report(json.json, ops.change_case(&id, None, CaseChange::Priority(priority)).await, changed)
        }
        CaseCmd::Sweep { json } => report(json.json, ops.sweep().await, |closed| {
            format!(
                "closed {} case(s) awaiting information past due{}",
                closed.len(),
                if closed.is_empty() { String::new() } else { format!(": {}", closed.join(" ")) }
            )
        }),
    })
}

/// One ID: the single action. Several: the bulk action, all or nothing,
/// against the versions read just before.
async fn bulk_or_one(
    ops: &Ops,
    ids: &[String],
    change: CaseChange,
) -> Result<Vec<crate::ops::cases::Changed>, OpError> {
    if let [one] = ids {
        return Ok(vec![ops.change_case(one, None, change).await?]);
    }
    let lines = ops.preview_bulk(ids, &change).await?;
    if let Some(bad) = lines.iter().find(|l| l.outcome.is_err()) {
        let why = bad.outcome.clone().err().unwrap_or_default();
        return Err(OpError::Refused(format!("{}: {why}; nothing was changed", bad.case_number)));
    }
    ops.apply_bulk(&lines, &change).await
}

async fn list(ops: &Ops, queue: &str, filter: &str, limit: usize, json: bool) -> Result<u8, Fatal> {
    let view = CaseView::parse(queue).ok_or_else(|| {
        usage(format!("no case view {queue:?}: use {}", CaseView::ALL.map(CaseView::name).join(", ")))
    })?;
    let req = super::first_page(ops, ListKind::Cases(view), &sanitize(filter), None, limit);
    super::print_list(ops, req, Some(view.name().to_owned()), json).await
}

async fn show(ops: &Ops, id: &str, json: bool) -> Result<u8, Fatal> {
    let number = match crate::ops::cases::normalize_number(id) {
        Ok(n) => n,
        Err(e) => return Ok(report::<()>(json, Err(e), |_| String::new())),
    };
    let file = file_by_number(ops.store(), &number).await.map_err(|e| Fatal::database(&e))?;
    let r = file.ok_or_else(|| OpError::NotFound(format!("no case {number}")));
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
