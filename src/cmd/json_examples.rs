//! An example answer of every `--json` command, built from the very types
//! the commands print and serialized the same way: `docs/json.md` is made
//! from these, and a test checks that every subcommand with `--json` has one.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};

use super::json::*;
use crate::config::{Origin, Setting};
use crate::domain::maintenance::FieldChange;
use crate::error_code::ErrorCode;
use crate::ops::accounts::Tools;
use crate::ops::cases::{Changed, Claimed};
use crate::ops::codes::{Issued, Redeemed};
use crate::ops::maintenance::ChangeDone;
use crate::store::brokers::{BrokerDetail, BrokerFile, GrantRow, Licence, OfficeUser};
use crate::store::cases::{Attachment, CaseDetail, CaseEvent, CaseFile};
use crate::store::imports::{JobHead, RowError};
use crate::store::lists::{AccountItem, BrokerItem, CaseItem, CodeItem, ImportItem, MemberItem, StaffItem};
use crate::store::maintenance::ChangeRow;
use crate::store::members::{Coverage, EnrollmentRow, MemberDetail, MemberFile, PremiumRow};

/// One documented answer: the commands that give it, what it is, and its text.
pub struct Example {
    /// Subcommand paths without `portaldesk` (`case list`).
    pub commands: &'static [&'static str],
    pub about: &'static str,
    /// The answer exactly as printed.
    pub json: String,
}

pub(super) fn at(d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, d, h, 30, 0).single().expect("a valid example time")
}

pub(super) fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).expect("a valid example date")
}

pub(super) fn ex(commands: &'static [&'static str], about: &'static str, result: &impl serde::Serialize) -> Example {
    Example { commands, about, json: ok_text(result) }
}

fn statement() -> crate::store::commissions::StatementRow {
    crate::store::commissions::StatementRow {
        id: 81,
        broker_id: 14,
        npn: "1234567".into(),
        broker: "Patel, Ananya".into(),
        month: day(10, 1),
        issued_on: day(11, 5),
        groups: 3,
        premium_cents: 1_284_000,
        commission_cents: 57_780,
    }
}

fn case_item() -> CaseItem {
    CaseItem {
        id: 42,
        case_number: "C-000042".into(),
        sla_due_at: at(24, 17),
        priority: 2,
        status: "open".into(),
        company_name: "Summit Trucking".into(),
        group_numbers: "SUM101-01".into(),
        subscriber_name: Some("Reddy, Yuki".into()),
        assignee: None,
        submitted_at: at(20, 9),
        missing_paperwork: false,
        row_version: 3,
    }
}

fn changed() -> Changed {
    Changed {
        case_number: "C-000042".into(),
        status: "open".into(),
        assignee: Some("lchen".into()),
        priority: 2,
        row_version: 4,
    }
}

fn grant() -> GrantRow {
    GrantRow {
        grant_id: 7,
        group_number: "SUM101-01".into(),
        parent_number: Some("SUM101".into()),
        group_status: "active".into(),
        original_effective_date: NaiveDate::from_ymd_opt(2012, 12, 1).expect("a valid date"),
        renewal_date: day(12, 1),
        subscribers: 9,
        holder: "broker 1008659".into(),
        via: "direct".into(),
        can_view: true,
        can_enroll: true,
        can_bill: false,
        starts_on: day(1, 20),
        ends_on: None,
        granted_by: "kokafor".into(),
    }
}

fn staff() -> StaffItem {
    StaffItem {
        id: 4,
        login: "lchen".into(),
        name: "Li Chen".into(),
        role: "supervisor".into(),
        status: "active".into(),
        created_at: at(2, 8),
        row_version: 2,
    }
}

fn job() -> JobHead {
    JobHead {
        id: 5,
        employer_id: 2,
        ein: "17-0000012".into(),
        kind: "demographic".into(),
        file_name: "census-nov.csv".into(),
        status: "partial".into(),
        total_rows: 120,
        ok_rows: 118,
        failed_rows: 2,
        file_error: None,
        parent_job_id: None,
        row_version: 4,
        file_bytes: 18_422,
    }
}

fn issued() -> Issued {
    Issued {
        id: 9,
        code: "7KQH-M3XD-9TWA-P2RC".into(),
        purpose: "employer_registration".into(),
        subject: "Summit Trucking".into(),
        subject_key: "17-0000012".into(),
        expires_at: at(30, 9),
        revoked: vec![3],
        notice: "Your registration code is 7KQH-M3XD-9TWA-P2RC …".into(),
        emailed_to: Some("hr@summit.example".into()),
        letter: Some("/home/ana/.local/share/portaldesk/letters/code-9.txt".into()),
    }
}

fn member_file() -> MemberFile {
    MemberFile {
        member: MemberDetail {
            id: 14,
            member_number: "M0000014".into(),
            individual_id: "I0000014".into(),
            group_number: "SUM101-01".into(),
            employer: "Summit Trucking".into(),
            member_type: "QB".into(),
            relationship: "self".into(),
            first_name: "Yuki".into(),
            last_name: "Reddy".into(),
            birth_date: NaiveDate::from_ymd_opt(1981, 4, 2).expect("a valid date"),
            gender: "F".into(),
            address_line: "12 Elm St".into(),
            city: "Dayton".into(),
            state: "OH".into(),
            zip: "45402".into(),
            phone: None,
            email: Some("yuki@example.com".into()),
            language: "en".into(),
            ssn_last4: Some("6789".into()),
            status: "cobra_elected".into(),
            subscriber_id: None,
        },
        subscriber: None,
        dependents: vec![],
        events: vec![],
        enrollments: vec![EnrollmentRow {
            plan_code: "MGOLD".into(),
            plan_name: "Gold PPO".into(),
            tier: "employee".into(),
            coverage_start: day(10, 1),
            coverage_end: None,
            status: "active".into(),
        }],
        premiums: vec![PremiumRow {
            period_start: day(11, 1),
            due_date: day(11, 1),
            amount_cents: 61_250,
            paid_cents: Some(61_250),
            received_on: Some(day(10, 28)),
            method: Some("check".into()),
            reference: Some("1043".into()),
        }],
        communications: vec![],
        letters: vec![],
        cases: vec![],
        history: vec![],
    }
}

/// An action's row as `actions --json` prints it with the built-in keymap.
fn action_row(s: &crate::action::ActionSpec) -> ActionRow {
    let keys = crate::keymap::Keymap::from_texts(None)
        .map(|k| k.keys(s.action).iter().map(ToString::to_string).collect())
        .unwrap_or_default();
    ActionRow {
        name: s.name,
        keys,
        command: s.command,
        cli: s.cli,
        role: s.min_role.as_str(),
        writes: s.writes,
        help: s.help,
    }
}

/// The failure envelope every command prints under `--json`.
pub fn error_example() -> String {
    error_text(ErrorCode::RefusedRole, "refused: case.assign needs the supervisor role; agarcia is agent")
}

/// Every `--json` command's answer, in the order of `portaldesk --help`.
pub fn examples() -> Vec<Example> {
    let list = |rows: Rows, more| ListPage { view: None, rows, more };
    vec![
        ex(
            &["actions"],
            "The action table with the live keymap.",
            &Actions {
                actions: crate::action::SPECS.iter().filter(|s| s.name == "case.claim_next").map(action_row).collect(),
            },
        ),
        ex(
            &["info"],
            "Where everything is.",
            &Info {
                config_file: "/home/ana/.config/portaldesk/config.toml".into(),
                keymap_file: "/home/ana/.config/portaldesk/keymap.toml".into(),
                data_dir: "/home/ana/.local/share/portaldesk".into(),
                log_file: "/home/ana/.local/share/portaldesk/log/portaldesk.log".into(),
                database_url: "postgres://desk:***@db.internal/portal".into(),
                data_key: "PORTALDESK_DATA_KEY".into(),
                operator: "ana".into(),
                environment: "production".into(),
                read_only: false,
                terminal_connections: 2,
                live_queues: "LISTEN/NOTIFY (holds one of the session's connections)".into(),
            },
        ),
        ex(
            &["key status", "key rotate"],
            "The key in use (a fingerprint, never the key), the next key while a rotation is under way, and the \
             latest rotation: rows re-encrypted of all, its state (`running`, `done`), the codes it revoked.",
            &super::key::KeyState {
                key_id: "3f9a61c2d07e5b84".into(),
                next_key_id: Some("a1c4e07b99d2f310".into()),
                rows_done: 1500,
                rows_total: 4210,
                rotation: Some(crate::store::key_rotation::Rotation {
                    id: 1,
                    old_key_id: "3f9a61c2d07e5b84".into(),
                    new_key_id: "a1c4e07b99d2f310".into(),
                    state: "running".into(),
                    started_by: "ana".into(),
                    started_at: at(23, 2),
                    finished_at: None,
                    members_total: 4000,
                    members_done: 1500,
                    last_member_id: 1500,
                    brokers_total: 200,
                    brokers_done: 0,
                    last_broker_id: 0,
                    outbox_total: 10,
                    outbox_done: 0,
                    last_outbox_id: 0,
                    codes_revoked: 0,
                }),
            },
        ),
        ex(
            &["audit verify"],
            "The rows checked and the last row's hash (keep it elsewhere); a broken chain is the error \
             `audit_broken`, naming the first bad row.",
            &crate::store::audit::Verified {
                checked: 1042,
                before_chain: 0,
                first_id: Some(1),
                last_id: Some(1042),
                head: "9f2c…e41a".into(),
                broken: None,
            },
        ),
        ex(
            &["config show"],
            "Every setting in effect and where it came from (`origin`: default, user_file, env or flag).",
            &ConfigShown {
                config_file: "/home/ana/.config/portaldesk/config.toml".into(),
                settings: vec![Setting {
                    key: "ui.tick_ms".into(),
                    value: serde_json::json!(100),
                    origin: Origin::UserFile,
                    from: "/home/ana/.config/portaldesk/config.toml".into(),
                }],
            },
        ),
        ex(
            &["member find"],
            "One page of the Members list; `more` says whether rows follow.",
            &list(
                Rows::Members(vec![MemberItem {
                    id: 14,
                    last_name_key: String::new(),
                    first_name_key: String::new(),
                    first_name: "Yuki".into(),
                    last_name: "Reddy".into(),
                    member_number: "M0000014".into(),
                    member_type: "QB".into(),
                    group_number: "SUM101-01".into(),
                    birth_date: NaiveDate::from_ymd_opt(1981, 4, 2).expect("a valid date"),
                    ssn_last4: Some("6789".into()),
                    status: "cobra_elected".into(),
                }]),
                true,
            ),
        ),
        ex(
            &["member show"],
            "The member record with every tab; `ssn` masked unless `--reveal` (audited) was allowed. Money in cents.",
            &MemberShown { file: member_file(), ssn: "***-**-6789".into() },
        ),
        ex(
            &[
                "member add",
                "member add-dependent",
                "member update",
                "member change-type",
                "member terminate",
                "member reinstate",
                "member add-event",
                "member enroll",
                "member change-tier",
                "member end-enrollment",
                "member undo",
            ],
            "A maintenance change: each field before → after (SSNs masked), the case timeline's line, \
             and `applied` false with `--dry-run` (nothing was written).",
            &ChangeDone {
                member_number: "M0000014".into(),
                kind: "demographics",
                summary: "M0000014: address changed".into(),
                changes: vec![FieldChange {
                    field: "city".into(),
                    before: Some("Phoenix".into()),
                    after: Some("Austin".into()),
                }],
                case_number: Some("C-000042".into()),
                applied: true,
                change_id: Some(7),
                version: Some(4),
            },
        ),
        ex(
            &["member history"],
            "Every change made to the member by hand, newest first; `undone_by` names the change that reverted it.",
            &vec![ChangeRow {
                id: 7,
                kind: "demographics".into(),
                operator: "ana".into(),
                at: at(23, 10),
                effective_on: None,
                case_number: Some("C-000042".into()),
                summary: "M0000014: address changed".into(),
                changes: r#"[{"field":"city","before":"Phoenix","after":"Austin"}]"#.into(),
                restore: None,
                undone_by: None,
            }],
        ),
        ex(
            &["member elig"],
            "The plans in force on a date for each member found; a member without one has null plan fields \
             (exit 1 when nobody found is covered).",
            &Eligibility {
                on: day(11, 23),
                coverage: vec![Coverage {
                    member_number: "M0000014".into(),
                    first_name: "Yuki".into(),
                    last_name: "Reddy".into(),
                    plan_code: Some("MGOLD".into()),
                    plan_name: Some("Gold PPO".into()),
                    coverage_start: Some(day(10, 1)),
                    coverage_end: None,
                }],
            },
        ),
        ex(
            &["broker find"],
            "One page of the Brokers list.",
            &list(
                Rows::Brokers(vec![BrokerItem {
                    id: 3,
                    npn: "1008659".into(),
                    last_name_key: String::new(),
                    first_name: "Mason".into(),
                    last_name: "Pérez".into(),
                    agency: Some("Patel General Agency".into()),
                    tax_id_last4: "4321".into(),
                    states_appointed: "OH IN".into(),
                    status: "active".into(),
                }]),
                false,
            ),
        ),
        ex(
            &["broker show"],
            "The broker with licences, office users and every grant reaching them (`book`).",
            &BrokerFile {
                broker: BrokerDetail {
                    id: 3,
                    npn: "1008659".into(),
                    first_name: "Mason".into(),
                    last_name: "Pérez".into(),
                    email: "mason@patel.example".into(),
                    tax_id_last4: "4321".into(),
                    states_appointed: "OH IN".into(),
                    status: "active".into(),
                    agency_id: Some(1),
                    agency: Some("Patel General Agency".into()),
                    upline: None,
                },
                licences: vec![Licence {
                    state: "OH".into(),
                    license_number: "OH-88231".into(),
                    expires_on: day(12, 31),
                }],
                office: vec![OfficeUser {
                    id: 10,
                    email: "office@patel.example".into(),
                    first_name: "Ananya".into(),
                    last_name: "Björklund".into(),
                    status: "active".into(),
                }],
                book: vec![grant()],
            },
        ),
        ex(&["access grant"], "The grants made, one a group.", &Granted { grant_ids: vec![7, 8] }),
        ex(&["access change", "access revoke"], "The grant changed.", &GrantChanged { grant_id: 7 }),
        ex(&["access list"], "The grants on a group, or reaching a broker.", &Grants { grants: vec![grant()] }),
        ex(
            &["account list"],
            "One page of the portal users; `last_login_at` is null for never.",
            &list(
                Rows::Accounts(vec![AccountItem {
                    id: 10,
                    name_key: String::new(),
                    email: "office@patel.example".into(),
                    first_name: "Ananya".into(),
                    last_name: "Björklund".into(),
                    kind: "broker_staff".into(),
                    status: "locked".into(),
                    last_login_at: Some(at(21, 14)),
                    failed_logins: 5,
                }]),
                false,
            ),
        ),
        ex(
            &["account unlock", "account disable", "account enable", "account tools"],
            "The portal user after the change.",
            &AccountShown {
                id: 10,
                email: "office@patel.example".into(),
                status: "active".into(),
                failed_logins: 0,
                tools: Tools { eligibility: true, billing: false, commissions: false, book: true },
            },
        ),
        ex(
            &["account resend-registration"],
            "Where the registration email went and when its link expires.",
            &Queued { emailed_to: Some("office@patel.example".into()), expires_at: at(30, 9) },
        ),
        ex(
            &["account reset-password"],
            "Null whether or not an account exists for the address, so the answer tells nothing.",
            &None::<()>,
        ),
        ex(&["staff list"], "Every staff account.", &list(Rows::Staff(vec![staff()]), false)),
        ex(
            &["staff create"],
            "The account made.",
            &StaffCreated { id: 12, login: "new.agent".into(), role: "agent".into() },
        ),
        ex(&["staff set-role", "staff disable", "staff enable"], "The staff account after the change.", &staff()),
        ex(&["import enqueue", "import abandon"], "The job queued or abandoned.", &Id { id: 5 }),
        ex(&["report run", "report cancel"], "The report job queued or cancelled.", &Id { id: 12 }),
        ex(
            &["report schedule", "report unschedule", "report pause"],
            "The report schedule stored, removed or paused.",
            &Id { id: 3 },
        ),
        ex(
            &["report resume"],
            "The schedule resumed and its next run (null: a one-off whose time passed while it was paused).",
            &super::reports::Resumed { id: 3, next_at: Some(Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0).unwrap()) },
        ),
        ex(
            &["commission list"],
            "A broker's statements for the month shown (`month`: the one asked for, else the latest on file; \
             null when there is none in the window), and the months that can be searched.",
            &crate::ops::commissions::Statements {
                npn: "1234567".into(),
                month: Some("2026-10".into()),
                searchable_from: "2025-05".into(),
                searchable_to: "2026-10".into(),
                statements: vec![statement()],
            },
        ),
        ex(
            &["commission get"],
            "The statement written, how many lines (one per group) and the file.",
            &crate::ops::commissions::StatementWritten {
                statement: statement(),
                lines: 3,
                file: "statement-2026-10.csv".into(),
            },
        ),
        ex(
            &["report schedules"],
            "Each schedule: its report and parameters, how it repeats (`repeat_on`: the weekday 1–7 from \
             Monday, or the day of the month), its local time and zone, the last slot run and the next.",
            &super::reports::Schedules {
                schedules: vec![crate::store::reports::ScheduleRow {
                    id: 3,
                    report: "case-sla".into(),
                    params: "[]".into(),
                    repeat: "weekly".into(),
                    repeat_on: Some(1),
                    start_date: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap_or_default(),
                    at_time: "07:00".into(),
                    zone: "America/New_York".into(),
                    paused: false,
                    last_slot_at: Some(Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap()),
                    next_at: Some(Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0).unwrap()),
                    created_by: "ana".into(),
                    created_at: Utc.with_ymd_and_hms(2026, 11, 24, 17, 30, 0).unwrap(),
                    row_version: 2,
                }],
            },
        ),
        ex(
            &["report list"],
            "The catalogue: each report's kind, parameters (required or not) and columns.",
            &super::reports::Catalogue {
                reports: crate::domain::report_catalogue::find("case-sla")
                    .into_iter()
                    .map(super::reports::entry)
                    .collect(),
            },
        ),
        ex(
            &["report show"],
            "A report job: parameters as stored (`[[name, value], …]`), status, rows written, the worker \
             and attempt that ran it (a job whose worker died is run again: attempt 2).",
            &crate::store::reports::ReportJob {
                id: 12,
                report: "qualifying-events".into(),
                params: r#"[["from","2026-01-01"],["to","2026-03-31"]]"#.into(),
                schedule_id: None,
                slot_at: None,
                status: "succeeded".into(),
                requested_by: "ana".into(),
                requested_at: Utc.with_ymd_and_hms(2026, 11, 24, 17, 30, 0).unwrap(),
                worker: Some("worker-4711".into()),
                attempt: 1,
                lease_until: None,
                started_at: Some(Utc.with_ymd_and_hms(2026, 11, 24, 17, 30, 2).unwrap()),
                finished_at: Some(Utc.with_ymd_and_hms(2026, 11, 24, 17, 30, 9).unwrap()),
                rows_written: 1284,
                error: None,
                row_version: 3,
            },
        ),
        ex(
            &["import list"],
            "One page of import jobs, newest first.",
            &list(
                Rows::Jobs(vec![ImportItem {
                    id: 5,
                    status: "partial".into(),
                    kind: "demographic".into(),
                    ein: "17-0000012".into(),
                    employer: "Summit Trucking".into(),
                    file_name: "census-nov.csv".into(),
                    ok_rows: 118,
                    failed_rows: 2,
                    uploaded_at: at(22, 7),
                }]),
                true,
            ),
        ),
        ex(
            &["import show"],
            "The job, its row errors counted by code, and each error.",
            &JobShown {
                job: job(),
                errors_by_code: BTreeMap::from([("plan_unknown".to_owned(), 2)]),
                errors: vec![RowError {
                    row_number: 17,
                    field: "plan_code".into(),
                    code: "plan_unknown".into(),
                    message: "no plan MGOLD in group SUM101-01".into(),
                    raw_values: "M0000014,MGOLD,family,2027-01-01".into(),
                }],
            },
        ),
        ex(&["import run", "import retry"], "The job after the run.", &job()),
        ex(
            &["import ack"],
            "An 834 job's acknowledgment: the interchange (TA1), each transaction set (999: `accepted`, \
             `partially_accepted`, `rejected`) and its member loops.",
            &portaldesk_ack(),
        ),
        ex(
            &["import terminations"],
            "The subscribers a full 834 file left out: `applied` is false for a preview.",
            &crate::ops::imports::Terminations {
                job: 6,
                end_date: chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap_or_default(),
                members: vec![crate::store::x12::Subscriber {
                    member_number: "M0000031".into(),
                    first_name: "Dana".into(),
                    last_name: "Whitfield".into(),
                    ssn_index: None,
                }],
                applied: false,
            },
        ),
        ex(&["code issue", "code reissue"], "The code, shown this once, with the notice and where it went.", &issued()),
        ex(
            &["code list"],
            "One page of codes, newest first; `status` is `expired` once past `expires_at`.",
            &list(
                Rows::Codes(vec![CodeItem {
                    id: 9,
                    purpose: "employer_registration".into(),
                    subject: "Summit Trucking".into(),
                    last4: "P2RC".into(),
                    issued_by: "kokafor".into(),
                    issued_at: at(23, 9),
                    expires_at: at(30, 9),
                    status: "active".into(),
                    attempts: 0,
                }]),
                false,
            ),
        ),
        ex(&["code revoke"], "The code revoked.", &Id { id: 9 }),
        ex(
            &["code redeem"],
            "The code redeemed.",
            &Redeemed { id: 9, subject: "Summit Trucking".into(), purpose: "employer_registration".into() },
        ),
        ex(
            &["case list"],
            "One page of a case view (`view`); `assignee` is null while unassigned.",
            &ListPage { view: Some("unassigned".into()), rows: Rows::Cases(vec![case_item()]), more: true },
        ),
        ex(
            &["case show"],
            "The case with its attachments and timeline.",
            &CaseFile {
                case: CaseDetail {
                    id: 42,
                    case_number: "C-000042".into(),
                    queue: "eligibility".into(),
                    status: "open".into(),
                    priority: 2,
                    subject: "Add a newborn".into(),
                    description: "Please add our newborn to the family plan.".into(),
                    company_name: "Summit Trucking".into(),
                    group_numbers: "SUM101-01".into(),
                    subscriber_name: Some("Reddy, Yuki".into()),
                    subscriber_ref: Some("M0000014".into()),
                    member_number: Some("M0000014".into()),
                    group_number: Some("SUM101-01".into()),
                    retroactive: false,
                    submitted_at: at(20, 9),
                    submitted_by: "hr@summit.example".into(),
                    assignee_login: Some("lchen".into()),
                    sla_due_at: at(24, 17),
                    info_due_at: None,
                    resolution: None,
                    closed_at: None,
                    row_version: 3,
                },
                attachments: vec![Attachment {
                    file_name: "birth-certificate.pdf".into(),
                    kind: "supporting_document".into(),
                    size_bytes: 48_213,
                    uploaded_at: at(20, 9),
                }],
                events: vec![CaseEvent {
                    at: at(20, 9),
                    staff_login: None,
                    kind: "created".into(),
                    body: "submitted on the portal".into(),
                }],
            },
        ),
        ex(
            &["case take"],
            "The case taken; null (exit 1) when the queue has no unassigned new case.",
            &Some(Claimed {
                case_number: "C-000042".into(),
                queue: "eligibility".into(),
                priority: 2,
                sla_due_at: at(24, 17),
            }),
        ),
        ex(
            &["case assign", "case resolve"],
            "Each case changed (one ID, or several changed all or nothing).",
            &vec![changed()],
        ),
        ex(
            &["case note", "case request-info", "case received", "case reopen", "case priority"],
            "The case after the change.",
            &changed(),
        ),
        ex(
            &["case sweep"],
            "The case numbers closed for want of a response.",
            &vec!["C-000007".to_owned(), "C-000019".to_owned()],
        ),
    ]
    .into_iter()
    .chain(super::json_examples_employers::examples())
    .collect()
}

fn portaldesk_ack() -> crate::ops::imports::Ack {
    use crate::ops::imports::{Ack, SetAck};
    Ack {
        job: 6,
        interchange: Some("000000905".into()),
        interchange_accepted: true,
        note: None,
        sets: vec![
            SetAck {
                control: "0001".into(),
                segment: 3,
                status: "partially_accepted",
                loops: 120,
                loops_rejected: 1,
                error: None,
            },
            SetAck {
                control: "0002".into(),
                segment: 1604,
                status: "rejected",
                loops: 3,
                loops_rejected: 3,
                error: Some("segment 1642 (SE01): the set counts 40 segments; it has 39 (ST to SE)".into()),
            },
        ],
        sets_accepted: 1,
        sets_rejected: 1,
        loops_accepted: 119,
        loops_rejected: 4,
    }
}
