//! An 834 member loop (from its INS to the next INS or the SE) read as one
//! import row: its values in the order of `ImportKind::X12_834`'s columns,
//! each checked by the import specification's rules, and every error naming
//! the segment's position and the element (`segment 14 (DMG02): …`).

use chrono::NaiveDate;

use super::segments::Segment;
use crate::domain::import_spec::{CellError, ImportKind, X12_SOURCES, check_cell};
use crate::import::{Checked, Row};

/// Where a value was found: the segment's position and its raw text.
type Found = Option<(u64, String)>;

fn cell_error(column: &'static str, code: &'static str, position: u64, message: impl std::fmt::Display) -> CellError {
    CellError { column, code, message: format!("segment {position} ({column}): {message}") }
}

/// `CCYYMMDD` as `YYYY-MM-DD`, for the specification's date check; `None`
/// when it is not such a date.
fn d8(raw: &str) -> Option<String> {
    let d = NaiveDate::parse_from_str(raw.trim(), "%Y%m%d").ok().filter(|_| raw.trim().len() == 8)?;
    Some(d.to_string())
}

/// The values of a further HD of a loop: plan, level, begin and end dates.
const EXTRA_HD: [&str; 4] = ["plan_code", "tier", "coverage_start", "coverage_end"];

/// The raw values of a loop by column, those of its HDs after the first (in
/// `EXTRA_HD` order), and the loop-level faults found while gathering them
/// (a DTP or DMG not in `D8`, INS01 against INS02).
fn gather(segs: &[Segment]) -> (Vec<Found>, Vec<[Found; 4]>, Vec<CellError>) {
    let names: Vec<&str> = X12_SOURCES.iter().map(|s| s.name).collect();
    let mut found: Vec<Found> = vec![None; names.len()];
    let mut faults = Vec::new();
    let mut extra: Vec<[Found; 4]> = Vec::new();
    let mut set = |name: &str, position: u64, raw: &str| {
        if let Some(i) = names.iter().position(|n| *n == name)
            && found[i].is_none()
            && !raw.trim().is_empty()
        {
            found[i] = Some((position, raw.trim().to_owned()));
        }
    };
    // NM1 loops other than the member's own (a mailing address, a custodial
    // parent, ...) carry N3/N4/PER that are not the member's.
    let (mut own_name, mut hd_at): (bool, Option<u64>) = (false, None);
    for s in segs {
        let p = s.position;
        match s.id.as_str() {
            "INS" => {
                set("relationship", p, s.el(2));
                set("maintenance_type", p, s.el(3));
                let subscriber = s.el(2).trim() == "18";
                let flag = s.el(1).trim();
                if (flag == "Y") != subscriber || !matches!(flag, "Y" | "N") {
                    faults.push(cell_error(
                        "INS01",
                        "subscriber_flag",
                        p,
                        format!(
                            "{flag:?} does not go with relationship {:?} (Y for 18 self, N for a dependent)",
                            s.el(2)
                        ),
                    ));
                }
            }
            "REF" if s.el(1) == "0F" => set("subscriber_id", p, s.el(2)),
            "REF" if s.el(1) == "1L" => set("group_number", p, s.el(2)),
            "NM1" => {
                own_name = s.el(1) == "IL";
                if own_name {
                    set("last_name", p, s.el(3));
                    set("first_name", p, s.el(4));
                    if s.el(8) == "34" {
                        set("ssn", p, s.el(9));
                    }
                }
            }
            "N3" if own_name => {
                let line =
                    [s.el(1).trim(), s.el(2).trim()].iter().filter(|x| !x.is_empty()).copied().collect::<Vec<_>>();
                set("address_line", p, &line.join(" "));
            }
            "N4" if own_name => {
                set("city", p, s.el(1));
                set("state", p, s.el(2));
                let zip = s.el(3).trim();
                let zip = if zip.len() == 9 && zip.bytes().all(|b| b.is_ascii_digit()) {
                    format!("{}-{}", &zip[..5], &zip[5..])
                } else {
                    zip.to_owned()
                };
                set("zip", p, &zip);
            }
            "PER" if own_name => {
                for pair in [3, 5, 7] {
                    match s.el(pair) {
                        "TE" | "HP" | "WP" | "CP" => set("phone", p, s.el(pair + 1)),
                        "EM" => set("email", p, s.el(pair + 1)),
                        _ => {}
                    }
                }
            }
            "DMG" if own_name => {
                if !s.el(2).trim().is_empty() && s.el(1) != "D8" {
                    faults.push(cell_error("DMG01", "date_format", p, format!("{:?} is not D8", s.el(1))));
                }
                let born = s.el(2).trim();
                if !born.is_empty() {
                    set("birth_date", p, &d8(born).unwrap_or_else(|| format!("\u{0}{born}")));
                }
                set("gender", p, s.el(3));
            }
            "HD" => {
                own_name = false;
                // A further coverage of the member (dental beside medical):
                // its plan, level and dates come after the loop's columns.
                if hd_at.is_some() {
                    extra.push([
                        Some((p, s.el(4).trim().to_owned())),
                        Some((p, s.el(5).trim().to_owned())),
                        None,
                        None,
                    ]);
                    extra.last_mut().into_iter().flatten().for_each(|f| {
                        if f.as_ref().is_some_and(|(_, raw)| raw.is_empty()) {
                            *f = None;
                        }
                    });
                    continue;
                }
                hd_at = Some(p);
                set("plan_code", p, s.el(4));
                set("tier", p, s.el(5));
            }
            "DTP" => {
                let (name, slot) = match s.el(1) {
                    "348" => ("coverage_start", 2),
                    "349" => ("coverage_end", 3),
                    "303" => ("effective_date", 0),
                    _ => continue,
                };
                if s.el(2) != "D8" {
                    faults.push(cell_error("DTP02", "date_format", p, format!("{:?} is not D8", s.el(2))));
                    continue;
                }
                let raw = s.el(3).trim();
                let value = d8(raw).unwrap_or_else(|| format!("\u{0}{raw}"));
                match extra.last_mut() {
                    Some(hd) if slot > 0 => {
                        hd[slot].get_or_insert((p, value));
                    }
                    _ => set(name, p, &value),
                }
            }
            // Providers, other coverage and the like are not maintained here.
            "LX" | "COB" => own_name = false,
            _ => {}
        }
    }
    (found, extra, faults)
}

/// One value checked against its column, any error named by the segment's
/// position (the INS's when the value is missing) and element.
fn check_one(
    col: &crate::domain::import_spec::Column,
    source: &crate::domain::import_spec::X12Source,
    f: &Found,
    ins_at: u64,
    today: NaiveDate,
    errors: &mut Vec<CellError>,
) -> Option<crate::domain::import_spec::Value> {
    let (position, raw) = match f {
        Some((p, raw)) => (*p, raw.as_str()),
        None => (ins_at, ""),
    };
    // A date that is not CCYYMMDD is marked by a NUL ahead of it (no file holds one).
    if let Some(bad) = raw.strip_prefix('\u{0}') {
        errors.push(cell_error(
            source.element,
            "date_invalid",
            position,
            format!("{:?} is not a date (CCYYMMDD)", crate::domain::text::clip(bad, 12)),
        ));
        return None;
    }
    match check_cell(col, raw, today) {
        Ok(v) => v,
        Err(e) if f.is_none() => {
            errors.push(cell_error(
                source.element,
                e.code,
                position,
                format!("the member loop has no {} {} ({})", source.segment, source.element, col.name),
            ));
            None
        }
        Err(e) => {
            errors.push(cell_error(source.element, e.code, position, e.message));
            None
        }
    }
}

/// The checked values of a loop, or every fault in it.
pub fn check_loop(segs: &[Segment], today: NaiveDate) -> Result<Checked, Vec<CellError>> {
    let ins_at = segs.first().map_or(0, |s| s.position);
    let (found, extra, mut errors) = gather(segs);
    let cols = ImportKind::X12_834.columns();
    let mut values = Vec::with_capacity(cols.len() + extra.len() * EXTRA_HD.len());
    for ((col, source), f) in cols.iter().zip(X12_SOURCES).zip(&found) {
        values.push(check_one(col, source, f, ins_at, today, &mut errors));
    }
    // Further HDs with a plan, four values each after the columns (see
    // `extra_coverage`); one without a plan has nothing to enroll in.
    for hd in extra.iter().filter(|hd| hd[0].is_some()) {
        for (name, f) in EXTRA_HD.iter().zip(hd) {
            let at = cols.iter().position(|c| c.name == *name).unwrap_or(0);
            values.push(check_one(&cols[at], &X12_SOURCES[at], f, ins_at, today, &mut errors));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let text = |name: &str| {
        let i = cols.iter().position(|c| c.name == name).unwrap_or(0);
        match &values[i] {
            Some(crate::domain::import_spec::Value::Text(t)) => t.to_lowercase(),
            Some(crate::domain::import_spec::Value::Date(d)) => d.to_string(),
            _ => String::new(),
        }
    };
    let id = text("subscriber_id");
    let shown =
        if id.starts_with('m') { id.to_uppercase() } else { format!("ssn…{}", &id[id.len().saturating_sub(4)..]) };
    let natural_key = format!("{shown}|{}|{}|{}", text("relationship"), text("first_name"), text("maintenance_type"));
    Ok(Checked { values, natural_key })
}

/// The further coverages of a checked loop (its HDs after the first, with a
/// plan): plan, level, begin and end for each.
pub fn extra_coverage(
    values: &[Option<crate::domain::import_spec::Value>],
) -> impl Iterator<Item = &[Option<crate::domain::import_spec::Value>]> {
    values.get(ImportKind::X12_834.columns().len()..).unwrap_or_default().chunks(EXTRA_HD.len())
}

/// A loop as a row: numbered by its INS segment's position, its segments
/// kept as written (SSNs masked) for the error list.
pub fn loop_row(segs: &[Segment], element: char, today: NaiveDate) -> Row {
    let number = segs.first().map_or(0, |s| s.position);
    let raw = segs.iter().map(|s| crate::domain::ssn::redact(&s.text(element))).collect();
    Row { number, raw, checked: check_loop(segs, today) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::import_spec::Value;

    fn segs(lines: &[&str]) -> Vec<Segment> {
        lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let mut parts = l.split('*');
                let id = parts.next().unwrap().to_owned();
                Segment { position: 10 + i as u64, id, elements: parts.map(str::to_owned).collect() }
            })
            .collect()
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 3).unwrap()
    }

    fn value<'a>(c: &'a Checked, name: &str) -> Option<&'a Value> {
        let i = ImportKind::X12_834.columns().iter().position(|c| c.name == name).unwrap();
        c.values[i].as_ref()
    }

    const SUBSCRIBER: &[&str] = &[
        "INS*Y*18*021*28*A***FT",
        "REF*0F*123456789",
        "REF*1L*ACM101",
        "DTP*303*D8*20261201",
        "NM1*IL*1*DOE*JOHN*A***34*123456789",
        "PER*IP**TE*5125550100*EM*john@example.com",
        "N3*12 OAK AVE*APT 4",
        "N4*AUSTIN*TX*787011234",
        "DMG*D8*19800115*M",
        "NM1*31*1",
        "N3*PO BOX 9",
        "HD*021**HLT*MPPO*FAM",
        "DTP*348*D8*20261201",
    ];

    #[test]
    fn a_subscriber_loop_maps_to_our_values() {
        let c = check_loop(&segs(SUBSCRIBER), today()).unwrap();
        let t = |n: &str| match value(&c, n) {
            Some(Value::Text(t)) => t.clone(),
            Some(Value::Date(d)) => d.to_string(),
            Some(Value::Ssn(s)) => s.digits().to_owned(),
            other => format!("{other:?}"),
        };
        assert_eq!(t("maintenance_type"), "021");
        assert_eq!(t("relationship"), "self");
        assert_eq!(t("subscriber_id"), "123456789");
        assert_eq!(t("group_number"), "ACM101");
        assert_eq!((t("first_name"), t("last_name")), ("JOHN".into(), "DOE".into()));
        assert_eq!(t("ssn"), "123456789");
        // The mailing address of NM1*31 is not the member's.
        assert_eq!(t("address_line"), "12 OAK AVE APT 4");
        assert_eq!((t("city"), t("state"), t("zip")), ("AUSTIN".into(), "TX".into(), "78701-1234".into()));
        assert_eq!((t("phone"), t("email")), ("5125550100".into(), "john@example.com".into()));
        assert_eq!((t("birth_date"), t("gender")), ("1980-01-15".into(), "M".into()));
        assert_eq!((t("plan_code"), t("tier")), ("MPPO".into(), "family".into()));
        assert_eq!((t("coverage_start"), t("effective_date")), ("2026-12-01".into(), "2026-12-01".into()));
        assert_eq!(value(&c, "coverage_end"), None);
        assert_eq!(c.natural_key, "ssn…6789|self|john|021");
        let row = loop_row(&segs(SUBSCRIBER), '*', today());
        assert_eq!(row.number, 10);
        assert!(row.raw.iter().all(|s| !s.contains("123456789")), "{:?}", row.raw);
    }

    #[test]
    fn faults_name_the_segment_and_element() {
        let mut lines = SUBSCRIBER.to_vec();
        lines[8] = "DMG*D8*19801301*M";
        lines[0] = "INS*Y*18*022*28*A";
        let e = check_loop(&segs(&lines), today()).unwrap_err();
        let got: Vec<(&str, &str, &str)> = e.iter().map(|e| (e.column, e.code, e.message.as_str())).collect();
        assert!(
            got.contains(&("DMG02", "date_invalid", "segment 18 (DMG02): \"19801301\" is not a date (CCYYMMDD)")),
            "{got:?}"
        );
        assert!(
            got.iter()
                .any(|g| g.0 == "INS03" && g.1 == "maintenance_type_unknown" && g.2.starts_with("segment 10 (INS03)")),
            "{got:?}"
        );

        let mut lines = SUBSCRIBER.to_vec();
        lines[0] = "INS*N*25*021*28*A";
        lines[1] = "REF*XX*1";
        let e = check_loop(&segs(&lines), today()).unwrap_err();
        let codes: Vec<(&str, &str)> = e.iter().map(|e| (e.column, e.code)).collect();
        assert!(codes.contains(&("INS02", "relationship_unknown")), "{codes:?}");
        assert!(codes.contains(&("INS01", "subscriber_flag")) || codes.contains(&("INS02", "relationship_unknown")));
        let missing = e.iter().find(|e| e.column == "REF02").unwrap();
        assert_eq!(missing.message, "segment 10 (REF02): the member loop has no REF*0F REF02 (subscriber_id)");

        let mut lines = SUBSCRIBER.to_vec();
        lines.extend(["HD*021**DEN*DPPO*EMP", "DTP*348*D8*20270101", "HD*021**VIS", "DTP*348*D8*20270101"]);
        let c = check_loop(&segs(&lines), today()).unwrap();
        let more: Vec<_> = extra_coverage(&c.values).collect();
        assert_eq!(more.len(), 1, "a further HD without a plan has nothing to enroll in");
        assert_eq!(more[0][0], Some(Value::Text("DPPO".into())));
        assert_eq!(more[0][1], Some(Value::Text("employee".into())));
        assert_eq!(more[0][2], Some(Value::Date(NaiveDate::from_ymd_opt(2027, 1, 1).unwrap())));
        // The first HD keeps its own begin date.
        assert_eq!(value(&c, "coverage_start"), Some(&Value::Date(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap())));
        lines.push("HD*021**DEN*DPPO*XYZ");
        let e = check_loop(&segs(&lines), today()).unwrap_err();
        assert_eq!((e[0].column, e[0].code), ("HD05", "coverage_level_unknown"));
        assert!(e[0].message.starts_with("segment 27 (HD05)"), "{}", e[0].message);
    }
}
