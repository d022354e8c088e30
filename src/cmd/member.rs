//! `portaldesk member …`: member search and records without a screen. SSNs
//! are masked in every output unless a permitted, audited reveal asks.

use serde_json::json;

use super::report;
use crate::cli::MemberCmd;
use crate::crypto::DataKey;
use crate::domain::member_query::parse_date;
use crate::domain::ssn::mask;
use crate::domain::text::sanitize;
use crate::fatal::Fatal;
use crate::ops::{OpError, Ops};
use crate::store::lists::ListKind;
use crate::store::members::{MemberSearch, coverage_on, describe_coverage};
use crate::store::short_cause;

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
                    return Err(Fatal::new("exporting members is audited, and this session is read-only"));
                }
                let entity = format!("members:{}", crate::domain::text::clip(&sanitize(&query), 60));
                let n = ops.export_list(req.clone(), &path, &entity).await.map_err(|e| Fatal::new(e.to_string()))?;
                eprintln!("exported {n} members to {}", path.display());
            }
            super::print_list(ops, req, "members", json.json).await
        }
        MemberCmd::Show { member_id, reveal, reason, json } => {
            let r: Result<serde_json::Value, OpError> = async {
                let file = ops.view_member(&member_id).await?;
                let ssn = match (reveal, reason) {
                    (true, Some(why)) => ops.reveal_ssn(key, &member_id, &why).await?,
                    _ => mask(file.member.ssn_last4.as_deref()),
                };
                Ok(json!({"member": file, "ssn": ssn}))
            }
            .await;
            Ok(report(json.json, r, |v| {
                let m = &v["member"]["member"];
                let s = |k: &str| sanitize(m[k].as_str().unwrap_or(""));
                let mut out = vec![
                    format!(
                        "{}  {}, {}  {} · {} · {}",
                        s("member_number"),
                        s("last_name"),
                        s("first_name"),
                        s("member_type"),
                        s("relationship"),
                        s("status")
                    ),
                    format!("ssn         {}", v["ssn"].as_str().unwrap_or("")),
                    format!("born        {}", s("birth_date")),
                    format!("address     {}, {}, {} {}", s("address_line"), s("city"), s("state"), s("zip")),
                    format!("group       {} · {}", s("group_number"), s("employer")),
                ];
                for (tab, key) in
                    [("events", "events"), ("enrollments", "enrollments"), ("premiums", "premiums"), ("cases", "cases")]
                {
                    let n = v["member"][key].as_array().map_or(0, Vec::len);
                    out.push(format!("{tab:<11} {n}"));
                }
                out.join("\n")
            }))
        }
        MemberCmd::Elig { query, date, json } => {
            let on = parse_date(&date).map_err(Fatal::new)?;
            let rows = coverage_on(ops.store(), &search(&query, key)?, on, 50)
                .await
                .map_err(|e| Fatal::new(short_cause(&e)))?;
            if json.json {
                super::print_json(&json!({"on": on, "coverage": rows}));
            } else {
                for l in describe_coverage(&rows) {
                    println!("{l}");
                }
            }
            Ok(if rows.iter().any(|r| r.plan_code.is_some()) { 0 } else { 1 })
        }
    }
}
