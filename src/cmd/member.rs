//! `portaldesk member …`: member search and records without a screen. SSNs
//! are masked in every output unless a permitted, audited reveal asks.

use super::json::{Eligibility, MemberShown};
use super::report;
use crate::cli::MemberCmd;
use crate::crypto::DataKey;
use crate::domain::maintenance::ChangeKind;
use crate::domain::member_query::parse_date;
use crate::domain::ssn::mask;
use crate::domain::text::sanitize;
use crate::error_code::ErrorCode;
use crate::fatal::Fatal;
use crate::ops::maintenance::{ChangeDone, ChangeRequest};
use crate::ops::request::{Env, Request};
use crate::ops::{OpError, Ops};
use crate::store::lists::ListKind;
use crate::store::maintenance::ChangeRow;
use crate::store::members::{Coverage, MemberFile, MemberSearch, describe_coverage};

fn search(query: &str, key: &DataKey) -> Result<MemberSearch, Fatal> {
    MemberSearch::parse(query, Some(key))
        .map_err(Fatal::new)?
        .ok_or_else(|| Fatal::new("type a query: an SSN, M… member ID, I… individual ID or a last name"))
}

/// Runs a member subcommand.
pub async fn run(ops: &Ops, env: &Env<'_>, cmd: MemberCmd) -> Result<u8, Fatal> {
    let key = env.key.ok_or_else(|| Fatal::new("member commands need the data key"))?;
    match cmd {
        MemberCmd::Find { query, limit, csv, json } => {
            let search = Some(crate::store::lists::Search::Members(search(&query, key)?));
            let req = super::first_page(ops, ListKind::Members, "", search, limit.min(1000));
            if let Some(path) = csv {
                if ops.read_only() {
                    return Err(Fatal::of(
                        ErrorCode::ReadOnly,
                        "exporting members is audited, and this session is read-only",
                    ));
                }
                let entity = format!("members:{}", crate::domain::text::clip(&sanitize(&query), 60));
                let export = Request::ListExport { list: req.clone(), path: path.clone(), entity };
                let n = ops.ask::<usize>(env, export).await.map_err(|e| Fatal::of((&e).into(), e.to_string()))?;
                eprintln!("exported {n} members to {}", path.display());
            }
            super::print_list(ops, env, req, None, json.json).await
        }
        MemberCmd::Show { member_id, reveal, reason, json } => {
            let r: Result<MemberShown, OpError> = async {
                let file: MemberFile = ops.ask(env, Request::MemberView { member: member_id.clone() }).await?;
                let ssn = match (reveal, reason) {
                    (true, Some(reason)) => {
                        ops.ask(env, Request::MemberRevealSsn { member: member_id, reason }).await?
                    }
                    _ => mask(file.member.ssn_last4.as_deref()),
                };
                Ok(MemberShown { file, ssn })
            }
            .await;
            Ok(report(json.json, r, |v| {
                let m = &v.file.member;
                let mut out = vec![
                    sanitize(&format!(
                        "{}  {}, {}  {} · {} · {}",
                        m.member_number, m.last_name, m.first_name, m.member_type, m.relationship, m.status
                    )),
                    format!("ssn         {}", v.ssn),
                    format!("born        {}", m.birth_date),
                    sanitize(&format!("address     {}, {}, {} {}", m.address_line, m.city, m.state, m.zip)),
                    sanitize(&format!("group       {} · {}", m.group_number, m.employer)),
                ];
                let f = &v.file;
                for (tab, n) in [
                    ("events", f.events.len()),
                    ("enrollments", f.enrollments.len()),
                    ("premiums", f.premiums.len()),
                    ("cases", f.cases.len()),
                ] {
                    out.push(format!("{tab:<11} {n}"));
                }
                out.join("\n")
            }))
        }
        MemberCmd::History { member_id, json } => {
            let rows = ops.ask::<Vec<ChangeRow>>(env, Request::MemberHistory { member: member_id }).await;
            Ok(report(json.json, rows, |rows| {
                if rows.is_empty() {
                    return "no changes made by hand".into();
                }
                rows.iter()
                    .map(|r| {
                        sanitize(&format!(
                            "{}  {:<9} {}{}{}",
                            r.at.format("%Y-%m-%d %H:%M"),
                            r.operator,
                            r.summary,
                            r.case_number.as_ref().map(|c| format!("  ({c})")).unwrap_or_default(),
                            if r.undone_by.is_some() { "  [reverted]" } else { "" }
                        ))
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            }))
        }
        MemberCmd::Elig { query, date, json } => {
            let on = parse_date(&date).map_err(Fatal::new)?;
            let elig = Request::MemberEligibility { search: search(&query, key)?, on };
            let rows = super::read(ops.ask::<Vec<Coverage>>(env, elig).await)?
                .map_err(|e| Fatal::of((&e).into(), e.to_string()))?;
            let covered = rows.iter().any(|r| r.plan_code.is_some());
            if json.json {
                super::json::print_ok(&Eligibility { on, coverage: rows });
            } else {
                for l in describe_coverage(&rows) {
                    println!("{l}");
                }
            }
            Ok(if covered { 0 } else { 1 })
        }
        change => {
            let (req, json) = change_of(change)?;
            Ok(report(json, ops.ask::<ChangeDone>(env, Request::MemberChange(req)).await, preview))
        }
    }
}

/// The preview of a change, before → after, as text.
fn preview(d: &ChangeDone) -> String {
    let mut out = vec![sanitize(&format!(
        "{}{}",
        d.summary,
        if d.applied { String::new() } else { "  (dry run: nothing changed)".into() }
    ))];
    for c in &d.changes {
        let v = |x: &Option<String>| x.clone().unwrap_or_else(|| "—".into());
        out.push(sanitize(&format!("  {:<20} {} → {}", c.field, v(&c.before), v(&c.after))));
    }
    out.join("\n")
}

fn pairs(set: Vec<String>) -> Result<Vec<(String, String)>, Fatal> {
    set.into_iter()
        .map(|kv| match kv.split_once('=') {
            Some((k, v)) => Ok((k.trim().to_owned(), v.to_owned())),
            None => Err(Fatal::of(
                ErrorCode::InvalidInput,
                format!("--set takes FIELD=VALUE, not {:?}", crate::domain::text::clip(&kv, 40)),
            )),
        })
        .collect()
}

fn field(name: &str, v: impl Into<String>) -> (String, String) {
    (name.to_owned(), v.into())
}

/// A member change subcommand as the ops layer's request and its `--json`.
fn change_of(cmd: MemberCmd) -> Result<(ChangeRequest, bool), Fatal> {
    use ChangeKind as K;
    let (kind, member, fields, flags) = match cmd {
        MemberCmd::Add { set, change } => (K::AddMember, None, pairs(set)?, change),
        MemberCmd::AddDependent { member_id, set, change } => (K::AddDependent, Some(member_id), pairs(set)?, change),
        MemberCmd::Update { member_id, set, change } => (K::Demographics, Some(member_id), pairs(set)?, change),
        MemberCmd::ChangeType { member_id, member_type, date, change } => (
            K::MemberType,
            Some(member_id),
            vec![field("member_type", member_type), field("effective_date", date)],
            change,
        ),
        MemberCmd::Terminate { member_id, date, reason, change } => {
            (K::Terminate, Some(member_id), vec![field("end_date", date), field("reason", reason)], change)
        }
        MemberCmd::Reinstate { member_id, date, change } => {
            (K::Reinstate, Some(member_id), vec![field("effective_date", date)], change)
        }
        MemberCmd::AddEvent { member_id, code, date, notice_date, loss_date, change } => {
            let mut f = vec![field("event_code", code), field("event_date", date)];
            f.extend(notice_date.map(|d| field("notice_date", d)));
            f.extend(loss_date.map(|d| field("loss_of_coverage_date", d)));
            (K::Event, Some(member_id), f, change)
        }
        MemberCmd::Enroll { member_id, plan, tier, date, change } => (
            K::Enroll,
            Some(member_id),
            vec![field("plan_code", plan), field("tier", tier), field("coverage_start", date)],
            change,
        ),
        MemberCmd::ChangeTier { member_id, plan, tier, date, change } => {
            let mut f = vec![field("tier", tier), field("effective_date", date)];
            f.extend(plan.map(|p| field("plan_code", p)));
            (K::ChangeTier, Some(member_id), f, change)
        }
        MemberCmd::EndEnrollment { member_id, plan, date, change } => {
            let mut f = vec![field("end_date", date)];
            f.extend(plan.map(|p| field("plan_code", p)));
            (K::EndEnrollment, Some(member_id), f, change)
        }
        MemberCmd::Undo { member_id, change } => (K::Undo, Some(member_id), Vec::new(), change),
        other => return Err(Fatal::new(format!("not a member change: {other:?}"))),
    };
    let req = ChangeRequest { kind, member, fields, case: flags.case, version: None, dry_run: flags.dry_run };
    Ok((req, flags.json.json))
}
