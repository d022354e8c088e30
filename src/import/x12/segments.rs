//! ASC X12 segments read one at a time from a stream: the separators come
//! from the file's own ISA (element separator at byte 3, component
//! separator at ISA16, the segment terminator right after it), and every
//! segment keeps its position (the ISA is segment 1) so an error can say
//! where it is.

use std::io::BufRead;

use crate::import::FileError;

/// The length of an ISA segment with its terminator: its elements have fixed widths.
pub const ISA_LEN: usize = 106;

/// Where the ISA's element separators stand (bytes from its start): each
/// element has a fixed width, so a separator anywhere else means the ISA
/// was cut short or padded wrong.
const ISA_SEPARATORS: [usize; 16] = [3, 6, 17, 20, 31, 34, 50, 53, 69, 76, 81, 83, 89, 99, 101, 103];

/// The separators a file uses, as its ISA declares them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Separators {
    pub element: u8,
    pub component: u8,
    pub segment: u8,
}

/// One segment: its position in the file (the ISA is 1), its ID and its
/// elements (`elements[0]` is the first element, `XX01`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub position: u64,
    pub id: String,
    pub elements: Vec<String>,
}

impl Segment {
    /// Element `n`, counted as the implementation guide does (`DMG02` is 2);
    /// empty when the segment stops before it.
    pub fn el(&self, n: usize) -> &str {
        n.checked_sub(1).and_then(|i| self.elements.get(i)).map_or("", |e| e.as_str())
    }

    /// The segment as written, with `sep` between elements (for the values
    /// kept with an error).
    pub fn text(&self, sep: char) -> String {
        let mut out = self.id.clone();
        for e in &self.elements {
            out.push(sep);
            out.push_str(e);
        }
        out
    }
}

fn file_error(code: &'static str, message: String) -> FileError {
    FileError { code, message }
}

/// Reads the separators from the first bytes of a file (after any leading
/// white space): the ISA must be whole, 106 bytes with its elements at their
/// fixed widths.
pub fn separators(head: &[u8]) -> Result<Separators, FileError> {
    let start = head.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(head.len());
    let isa = &head[start..];
    if !isa.starts_with(b"ISA") {
        return Err(file_error("isa_missing", "segment 1: the file does not start with an ISA segment".into()));
    }
    if isa.len() < ISA_LEN {
        return Err(file_error(
            "isa_truncated",
            format!("segment 1 (ISA): the ISA is cut short: {} bytes where it takes {ISA_LEN}", isa.len()),
        ));
    }
    let element = isa[3];
    if element.is_ascii_alphanumeric() || element.is_ascii_whitespace() {
        return Err(file_error(
            "isa_separator",
            format!("segment 1 (ISA): {:?} cannot separate elements", element as char),
        ));
    }
    for (i, at) in ISA_SEPARATORS.iter().enumerate() {
        if isa[*at] != element {
            return Err(file_error(
                "isa_truncated",
                format!(
                    "segment 1 (ISA{:02}): the ISA's elements do not have their fixed widths (the ISA is cut short \
                     or padded wrong)",
                    i + 1
                ),
            ));
        }
    }
    let (component, segment) = (isa[104], isa[105]);
    if component == element || segment == element || segment == component || segment.is_ascii_alphanumeric() {
        return Err(file_error(
            "isa_separator",
            "segment 1 (ISA16): the element, component and segment separators must differ".into(),
        ));
    }
    Ok(Separators { element, component, segment })
}

/// Segments read from a stream, in order.
pub struct SegmentReader<R: BufRead> {
    input: R,
    seps: Separators,
    position: u64,
    bytes: u64,
    buf: Vec<u8>,
}

impl<R: BufRead> SegmentReader<R> {
    /// Reads `input`, whose first bytes `seps` was read from.
    pub fn new(input: R, seps: Separators) -> SegmentReader<R> {
        SegmentReader { input, seps, position: 0, bytes: 0, buf: Vec::with_capacity(256) }
    }

    /// The separators in use.
    pub fn separators(&self) -> Separators {
        self.seps
    }

    /// Bytes read so far (for progress).
    pub fn bytes_read(&self) -> u64 {
        self.bytes
    }

    /// The next segment; `None` at the end of the file. A segment the
    /// terminator does not end, a line break inside one or another
    /// terminator where a segment should end fail the file: its segments
    /// can no longer be told apart.
    pub fn next_segment(&mut self) -> Result<Option<Segment>, FileError> {
        let t = self.seps.segment;
        self.buf.clear();
        let n = self
            .input
            .read_until(t, &mut self.buf)
            .map_err(|e| file_error(crate::import::READ_FAILED, format!("reading the stored file failed: {e}")))?;
        self.bytes += n as u64;
        // Line breaks between segments are allowed (`~` and a new line).
        let start = self.buf.iter().position(|b| !matches!(b, b'\r' | b'\n')).unwrap_or(self.buf.len());
        let ended = self.buf.last() == Some(&t);
        let body = &self.buf[start..self.buf.len() - usize::from(ended)];
        if body.iter().all(u8::is_ascii_whitespace) {
            if ended {
                // An empty segment (two terminators): skipped, as most translators do.
                return self.next_segment();
            }
            return Ok(None);
        }
        let position = self.position + 1;
        let text = std::str::from_utf8(body).map_err(|_| {
            file_error("encoding", format!("segment {position}: the segment is not text (not ASCII or UTF-8)"))
        })?;
        if !ended {
            return Err(file_error(
                "segment_unterminated",
                format!(
                    "segment {position}: the file ends inside a segment (no {:?} after it): the file is cut short",
                    t as char
                ),
            ));
        }
        if let Some(other) = changed_terminator(text, self.seps) {
            return Err(file_error(
                "terminator_changed",
                format!(
                    "segment {position}: the segment terminator changes midway ({other} where the ISA says {:?}): \
                     the segments from here cannot be told apart",
                    t as char
                ),
            ));
        }
        let mut parts = text.split(self.seps.element as char);
        let id = parts.next().unwrap_or_default().to_owned();
        if id.len() < 2 || id.len() > 3 || !id.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) {
            return Err(file_error(
                "segment_id",
                format!(
                    "segment {position}: {:?} is not a segment ID (is the segment terminator right?)",
                    crate::domain::text::clip(&id, 12)
                ),
            ));
        }
        self.position = position;
        Ok(Some(Segment { position, id, elements: parts.map(str::to_owned).collect() }))
    }
}

/// Another terminator inside a segment's text where a segment should have
/// ended: a line break, or `~` or `'` followed by what reads as a segment ID
/// and the element separator. Describes it, if so.
fn changed_terminator(text: &str, seps: Separators) -> Option<String> {
    let b = text.as_bytes();
    for (i, c) in b.iter().enumerate() {
        if *c == seps.segment {
            continue;
        }
        if matches!(c, b'\r' | b'\n') && !b[i..].iter().all(u8::is_ascii_whitespace) {
            return Some("a line break".into());
        }
        if matches!(c, b'~' | b'\'' | b'\r' | b'\n') {
            let rest = &b[i + 1..];
            let id_len = rest.iter().take_while(|x| x.is_ascii_uppercase() || x.is_ascii_digit()).count();
            if (2..=3).contains(&id_len) && rest.get(id_len) == Some(&seps.element) {
                return Some(format!("{:?}", *c as char));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISA: &str =
        "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *261201*1200*^*00501*000000001*0*P*:~";

    fn read_all(text: &str) -> Result<Vec<Segment>, FileError> {
        let seps = separators(text.as_bytes())?;
        let mut r = SegmentReader::new(text.as_bytes(), seps);
        let mut out = Vec::new();
        while let Some(s) = r.next_segment()? {
            out.push(s);
        }
        Ok(out)
    }

    #[test]
    fn the_isa_gives_the_separators_and_is_106_bytes() {
        assert_eq!(ISA.len(), ISA_LEN);
        let s = separators(ISA.as_bytes()).unwrap();
        assert_eq!(s, Separators { element: b'*', component: b':', segment: b'~' });
        let other = ISA.replace('*', "|").replace('~', "\n");
        assert_eq!(
            separators(other.as_bytes()).unwrap(),
            Separators { element: b'|', component: b':', segment: b'\n' }
        );
        let e = separators(&ISA.as_bytes()[..80]).unwrap_err();
        assert_eq!(e.code, "isa_truncated");
        assert!(e.message.contains("80 bytes"), "{}", e.message);
        // A sender ID one character short: ISA07's separator is not where it belongs.
        let short = ISA.replacen("SENDER         ", "SENDER        ", 1) + "GS*";
        let e = separators(short.as_bytes()).unwrap_err();
        assert_eq!(e.code, "isa_truncated");
        assert!(e.message.contains("ISA07"), "{}", e.message);
        assert_eq!(separators(b"GS*HP~").unwrap_err().code, "isa_missing");
    }

    #[test]
    fn segments_are_numbered_from_the_isa_and_elements_counted_from_one() {
        let text = format!("{ISA}\nGS*BE*S*R*20261201*1200*1*X*005010X220A1~\r\nST*834*0001*005010X220A1~~SE*2*0001~");
        let segs = read_all(&text).unwrap();
        assert_eq!(
            segs.iter().map(|s| (s.position, s.id.as_str())).collect::<Vec<_>>(),
            [(1, "ISA"), (2, "GS"), (3, "ST"), (4, "SE")]
        );
        assert_eq!(segs[1].el(8), "005010X220A1");
        assert_eq!(segs[1].el(9), "");
        assert_eq!(segs[0].el(16), ":");
        assert_eq!(segs[3].text('*'), "SE*2*0001");
    }

    #[test]
    fn a_terminator_that_changes_midway_or_a_cut_segment_fails_with_its_position() {
        let text = format!("{ISA}GS*BE*S*R*20261201*1200*1*X*005010X220A1~ST*834*0001\nBGN*00*1*20261201~");
        let e = read_all(&text).unwrap_err();
        assert_eq!(e.code, "terminator_changed");
        assert!(e.message.starts_with("segment 3:"), "{}", e.message);
        let text = format!("{ISA}GS*BE*S*R*20261201*1200*1*X*005010X220A1'ST*834*0001~");
        let e = read_all(&text).unwrap_err();
        assert_eq!(e.code, "terminator_changed");
        assert!(e.message.contains("'"), "{}", e.message);
        let e = read_all(&format!("{ISA}GS*BE*S*R*20261201*1200*1*X*005010X220A1~ST*834")).unwrap_err();
        assert_eq!(e.code, "segment_unterminated");
        assert!(e.message.starts_with("segment 3:"), "{}", e.message);
        let e = read_all(&format!("{ISA}gs*BE~")).unwrap_err();
        assert_eq!(e.code, "segment_id");
    }
}
