//! `portaldesk member …`: member search and records without a screen. SSNs
//! are masked in every output unless a permitted, audited reveal asks.

use super::json::{Eligibility, MemberShown};
use super::report;
use crate::cli::MemberCmd;
use crate::crypto::DataKey;
use crate::domain::member_query::parse_date;
use crate::domain::ssn::mask;
use crate::domain::text::sanitize;
use crate::error_code::ErrorCode;
use crate::fatal::Fatal;
use crate::ops::{OpError, Ops};
use crate::store::lists::ListKind;
use crate::store::members::{MemberSearch, coverage_on, describe_coverage};

fn search(query: &str, key: &DataKey) -> Result<MemberSearch, Fatal> {
    MemberSearch::parse(query, Some(key))
        .map_err(Fatal::new)?
        .ok_or_else(|| Fatal::new("type a query: an SSN, M… member ID, I… individual ID or a last name"))
}

/// Runs a member subcommand.
pub async fn run(ops: &Ops, key: &DataKey, cmd: MemberCmd) -> Result<u8, Fatal> {
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
                let n = ops
                    .export_list(req.clone(), &path, &entity)
                    .await
                    .map_err(|e| Fatal::of((&e).into(), e.to_string()))?;
                eprintln!("exported {n} members to {}", path.display());
            }
            super::print_list(ops, req, None, json.json).await
        }
        MemberCmd::Show { member_id, reveal, reason, json } => {
            let r: Result<MemberShown, OpError> = async {
                let file = ops.view_member(&member_id).await?;
                let ssn = match (reveal, reason) {
                    (true, Some(why)) => ops.reveal_ssn(key, &member_id, &why).await?,
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
        MemberCmd::Elig { query, date, json } => {
            let on = parse_date(&date).map_err(Fatal::new)?;
            let rows =
                coverage_on(ops.store(), &search(&query, key)?, on, 50).await.map_err(|e| Fatal::database(&e))?;
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
    }
}
