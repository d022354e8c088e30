//! What a SQLite import knows of the SSNs on file before looking any up:
//! read in its write transaction, kept while no other connection writes,
//! read again once one has.

mod common;

use chrono::{NaiveDate, TimeZone, Utc};
use portaldesk::args;
use portaldesk::store::testing::TxSql;
use portaldesk::store::{SsnsOnFile, Store};

/// An employer's group and a member of it with SSN index `ssn`, written by
/// the store's own pool (another connection than an import's writer).
async fn member(store: &Store, id: i64, ssn: &[u8]) {
    let t = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
    let d = NaiveDate::from_ymd_opt(1980, 1, 1).unwrap();
    let mut tx = store.begin_write().await.unwrap();
    tx.execute(
        "INSERT INTO employers (id, ein, legal_name, name_key, created_at) VALUES (1, '12-3456789', 'Acme', 'acme', $1) \
         ON CONFLICT DO NOTHING",
        args![t],
    )
    .await
    .unwrap();
    tx.execute(
        "INSERT INTO employer_groups (id, employer_id, group_number, name, status, original_effective_date, renewal_date) \
         VALUES (1, 1, 'ACM101', 'Acme', 'active', $1, $1) ON CONFLICT DO NOTHING",
        args![d],
    )
    .await
    .unwrap();
    let (number, individual) = portaldesk::store::members::numbers(id);
    tx.execute(
        "INSERT INTO members (id, member_number, individual_id, group_id, member_type, relationship, first_name, last_name, \
         first_name_key, last_name_key, birth_date, gender, address_line, city, state, zip, language, ssn_index, status, \
         created_at) VALUES ($1, $2, $3, 1, 'SUBSCRIBER', 'self', 'A', 'B', 'a', 'b', $4, 'F', '1 Main St', 'Austin', 'TX', \
         '78701', 'English', $5, 'active', $6)",
        args![id, number, individual, d, ssn.to_vec(), t],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn known_ssns_are_read_again_only_after_another_connection_writes() {
    let db = common::sqlite().await;
    member(&db.store, 1, &[1; 32]).await;
    let writer = db.store.bulk_writer(false).await.unwrap();

    let mut tx = writer.begin_write().await.unwrap();
    let known = SsnsOnFile::refresh(None, &mut tx).await.unwrap();
    assert!(known.may_hold(&[1; 32]));
    assert!(!known.may_hold(&[2; 32]));
    // The writer's own member, added in its transaction, is not read in:
    // an import looks up a batch whose SSN it has met (this one) instead.
    tx.execute("UPDATE members SET ssn_index = $1 WHERE id = 1", args![vec![3_u8; 32]]).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = writer.begin_write().await.unwrap();
    let known = SsnsOnFile::refresh(Some(known), &mut tx).await.unwrap();
    assert!(known.may_hold(&[1; 32]) && !known.may_hold(&[3; 32]), "kept: nobody else wrote");
    tx.commit().await.unwrap();

    // Another connection adds a member between the writer's transactions.
    member(&db.store, 2, &[2; 32]).await;
    let mut tx = writer.begin_write().await.unwrap();
    let known = SsnsOnFile::refresh(Some(known), &mut tx).await.unwrap();
    assert!(known.may_hold(&[2; 32]) && known.may_hold(&[3; 32]), "read again");
    assert!(!known.may_hold(&[1; 32]));
}
