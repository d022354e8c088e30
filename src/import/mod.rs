//! Reading uploaded import files: the file-level checks (size, binary
//! content, encoding, header) and every row checked against the
//! specification, streamed row by row so memory does not grow with the
//! file. Applying the rows to the database is the importer's next step.

pub mod x12;

use sha2::Digest;
use std::collections::HashSet;
use std::io::Read;

use crate::domain::import_spec::{CellError, Format, ImportKind, Value, check_cell, map_header};

/// The largest file taken: beyond it the file is refused whole.
pub const MAX_BYTES: u64 = 256 * 1024 * 1024;

/// Why a whole file cannot be imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct FileError {
    /// A stable code: `empty`, `too_large`, `binary`, `encoding`, `header_…`, `unreadable`.
    pub code: &'static str,
    pub message: String,
}

/// The code of a `FileError` that is no fault of the file: its stored copy
/// could not be read (a lost connection); the job can be run again as is.
pub const READ_FAILED: &str = "read_failed";

fn file_error(code: &'static str, message: impl Into<String>) -> FileError {
    FileError { code, message: message.into() }
}

/// One data row: its number in the file (the header is row 1), the raw
/// cells as written (SSN columns masked once checked: the cells are kept
/// with row errors and shown), and either its checked values or what is wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub number: u64,
    pub raw: Vec<String>,
    pub checked: Result<Checked, Vec<CellError>>,
}

/// A row that passed every check of the specification.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    /// One value per column of the kind (`None`: an empty optional column).
    pub values: Vec<Option<Value>>,
    /// The natural key, as text, to find the record it applies to.
    pub natural_key: String,
}

/// Refuses a file too large to take, before any of it is read.
pub fn check_size(len: u64) -> Result<(), FileError> {
    if len > MAX_BYTES {
        return Err(file_error(
            "too_large",
            format!("the file is {} MB; at most {} MB are taken", len >> 20, MAX_BYTES >> 20),
        ));
    }
    Ok(())
}

/// Checks what can be checked before reading rows: size, NUL bytes and
/// UTF-8 of the first block.
pub fn check_bytes(head: &[u8], total_len: u64) -> Result<(), FileError> {
    if total_len == 0 || head.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(file_error("empty", "the file is empty"));
    }
    check_size(total_len)?;
    if head.contains(&0) {
        return Err(file_error(
            "binary",
            "the file is not text (it holds NUL bytes): upload the CSV export, not a spreadsheet file",
        ));
    }
    // A multi-byte character may be cut at the end of the block.
    match std::str::from_utf8(head) {
        Ok(_) => Ok(()),
        Err(e) if e.error_len().is_none() => Ok(()),
        Err(_) => Err(file_error(
            "encoding",
            "the file is not UTF-8 (perhaps Latin-1): save it as CSV UTF-8 and upload it again",
        )),
    }
}

/// Reads a `kind` file row by row (for a run that applies rows in batches
/// while reading, so memory does not grow with the file).
pub struct RowReader<R: Read> {
    rdr: csv::Reader<R>,
    record: csv::StringRecord,
    header_len: usize,
    map: Vec<Option<usize>>,
    kind: ImportKind,
    key_cols: Vec<usize>,
    /// The first 16 bytes of each natural key's SHA-256: a file's worth of
    /// keys in little memory, and no SSN kept whole.
    seen: HashSet<[u8; 16]>,
    rows: u64,
    /// Where the file's SSN columns are, to mask them once checked.
    ssn_at: Vec<usize>,
    /// The day birth dates are judged by.
    today: chrono::NaiveDate,
}

fn unreadable(e: csv::Error) -> FileError {
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => {
            file_error("encoding", "the file is not UTF-8 (perhaps Latin-1): save it as CSV UTF-8 and upload it again")
        }
        // Not the file's fault: the stored copy could not be fetched.
        csv::ErrorKind::Io(e) => file_error(READ_FAILED, format!("reading the stored file failed: {e}")),
        _ => file_error("unreadable", format!("the file cannot be read as CSV: {e}")),
    }
}

impl<R: Read> RowReader<R> {
    /// Reads the header and maps it to the kind's columns.
    pub fn new(kind: ImportKind, input: R) -> Result<RowReader<R>, FileError> {
        let mut rdr =
            csv::ReaderBuilder::new().has_headers(false).flexible(true).trim(csv::Trim::All).from_reader(input);
        let mut record = csv::StringRecord::new();
        // The header: the first non-empty line.
        let header = loop {
            if !rdr.read_record(&mut record).map_err(unreadable)? {
                return Err(file_error("empty", "the file has no header row"));
            }
            if record.iter().any(|c| !c.is_empty()) {
                break record.iter().map(str::to_owned).collect::<Vec<_>>();
            }
        };
        let names: Vec<&str> = header.iter().map(String::as_str).collect();
        let map = map_header(kind, &names).map_err(|e| file_error(e.code, e.message))?;
        let cols = kind.columns();
        let key_cols = kind.natural_key().iter().filter_map(|k| cols.iter().position(|c| c.name == *k)).collect();
        let ssn_at = cols.iter().zip(&map).filter(|(c, _)| c.format == Format::Ssn).filter_map(|(_, at)| *at).collect();
        Ok(RowReader {
            rdr,
            record,
            header_len: header.len(),
            map,
            kind,
            key_cols,
            seen: HashSet::new(),
            rows: 0,
            ssn_at,
            today: chrono::Utc::now().date_naive(),
        })
    }

    /// Judges birth dates by `today` (the session's clock) rather than the system's.
    pub fn judged_on(mut self, today: chrono::NaiveDate) -> Self {
        self.today = today;
        self
    }

    /// The next data row, checked; `None` at the end.
    pub fn next_row(&mut self) -> Result<Option<Row>, FileError> {
        loop {
            if !self.rdr.read_record(&mut self.record).map_err(unreadable)? {
                return Ok(None);
            }
            // Empty lines (trailing ones included) are not rows.
            if self.record.iter().all(str::is_empty) {
                continue;
            }
            self.rows += 1;
            // Rows are numbered as a spreadsheet shows them: the header is row 1.
            let number = self.rows + 1;
            let raw: Vec<String> = self.record.iter().map(str::to_owned).collect();
            let checked = if raw.len() != self.header_len {
                Err(vec![CellError {
                    column: "row",
                    code: "field_count",
                    message: format!("the row has {} fields; the header has {}", raw.len(), self.header_len),
                }])
            } else {
                check_row(self.kind.columns(), &self.map, &raw, &self.key_cols, &mut self.seen, self.today)
            };
            let mut raw = raw;
            for i in &self.ssn_at {
                if let Some(cell) = raw.get_mut(*i) {
                    *cell = crate::domain::ssn::mask_cell(cell);
                }
            }
            return Ok(Some(Row { number, raw, checked }));
        }
    }

    /// How far into the input the reader is, in bytes (for progress).
    pub fn bytes_read(&self) -> u64 {
        self.rdr.position().byte()
    }
}

/// Reads `input` as a `kind` file, calling `each` with every data row in
/// order. Rows with the same natural key as an earlier row are errors
/// (`duplicate_in_file`): the first one wins. Returns the number of rows.
pub fn read<R: Read>(kind: ImportKind, input: R, mut each: impl FnMut(Row)) -> Result<u64, FileError> {
    let mut r = RowReader::new(kind, input)?;
    let mut n = 0;
    while let Some(row) = r.next_row()? {
        n += 1;
        each(row);
    }
    Ok(n)
}

fn check_row(
    cols: &[crate::domain::import_spec::Column],
    map: &[Option<usize>],
    raw: &[String],
    key_cols: &[usize],
    seen: &mut HashSet<[u8; 16]>,
    today: chrono::NaiveDate,
) -> Result<Checked, Vec<CellError>> {
    let mut values = Vec::with_capacity(cols.len());
    let mut errors = Vec::new();
    for (col, at) in cols.iter().zip(map) {
        let cell = at.and_then(|i| raw.get(i)).map(String::as_str).unwrap_or("");
        match check_cell(col, cell, today) {
            Ok(v) => values.push(v),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    // Duplicates are found on the whole values, hashed; what is kept shows
    // an SSN by its last four.
    let whole = key_cols.iter().map(|i| key_text(values[*i].as_ref(), true)).collect::<Vec<_>>().join("|");
    let natural_key = key_cols.iter().map(|i| key_text(values[*i].as_ref(), false)).collect::<Vec<_>>().join("|");
    let digest: [u8; 32] = sha2::Sha256::digest(whole.as_bytes()).into();
    if !seen.insert(digest[..16].try_into().unwrap_or_default()) {
        return Err(vec![CellError {
            column: "row",
            code: "duplicate_in_file",
            message: "the same record appears earlier in this file; only the first is applied".into(),
        }]);
    }
    Ok(Checked { values, natural_key })
}

/// A value as it goes into a natural key: SSNs whole only for finding
/// duplicates in memory, else by their last four (the importer finds
/// records by the SSN's blind index).
fn key_text(v: Option<&Value>, whole: bool) -> String {
    match v {
        Some(Value::Text(t)) => t.to_lowercase(),
        Some(Value::Date(d)) => d.to_string(),
        Some(Value::Ssn(s)) if whole => s.digits().to_owned(),
        Some(Value::Ssn(s)) => format!("ssn…{}", s.last4()),
        Some(Value::Int(i)) => i.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(kind: ImportKind, text: &[u8]) -> Result<Vec<Row>, FileError> {
        check_bytes(text, text.len() as u64)?;
        let mut out = Vec::new();
        read(kind, text, |r| out.push(r))?;
        Ok(out)
    }

    const HEADER: &str = "group_number,ssn,first_name,last_name,birth_date,gender,address_line,city,state,zip";

    #[test]
    fn a_valid_file_with_bom_crlf_quotes_and_trailing_lines_reads_clean() {
        let text = format!(
            "\u{feff}{HEADER}\r\nABC101, 112-34-5678 ,Ana,García,1985-04-12,F,\"12 Oak Ave, Apt 4\",Austin,TX,78701\r\n\
             ABC101,123456789,Seán,O'Brien,03/07/1990,M,\"9 Elm St\nBuilding B\",Houston,tx,77002-1234\r\n\r\n\r\n"
        );
        let r = rows(ImportKind::Demographic, text.as_bytes()).unwrap();
        assert_eq!(r.len(), 2);
        assert!(r.iter().all(|r| r.checked.is_ok()), "{r:?}");
        assert_eq!(r[0].number, 2);
        assert_eq!(r[1].raw[6], "9 Elm St\nBuilding B");
        assert_eq!(r[0].checked.as_ref().unwrap().natural_key, "abc101|ssn…5678");
    }

    #[test]
    fn file_level_problems_refuse_the_whole_file() {
        let code = |k: ImportKind, t: &[u8]| rows(k, t).unwrap_err().code;
        assert_eq!(code(ImportKind::Demographic, b""), "empty");
        assert_eq!(code(ImportKind::Demographic, b"\n\n"), "empty");
        assert_eq!(code(ImportKind::Demographic, b"PK\x03\x04\x00\x00binary"), "binary");
        assert_eq!(code(ImportKind::Demographic, b"ssn,last_name\n912345678,Lee\n"), "header_missing_column");
        assert_eq!(
            code(ImportKind::Demographic, b"group_number,ssn,first_name,last_name\nA,112345678,M\xfcller,X\n"),
            "encoding"
        );
        assert_eq!(code(ImportKind::Plan, b"member_id,plan_code,tier\n"), "header_missing_column");
        assert_eq!(code(ImportKind::Event, format!("{HEADER}\n").as_bytes()), "header_unknown_column");
        assert_eq!(check_bytes(b"a", MAX_BYTES + 1).unwrap_err().code, "too_large");
    }

    #[test]
    fn bad_rows_are_reported_and_the_good_ones_kept() {
        let text = format!(
            "{HEADER}\nABC101,91234567,Seán,O'Brien,1979-01-01,M,4 Pine Rd,Boston,MA,02108\n\
             ABC101,134-56-7890,Zoë,Müller,02/30/1988,F,7 Main St,Denver,CO,80202\n\
             ABC101,145-67-8901,Omar,Haddad,1991-06-30,M,3 Lake Ter,Chicago,IL\n\
             ABC101,156-78-9012,=HYPERLINK(\"x\"),Lee,1991-06-30,M,3 Lake Ter,Chicago,IL,60602\n\
             ABC101,156-78-9012,Kai,Lee,1991-06-30,M,3 Lake Ter,Chicago,IL,60602\n"
        );
        let r = rows(ImportKind::Demographic, text.as_bytes()).unwrap();
        let codes: Vec<Vec<&str>> = r
            .iter()
            .map(|r| r.checked.as_ref().err().map(|e| e.iter().map(|c| c.code).collect()).unwrap_or_default())
            .collect();
        assert_eq!(
            codes,
            vec![vec!["ssn_invalid"], vec!["date_invalid"], vec!["field_count"], vec![], vec!["duplicate_in_file"]]
        );
        // A formula in a cell is data here; exports neutralise it.
        assert!(r[3].checked.is_ok());
    }
}
