//! X12 834 enrollment files as import jobs, on SQLite and PostgreSQL: files
//! built in the implementation guide's shapes (a small builder below writes
//! valid envelopes with correct counts) add a subscriber with dependents,
//! change an address, terminate, reinstate; a full file previews the
//! subscribers it leaves out and terminates them only when confirmed; every
//! malformed envelope and bad loop is refused with its position and nothing
//! of it is applied; running a file again changes nothing.

mod common;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use portaldesk::args;
use portaldesk::crypto::DataKey;
use portaldesk::domain::import_spec::ImportKind;
use portaldesk::domain::role::Role;
use portaldesk::ops::{Clock, OpError, Ops};
use portaldesk::store::testing::{StoreSql, TxSql};
use portaldesk::store::{Store, imports, staff};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap()
}

fn key() -> DataKey {
    DataKey::from_master([3; 32])
}

/// An 834 interchange: one functional group of `sets`, each a transaction
/// set's segments between its ST and SE (the header's BGN and N1 loops are
/// added), with every count and control number right unless a test spoils it.
fn interchange(sets: &[Vec<String>]) -> String {
    let isa = format!(
        "ISA*00*{:10}*00*{:10}*ZZ*{:15}*ZZ*{:15}*261123*0900*^*00501*000000905*0*P*:~\n",
        "", "", "ACMEPAYROLL", "PORTALDESK"
    );
    assert_eq!(isa.len(), 107);
    let mut out = isa;
    out.push_str("GS*BE*ACMEPAYROLL*PORTALDESK*20261123*0900*31*X*005010X220A1~\n");
    for (i, body) in sets.iter().enumerate() {
        let control = format!("{:04}", i + 1);
        let mut segs = vec![
            format!("ST*834*{control}*005010X220A1"),
            format!("BGN*00*ACME{control}*20261123*0900****2"),
            "N1*P5*ACME INC*FI*123456789".to_owned(),
            "N1*IN*BLUE CARRIER*FI*987654321".to_owned(),
        ];
        segs.extend(body.iter().cloned());
        segs.push(format!("SE*{}*{control}", segs.len() + 1));
        for s in segs {
            out.push_str(&s);
            out.push_str("~\n");
        }
    }
    out.push_str(&format!("GE*{}*31~\nIEA*1*000000905~\n", sets.len()));
    out
}

/// A member loop: INS with its maintenance type and relationship, REF*0F
/// (the subscriber's SSN), and whatever segments follow.
fn member(maintenance: &str, relationship: &str, subscriber_ssn: &str, rest: &[&str]) -> Vec<String> {
    let flag = if relationship == "18" { "Y" } else { "N" };
    let mut out =
        vec![format!("INS*{flag}*{relationship}*{maintenance}*28*A***FT"), format!("REF*0F*{subscriber_ssn}")];
    out.extend(rest.iter().map(|s| (*s).to_owned()));
    out
}

fn subscriber_add(ssn: &str, first: &str, last: &str) -> Vec<String> {
    member(
        "021",
        "18",
        ssn,
        &[
            "REF*1L*ACM101",
            "DTP*303*D8*20261201",
            &format!("NM1*IL*1*{last}*{first}****34*{ssn}"),
            "PER*IP**TE*5125550100",
            "N3*12 OAK AVE",
            "N4*AUSTIN*TX*78701",
            "DMG*D8*19800115*F",
            "HD*021**HLT*MPPO*FAM",
            "DTP*348*D8*20261201",
        ],
    )
}

fn dependent_add(sub_ssn: &str, relationship: &str, first: &str, born: &str) -> Vec<String> {
    member(
        "021",
        relationship,
        sub_ssn,
        &[
            &format!("NM1*IL*1*PARK*{first}"),
            &format!("DMG*D8*{born}*U"),
            "HD*021**HLT*MPPO*FAM",
            "DTP*348*D8*20261201",
        ],
    )
}

fn family() -> Vec<String> {
    let mut loops = subscriber_add("112345678", "ANA", "PARK");
    loops.extend(dependent_add("112345678", "01", "MIN", "19820304"));
    loops.extend(dependent_add("112345678", "19", "NOAH", "20150314"));
    loops
}

async fn fixture(store: &Store) -> Ops {
    let mut tx = store.begin_write().await.unwrap();
    staff::insert(&mut tx, "ann", "Ann", Role::Agent, "active", t0()).await.unwrap();
    staff::insert(&mut tx, "sue", "Sue", Role::Supervisor, "active", t0()).await.unwrap();
    for (id, ein, name) in [(1, "12-3456789", "Acme"), (2, "98-7654321", "Other")] {
        tx.execute(
            "INSERT INTO employers (id, ein, legal_name, name_key, created_at) VALUES ($1, $2, $3, $3, $4)",
            args![id as i64, ein, name, t0()],
        )
        .await
        .unwrap();
    }
    let d = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
    for (id, employer, number) in [(1, 1, "ACM101"), (2, 2, "OTH201")] {
        tx.execute(
            "INSERT INTO employer_groups (id, employer_id, group_number, name, status, original_effective_date, \
             renewal_date) VALUES ($1, $2, $3, $3, 'active', $4, $4)",
            args![id as i64, employer as i64, number, d],
        )
        .await
        .unwrap();
    }
    tx.execute(
        "INSERT INTO plans (id, group_id, plan_code, name, coverage_type) VALUES (1, 1, 'MPPO', 'Medical', 'medical'), \
         (3, 1, 'DEN1', 'Dental', 'dental')",
        args![],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    Ops::for_operator(store.clone(), "ann", false, Clock::Fixed(t0())).await.unwrap()
}

async fn run(ops: &Ops, name: &str, text: &str) -> imports::JobHead {
    let id = ops.enqueue_import("12-3456789", ImportKind::X12_834, name, text.as_bytes(), true, None).await.unwrap();
    ops.run_import(&key(), id, None).await.unwrap()
}

/// Every member: number, relationship, first name, city, status, version.
async fn members(store: &Store) -> Vec<(String, String, String, String, String, i64)> {
    store
        .fetch_all(
            "SELECT member_number, relationship, first_name, city, status, row_version FROM members ORDER BY id",
            args![],
        )
        .await
        .unwrap()
}

async fn count(store: &Store, sql: &'static str) -> i64 {
    let (n,): (i64,) = store.fetch_one(sql, args![]).await.unwrap();
    n
}

async fn errors(store: &Store, job: i64) -> Vec<(i64, String, String, String)> {
    imports::errors(store, job).await.unwrap().into_iter().map(|e| (e.row_number, e.field, e.code, e.message)).collect()
}

#[tokio::test]
async fn a_subscriber_with_dependents_is_added_and_running_again_changes_nothing() {
    for db in common::all_backends().await {
        let s = &db.store;
        let ops = fixture(s).await;
        // Ana takes dental too: a second HD in her loop, with its own begin date.
        let mut loops = family();
        loops.splice(11..11, ["HD*021**DEN*DEN1*EMP".to_owned(), "DTP*348*D8*20270101".to_owned()]);
        let j = run(&ops, "add.834", &interchange(std::slice::from_ref(&loops))).await;
        assert_eq!((j.status.as_str(), j.total_rows, j.ok_rows, j.failed_rows), ("succeeded", 3, 3, 0), "{}", db.label);
        let m = members(s).await;
        let who: Vec<(&str, &str)> = m.iter().map(|m| (m.1.as_str(), m.2.as_str())).collect();
        assert_eq!(who, [("self", "ANA"), ("spouse", "MIN"), ("child", "NOAH")], "{}", db.label);
        assert_eq!(m[0].3, "AUSTIN");
        // The SSN is sealed and found by its blind index only.
        let (found,): (i64,) = s
            .fetch_one(
                "SELECT count(*) FROM members WHERE ssn_index = $1",
                args![key().blind_index("ssn", "112345678")],
            )
            .await
            .unwrap();
        assert_eq!(found, 1);
        // The same changes as the forms: each member enrolled in its family tier, each change in the History.
        let tiers: Vec<(String, String, NaiveDate)> = s
            .fetch_all(
                "SELECT p.plan_code, e.tier, e.coverage_start FROM enrollments e JOIN plans p ON p.id = e.plan_id \
                 ORDER BY e.member_id, p.plan_code",
                args![],
            )
            .await
            .unwrap();
        let dec1 = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let jan1 = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
        assert_eq!(
            tiers,
            vec![
                ("DEN1".to_owned(), "employee".to_owned(), jan1),
                ("MPPO".to_owned(), "family".to_owned(), dec1),
                ("MPPO".to_owned(), "family".to_owned(), dec1),
                ("MPPO".to_owned(), "family".to_owned(), dec1),
            ],
            "{}",
            db.label
        );
        let kinds: Vec<(String,)> = s.fetch_all("SELECT kind FROM member_changes ORDER BY id", args![]).await.unwrap();
        let kinds: Vec<&str> = kinds.iter().map(|k| k.0.as_str()).collect();
        assert_eq!(kinds, ["add_member", "enroll", "enroll", "add_dependent", "enroll", "add_dependent", "enroll"]);
        let audited = count(s, "SELECT count(*) FROM audit_log WHERE action LIKE 'member.%'").await;
        assert_eq!(audited, 7, "{}", db.label);

        // The same file again (and the job retried whole): every loop unchanged.
        let again = run(&ops, "add-again.834", &interchange(&[loops])).await;
        assert_eq!((again.status.as_str(), again.ok_rows), ("succeeded", 3));
        let (unchanged,): (i64,) = s
            .fetch_one(
                "SELECT CAST(sum(last_row_number - row_number + 1) AS BIGINT) FROM import_rows WHERE job_id = $1 \
                 AND status = 'unchanged'",
                args![again.id],
            )
            .await
            .unwrap();
        assert_eq!(unchanged, 3, "{}", db.label);
        ops.retry_import(&key(), again.id, false).await.unwrap();
        assert_eq!(members(s).await, m, "{}: running again changed members", db.label);
        assert_eq!(count(s, "SELECT count(*) FROM member_changes").await, 7);
        assert_eq!(count(s, "SELECT count(*) FROM enrollments").await, 4);

        let ack = ops.import_ack(j.id).await.unwrap();
        assert_eq!(ack.interchange.as_deref(), Some("000000905"));
        assert!(ack.interchange_accepted);
        assert_eq!((ack.sets_accepted, ack.sets_rejected, ack.loops_accepted, ack.loops_rejected), (1, 0, 3, 0));
        assert_eq!(ack.sets[0].status, "accepted");
    }
}

#[tokio::test]
async fn an_address_change_a_termination_and_a_reinstatement_apply_once() {
    for db in common::all_backends().await {
        let s = &db.store;
        let ops = fixture(s).await;
        run(&ops, "add.834", &interchange(&[family()])).await;
        let moved =
            member("001", "18", "112345678", &["NM1*IL*1*PARK*ANA", "N3*9 ELM ST*UNIT 2", "N4*DALLAS*TX*752010000"]);
        let j = run(&ops, "move.834", &interchange(std::slice::from_ref(&moved))).await;
        assert_eq!((j.status.as_str(), j.ok_rows), ("succeeded", 1), "{}: {:?}", db.label, errors(s, j.id).await);
        let (line, city, zip): (String, String, String) = s
            .fetch_one("SELECT address_line, city, zip FROM members WHERE id = (SELECT min(id) FROM members)", args![])
            .await
            .unwrap();
        assert_eq!((line.as_str(), city.as_str(), zip.as_str()), ("9 ELM ST UNIT 2", "DALLAS", "75201-0000"));
        let summary: (String,) =
            s.fetch_one("SELECT summary FROM member_changes ORDER BY id DESC LIMIT 1", args![]).await.unwrap();
        assert!(summary.0.ends_with("address changed"), "{}", summary.0);
        let before = members(s).await;
        run(&ops, "move-again.834", &interchange(&[moved])).await;
        assert_eq!(members(s).await, before, "{}: the same change twice changed the member", db.label);

        let end = member("024", "18", "112345678", &["NM1*IL*1*PARK*ANA", "DTP*349*D8*20261231"]);
        let j = run(&ops, "term.834", &interchange(std::slice::from_ref(&end))).await;
        assert_eq!((j.status.as_str(), j.ok_rows), ("succeeded", 1), "{}: {:?}", db.label, errors(s, j.id).await);
        let (status, on): (String, Option<NaiveDate>) =
            s.fetch_one("SELECT status, terminated_on FROM members ORDER BY id LIMIT 1", args![]).await.unwrap();
        assert_eq!((status.as_str(), on), ("terminated", NaiveDate::from_ymd_opt(2026, 12, 31)));
        let ended = count(s, "SELECT count(*) FROM enrollments WHERE coverage_end IS NOT NULL").await;
        assert_eq!(ended, 1, "{}", db.label);
        let before = members(s).await;
        run(&ops, "term-again.834", &interchange(&[end])).await;
        assert_eq!(members(s).await, before);

        let back = member("025", "18", "112345678", &["NM1*IL*1*PARK*ANA", "DTP*303*D8*20270101"]);
        let j = run(&ops, "back.834", &interchange(std::slice::from_ref(&back))).await;
        assert_eq!((j.status.as_str(), j.ok_rows), ("succeeded", 1), "{}: {:?}", db.label, errors(s, j.id).await);
        let status: (String,) = s.fetch_one("SELECT status FROM members ORDER BY id LIMIT 1", args![]).await.unwrap();
        assert_eq!(status.0, "active");
        assert_eq!(count(s, "SELECT count(*) FROM enrollments WHERE coverage_end IS NOT NULL").await, 0);
        let before = members(s).await;
        let j = run(&ops, "back-again.834", &interchange(&[back])).await;
        assert_eq!((j.status.as_str(), j.ok_rows), ("succeeded", 1));
        assert_eq!(members(s).await, before);
    }
}

#[tokio::test]
async fn a_full_file_terminates_the_left_out_only_when_confirmed() {
    for db in common::all_backends().await {
        let s = &db.store;
        let ops = fixture(s).await;
        let mut two = family();
        two.extend(subscriber_add("123456780", "LEO", "WU"));
        run(&ops, "add.834", &interchange(&[two])).await;
        // The full file names Ana's family only: Leo is left out.
        let full: Vec<String> = family().into_iter().map(|s| s.replacen("*021*", "*030*", 1)).collect();
        let j = run(&ops, "full.834", &interchange(&[full])).await;
        assert_eq!((j.status.as_str(), j.ok_rows), ("succeeded", 3), "{}: {:?}", db.label, errors(s, j.id).await);
        let active = count(s, "SELECT count(*) FROM members WHERE status = 'active'").await;
        assert_eq!(active, 4, "{}: the run itself terminated someone", db.label);

        // An agent may not; a supervisor previews, then confirms with the count shown.
        let sue = Ops::for_operator(s.clone(), "sue", false, Clock::Fixed(t0())).await.unwrap();
        let (k, config) = (key(), common::seeded::config());
        let env = portaldesk::ops::request::Env::new(&config, Some(&k), None);
        let on = NaiveDate::from_ymd_opt(2026, 12, 31);
        let preview = |who: &Ops, confirm| {
            let req = portaldesk::ops::request::Request::ImportTerminations { job: j.id, on, confirm };
            let who = who.clone();
            async move { who.execute(&env, req).await }
        };
        assert!(matches!(preview(&ops, None).await, Err(OpError::RefusedRole(_))), "{}", db.label);
        let Ok(portaldesk::ops::request::Outcome::Terminations(p)) = preview(&sue, None).await else { panic!() };
        assert_eq!(p.members.iter().map(|m| m.first_name.as_str()).collect::<Vec<_>>(), ["LEO"]);
        assert!(!p.applied);
        assert_eq!(count(s, "SELECT count(*) FROM members WHERE status = 'active'").await, 4);
        assert!(matches!(preview(&sue, Some(2)).await, Err(OpError::Conflict(_))));
        assert_eq!(count(s, "SELECT count(*) FROM members WHERE status = 'active'").await, 4);
        let Ok(portaldesk::ops::request::Outcome::Terminations(done)) = preview(&sue, Some(1)).await else { panic!() };
        assert!(done.applied);
        let (name, status, ended): (String, String, Option<NaiveDate>) = s
            .fetch_one("SELECT first_name, status, terminated_on FROM members WHERE status = 'terminated'", args![])
            .await
            .unwrap();
        assert_eq!((name.as_str(), status.as_str(), ended), ("LEO", "terminated", on));
        // The agent's refusal and the supervisor's terminations.
        let audited = count(s, "SELECT count(*) FROM audit_log WHERE action = 'import.terminate_missing'").await;
        assert_eq!(audited, 2, "{}", db.label);
        // Nobody is left out now.
        let Ok(portaldesk::ops::request::Outcome::Terminations(p)) = preview(&sue, None).await else { panic!() };
        assert!(p.members.is_empty());
    }
}

#[tokio::test]
async fn malformed_envelopes_are_refused_with_their_position_and_nothing_applied() {
    for db in common::all_backends().await {
        let s = &db.store;
        let ops = fixture(s).await;
        let good = interchange(&[family()]);

        // A truncated ISA.
        let j = run(&ops, "cut.834", &good[..60]).await;
        assert_eq!(j.status, "failed", "{}", db.label);
        assert!(
            j.file_error.as_deref().unwrap().starts_with("segment 1 (ISA): the ISA is cut short"),
            "{:?}",
            j.file_error
        );
        let ack = ops.import_ack(j.id).await.unwrap();
        assert!(!ack.interchange_accepted);
        assert!(ack.note.unwrap().contains("cut short"));

        // A segment terminator that changes midway: `~` then line breaks only.
        let changed = good.replacen("~\nNM1*IL*1*PARK*MIN", "\nNM1*IL*1*PARK*MIN", 1);
        let j = run(&ops, "changed.834", &changed).await;
        assert_eq!(j.status, "failed");
        let e = j.file_error.unwrap();
        assert!(e.contains("segment terminator changes midway"), "{e}");
        assert!(e.starts_with("segment 19:"), "{e}");

        // The file cut short before its trailers.
        let cut = &good[..good.find("GE*").unwrap()];
        let j = run(&ops, "short.834", cut).await;
        assert_eq!(j.status, "failed");
        assert!(j.file_error.unwrap().contains("ends before its IEA"));
        assert_eq!(count(s, "SELECT count(*) FROM members").await, 0, "{}: a refused file applied loops", db.label);

        // An SE whose count does not match: that set is rejected whole; the other set applies.
        let bad_set = interchange(&[subscriber_add("123456780", "LEO", "WU"), family()]);
        let bad_set = bad_set.replacen("SE*16*0001", "SE*15*0001", 1);
        let j = run(&ops, "se.834", &bad_set).await;
        assert_eq!((j.status.as_str(), j.ok_rows, j.failed_rows), ("partial", 3, 1), "{}", db.label);
        let e = errors(s, j.id).await;
        assert_eq!(e.len(), 1);
        assert_eq!((e[0].0, e[0].1.as_str(), e[0].2.as_str()), (3, "SE01", "transaction_set_rejected"));
        assert!(e[0].3.contains("(SE01): the set counts 15 segments; it has 16"), "{}", e[0].3);
        let names: Vec<(String,)> = s.fetch_all("SELECT first_name FROM members ORDER BY id", args![]).await.unwrap();
        assert_eq!(names.iter().map(|n| n.0.as_str()).collect::<Vec<_>>(), ["ANA", "MIN", "NOAH"]);
        let ack = ops.import_ack(j.id).await.unwrap();
        assert_eq!(ack.sets.iter().map(|s| s.status).collect::<Vec<_>>(), ["rejected", "accepted"]);
        assert_eq!((ack.sets_accepted, ack.sets_rejected, ack.loops_accepted, ack.loops_rejected), (1, 1, 3, 1));
    }
}

#[tokio::test]
async fn bad_member_loops_are_refused_whole_and_retried_once_fixed() {
    for db in common::all_backends().await {
        let s = &db.store;
        let ops = fixture(s).await;
        let mut loops = Vec::new();
        // A dependent before its subscriber.
        loops.extend(dependent_add("134567890", "19", "KAI", "20160101"));
        loops.extend(subscriber_add("134567890", "IDA", "LEE"));
        // An unknown maintenance type and an unknown relationship.
        loops.extend(subscriber_add("145678901", "OMA", "HAD").into_iter().map(|s| s.replacen("*021*", "*022*", 1)));
        loops.extend(dependent_add("134567890", "25", "ZED", "20100101"));
        // A member of another employer's group.
        loops.extend(subscriber_add("156789012", "KAY", "LO").into_iter().map(|s| s.replace("ACM101", "OTH201")));
        // A plan the group does not have: the subscriber is not added either.
        loops.extend(subscriber_add("167890123", "EVA", "RIX").into_iter().map(|s| s.replace("MPPO", "DPPO")));
        // A birth date that is no date.
        loops.extend(subscriber_add("178901234", "UMA", "BIX").into_iter().map(|s| s.replace("19800115", "19801301")));
        let text = interchange(&[loops]);
        let j = run(&ops, "bad.834", &text).await;
        assert_eq!((j.status.as_str(), j.total_rows, j.ok_rows, j.failed_rows), ("partial", 7, 1, 6), "{}", db.label);
        let e = errors(s, j.id).await;
        let got: Vec<(i64, &str, &str)> = e.iter().map(|e| (e.0, e.1.as_str(), e.2.as_str())).collect();
        // Positions: ISA 1, GS 2, ST 3, BGN 4, N1 5-6, then the loops (6 + 11 segments each).
        assert_eq!(
            got,
            [
                (7, "REF02", "subscriber_unknown"),
                (24, "INS03", "maintenance_type_unknown"),
                (35, "INS02", "relationship_unknown"),
                (41, "REF02", "group_unknown"),
                (52, "HD04", "plan_unknown"),
                (63, "DMG02", "date_invalid"),
            ],
            "{}: {e:?}",
            db.label
        );
        assert!(e[0].3.contains("a dependent's loop comes after its subscriber's"), "{}", e[0].3);
        assert!(e[3].3.contains("group OTH201 (REF*1L) is not one of this employer's groups"), "{}", e[3].3);
        assert!(e[4].3.contains("plan DPPO does not exist"), "{}", e[4].3);
        assert_eq!(e[5].3, "segment 71 (DMG02): \"19801301\" is not a date (CCYYMMDD)");
        // Only Ida went in; Eva's loop failed at its plan and left nothing behind.
        let names: Vec<(String,)> = s.fetch_all("SELECT first_name FROM members ORDER BY id", args![]).await.unwrap();
        assert_eq!(names, vec![("IDA".to_owned(),)], "{}", db.label);
        assert_eq!(count(s, "SELECT count(*) FROM member_changes").await, 2);

        // The plan set up, the failed loops retried: Kai (his subscriber is on file now) and Eva go in.
        let mut tx = s.begin_write().await.unwrap();
        tx.execute(
            "INSERT INTO plans (id, group_id, plan_code, name, coverage_type) VALUES (2, 1, 'DPPO', 'Dental', 'dental')",
            args![],
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let r = ops.retry_import(&key(), j.id, true).await.unwrap();
        assert_eq!((r.status.as_str(), r.ok_rows, r.failed_rows), ("partial", 3, 4), "{}", db.label);
        let names: Vec<(String,)> = s.fetch_all("SELECT first_name FROM members ORDER BY id", args![]).await.unwrap();
        assert_eq!(names.iter().map(|n| n.0.as_str()).collect::<Vec<_>>(), ["IDA", "KAI", "EVA"]);
        let ack = ops.import_ack(j.id).await.unwrap();
        assert_eq!((ack.sets[0].status, ack.loops_accepted, ack.loops_rejected), ("partially_accepted", 3, 4));
    }
}

#[tokio::test]
async fn a_killed_834_run_resumes_after_its_last_whole_batch() {
    use portaldesk::ops::imports::BATCH;
    for db in common::all_backends().await {
        let s = &db.store;
        let ops = fixture(s).await;
        let rows = BATCH + 5;
        let loop_of = |i: usize| {
            let ssn = format!("2{:02}{:02}{:04}", 10 + i % 89, 1 + (i / 89) % 99, 1 + i % 9999);
            member(
                "021",
                "18",
                &ssn,
                &[
                    "REF*1L*ACM101",
                    &format!("NM1*IL*1*LAST*FIRST{i}****34*{ssn}"),
                    "N3*1 MAIN ST",
                    "N4*AUSTIN*TX*78701",
                    "DMG*D8*19800101*F",
                    "DTP*348*D8*20261201",
                ],
            )
        };
        let loops: Vec<String> = (0..rows).flat_map(loop_of).collect();
        let text = interchange(&[loops]);
        let id = ops
            .enqueue_import("12-3456789", ImportKind::X12_834, "big.834", text.as_bytes(), true, None)
            .await
            .unwrap();
        // Stopped after one batch, as a killed process would be: one whole batch in, nothing of the next.
        let j = ops.run_import(&key(), id, Some(1)).await.unwrap();
        assert_eq!(j.status, "running", "{}", db.label);
        assert_eq!(count(s, "SELECT count(*) FROM members").await, BATCH as i64, "{}", db.label);
        let j = ops.run_import(&key(), id, None).await.unwrap();
        assert_eq!(
            (j.status.as_str(), j.total_rows, j.ok_rows),
            ("succeeded", rows as i64, rows as i64),
            "{}",
            db.label
        );
        assert_eq!(count(s, "SELECT count(*) FROM members").await, rows as i64, "{}", db.label);
        assert_eq!(count(s, "SELECT count(*) FROM member_changes").await, rows as i64, "{}", db.label);
        // New subscribers go in a run at a time: each with its History row,
        // each run with one audit row naming its loops' members (a run per
        // batch here: the first run's, then the resumed run's).
        let audited: Vec<(String, Option<String>)> = s
            .fetch_all("SELECT entity, after_json FROM audit_log WHERE action = 'member.add' ORDER BY id", args![])
            .await
            .unwrap();
        assert_eq!(audited.len(), 2, "{}", db.label);
        assert!(audited.iter().all(|(entity, _)| *entity == format!("import:{id}")), "{audited:?}");
        let named: usize =
            audited.iter().map(|(_, after)| after.as_deref().unwrap_or_default().matches("\"member\":").count()).sum();
        assert_eq!(named, rows, "{}: every added member named by its run's audit row", db.label);
        let (summary, kind, restore): (String, String, Option<String>) = s
            .fetch_one("SELECT summary, kind, restore FROM member_changes ORDER BY id LIMIT 1", args![])
            .await
            .unwrap();
        assert!(summary.ends_with(": added") && kind == "add_member", "{summary} {kind}");
        assert!(restore.unwrap_or_default().contains("\"added_member\":"), "an undo can take the addition back");
        let v = portaldesk::store::audit::verify(s, None).await.unwrap();
        assert!(v.broken.is_none() && v.checked >= 2, "{}: {v:?}", db.label);
        // A run with subscribers on file among new ones: those on file are found unchanged.
        let again: Vec<String> = [0, 1, rows, 2].into_iter().flat_map(loop_of).collect();
        let j = run(&ops, "again.834", &interchange(&[again])).await;
        assert_eq!((j.status.as_str(), j.ok_rows), ("succeeded", 4), "{}", db.label);
        let (unchanged,): (i64,) = s
            .fetch_one(
                "SELECT CAST(sum(last_row_number - row_number + 1) AS BIGINT) FROM import_rows WHERE job_id = $1 \
                 AND status = 'unchanged'",
                args![j.id],
            )
            .await
            .unwrap();
        assert_eq!(unchanged, 3, "{}", db.label);
        assert_eq!(count(s, "SELECT count(*) FROM members").await, rows as i64 + 1, "{}", db.label);
        // One job adding a subscriber in its first batch and the same SSN
        // again in its second (a new city): on SQLite one transaction holds
        // both batches, and the SSNs read at its start lack the first one's
        // additions; the second batch looks its SSNs up, finds the member
        // and changes it, never adding it twice.
        let first = rows + 1;
        let mut loops: Vec<String> = (first..first + BATCH).flat_map(loop_of).collect();
        let ssn = format!("2{:02}{:02}{:04}", 10 + first % 89, 1 + (first / 89) % 99, 1 + first % 9999);
        loops.extend(member(
            "021",
            "18",
            &ssn,
            &[
                "REF*1L*ACM101",
                &format!("NM1*IL*1*LAST*FIRST{first}****34*{ssn}"),
                "N3*1 MAIN ST",
                "N4*DALLAS*TX*75201",
                "DMG*D8*19800101*F",
                "DTP*348*D8*20261201",
            ],
        ));
        let j = run(&ops, "twice.834", &interchange(&[loops])).await;
        assert_eq!((j.status.as_str(), j.ok_rows), ("succeeded", BATCH as i64 + 1), "{}", db.label);
        let total = count(s, "SELECT count(*) FROM members").await;
        assert_eq!(total, (rows + 1 + BATCH) as i64, "{}: an SSN met again added twice", db.label);
        let (city,): (String,) = s
            .fetch_one("SELECT city FROM members WHERE first_name = $1", args![format!("FIRST{first}")])
            .await
            .unwrap();
        assert_eq!(city, "DALLAS", "{}", db.label);
    }
}
