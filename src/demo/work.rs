//! Staff, cases, import jobs, brokers and agencies, portal users,
//! registration codes, the outbox and a few audit rows.

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use sha2::{Digest, Sha256};

use super::batch::Batch;
use super::names::*;
use super::people::{Groups, MemberRef, date_between};
use crate::args;
use crate::crypto::DataKey;
use crate::domain::case::case_number;
use crate::domain::text::fold_key;
use crate::store::Tx;
use crate::store::audit::AuditEntry;

/// Staff in every role and status, plus the operator as an active admin.
/// Returns the ids of the active staff who work cases.
pub async fn staff(
    tx: &mut Tx,
    admin_login: &str,
    now: DateTime<Utc>,
) -> Result<(u64, Vec<(i64, String)>), sqlx::Error> {
    let people = [
        ("agarcia", "Ana García", "agent", "active"),
        ("tnguyen", "Thảo Nguyễn", "agent", "active"),
        ("jobrien", "Jack O'Brien", "agent", "active"),
        ("mmuller", "Maximilian Müller", "agent", "disabled"),
        ("kokafor", "Kemi Okafor", "supervisor", "active"),
        ("lchen", "Lin Chen", "supervisor", "active"),
        ("rpatel", "Ravi Patel", "admin", "active"),
        ("sdavis", "Sam Davis", "admin", "disabled"),
    ];
    let mut b = Batch::new("staff", &["id", "login", "name", "role", "status", "created_at"]);
    let mut workers = Vec::new();
    let mut id = 0i64;
    for (login, name, role, status) in people {
        if login == admin_login {
            continue;
        }
        id += 1;
        b.push(tx, args![id, login, name, role, status, now - Duration::days(400)]).await?;
        if status == "active" && role != "admin" {
            workers.push((id, login.to_owned()));
        }
    }
    id += 1;
    b.push(
        tx,
        args![id, admin_login, format!("{admin_login} (demo admin)"), "admin", "active", now - Duration::days(1)],
    )
    .await?;
    workers.push((id, admin_login.to_owned()));
    b.flush(tx).await?;
    Ok((b.count, workers))
}

const SUBJECTS: &[(&str, &str)] = &[
    ("eligibility", "Add newborn dependent"),
    ("eligibility", "Terminate employee effective end of month"),
    ("eligibility", "Retroactive enrollment for new hire"),
    ("eligibility", "Address change for subscriber"),
    ("enrollment", "Member says ID card shows wrong plan"),
    ("enrollment", "Open enrollment election not reflected"),
    ("billing", "Invoice does not match census"),
    ("billing", "Premium payment applied to wrong month"),
    ("billing", "Request for reconciliation report"),
    ("support", "Portal login issue for HR admin"),
    ("support", "Question about COBRA notice timing"),
];

/// Cases in every queue and status, with timelines and attachments.
pub async fn cases(
    tx: &mut Tx,
    rng: &mut ChaCha8Rng,
    groups: &Groups,
    members: &[MemberRef],
    workers: &[(i64, String)],
    n: u64,
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let mut c = Batch::new(
        "cases",
        &[
            "id",
            "case_number",
            "queue",
            "status",
            "priority",
            "subject",
            "description",
            "company_name",
            "group_numbers",
            "subscriber_name",
            "subscriber_ref",
            "member_id",
            "group_id",
            "retroactive",
            "submitted_at",
            "submitted_by",
            "assignee_id",
            "sla_due_at",
            "info_due_at",
            "resolution",
            "closed_at",
        ],
    );
    let mut ev = Batch::new("case_events", &["case_id", "at", "staff_id", "kind", "body"]);
    let mut at = Batch::new("case_attachments", &["case_id", "file_name", "kind", "size_bytes", "uploaded_at"]);
    for id in 1..=n as i64 {
        let (queue, subject) = *SUBJECTS.choose(rng).unwrap();
        let status = ["new", "new", "new", "open", "open", "awaiting_info", "resolved", "closed_no_response"]
            [rng.gen_range(0..8)];
        let member = members.choose(rng).unwrap();
        let (group_id, employer_id, group_number) = &groups.all[member.group];
        let company = &groups.employer_names[(*employer_id - 1) as usize];
        // Open work is days old (some past its SLA); closed work is older.
        let minutes_ago = if matches!(status, "resolved" | "closed_no_response") {
            60 * 24 * 5..60 * 24 * 40
        } else {
            10..60 * 24 * 6
        };
        let submitted = now - Duration::minutes(rng.gen_range(minutes_ago));
        let sla = submitted + Duration::hours([24, 48, 72, 120][rng.gen_range(0..4)]);
        let assignee = (status != "new").then(|| workers.choose(rng).unwrap());
        let retro = queue == "eligibility" && subject.starts_with("Retroactive");
        let closed =
            matches!(status, "resolved" | "closed_no_response").then(|| now - Duration::hours(rng.gen_range(1..200)));
        // Awaited information is due in the coming days, or (some) already
        // overdue; a case closed for no response was due when it closed.
        let info_due = match status {
            "awaiting_info" => Some(now + Duration::days(rng.gen_range(-5..10))),
            "closed_no_response" => closed,
            _ => None,
        };
        let resolution = (status == "resolved").then_some("Updated the record and confirmed with the submitter.");
        let submitter = format!("hr{}@{}.example", employer_id, fold_key(company).chars().take(10).collect::<String>());
        c.push(
            tx,
            args![
                id,
                case_number(id),
                queue,
                status,
                rng.gen_range(1..5) as i64,
                subject,
                format!("{subject}. Submitted through the Enrollment Inquiry tool."),
                company.as_str(),
                group_number.as_str(),
                member.name.as_str(),
                member.number.as_str(),
                member.id,
                *group_id,
                retro,
                submitted,
                submitter,
                assignee.map(|a| a.0),
                sla,
                info_due,
                resolution,
                closed
            ],
        )
        .await?;
        ev.push(tx, args![id, submitted, None::<i64>, "created", "submitted on the portal"]).await?;
        if let Some((sid, login)) = assignee {
            ev.push(
                tx,
                args![id, submitted + Duration::minutes(30), *sid, "assignment", format!("assigned to {login}")],
            )
            .await?;
            ev.push(tx, args![id, submitted + Duration::minutes(31), *sid, "status", "new → open"]).await?;
            if rng.gen_bool(0.5) {
                ev.push(
                    tx,
                    args![
                        id,
                        submitted + Duration::minutes(45),
                        *sid,
                        "note_internal",
                        "Checked the census; the member record matches."
                    ],
                )
                .await?;
            }
            if let Some(due) = info_due {
                let asked = submitted + Duration::hours(2);
                let body =
                    format!("additional information requested, due {}; SLA clock paused", due.format("%Y-%m-%d"));
                ev.push(tx, args![id, asked, *sid, "info_requested", body]).await?;
                ev.push(tx, args![id, asked, *sid, "status", "open → awaiting_info"]).await?;
            }
            if let Some(t) = closed {
                let body = match (resolution, info_due) {
                    (Some(r), _) => format!("open → resolved: {r}"),
                    (None, Some(due)) => {
                        format!("awaiting_info → closed_no_response: no information by {}", due.format("%Y-%m-%d"))
                    }
                    (None, None) => "open → closed_no_response".to_owned(),
                };
                ev.push(tx, args![id, t, *sid, "status", body]).await?;
            }
        }
        // Retroactive requests need an Exception Request Form; some lack one.
        if retro && rng.gen_bool(0.6) {
            at.push(
                tx,
                args![
                    id,
                    "exception-request-form.pdf",
                    "exception_request_form",
                    rng.gen_range(40_000..400_000) as i64,
                    submitted
                ],
            )
            .await?;
        }
        if rng.gen_bool(0.3) {
            at.push(tx, args![id, "census.xlsx", "census", rng.gen_range(8_000..900_000) as i64, submitted]).await?;
        }
    }
    for b in [&mut c, &mut ev, &mut at] {
        b.flush(tx).await?;
    }
    Ok(c.count)
}

/// One stored import file: its kind, status and CSV text, with the row
/// errors that a failed or partial run recorded.
struct Job {
    kind: &'static str,
    status: &'static str,
    file: &'static str,
    csv: &'static str,
    errors: &'static [(i64, &'static str, &'static str, &'static str)],
}

const JOBS: &[Job] = &[
    Job {
        kind: "demographic",
        status: "succeeded",
        file: "census-2026-10.csv",
        csv: "group_number,ssn,first_name,last_name,birth_date,gender,address_line,city,state,zip\nGRP,112-34-5678,Ana,García,1985-04-12,F,12 Oak Ave,Austin,TX,78701\nGRP,123456789,Thảo,Nguyễn,03/07/1990,F,9 Elm St,Houston,TX,77002\n",
        errors: &[],
    },
    Job {
        kind: "demographic",
        status: "partial",
        file: "census-2026-11.csv",
        csv: "group_number,ssn,first_name,last_name,birth_date,gender,address_line,city,state,zip\nGRP,91234567,Seán,O'Brien,1979-13-01,M,4 Pine Rd,Boston,MA,02108\nGRP,134-56-7890,Zoë,Müller,02/30/1988,F,7 Main St,Denver,CO,80202\nGRP,145-67-8901,Omar,Haddad,1991-06-30,M,3 Lake Ter,Chicago,IL,60602\n",
        errors: &[
            (1, "ssn", "ssn_invalid", "an SSN has 9 digits (NNN-NN-NNNN); 8 digits were given"),
            (1, "birth_date", "date_invalid", "1979-13-01 is not a date (YYYY-MM-DD or MM/DD/YYYY)"),
            (2, "birth_date", "date_invalid", "02/30/1988 is not a date"),
        ],
    },
    Job {
        kind: "dependent",
        status: "failed",
        file: "dependents.csv",
        csv: "subscriber_ssn,first_name,last_nme,birth_date,relationship\n112-34-5678,Mia,García,2019-02-11,child\n",
        errors: &[(0, "header", "header_missing_column", "column last_name is missing (found last_nme)")],
    },
    Job {
        kind: "event",
        status: "partial",
        file: "terminations-oct.csv",
        csv: "member_id,event_code,event_date,notice_date\nM0000001,1,2026-10-31,2026-11-05\nM9999999,1,2026-10-31,2026-11-05\nM0000002,9,2026-10-15,2026-10-20\n",
        errors: &[
            (2, "member_id", "member_unknown", "no member M9999999 in this employer's groups"),
            (3, "event_code", "event_code_invalid", "event code 9 is not one of 1-7"),
        ],
    },
    Job {
        kind: "plan",
        status: "failed",
        file: "plans-2027.csv",
        csv: "member_id,plan_code,tier,coverage_start\nM0000001,MGOLD,family,2027-01-01\n",
        errors: &[(1, "plan_code", "plan_unknown", "plan MGOLD does not exist for this group")],
    },
    Job {
        kind: "plan",
        status: "queued",
        file: "plans-2027-fixed.csv",
        csv: "member_id,plan_code,tier,coverage_start\nM0000001,MPPO,family,2027-01-01\n",
        errors: &[],
    },
    Job {
        kind: "event",
        status: "running",
        file: "cobra-events-nov.csv",
        csv: "member_id,event_code,event_date,notice_date\nM0000003,2,2026-11-01,2026-11-10\n",
        errors: &[],
    },
    Job {
        kind: "demographic",
        status: "abandoned",
        file: "census-old-format.csv",
        csv: "SSN;Name;DOB\n912345678;Smith, John;1970-01-01\n",
        errors: &[(0, "file", "file_delimiter", "the file is not comma-separated")],
    },
];

/// Import jobs of every kind and status, with their row errors.
pub async fn imports(
    tx: &mut Tx,
    rng: &mut ChaCha8Rng,
    groups: &Groups,
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let mut j = Batch::new(
        "import_jobs",
        &[
            "id",
            "employer_id",
            "parent_job_id",
            "kind",
            "file_name",
            "file_sha256",
            "file_bytes",
            "uploaded_at",
            "uploaded_by",
            "status",
            "total_rows",
            "ok_rows",
            "failed_rows",
            "file_error",
            "started_at",
            "finished_at",
            "abandoned_reason",
        ],
    );
    let mut chunks = Batch::new("import_file_chunks", &["job_id", "seq", "bytes"]);
    let mut errs = Batch::new("import_row_errors", &["job_id", "row_number", "field", "code", "message", "raw_values"]);
    let mut rows = Batch::new("import_rows", crate::store::imports::ROW_COLUMNS);
    let rounds = (groups.employer_names.len() / 10).clamp(1, 20);
    let mut id = 0i64;
    for round in 0..rounds {
        for job in JOBS {
            id += 1;
            let g = rng.gen_range(0..groups.all.len());
            let (_, employer_id, group_number) = &groups.all[g];
            let content = job.csv.replace("GRP", group_number);
            let sha = hex::encode(Sha256::digest(content.as_bytes()));
            let total = content.lines().count().saturating_sub(1) as i64;
            let file_level = job.errors.iter().any(|e| e.0 == 0);
            let failed_rows = if file_level {
                0
            } else {
                job.errors.iter().map(|e| e.0).collect::<std::collections::BTreeSet<_>>().len() as i64
            };
            let done = matches!(job.status, "succeeded" | "partial" | "failed" | "abandoned");
            let ok_rows = if done && !file_level { total - failed_rows } else { 0 };
            let uploaded = now - Duration::hours(rng.gen_range(1..24 * 30)) - Duration::days(round as i64);
            let file_error = file_level.then(|| job.errors[0].3);
            j.push(
                tx,
                args![
                    id,
                    *employer_id,
                    None::<i64>,
                    job.kind,
                    job.file,
                    sha,
                    content.len() as i64,
                    uploaded,
                    format!("hr{employer_id}@portal.example"),
                    job.status,
                    total,
                    ok_rows,
                    failed_rows,
                    file_error,
                    (job.status != "queued").then(|| uploaded + Duration::minutes(1)),
                    done.then(|| uploaded + Duration::minutes(2)),
                    (job.status == "abandoned").then_some("old file format; employer will resend")
                ],
            )
            .await?;
            chunks.push(tx, args![id, 0_i64, content.as_bytes()]).await?;
            let lines: Vec<&str> = content.lines().collect();
            for (row, field, code, message) in job.errors {
                let line = lines.get(*row as usize).copied().unwrap_or_default();
                // Row 0 is the header: its cells are names, kept as they are.
                let raw = match lines.first() {
                    Some(header) if *row > 0 => mask_ssns(job.kind, header, line),
                    _ => line.to_owned(),
                };
                // Rows are numbered as a spreadsheet shows them: the header is row 1.
                errs.push(tx, args![id, *row + 1, *field, *code, *message, raw]).await?;
            }
            if done && !file_level {
                for r in 1..=total {
                    let failed = job.errors.iter().any(|e| e.0 == r);
                    rows.push(
                        tx,
                        args![
                            id,
                            r + 1,
                            r + 1,
                            format!("{group_number}:{}:{r}", job.kind),
                            if failed { "failed" } else { "applied" }
                        ],
                    )
                    .await?;
                }
            }
        }
    }
    for b in [&mut j, &mut chunks, &mut errs, &mut rows] {
        b.flush(tx).await?;
    }
    Ok(j.count)
}

/// A row's SSN columns masked as an import records them (by the kind's
/// columns, named in `header`): the rest, dates among them, kept as they are.
fn mask_ssns(kind: &str, header: &str, line: &str) -> String {
    use crate::domain::import_spec::{Format, ImportKind};
    let columns = ImportKind::parse(kind).map(ImportKind::columns).unwrap_or_default();
    let ssn = |name: &str| columns.iter().any(|c| c.name == name && c.format == Format::Ssn);
    let names: Vec<&str> = header.split(',').collect();
    line.split(',')
        .enumerate()
        .map(|(i, cell)| match names.get(i).is_some_and(|n| ssn(n)) {
            true => crate::domain::ssn::mask_cell(cell),
            false => cell.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Row counts of the broker and account tables.
pub struct BrokerCounts {
    pub brokers: u64,
    pub portal_users: u64,
    /// (broker id, group id) of every grant made to a broker itself: the
    /// groups its commission statements are paid on.
    pub direct_grants: Vec<(i64, i64)>,
    /// Each broker's NPN, by broker id - 1.
    pub npns: Vec<String>,
}

/// Agencies (some under an upline general agency), brokers with licences,
/// access grants (some ended), and portal users in every status.
pub async fn brokers(
    tx: &mut Tx,
    rng: &mut ChaCha8Rng,
    key: &DataKey,
    groups: &Groups,
    n_brokers: usize,
    now: DateTime<Utc>,
) -> Result<BrokerCounts, sqlx::Error> {
    let n_agencies = (n_brokers / 8).max(3);
    let mut ag = Batch::new("agencies", &["id", "name", "upline_agency_id", "tax_id_last4", "created_at"]);
    for a in 1..=n_agencies as i64 {
        let upline = (a > 2 && rng.gen_bool(0.4)).then(|| rng.gen_range(1..3) as i64);
        let name = format!(
            "{} {}",
            LAST.choose(rng).unwrap(),
            ["Insurance Agency", "Benefits Group", "& Associates", "General Agency"][rng.gen_range(0..4)]
        );
        ag.push(tx, args![a, name, upline, format!("{:04}", rng.gen_range(0..10_000)), now - Duration::days(900)])
            .await?;
    }
    ag.flush(tx).await?;
    let mut br = Batch::new(
        "brokers",
        &[
            "id",
            "npn",
            "agency_id",
            "first_name",
            "last_name",
            "last_name_key",
            "email",
            "tax_id_cipher",
            "tax_id_index",
            "tax_id_last4",
            "states_appointed",
            "status",
            "created_at",
        ],
    );
    let mut lic = Batch::new("broker_licenses", &["broker_id", "state", "license_number", "expires_on"]);
    let states = ["CA", "TX", "AZ", "OR", "WA", "NY", "FL", "IL"];
    let mut npns = Vec::with_capacity(n_brokers);
    for b in 1..=n_brokers as i64 {
        let first = FIRST.choose(rng).unwrap();
        let last = LAST.choose(rng).unwrap();
        let tax = format!("{}{:02}{:04}", rng.gen_range(900..1000), rng.gen_range(1..100), rng.gen_range(1..10_000));
        let how_many = rng.gen_range(1..4);
        let mut appointed: Vec<&str> = states.choose_multiple(rng, how_many).copied().collect();
        appointed.sort();
        let status =
            ["active", "active", "active", "active", "pending", "suspended", "terminated"][rng.gen_range(0..7)];
        br.push(
            tx,
            args![
                b,
                {
                    let npn = format!("{}", 1_000_000 + b * 7_919 + rng.gen_range(0..7_919));
                    npns.push(npn.clone());
                    npn
                },
                rng.gen_range(1..=n_agencies) as i64,
                *first,
                *last,
                fold_key(last),
                format!("{}.{}{b}@agency.example", fold_key(first), fold_key(last)),
                key.encrypt(&tax),
                key.blind_index("tax", &tax),
                tax[5..].to_owned(),
                appointed.join(","),
                status,
                now - Duration::days(rng.gen_range(30..2000))
            ],
        )
        .await?;
        for s in &appointed {
            lic.push(
                tx,
                args![
                    b,
                    *s,
                    format!("{s}{:07}", rng.gen_range(0..10_000_000)),
                    now.date_naive() + Duration::days(rng.gen_range(-30..700))
                ],
            )
            .await?;
        }
    }
    br.flush(tx).await?;
    lic.flush(tx).await?;
    let mut gr = Batch::new(
        "broker_access_grants",
        &[
            "employer_id",
            "group_id",
            "broker_id",
            "agency_id",
            "can_view",
            "can_enroll",
            "can_bill",
            "starts_on",
            "ends_on",
            "granted_by",
            "created_at",
        ],
    );
    let mut direct_grants = Vec::new();
    for (group_id, employer_id, _) in &groups.all {
        for _ in 0..rng.gen_range(0..3) {
            let to_agency = rng.gen_bool(0.15);
            let (broker, agency) = if to_agency {
                (None, Some(rng.gen_range(1..=n_agencies) as i64))
            } else {
                (Some(rng.gen_range(1..=n_brokers) as i64), None)
            };
            let start =
                date_between(rng, now.date_naive() - Duration::days(1500), now.date_naive() - Duration::days(10));
            let ended = rng.gen_bool(0.15).then(|| start + Duration::days(rng.gen_range(5..300)));
            if let Some(b) = broker {
                direct_grants.push((b, *group_id));
            }
            gr.push(
                tx,
                args![
                    *employer_id,
                    *group_id,
                    broker,
                    agency,
                    true,
                    rng.gen_bool(0.6),
                    rng.gen_bool(0.3),
                    start,
                    ended,
                    "kokafor",
                    now
                ],
            )
            .await?;
        }
    }
    gr.flush(tx).await?;
    let mut pu = Batch::new(
        "portal_users",
        &[
            "email",
            "kind",
            "employer_id",
            "broker_id",
            "first_name",
            "last_name",
            "name_key",
            "status",
            "last_login_at",
            "failed_logins",
            "tool_eligibility",
            "tool_billing",
            "tool_commissions",
            "tool_book",
            "created_at",
        ],
    );
    let statuses = ["active", "active", "active", "locked", "pending_registration", "disabled"];
    let mut push_user = async |tx: &mut Tx,
                               rng: &mut ChaCha8Rng,
                               kind: &str,
                               employer: Option<i64>,
                               broker: Option<i64>,
                               serial: usize| {
        let first = FIRST.choose(rng).unwrap();
        let last = LAST.choose(rng).unwrap();
        let status = statuses[serial % statuses.len()];
        let login = (status != "pending_registration").then(|| now - Duration::hours(rng.gen_range(1..2000)));
        let fails = if status == "locked" { 5 } else { rng.gen_range(0..3) };
        let email = format!(
            "{}.{}{serial}@{}.example",
            fold_key(first),
            fold_key(last),
            if kind == "employer" { "employer" } else { "agency" }
        );
        pu.push(
            tx,
            args![
                email,
                kind,
                employer,
                broker,
                *first,
                *last,
                format!("{}{}", fold_key(last), fold_key(first)),
                status,
                login,
                fails as i64,
                true,
                rng.gen_bool(0.7),
                kind == "broker_staff" && rng.gen_bool(0.5),
                kind == "broker_staff",
                now - Duration::days(rng.gen_range(10..900))
            ],
        )
        .await
    };
    let mut serial = 0;
    for e in 1..=groups.employer_names.len() as i64 {
        for _ in 0..rng.gen_range(1..3) {
            serial += 1;
            push_user(tx, rng, "employer", Some(e), None, serial).await?;
        }
    }
    for b in 1..=n_brokers as i64 {
        if rng.gen_bool(0.6) {
            serial += 1;
            push_user(tx, rng, "broker_staff", None, Some(b), serial).await?;
        }
    }
    pu.flush(tx).await?;
    Ok(BrokerCounts { brokers: br.count, portal_users: pu.count, direct_grants, npns })
}

/// Registration codes in every state. The codes themselves are random and
/// thrown away: only their keyed hashes and last four are stored.
pub async fn codes(
    tx: &mut Tx,
    rng: &mut ChaCha8Rng,
    key: &DataKey,
    employers: usize,
    brokers: usize,
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let mut b = Batch::new(
        "one_time_codes",
        &[
            "purpose",
            "subject_kind",
            "subject_id",
            "code_hash",
            "last4",
            "issued_by",
            "issued_at",
            "expires_at",
            "status",
            "attempts",
            "used_at",
            "revoked_at",
            "revoke_reason",
        ],
    );
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let n = (employers / 3).max(8);
    for i in 0..n {
        let code: String = (0..16).map(|_| ALPHABET[rng.gen_range(0..32)] as char).collect();
        let broker = i % 4 == 3;
        let (purpose, kind, subject, life) = if broker {
            ("broker_verification", "broker", rng.gen_range(1..=brokers) as i64, Duration::hours(48))
        } else {
            ("employer_registration", "employer", rng.gen_range(1..=employers) as i64, Duration::days(30))
        };
        let issued = now - Duration::hours(rng.gen_range(1..24 * 40));
        let state = ["active", "active", "used", "revoked", "locked", "expired"][i % 6];
        let expires = if state == "expired" { now - Duration::hours(rng.gen_range(1..100)) } else { issued + life };
        let stored = if state == "expired" { "active" } else { state };
        let attempts = match state {
            "locked" => 5,
            _ => rng.gen_range(0..3) as i64,
        };
        b.push(
            tx,
            args![
                purpose,
                kind,
                subject,
                key.code_hash(&code),
                code[12..].to_owned(),
                "kokafor",
                issued,
                expires.max(issued + Duration::minutes(1)),
                stored,
                attempts,
                (state == "used").then(|| issued + Duration::hours(3)),
                (state == "revoked").then(|| issued + Duration::hours(5)),
                (state == "revoked").then_some("reissued at the employer's request")
            ],
        )
        .await?;
    }
    b.flush(tx).await?;
    Ok(b.count)
}

/// Outbox emails (some sent) and a few audit rows, so those screens are not empty.
pub async fn outbox_and_audit(tx: &mut Tx, now: DateTime<Utc>, admin: &str) -> Result<(), sqlx::Error> {
    let mut o =
        Batch::new("email_outbox", &["template", "recipient", "subject", "body", "entity", "created_at", "sent_at"]);
    for i in 0..12i64 {
        let (template, subject) = [
            ("password_reset", "Reset your portal password"),
            ("registration", "Finish your portal registration"),
            ("new_client_login", "New Client Login"),
        ][(i % 3) as usize];
        let sent = (i % 4 != 0).then(|| now - Duration::hours(i));
        o.push(
            tx,
            args![
                template,
                format!("user{i}@employer.example"),
                subject,
                format!("{subject}: follow the link in this message."),
                format!("portal_user:{}", i + 1),
                now - Duration::hours(i + 1),
                sent
            ],
        )
        .await?;
    }
    o.flush(tx).await?;
    // Through the chain like every other audit row, so `audit verify` holds.
    for (i, (op, action, entity)) in [
        ("kokafor", "account.unlock", "portal_user:4"),
        ("agarcia", "member.view", "member:M0000001"),
        ("tnguyen", "case.claim_next", "case:C-000003"),
        (admin, "staff.create", "staff:jobrien"),
    ]
    .into_iter()
    .enumerate()
    {
        let e = AuditEntry {
            operator: op.to_owned(),
            action: action.to_owned(),
            entity: entity.to_owned(),
            ok: true,
            ..AuditEntry::default()
        };
        crate::store::audit::write(tx, &e, now - Duration::hours(10 - i as i64)).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::mask_ssns;

    #[test]
    fn a_recorded_row_masks_its_ssn_columns_and_keeps_its_dates() {
        let header = "member_id,event_code,event_date,notice_date";
        let line = "M0000001,1,2026-10-31,2026-11-05";
        assert_eq!(mask_ssns("event", header, line), line);
        let header = "subscriber_ssn,first_name,last_name,birth_date,relationship";
        assert_eq!(
            mask_ssns("dependent", header, "112-34-5678,Mia,García,2019-02-11,child"),
            "***-**-5678,Mia,García,2019-02-11,child"
        );
    }
}
