//! The envelope of an 834 file checked in one pass before any member loop
//! is applied: ISA/IEA, GS/GE and ST/SE control numbers and counts. A
//! fault of the interchange or a functional group fails the file; a
//! transaction set whose trailer does not match is rejected alone (the
//! others are applied), as a 999 acknowledgment would reject it.

use std::io::BufRead;

use super::segments::{Segment, SegmentReader, separators};
use crate::import::FileError;

/// A transaction set as the check found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetCheck {
    /// The position of its ST segment.
    pub position: u64,
    /// ST02.
    pub control: String,
    /// Its member loops (INS segments).
    pub loops: u64,
    /// Why it is rejected: the element at fault and what is wrong.
    pub rejected: Option<(&'static str, String)>,
}

/// What the check found: the interchange's control number and its sets.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Envelope {
    /// ISA13.
    pub interchange: String,
    pub sets: Vec<SetCheck>,
    /// Segments in the file.
    pub segments: u64,
}

fn bad(code: &'static str, seg: &Segment, element: &str, message: String) -> FileError {
    FileError { code, message: format!("segment {} ({element}): {message}", seg.position) }
}

fn count(seg: &Segment, n: usize) -> Result<u64, FileError> {
    seg.el(n).trim().parse::<u64>().map_err(|_| {
        let e = format!("{}{n:02}", seg.id);
        bad("envelope_count", seg, &e, format!("{:?} is not a count", crate::domain::text::clip(seg.el(n), 12)))
    })
}

/// Checks the envelope of the file read from `input`, whose first bytes are `head`.
pub fn check<R: BufRead>(head: &[u8], input: R) -> Result<Envelope, FileError> {
    let seps = separators(head)?;
    let mut r = SegmentReader::new(input, seps);
    let mut env = Envelope::default();
    let Some(isa) = r.next_segment()? else {
        return Err(FileError { code: "isa_missing", message: "the file has no ISA segment".into() });
    };
    env.interchange = isa.el(13).to_owned();
    // (GS, its sets so far), the open set (ST, segments so far), groups closed.
    let mut group: Option<(Segment, u64)> = None;
    let mut set: Option<(usize, u64)> = None;
    let mut groups = 0u64;
    let mut ended = false;
    while let Some(seg) = r.next_segment()? {
        env.segments = seg.position;
        if ended {
            return Err(bad("after_iea", &seg, &seg.id, "a segment after the IEA: the interchange has ended".into()));
        }
        if let Some((at, n)) = set.as_mut() {
            *n += 1;
            let at = *at;
            match seg.id.as_str() {
                "SE" => {
                    let n = *n;
                    set = None;
                    let s = &mut env.sets[at];
                    let said = count(&seg, 1)?;
                    if said != n {
                        s.rejected.get_or_insert((
                            "SE01",
                            format!(
                                "segment {} (SE01): the set counts {said} segments; it has {n} (ST to SE)",
                                seg.position
                            ),
                        ));
                    }
                    if seg.el(2) != s.control {
                        s.rejected.get_or_insert((
                            "SE02",
                            format!(
                                "segment {} (SE02): {:?} does not match ST02 {:?}",
                                seg.position,
                                crate::domain::text::clip(seg.el(2), 12),
                                s.control
                            ),
                        ));
                    }
                }
                "INS" => env.sets[at].loops += 1,
                "ST" | "GS" | "GE" | "ISA" | "IEA" => {
                    return Err(bad(
                        "envelope_order",
                        &seg,
                        &seg.id,
                        format!(
                            "a {} inside the transaction set begun at segment {}: its SE is missing",
                            seg.id, env.sets[at].position
                        ),
                    ));
                }
                _ => {}
            }
            continue;
        }
        match (seg.id.as_str(), group.as_mut()) {
            ("GS", None) => {
                if !seg.el(8).starts_with("005010X220") {
                    return Err(bad(
                        "version",
                        &seg,
                        "GS08",
                        format!(
                            "version {:?} is not 005010X220A1 (the 834 implementation guide)",
                            crate::domain::text::clip(seg.el(8), 16)
                        ),
                    ));
                }
                group = Some((seg, 0));
            }
            ("ST", Some((_, sets))) => {
                *sets += 1;
                let rejected = (seg.el(1) != "834").then(|| {
                    (
                        "ST01",
                        format!(
                            "segment {} (ST01): a {:?} transaction set is not an 834",
                            seg.position,
                            crate::domain::text::clip(seg.el(1), 6)
                        ),
                    )
                });
                env.sets.push(SetCheck { position: seg.position, control: seg.el(2).to_owned(), loops: 0, rejected });
                set = Some((env.sets.len() - 1, 1));
            }
            ("GE", Some((gs, sets))) => {
                if count(&seg, 1)? != *sets {
                    return Err(bad(
                        "ge_count",
                        &seg,
                        "GE01",
                        format!("the group counts {} transaction sets; it has {sets}", seg.el(1)),
                    ));
                }
                if seg.el(2) != gs.el(6) {
                    return Err(bad(
                        "ge_control",
                        &seg,
                        "GE02",
                        format!("{:?} does not match GS06 {:?} (segment {})", seg.el(2), gs.el(6), gs.position),
                    ));
                }
                group = None;
                groups += 1;
            }
            ("IEA", None) => {
                if count(&seg, 1)? != groups {
                    return Err(bad(
                        "iea_count",
                        &seg,
                        "IEA01",
                        format!("the interchange counts {} functional groups; it has {groups}", seg.el(1)),
                    ));
                }
                if seg.el(2) != env.interchange {
                    return Err(bad(
                        "iea_control",
                        &seg,
                        "IEA02",
                        format!("{:?} does not match ISA13 {:?}", seg.el(2), env.interchange),
                    ));
                }
                ended = true;
            }
            (id, _) => {
                return Err(bad(
                    "envelope_order",
                    &seg,
                    id,
                    match &group {
                        Some((gs, _)) => {
                            format!("a {id} outside a transaction set (in the group begun at segment {})", gs.position)
                        }
                        None => format!("a {id} outside a functional group"),
                    },
                ));
            }
        }
    }
    if !ended {
        return Err(FileError {
            code: "iea_missing",
            message: format!("segment {}: the file ends before its IEA: it is cut short", env.segments + 1),
        });
    }
    Ok(env)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISA: &str =
        "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *261201*1200*^*00501*000000007*0*P*:~";
    const GS: &str = "GS*BE*SENDER*RECEIVER*20261201*1200*11*X*005010X220A1~";

    fn check_text(t: &str) -> Result<Envelope, FileError> {
        check(t.as_bytes(), t.as_bytes())
    }

    fn set(control: &str, body: &[&str], se_count: Option<usize>) -> String {
        let n = se_count.unwrap_or(body.len() + 2);
        format!(
            "ST*834*{control}*005010X220A1~{}SE*{n}*{control}~",
            body.iter().map(|s| format!("{s}~")).collect::<String>()
        )
    }

    #[test]
    fn a_well_formed_file_counts_its_sets_and_loops() {
        let body = [
            "BGN*00*1*20261201*1200****2",
            "INS*Y*18*021*28*A",
            "REF*0F*123456789",
            "INS*N*19*021*28*A",
            "REF*0F*123456789",
        ];
        let t =
            format!("{ISA}{GS}{}{}GE*2*11~IEA*1*000000007~", set("0001", &body, None), set("0002", &body[..3], None));
        let env = check_text(&t).unwrap();
        assert_eq!(env.interchange, "000000007");
        assert_eq!(
            env.sets.iter().map(|s| (s.position, s.loops, s.rejected.is_none())).collect::<Vec<_>>(),
            [(3, 2, true), (10, 1, true)]
        );
    }

    #[test]
    fn a_set_whose_trailer_does_not_match_is_rejected_alone() {
        let body = ["BGN*00*1*20261201*1200****2", "INS*Y*18*021*28*A"];
        let t = format!("{ISA}{GS}{}{}GE*2*11~IEA*1*000000007~", set("0001", &body, Some(9)), set("0002", &body, None));
        let env = check_text(&t).unwrap();
        let (el, msg) = env.sets[0].rejected.clone().unwrap();
        assert_eq!(el, "SE01");
        assert_eq!(msg, "segment 6 (SE01): the set counts 9 segments; it has 4 (ST to SE)");
        assert!(env.sets[1].rejected.is_none());
        let t = format!("{ISA}{GS}ST*834*0001~SE*2*0002~GE*1*11~IEA*1*000000007~");
        assert_eq!(check_text(&t).unwrap().sets[0].rejected.as_ref().unwrap().0, "SE02");
    }

    #[test]
    fn group_and_interchange_faults_fail_the_file_with_their_position() {
        let one = set("0001", &["INS*Y*18*021*28*A"], None);
        let code = |t: String| {
            let e = check_text(&t).unwrap_err();
            (e.code, e.message)
        };
        let (c, m) = code(format!("{ISA}{GS}{one}GE*2*11~IEA*1*000000007~"));
        assert_eq!((c, m.as_str()), ("ge_count", "segment 6 (GE01): the group counts 2 transaction sets; it has 1"));
        assert_eq!(code(format!("{ISA}{GS}{one}GE*1*12~IEA*1*000000007~")).0, "ge_control");
        assert_eq!(code(format!("{ISA}{GS}{one}GE*1*11~IEA*2*000000007~")).0, "iea_count");
        assert_eq!(code(format!("{ISA}{GS}{one}GE*1*11~IEA*1*000000008~")).0, "iea_control");
        let (c, m) = code(format!("{ISA}{GS}{one}GE*1*11~"));
        assert_eq!((c, m.as_str()), ("iea_missing", "segment 7: the file ends before its IEA: it is cut short"));
        assert_eq!(code(format!("{ISA}{GS}ST*834*1~INS*Y*18*021~GE*1*11~IEA*1*000000007~")).0, "envelope_order");
        assert_eq!(code(format!("{ISA}GS*BE*S*R*20261201*1200*11*X*004010X095A1~")).0, "version");
        assert_eq!(code(format!("{ISA}{GS}{one}GE*1*11~IEA*1*000000007~GS*BE~")).0, "after_iea");
    }
}
