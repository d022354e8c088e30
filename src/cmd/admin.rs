//! `portaldesk broker|access|account|staff …`: brokers, access grants,
//! portal users and staff accounts without a screen.

use super::json::{AccountShown, GrantChanged, Granted, Grants, Queued, StaffCreated};
use super::report;
use crate::cli::{AccessCmd, AccountCmd, BrokerCmd, Cmd, StaffCmd};
use crate::domain::access::Perms;
use crate::domain::member_query::parse_date;
use crate::domain::role::Role;
use crate::domain::text::sanitize;
use crate::fatal::Fatal;
use crate::ops::access::Grantee;
use crate::ops::accounts::Tools;
use crate::ops::codes::Issued;
use crate::ops::request::{Env, Request};
use crate::ops::{OpError, Ops};
use crate::store::accounts::AccountHead;
use crate::store::brokers::BrokerFile;
use crate::store::brokers::{self, BrokerSearch};
use crate::store::lists::{ListKind, Search, StaffItem};

fn date(s: Option<String>) -> Result<Option<chrono::NaiveDate>, Fatal> {
    s.map(|d| parse_date(&d).map_err(Fatal::new)).transpose()
}

fn role(s: &str) -> Result<Role, Fatal> {
    Role::parse(&s.to_lowercase()).ok_or_else(|| Fatal::new(format!("no role {s:?}: agent, supervisor or admin")))
}

/// Runs a broker, access, account or staff subcommand.
pub async fn run(ops: &Ops, env: &Env<'_>, cmd: Cmd) -> Result<u8, Fatal> {
    let key = env.key.ok_or_else(|| Fatal::new("these commands need the data key"))?;
    let account = |r: Result<AccountHead, OpError>| r.map(AccountShown::from);
    let say = |a: &AccountShown| sanitize(&format!("{}: {}", a.email, a.status));
    let said = |s: &StaffItem| format!("{}: {} · {}", s.login, s.role, s.status);
    Ok(match cmd {
        Cmd::Broker(BrokerCmd::Find { query, limit, json }) => {
            let search = BrokerSearch::parse(&query, Some(key)).map_err(Fatal::new)?;
            return super::print_list(
                ops,
                env,
                super::first_page(ops, ListKind::Brokers, "", Some(Search::Brokers(search)), limit),
                None,
                json.json,
            )
            .await;
        }
        Cmd::Broker(BrokerCmd::Show { npn, json }) => {
            crate::domain::npn::parse_npn(&npn).map_err(Fatal::new)?;
            let file = super::read(ops.ask::<Option<BrokerFile>>(env, Request::BrokerView { npn: npn.clone() }).await)?;
            let r = file.and_then(|f| f.ok_or_else(|| OpError::NotFound(format!("no broker with NPN {npn}"))));
            report(json.json, r, |f| {
                let b = &f.broker;
                let mut out = vec![sanitize(&format!(
                    "NPN {}  {}, {} · {} · agency {} · tax ID ***-**-{}",
                    b.npn,
                    b.last_name,
                    b.first_name,
                    b.status,
                    b.agency.as_deref().unwrap_or("none"),
                    b.tax_id_last4
                ))];
                for u in &f.office {
                    out.push(sanitize(&format!("office      {} <{}> {}", u.first_name, u.email, u.status)));
                }
                for g in &f.book {
                    out.push(format!(
                        "grant {:<5} {:<12} {:<8} subs {:<5} {:<8} view={} enroll={} bill={} {} – {}",
                        g.grant_id,
                        g.group_number,
                        g.group_status,
                        g.subscribers,
                        g.via,
                        g.can_view,
                        g.can_enroll,
                        g.can_bill,
                        g.starts_on,
                        g.ends_on.map(|d| d.to_string()).unwrap_or_else(|| "open".into())
                    ));
                }
                out.join("\n")
            })
        }
        Cmd::Access(AccessCmd::Grant { broker, agency, employer, groups, perm, from, json }) => {
            let to = match (broker, agency) {
                (Some(npn), _) => Grantee::Broker(npn),
                (None, Some(a)) => Grantee::Agency(a),
                (None, None) => return Err(Fatal::new("name the grantee: --broker NPN or --agency ID")),
            };
            let perms = Perms::parse(&perm).map_err(Fatal::new)?;
            let grant = Request::AccessGrant { to, employer, groups: groups.clone(), perms, from: date(from)? };
            let r = ops.ask::<Vec<i64>>(env, grant).await;
            report(json.json, r.map(|grant_ids| Granted { grant_ids }), |g| {
                format!("granted {} on {}: grant {:?}", perms.describe(), groups.join(", "), g.grant_ids)
            })
        }
        Cmd::Access(AccessCmd::Change { grant, perm, json }) => {
            let perms = Perms::parse(&perm).map_err(Fatal::new)?;
            let r = ops.ask::<()>(env, Request::AccessChange { grant, perms }).await;
            report(json.json, r.map(|()| GrantChanged { grant_id: grant }), |_| {
                format!("grant {grant} now allows {}", perms.describe())
            })
        }
        Cmd::Access(AccessCmd::Revoke { grant, on, json }) => {
            let r = ops.ask::<()>(env, Request::AccessRevoke { grant, on: date(on)? }).await;
            let r = r.map(|()| GrantChanged { grant_id: grant });
            report(json.json, r, |_| format!("grant {grant} revoked"))
        }
        Cmd::Access(AccessCmd::List { group, broker, json }) => {
            let rows = match (group, broker) {
                (Some(g), _) => brokers::grants_for_group(ops.store(), &g.to_uppercase()).await,
                (None, Some(npn)) => match brokers::file_by_npn(ops.store(), &npn, ops.now().date_naive()).await {
                    Ok(f) => Ok(f.map(|f| f.book).unwrap_or_default()),
                    Err(e) => Err(e),
                },
                (None, None) => return Err(Fatal::new("name --group G or --broker NPN")),
            }
            .map_err(|e| Fatal::database(&e))?;
            let empty = rows.is_empty();
            if json.json {
                super::json::print_ok(&Grants { grants: rows });
            } else {
                for g in &rows {
                    println!(
                        "grant {:<5} {:<12} {:<24} view={} enroll={} bill={} {} – {} by {}",
                        g.grant_id,
                        g.group_number,
                        sanitize(&g.holder),
                        g.can_view,
                        g.can_enroll,
                        g.can_bill,
                        g.starts_on,
                        g.ends_on.map(|d| d.to_string()).unwrap_or_else(|| "open".into()),
                        g.granted_by
                    );
                }
            }
            if empty { 1 } else { 0 }
        }
        Cmd::Account(AccountCmd::List { query, limit, json }) => {
            return super::print_list(
                ops,
                env,
                super::first_page(ops, ListKind::Accounts, &query, None, limit),
                None,
                json.json,
            )
            .await;
        }
        Cmd::Account(AccountCmd::Unlock { email, json }) => {
            report(json.json, account(ops.ask(env, Request::AccountUnlock { email }).await), say)
        }
        Cmd::Account(AccountCmd::Disable { email, json }) => {
            report(json.json, account(ops.ask(env, Request::AccountDisable { email }).await), say)
        }
        Cmd::Account(AccountCmd::Enable { email, json }) => {
            report(json.json, account(ops.ask(env, Request::AccountEnable { email }).await), say)
        }
        Cmd::Account(AccountCmd::Tools { email, set, json }) => {
            let tools = Tools::parse(&set).map_err(Fatal::new)?;
            report(json.json, account(ops.ask(env, Request::AccountTools { email, tools }).await), say)
        }
        Cmd::Account(AccountCmd::ResendRegistration { email, json }) => {
            let r = ops
                .ask::<Issued>(env, Request::AccountResendRegistration { email })
                .await
                .map(|i| Queued { emailed_to: i.emailed_to, expires_at: i.expires_at });
            report(json.json, r, |q| {
                format!("registration email queued for {}", sanitize(q.emailed_to.as_deref().unwrap_or("")))
            })
        }
        Cmd::Account(AccountCmd::ResetPassword { email, json }) => {
            // The same answer whether or not the account exists.
            let reset = Request::AccountResetPassword { email: email.clone() };
            let r = ops.ask::<()>(env, reset).await.map(|()| None::<()>);
            report(json.json, r, |_| {
                format!("if an account exists for {}, a password reset email is queued", sanitize(&email))
            })
        }
        Cmd::Staff(StaffCmd::List { json }) => {
            return super::print_list(
                ops,
                env,
                super::first_page(ops, ListKind::Staff, "", None, 1000),
                None,
                json.json,
            )
            .await;
        }
        Cmd::Staff(StaffCmd::Create { login, role: r, name, json }) => {
            let role = role(&r)?;
            report(
                json.json,
                ops.ask(env, Request::StaffCreate { login: login.clone(), role, name }).await.map(|id| StaffCreated {
                    id,
                    login: login.clone(),
                    role: role.as_str().to_owned(),
                }),
                |s| format!("staff account {} created ({})", s.login, s.role),
            )
        }
        Cmd::Staff(StaffCmd::SetRole { login, role: r, json }) => {
            report(json.json, ops.ask(env, Request::StaffSetRole { login, role: role(&r)? }).await, said)
        }
        Cmd::Staff(StaffCmd::Disable { login, json }) => {
            report(json.json, ops.ask(env, Request::StaffDisable { login }).await, said)
        }
        Cmd::Staff(StaffCmd::Enable { login, json }) => {
            report(json.json, ops.ask(env, Request::StaffEnable { login }).await, said)
        }
        _ => return Err(Fatal::new("not a broker, access, account or staff command")),
    })
}
