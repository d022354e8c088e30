//! The import specification, in one place: for each kind of file employers
//! upload (demographic, dependent, event, plan) its columns, which are
//! required, their formats, and the natural key rows are applied by. Row
//! validation and `docs/import-spec.md` both come from here, so the
//! documentation cannot drift from what is checked (a test compares them).

use chrono::NaiveDate;

use super::birth_date::{self, BirthDate};
use super::member_query::parse_date;
use super::ssn::{Ssn, SsnError};

/// A kind of import file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImportKind {
    Demographic,
    Dependent,
    Event,
    Plan,
    /// An ASC X12 834 enrollment file (005010X220A1): each member loop is a row.
    X12_834,
}

impl ImportKind {
    /// Every kind, in the order the portal lists them.
    pub const ALL: [ImportKind; 5] =
        [ImportKind::Demographic, ImportKind::Dependent, ImportKind::Event, ImportKind::Plan, ImportKind::X12_834];

    /// The kinds' names, for a message that lists them.
    pub const NAMES: &'static str = "demographic, dependent, event, plan or x12-834";

    /// The kinds read as CSV, with a header row.
    pub const CSV: [ImportKind; 4] =
        [ImportKind::Demographic, ImportKind::Dependent, ImportKind::Event, ImportKind::Plan];

    /// The stored and typed name.
    pub fn as_str(self) -> &'static str {
        match self {
            ImportKind::Demographic => "demographic",
            ImportKind::Dependent => "dependent",
            ImportKind::Event => "event",
            ImportKind::Plan => "plan",
            ImportKind::X12_834 => "x12-834",
        }
    }

    /// Parses a stored or typed name.
    pub fn parse(s: &str) -> Option<ImportKind> {
        ImportKind::ALL.into_iter().find(|k| k.as_str() == s.trim().to_lowercase())
    }

    /// What the file is for, for the documentation.
    pub fn purpose(self) -> &'static str {
        match self {
            ImportKind::Demographic => "adds or updates subscribers, qualified beneficiaries and direct-bill members",
            ImportKind::Dependent => "adds or updates dependents of a subscriber on file",
            ImportKind::Event => "records COBRA qualifying events of members on file",
            ImportKind::Plan => "enrolls members on file in plans of their group",
            ImportKind::X12_834 => {
                "adds, changes, terminates and reinstates members and their coverage, one member loop (INS) at a time"
            }
        }
    }

    /// The columns of this kind.
    pub fn columns(self) -> &'static [Column] {
        match self {
            ImportKind::Demographic => DEMOGRAPHIC,
            ImportKind::Dependent => DEPENDENT,
            ImportKind::Event => EVENT,
            ImportKind::Plan => PLAN,
            ImportKind::X12_834 => X12_834,
        }
    }

    /// The columns whose values identify a row's record: applying the same
    /// row twice finds the same record and changes nothing.
    pub fn natural_key(self) -> &'static [&'static str] {
        match self {
            ImportKind::Demographic => &["group_number", "ssn"],
            ImportKind::Dependent => &["subscriber_ssn", "first_name", "birth_date"],
            ImportKind::Event => &["member_id", "event_code", "event_date"],
            ImportKind::Plan => &["member_id", "plan_code", "coverage_start"],
            ImportKind::X12_834 => &["subscriber_id", "relationship", "first_name"],
        }
    }
}

/// How a value is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Free text up to this many characters.
    Text(usize),
    /// `YYYY-MM-DD` or `MM/DD/YYYY`.
    Date,
    /// A date of birth: not in the future; one over 120 years ago needs a
    /// confirmation, which a file cannot give, so its row is refused.
    BirthDate,
    /// Nine digits, dashes optional (`123-45-6789`); kept as text, so leading zeros stay.
    Ssn,
    /// A group number of the employer (`ABC101`, `ABC101-01`).
    Group,
    /// A two-letter US state or territory code.
    State,
    /// `NNNNN` or `NNNNN-NNNN`.
    Zip,
    /// `F`, `M`, `X` or `U`.
    Gender,
    /// `spouse` or `child`.
    Relationship,
    /// `SUBSCRIBER`, `QB` or `DIRECT_BILL`.
    MemberType,
    /// A member ID (`M` and digits) of the employer's groups.
    MemberId,
    /// An X12 qualifying event code, 1 to 7.
    EventCode,
    /// A plan code that exists for the member's group.
    PlanCode,
    /// `employee`, `employee_spouse`, `employee_children` or `family`.
    Tier,
    /// `Y` or `N`.
    YesNo,
    /// An 834 maintenance type code (INS03): `021`, `001`, `024`, `025` or `030`.
    X12Maintenance,
    /// An 834 relationship code (INS02): `18` self, `01` spouse, `19` child.
    X12Relationship,
    /// An 834 coverage level code (HD05): `EMP`, `ESP`, `ECH` or `FAM`, read as our tiers.
    X12Level,
    /// A subscriber identifier: an SSN (9 digits) or a member ID (`M` and digits).
    SubscriberId,
}

impl Format {
    /// How the documentation describes it.
    pub fn describe(self) -> String {
        match self {
            Format::Text(n) => format!("text, at most {n} characters"),
            Format::Date => "date: `YYYY-MM-DD` or `MM/DD/YYYY`".into(),
            Format::BirthDate => format!("date: `YYYY-MM-DD` or `MM/DD/YYYY`; not in the future; a date over {} years ago needs a confirmation a file cannot give, so the row is refused (`birth_date_unconfirmed`)", birth_date::CONFIRM_OVER_YEARS),
            Format::Ssn => "9 digits, dashes optional (`123-45-6789` or `123456789`); keep the column as text so leading zeros stay; 900–999 (ITINs) are not SSNs and are refused".into(),
            Format::Group => "a group number of the employer, e.g. `ABC101` or `ABC101-01`".into(),
            Format::State => "two-letter state code, e.g. `TX`".into(),
            Format::Zip => "`NNNNN` or `NNNNN-NNNN`".into(),
            Format::Gender => "`F`, `M`, `X` or `U`".into(),
            Format::Relationship => "`spouse` or `child`".into(),
            Format::MemberType => "`SUBSCRIBER`, `QB` or `DIRECT_BILL` (default `SUBSCRIBER`)".into(),
            Format::MemberId => "a member ID on file, `M` and digits".into(),
            Format::EventCode => "X12 qualifying event code 1–7 (1 termination, 2 reduction of hours, 3 Medicare, 4 death, 5 divorce, 6 legal separation, 7 loss of dependent status)".into(),
            Format::PlanCode => "a plan code of the member's group, e.g. `MPPO`".into(),
            Format::Tier => "`employee`, `employee_spouse`, `employee_children` or `family`".into(),
            Format::YesNo => "`Y` or `N`".into(),
            Format::X12Maintenance => X12_MAINTENANCE
                .iter()
                .map(|(c, what)| format!("`{c}` {what}"))
                .collect::<Vec<_>>()
                .join(", "),
            Format::X12Relationship => X12_RELATIONSHIP
                .iter()
                .map(|(c, what)| format!("`{c}` {what}"))
                .collect::<Vec<_>>()
                .join(", "),
            Format::X12Level => X12_LEVEL
                .iter()
                .map(|(c, tier)| format!("`{c}` → `{tier}`"))
                .collect::<Vec<_>>()
                .join(", "),
            Format::SubscriberId => "the subscriber's SSN (9 digits) or member ID (`M` and digits)".into(),
        }
    }
}

/// One column of a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub name: &'static str,
    pub required: bool,
    pub format: Format,
}

/// A required column (also the maintenance changes' fields).
pub(crate) const fn req(name: &'static str, format: Format) -> Column {
    Column { name, required: true, format }
}

/// An optional column.
pub(crate) const fn opt(name: &'static str, format: Format) -> Column {
    Column { name, required: false, format }
}

const DEMOGRAPHIC: &[Column] = &[
    req("group_number", Format::Group),
    req("ssn", Format::Ssn),
    req("first_name", Format::Text(60)),
    req("last_name", Format::Text(60)),
    req("birth_date", Format::BirthDate),
    req("gender", Format::Gender),
    req("address_line", Format::Text(120)),
    req("city", Format::Text(60)),
    req("state", Format::State),
    req("zip", Format::Zip),
    opt("member_type", Format::MemberType),
    opt("phone", Format::Text(30)),
    opt("email", Format::Text(254)),
];

const DEPENDENT: &[Column] = &[
    req("subscriber_ssn", Format::Ssn),
    req("first_name", Format::Text(60)),
    req("last_name", Format::Text(60)),
    req("birth_date", Format::BirthDate),
    req("relationship", Format::Relationship),
    opt("ssn", Format::Ssn),
    opt("gender", Format::Gender),
];

const EVENT: &[Column] = &[
    req("member_id", Format::MemberId),
    req("event_code", Format::EventCode),
    req("event_date", Format::Date),
    req("notice_date", Format::Date),
    opt("loss_of_coverage_date", Format::Date),
    opt("disability_extension", Format::YesNo),
];

const PLAN: &[Column] = &[
    req("member_id", Format::MemberId),
    req("plan_code", Format::PlanCode),
    req("tier", Format::Tier),
    req("coverage_start", Format::Date),
    opt("coverage_end", Format::Date),
];

/// An 834 member loop's values, in this order; where each comes from is
/// `X12_SOURCES`, in the same order (a test keeps them together).
const X12_834: &[Column] = &[
    req("maintenance_type", Format::X12Maintenance),
    req("relationship", Format::X12Relationship),
    req("subscriber_id", Format::SubscriberId),
    opt("group_number", Format::Group),
    req("last_name", Format::Text(60)),
    req("first_name", Format::Text(60)),
    opt("ssn", Format::Ssn),
    opt("address_line", Format::Text(120)),
    opt("city", Format::Text(60)),
    opt("state", Format::State),
    opt("zip", Format::Zip),
    opt("phone", Format::Text(30)),
    opt("email", Format::Text(254)),
    opt("birth_date", Format::BirthDate),
    opt("gender", Format::Gender),
    opt("plan_code", Format::PlanCode),
    opt("tier", Format::X12Level),
    opt("coverage_start", Format::Date),
    opt("coverage_end", Format::Date),
    opt("effective_date", Format::Date),
];

/// Where an 834 member loop's value is read: the segment (with its
/// qualifier) and the element an error names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct X12Source {
    /// The column of `ImportKind::X12_834` it fills.
    pub name: &'static str,
    /// The segment as the implementation guide names it, e.g. `REF*0F`.
    pub segment: &'static str,
    /// The element an error names, e.g. `REF02`.
    pub element: &'static str,
    /// How it is written in the file, for the documentation.
    pub written: &'static str,
}

const fn src(name: &'static str, segment: &'static str, element: &'static str, written: &'static str) -> X12Source {
    X12Source { name, segment, element, written }
}

/// Where each value of an 834 member loop comes from, in column order.
pub const X12_SOURCES: &[X12Source] = &[
    src("maintenance_type", "INS", "INS03", "maintenance type code"),
    src(
        "relationship",
        "INS",
        "INS02",
        "individual relationship code; INS01 is `Y` for the subscriber (18), `N` for a dependent",
    ),
    src("subscriber_id", "REF*0F", "REF02", "subscriber identifier, in every loop of the subscriber's family"),
    src(
        "group_number",
        "REF*1L",
        "REF02",
        "group or policy number; needed to add a subscriber, and must be one of the employer's groups",
    ),
    src("last_name", "NM1*IL", "NM103", "member last name"),
    src("first_name", "NM1*IL", "NM104", "member first name"),
    src("ssn", "NM1*IL", "NM109", "SSN, when NM108 is `34`"),
    src("address_line", "N3", "N301", "address line (N302, if any, is added after a space)"),
    src("city", "N4", "N401", "city"),
    src("state", "N4", "N402", "state code"),
    src("zip", "N4", "N403", "ZIP: `NNNNN` or `NNNNNNNNN`"),
    src("phone", "PER*IP", "PER04", "the number after `TE` (or `HP`, `WP`, `CP`) in PER03–PER08"),
    src("email", "PER*IP", "PER04", "the address after `EM` in PER03–PER08"),
    src("birth_date", "DMG", "DMG02", "birth date, `CCYYMMDD` with DMG01 `D8`"),
    src("gender", "DMG", "DMG03", "`F`, `M` or `U`"),
    src("plan_code", "HD", "HD04", "plan coverage description: a plan code of the member's group"),
    src("tier", "HD", "HD05", "coverage level code"),
    src("coverage_start", "DTP*348", "DTP03", "benefit begin date, `CCYYMMDD` (DTP02 `D8`)"),
    src("coverage_end", "DTP*349", "DTP03", "benefit end date, `CCYYMMDD`"),
    src("effective_date", "DTP*303", "DTP03", "maintenance effective date, `CCYYMMDD`"),
];

/// 834 maintenance type codes (INS03) taken, and what each does.
pub const X12_MAINTENANCE: &[(&str, &str)] = &[
    ("021", "addition"),
    ("001", "change"),
    ("024", "cancellation or termination"),
    ("025", "reinstatement"),
    ("030", "audit or full file"),
];

/// 834 relationship codes (INS02) taken, as our relationships.
pub const X12_RELATIONSHIP: &[(&str, &str)] = &[("18", "self"), ("01", "spouse"), ("19", "child")];

/// 834 coverage level codes (HD05) taken, as our tiers.
pub const X12_LEVEL: &[(&str, &str)] = &[
    ("EMP", "employee"),
    ("IND", "employee"),
    ("ESP", "employee_spouse"),
    ("ECH", "employee_children"),
    ("FAM", "family"),
];

const STATES: &[&str] = &[
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY", "LA",
    "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR",
    "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "PR", "GU", "VI", "AS", "MP",
];

/// A value in its checked form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Text(String),
    Date(NaiveDate),
    Ssn(Ssn),
    Int(i64),
    Bool(bool),
}

/// Why one cell is wrong: a stable code for summaries and filters, and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellError {
    pub column: &'static str,
    pub code: &'static str,
    pub message: String,
}

/// Checks one cell against its column (trimmed first), `today` being the
/// day birth dates are judged by. `Ok(None)` for an empty optional cell.
/// Cells that name records (groups, members, plans) are checked here for
/// shape; whether they exist is the importer's check.
pub fn check_cell(col: &Column, raw: &str, today: NaiveDate) -> Result<Option<Value>, CellError> {
    let v = raw.trim();
    let err = |code: &'static str, message: String| CellError { column: col.name, code, message };
    if v.is_empty() {
        return if col.required { Err(err("required", format!("{} is required", col.name))) } else { Ok(None) };
    }
    // Line breaks inside a quoted cell (an address on two lines) read as spaces;
    // any other control character is refused.
    if v.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err(err("control_character", format!("{} holds a control character", col.name)));
    }
    // Bidirectional controls and zero-width characters make a name read
    // otherwise than it is stored.
    if let Err(m) = super::text::check_visible(col.name, v) {
        return Err(err("invisible_character", m));
    }
    let joined: String;
    let v = if v.contains(['\n', '\r', '\t']) {
        joined = v.split(['\n', '\r', '\t']).map(str::trim).filter(|p| !p.is_empty()).collect::<Vec<_>>().join(" ");
        joined.as_str()
    } else {
        v
    };
    let one_of = |list: &[&str], code: &'static str| -> Result<Option<Value>, CellError> {
        let hit = list.iter().find(|x| x.eq_ignore_ascii_case(v));
        hit.map(|x| Some(Value::Text((*x).to_owned()))).ok_or_else(|| {
            err(code, format!("{} must be one of {}; got {:?}", col.name, list.join(", "), super::text::clip(v, 20)))
        })
    };
    match col.format {
        Format::Text(n) if v.chars().count() > n => {
            Err(err("too_long", format!("{} is longer than {n} characters", col.name)))
        }
        Format::Text(_) => Ok(Some(Value::Text(v.to_owned()))),
        Format::Date => parse_date(v).map(|d| Some(Value::Date(d))).map_err(|m| err("date_invalid", m)),
        Format::BirthDate => {
            let d = parse_date(v).map_err(|m| err("date_invalid", m))?;
            match birth_date::check(d, today) {
                Ok(BirthDate::Plausible) => Ok(Some(Value::Date(d))),
                Ok(unsure) => Err(err(
                    "birth_date_unconfirmed",
                    format!(
                        "{}; a file cannot confirm it, so the row is refused: check the date with the employer",
                        unsure.question(d).unwrap_or_default()
                    ),
                )),
                Err(m) => Err(err("birth_date_future", m)),
            }
        }
        Format::Ssn => Ssn::parse_new(v).map(|s| Some(Value::Ssn(s))).map_err(|e| {
            // A spreadsheet that stored SSNs as numbers dropped their leading zeros.
            let hint = match e {
                SsnError::Length(7 | 8) => {
                    " (if a spreadsheet dropped leading zeros, format the column as text and export again)"
                }
                _ => "",
            };
            let code = if matches!(e, SsnError::Itin(_)) { "ssn_itin" } else { "ssn_invalid" };
            err(code, format!("{e}{hint}"))
        }),
        Format::Group => {
            let ok = v.len() <= 20 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
            if ok {
                Ok(Some(Value::Text(v.to_uppercase())))
            } else {
                Err(err("group_invalid", format!("{:?} is not a group number", super::text::clip(v, 20))))
            }
        }
        Format::State => one_of(STATES, "state_invalid"),
        Format::Zip => {
            let b = v.as_bytes();
            let ok = (b.len() == 5 || (b.len() == 10 && b[5] == b'-'))
                && b.iter().enumerate().all(|(i, c)| c.is_ascii_digit() || (i == 5 && *c == b'-'));
            if ok {
                Ok(Some(Value::Text(v.to_owned())))
            } else {
                Err(err("zip_invalid", format!("{v:?} is not a ZIP or ZIP+4")))
            }
        }
        Format::Gender => one_of(&["F", "M", "X", "U"], "gender_invalid"),
        Format::Relationship => one_of(&["spouse", "child"], "relationship_invalid"),
        Format::MemberType => one_of(&["SUBSCRIBER", "QB", "DIRECT_BILL"], "member_type_invalid"),
        Format::Tier => one_of(&["employee", "employee_spouse", "employee_children", "family"], "tier_invalid"),
        Format::MemberId => {
            let ok = v.len() > 1
                && v.len() <= 13
                && v[..1].eq_ignore_ascii_case("M")
                && v[1..].bytes().all(|b| b.is_ascii_digit());
            if ok {
                Ok(Some(Value::Text(v.to_uppercase())))
            } else {
                Err(err("member_id_invalid", format!("{:?} is not a member ID", super::text::clip(v, 20))))
            }
        }
        Format::EventCode => match v.parse::<i64>() {
            Ok(c @ 1..=7) => Ok(Some(Value::Int(c))),
            _ => Err(err("event_code_invalid", format!("event code {:?} is not 1 to 7", super::text::clip(v, 10)))),
        },
        Format::PlanCode => {
            let ok = v.len() <= 12 && v.bytes().all(|b| b.is_ascii_alphanumeric());
            if ok {
                Ok(Some(Value::Text(v.to_uppercase())))
            } else {
                Err(err("plan_invalid", format!("{:?} is not a plan code", super::text::clip(v, 20))))
            }
        }
        Format::X12Maintenance | Format::X12Relationship | Format::X12Level => {
            let (list, code, what): (&[(&str, &str)], &'static str, &str) = match col.format {
                Format::X12Maintenance => (X12_MAINTENANCE, "maintenance_type_unknown", "maintenance type"),
                Format::X12Relationship => (X12_RELATIONSHIP, "relationship_unknown", "relationship"),
                _ => (X12_LEVEL, "coverage_level_unknown", "coverage level"),
            };
            match list.iter().find(|(c, _)| c.eq_ignore_ascii_case(v)) {
                // A maintenance type keeps its code; the others read as ours.
                Some((c, _)) if col.format == Format::X12Maintenance => Ok(Some(Value::Text((*c).to_owned()))),
                Some((_, ours)) => Ok(Some(Value::Text((*ours).to_owned()))),
                None => Err(err(
                    code,
                    format!(
                        "{:?} is not a {what} code taken here ({})",
                        super::text::clip(v, 10),
                        list.iter().map(|(c, _)| *c).collect::<Vec<_>>().join(", ")
                    ),
                )),
            }
        }
        Format::SubscriberId => {
            let digits: String = v.chars().filter(|c| *c != '-').collect();
            let member = v.len() > 1 && v[..1].eq_ignore_ascii_case("M") && v[1..].bytes().all(|b| b.is_ascii_digit());
            if member && v.len() <= 13 {
                Ok(Some(Value::Text(v.to_uppercase())))
            } else if digits.len() == 9 && digits.bytes().all(|b| b.is_ascii_digit()) {
                Ok(Some(Value::Text(digits)))
            } else {
                Err(err(
                    "subscriber_id_invalid",
                    format!("{:?} is neither an SSN nor a member ID", super::text::clip(v, 20)),
                ))
            }
        }
        Format::YesNo => match v.to_ascii_uppercase().as_str() {
            "Y" | "YES" => Ok(Some(Value::Bool(true))),
            "N" | "NO" => Ok(Some(Value::Bool(false))),
            _ => Err(err("yes_no_invalid", format!("{} must be Y or N", col.name))),
        },
    }
}

/// Why a file cannot be imported at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderError {
    pub code: &'static str,
    pub message: String,
}

/// Maps a header row to the kind's columns: the index of each column in
/// the file (`None` for an absent optional one). Names are matched
/// case-insensitively, ignoring surrounding spaces and a byte-order mark.
pub fn map_header(kind: ImportKind, header: &[&str]) -> Result<Vec<Option<usize>>, HeaderError> {
    let names: Vec<String> = header.iter().map(|h| h.trim().trim_start_matches('\u{feff}').to_lowercase()).collect();
    let cols = kind.columns();
    if let Some(extra) = names.iter().find(|n| !n.is_empty() && !cols.iter().any(|c| c.name == n.as_str())) {
        let close = cols.iter().find(|c| !names.contains(&c.name.to_owned())).map(|c| c.name);
        return Err(HeaderError {
            code: "header_unknown_column",
            message: match close {
                Some(c) => format!("column {extra:?} is not in a {} file (is it {c}?)", kind.as_str()),
                None => format!("column {extra:?} is not in a {} file", kind.as_str()),
            },
        });
    }
    let mut out = Vec::with_capacity(cols.len());
    for c in cols {
        let at = names.iter().position(|n| n == c.name);
        if at.is_none() && c.required {
            return Err(HeaderError {
                code: "header_missing_column",
                message: format!("column {} is missing from the {} file", c.name, kind.as_str()),
            });
        }
        out.push(at);
    }
    Ok(out)
}

/// The specification as Markdown: `docs/import-spec.md`.
pub fn markdown() -> String {
    let mut out = String::from(
        "# Import file specification\n\n\
         Generated from `src/domain/import_spec.rs` (`PORTALDESK_WRITE_DOCS=1 cargo test --test docs` rewrites it);\n\
         a test fails when the two differ.\n\n\
         Files are CSV in UTF-8 (a byte-order mark is fine), with a header row naming the columns in any order,\n\
         case-insensitively. Fields may be quoted; quoted fields may hold commas and line breaks. Spaces around\n\
         values are ignored, as are empty lines at the end. A column the kind does not have, or a missing required\n\
         column, fails the whole file; a bad value fails its row, with its row number, column and error code.\n\n\
         A cell holding a control character (`control_character`), a bidirectional control (U+202A–U+202E,\n\
         U+2066–U+2069) or a zero-width character (U+200B–U+200D, U+2060, U+FEFF; `invisible_character`) fails\n\
         its row: such characters make a name read otherwise than it is stored. An SSN of 900–999 is an ITIN, not\n\
         an SSN (`ssn_itin`). A birth date in the future fails its row (`birth_date_future`); one over 120 years\n\
         ago would need someone to confirm it, which a file cannot do, so its row fails too\n\
         (`birth_date_unconfirmed`): check the date with the employer and correct the file.\n",
    );
    for kind in ImportKind::CSV {
        out.push_str(&format!(
            "\n## {} files\n\nThis file {}. Rows are applied by their natural key: {}.\n\n",
            kind.as_str(),
            kind.purpose(),
            kind.natural_key().iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(" + ")
        ));
        out.push_str("| Column | Required | Format |\n|---|---|---|\n");
        for c in kind.columns() {
            out.push_str(&format!(
                "| `{}` | {} | {} |\n",
                c.name,
                if c.required { "yes" } else { "no" },
                c.format.describe()
            ));
        }
    }
    out.push_str(&x12_markdown());
    out
}

/// The 834 section of the specification: how a member loop's segments
/// become a row, and what each maintenance type does with it.
fn x12_markdown() -> String {
    let mut out = String::from(
        "\n## x12-834 files\n\n\
         An ASC X12 834 Benefit Enrollment and Maintenance file, version 005010X220A1. The separators are the\n\
         file's own: the element separator is the ISA's fourth character, the component separator ISA16 and the\n\
         segment terminator the character after it (line breaks after a terminator are fine). The envelope is\n\
         checked before any member loop is applied: the ISA is 106 characters with its elements at their fixed\n\
         widths; IEA02 = ISA13 and IEA01 = the number of GS; GE02 = GS06 and GE01 = the number of ST; SE02 =\n\
         ST02 and SE01 = the number of segments from ST to SE, both included. A fault in the ISA, a terminator\n\
         that changes midway, a GS/GE or ISA/IEA mismatch fails the whole file; a transaction set whose SE does\n\
         not match (or that is not an 834) is rejected whole and recorded as one failed row at its ST, and the\n\
         other sets are applied.\n\n\
         Each member loop (from an INS to the next INS or the SE) is a row, numbered by the position of its INS\n\
         segment in the file (the ISA is segment 1); an error names the segment and element, e.g.\n\
         `segment 14 (DMG02): \"19801301\" is not a date (CCYYMMDD)`. A loop is applied whole or not at all.\n\
         Members are found by the subscriber identifier (REF\\*0F: an SSN, or a member ID) in the employer's\n\
         groups; a dependent by its subscriber, first name and birth date. A dependent's loop comes after its\n\
         subscriber's (or the subscriber is on file): otherwise it fails (`subscriber_unknown`).\n\n\
         | Value | Segment | Element | Required | Written as |\n|---|---|---|---|---|\n",
    );
    for (c, s) in X12_834.iter().zip(X12_SOURCES) {
        out.push_str(&format!(
            "| `{}` | `{}` | {} | {} | {}{} |\n",
            c.name,
            s.segment,
            s.element,
            if c.required { "yes" } else { "no" },
            s.written,
            match c.format {
                Format::X12Maintenance | Format::X12Relationship | Format::X12Level =>
                    format!(": {}", c.format.describe()),
                _ => String::new(),
            }
        ));
    }
    out.push_str(
        "\nWhat each maintenance type does, through the same changes (and rules) as the member forms:\n\n\
         - `021` addition: a subscriber not on file is added (`add_member`: group, SSN, name, birth date,\n\
           gender, address and DTP\\*348 coverage begin are needed); a dependent is added under its subscriber\n\
           (`add_dependent`). One already on file gets the loop's demographics instead, so a file sent twice\n\
           changes nothing.\n\
         - `001` change: the member's demographics as the loop gives them (`demographics`); an HD with another\n\
           coverage level changes the tier (`change_tier`).\n\
         - `024` cancellation or termination: `terminate` on DTP\\*349 (or DTP\\*303); one already terminated\n\
           on that day is unchanged.\n\
         - `025` reinstatement: `reinstate` on DTP\\*303 (or DTP\\*348); one already active is unchanged.\n\
         - `030` audit or full file: as `021`. Members of the employer's groups that a full file does not name\n\
           are not terminated by the run: `portaldesk import terminations JOB` previews them, and only\n\
           `--confirm COUNT`, with the number the preview showed, terminates them (a supervisor's action).\n\n\
         An HD with a plan code (HD04) enrolls the member in that plan of its group from DTP\\*348 (`enroll`)\n\
         unless an enrollment in it from that day is on file; each further HD of the loop (dental beside\n\
         medical) likewise, with its own DTP\\*348. An HD without a plan code enrolls in nothing.\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(kind: ImportKind, name: &str) -> &'static Column {
        kind.columns().iter().find(|c| c.name == name).unwrap()
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 3).unwrap()
    }

    fn check_cell(col: &Column, raw: &str) -> Result<Option<Value>, CellError> {
        super::check_cell(col, raw, today())
    }

    #[test]
    fn itins_future_and_very_old_birth_dates_and_invisible_characters_are_refused() {
        let (d, dep) = (ImportKind::Demographic, ImportKind::Dependent);
        let e = check_cell(col(d, "ssn"), "923-45-6789").unwrap_err();
        assert_eq!((e.code, e.column), ("ssn_itin", "ssn"));
        assert!(e.message.contains("ITIN"), "{}", e.message);
        assert_eq!(check_cell(col(dep, "subscriber_ssn"), "900123456").unwrap_err().code, "ssn_itin");
        assert!(matches!(check_cell(col(d, "ssn"), "899-12-3456"), Ok(Some(Value::Ssn(_)))));

        let e = check_cell(col(d, "birth_date"), "2026-12-04").unwrap_err();
        assert_eq!(e.code, "birth_date_future");
        assert!(e.message.contains("in the future"), "{}", e.message);
        assert_eq!(check_cell(col(dep, "birth_date"), "12/31/2030").unwrap_err().code, "birth_date_future");
        let e = check_cell(col(d, "birth_date"), "1899-05-01").unwrap_err();
        assert_eq!(e.code, "birth_date_unconfirmed");
        assert!(e.message.contains("confirm") && e.message.contains("cannot confirm"), "{}", e.message);
        assert!(check_cell(col(d, "birth_date"), "1906-12-03").is_ok());
        assert!(check_cell(col(d, "birth_date"), "2026-12-03").is_ok());
        // Only birth dates are judged against today.
        assert!(check_cell(col(ImportKind::Event, "event_date"), "2027-01-31").is_ok());
        assert!(check_cell(col(ImportKind::Plan, "coverage_start"), "1890-01-01").is_ok());

        for bad in ["Ann\u{202e}a", "Jo\u{200b}hn", "\u{2066}Lee\u{2069}", "Kai\u{feff}", "Mia\u{2060}"] {
            let e = check_cell(col(d, "last_name"), bad).unwrap_err();
            assert_eq!((e.code, e.column), ("invisible_character", "last_name"), "{bad:?}");
        }
        assert_eq!(check_cell(col(d, "city"), "Austin\u{200d}").unwrap_err().code, "invisible_character");
        assert!(check_cell(col(d, "last_name"), "Nguyễn-O'Brien").is_ok());
    }

    #[test]
    fn cells_are_checked_by_format() {
        let d = ImportKind::Demographic;
        assert!(matches!(check_cell(col(d, "ssn"), " 112-34-5678 "), Ok(Some(Value::Ssn(_)))));
        assert_eq!(check_cell(col(d, "ssn"), "91234567").unwrap_err().code, "ssn_invalid");
        assert_eq!(check_cell(col(d, "birth_date"), "02/30/2024").unwrap_err().code, "date_invalid");
        assert_eq!(
            check_cell(col(d, "birth_date"), "03/07/1990"),
            Ok(Some(Value::Date(NaiveDate::from_ymd_opt(1990, 3, 7).unwrap())))
        );
        assert_eq!(check_cell(col(d, "state"), "tx"), Ok(Some(Value::Text("TX".into()))));
        assert_eq!(check_cell(col(d, "state"), "ZZ").unwrap_err().code, "state_invalid");
        assert!(check_cell(col(d, "zip"), "78701-1234").is_ok());
        assert_eq!(check_cell(col(d, "zip"), "7870").unwrap_err().code, "zip_invalid");
        assert_eq!(check_cell(col(d, "first_name"), "").unwrap_err().code, "required");
        assert_eq!(check_cell(col(d, "phone"), ""), Ok(None));
        assert_eq!(check_cell(col(d, "first_name"), "a\u{1b}[2J").unwrap_err().code, "control_character");
        let e = ImportKind::Event;
        assert_eq!(check_cell(col(e, "event_code"), "9").unwrap_err().code, "event_code_invalid");
        assert_eq!(check_cell(col(e, "member_id"), "m42"), Ok(Some(Value::Text("M42".into()))));
        assert_eq!(check_cell(col(ImportKind::Plan, "tier"), "Family"), Ok(Some(Value::Text("family".into()))));
    }

    #[test]
    fn headers_map_columns_and_name_what_is_wrong() {
        let map =
            map_header(ImportKind::Event, &["\u{feff}Member_ID", "event_date", "event_code", " notice_date "]).unwrap();
        assert_eq!(map, vec![Some(0), Some(2), Some(1), Some(3), None, None]);
        let e = map_header(
            ImportKind::Dependent,
            &["subscriber_ssn", "first_name", "last_nme", "birth_date", "relationship"],
        )
        .unwrap_err();
        assert_eq!(e.code, "header_unknown_column");
        assert!(e.message.contains("last_nme") && e.message.contains("last_name"), "{}", e.message);
        let e = map_header(ImportKind::Plan, &["member_id", "plan_code", "tier"]).unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            ("header_missing_column", "column coverage_start is missing from the plan file")
        );
    }

    #[test]
    fn every_kind_keys_by_required_columns() {
        assert_eq!(X12_834.len(), X12_SOURCES.len());
        for (c, s) in X12_834.iter().zip(X12_SOURCES) {
            assert_eq!(c.name, s.name);
        }
        for kind in ImportKind::ALL {
            for k in kind.natural_key() {
                assert!(kind.columns().iter().any(|c| c.name == *k && c.required), "{}: {k}", kind.as_str());
            }
            assert_eq!(ImportKind::parse(kind.as_str()), Some(kind));
        }
        assert!(markdown().contains("| `subscriber_ssn` | yes |"));
        assert!(markdown().contains("ITINs") && markdown().contains("birth_date_unconfirmed"));
    }
}
