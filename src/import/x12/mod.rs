//! ASC X12 834 enrollment files (005010X220A1) read as import rows: a
//! segment reader of our own (`segments`), the envelope checked in a first
//! pass (`envelope`), and each member loop read as a row in a second
//! (`members`). Why not the `x12-types` crate: see docs/imports.md.

pub mod envelope;
pub mod members;
pub mod segments;

use std::io::{BufReader, Read};

use chrono::NaiveDate;

pub use envelope::{Envelope, SetCheck};
pub use segments::{Segment, SegmentReader, Separators};

use crate::domain::import_spec::CellError;
use crate::import::{FileError, Row};

/// Reads an 834 file's member loops as rows, in file order, after its
/// envelope was checked (`envelope::check`): the loops of a rejected
/// transaction set come as one failed row at its ST instead.
pub struct LoopReader<R: Read> {
    segs: SegmentReader<BufReader<R>>,
    env: Envelope,
    next_set: usize,
    pending: Option<Segment>,
    today: NaiveDate,
}

impl<R: Read> LoopReader<R> {
    /// Checks the envelope reading `first`, then reads the loops from
    /// `again` (the same file from its start); `head` is the file's first bytes.
    pub fn new<F: Read>(head: &[u8], first: F, again: R, today: NaiveDate) -> Result<LoopReader<R>, FileError> {
        let env = envelope::check(head, BufReader::with_capacity(64 * 1024, first))?;
        let seps = segments::separators(head)?;
        let segs = SegmentReader::new(BufReader::with_capacity(64 * 1024, again), seps);
        Ok(LoopReader { segs, env, next_set: 0, pending: None, today })
    }

    /// What the envelope check found.
    pub fn envelope(&self) -> &Envelope {
        &self.env
    }

    /// Bytes read so far in the second pass (for progress).
    pub fn bytes_read(&self) -> u64 {
        self.segs.bytes_read()
    }

    /// The next member loop (or rejected set) as a row; `None` at the end.
    pub fn next_row(&mut self) -> Result<Option<Row>, FileError> {
        let element = self.segs.separators().element as char;
        loop {
            let seg = match self.pending.take() {
                Some(s) => s,
                None => match self.segs.next_segment()? {
                    Some(s) => s,
                    None => return Ok(None),
                },
            };
            match seg.id.as_str() {
                "ST" => {
                    let set = self.env.sets.get(self.next_set).cloned();
                    self.next_set += 1;
                    if let Some((column, message)) = set.and_then(|s| s.rejected) {
                        while let Some(s) = self.segs.next_segment()? {
                            if s.id == "SE" {
                                break;
                            }
                        }
                        let error = CellError { column, code: "transaction_set_rejected", message };
                        return Ok(Some(Row {
                            number: seg.position,
                            raw: vec![seg.text(element)],
                            checked: Err(vec![error]),
                        }));
                    }
                }
                "INS" => {
                    let mut body = vec![seg];
                    while let Some(s) = self.segs.next_segment()? {
                        match s.id.as_str() {
                            "INS" => {
                                self.pending = Some(s);
                                break;
                            }
                            "SE" => break,
                            _ => body.push(s),
                        }
                    }
                    return Ok(Some(members::loop_row(&body, element, self.today)));
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loops_come_as_rows_and_a_rejected_set_as_one() {
        let isa = "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *261201*1200*^*00501*000000007*0*P*:~";
        let member = "INS*Y*18*024*28*A~REF*0F*M0000001~NM1*IL*1*DOE*JOHN~DTP*349*D8*20261231~";
        let text = format!(
            "{isa}GS*BE*S*R*20261201*1200*1*X*005010X220A1~ST*834*0001~BGN*00*1*20261201~{member}{member}SE*11*0001~\
             ST*834*0002~{member}SE*3*0002~GE*2*1~IEA*1*000000007~"
        );
        let b = text.as_bytes();
        let mut r = LoopReader::new(b, b, b, NaiveDate::from_ymd_opt(2026, 12, 3).unwrap()).unwrap();
        let mut rows = Vec::new();
        while let Some(row) = r.next_row().unwrap() {
            rows.push(row);
        }
        assert_eq!(
            rows.iter().map(|r| (r.number, r.checked.is_ok())).collect::<Vec<_>>(),
            [(5, true), (9, true), (14, false)]
        );
        let e = rows[2].checked.as_ref().unwrap_err();
        assert_eq!((e[0].column, e[0].code), ("SE01", "transaction_set_rejected"));
    }
}
