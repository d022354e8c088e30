//! The import test corpus (tests/data/imports/) through the reading stage:
//! each bad input is a clear file-level or row-level error, and nothing
//! valid is lost. Unknown plans and dependents whose subscriber is not on
//! file read clean here: they need the database, so the importer checks them.

use std::path::Path;

use portaldesk::domain::import_spec::ImportKind;
use portaldesk::import::{FileError, Row, check_bytes, read};

fn load(name: &str, kind: ImportKind) -> Result<Vec<Row>, FileError> {
    let bytes = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/imports").join(name)).unwrap();
    check_bytes(&bytes[..bytes.len().min(64 * 1024)], bytes.len() as u64)?;
    let mut rows = Vec::new();
    read(kind, bytes.as_slice(), |r| rows.push(r))?;
    Ok(rows)
}

fn row_codes(rows: &[Row]) -> Vec<Vec<&'static str>> {
    rows.iter()
        .map(|r| r.checked.as_ref().err().map(|e| e.iter().map(|c| c.code).collect()).unwrap_or_default())
        .collect()
}

#[test]
fn valid_files_of_every_kind_read_clean() {
    for (file, kind, n) in [
        ("valid_demographic.csv", ImportKind::Demographic, 2),
        ("valid_dependent.csv", ImportKind::Dependent, 1),
        ("valid_event.csv", ImportKind::Event, 1),
        ("valid_plan.csv", ImportKind::Plan, 1),
        ("unknown_plan.csv", ImportKind::Plan, 1),
        ("orphan_dependent.csv", ImportKind::Dependent, 1),
    ] {
        let rows = load(file, kind).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(rows.len(), n, "{file}");
        assert!(rows.iter().all(|r| r.checked.is_ok()), "{file}: {:?}", row_codes(&rows));
    }
}

#[test]
fn file_level_bad_inputs_refuse_the_file_with_a_clear_message() {
    for (file, code, says) in [
        ("empty.csv", "empty", "empty"),
        ("binary.xlsx.csv", "binary", "not text"),
        ("latin1.csv", "encoding", "not UTF-8"),
        ("renamed_column.csv", "header_unknown_column", "\"surname\""),
        ("missing_column.csv", "header_missing_column", "last_name is missing"),
    ] {
        let e = load(file, ImportKind::Demographic).unwrap_err();
        assert_eq!(e.code, code, "{file}: {e}");
        assert!(e.message.contains(says), "{file}: {e}");
    }
}

#[test]
fn row_level_bad_inputs_fail_their_rows_only() {
    let cases: [(&str, Vec<Vec<&str>>); 5] = [
        ("field_count.csv", vec![vec!["field_count"], vec!["field_count"]]),
        ("formula.csv", vec![vec![]]),
        ("ssn_8_digits.csv", vec![vec!["ssn_invalid"]]),
        ("bad_date.csv", vec![vec!["date_invalid"]]),
        ("duplicate_rows.csv", vec![vec![], vec!["duplicate_in_file"]]),
    ];
    for (file, want) in cases {
        let rows = load(file, ImportKind::Demographic).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(row_codes(&rows), want, "{file}");
        assert!(rows.iter().all(|r| r.number >= 2), "{file}: the header is row 1");
    }
    // ITINs, birth dates in the future or over 120 years ago (a file cannot
    // confirm them), and names with bidirectional or zero-width characters.
    let rows = load("hostile_rows.csv", ImportKind::Demographic).unwrap();
    assert_eq!(
        row_codes(&rows),
        vec![
            vec!["ssn_itin"],
            vec!["birth_date_future"],
            vec!["birth_date_unconfirmed"],
            vec!["invisible_character"],
            vec!["invisible_character"],
            vec![]
        ]
    );
    let errors: Vec<_> = rows.iter().filter_map(|r| r.checked.as_ref().err()).map(|e| &e[0]).collect();
    assert!(errors[0].message.contains("ITIN"), "{}", errors[0].message);
    assert!(errors[2].message.contains("confirm"), "{}", errors[2].message);
    assert_eq!((errors[3].column, errors[4].column), ("last_name", "first_name"));
    assert!(errors[3].message.contains("\\u{202E}") && errors[4].message.contains("\\u{200B}"));
    // The cells kept with the errors show an SSN column by its last four,
    // even when it is not a valid SSN (8 digits: one that lost a zero).
    let rows = load("ssn_8_digits.csv", ImportKind::Demographic).unwrap();
    assert_eq!(rows[0].raw[1], "***-**-4567");
    let rows = load("valid_demographic.csv", ImportKind::Demographic).unwrap();
    assert!(rows.iter().all(|r| r.raw[1].starts_with("***-**-")), "{:?}", rows[0].raw);
}
