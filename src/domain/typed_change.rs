//! A member change as typed after its `:` word (`:terminate 2026-12-31
//! left the company`, `:edit city=Austin`): the fields the change model
//! takes, or the form to type. Pure, so the terminal, scripts and tests
//! read a typed change alike.

use super::maintenance::ChangeKind;

/// `FIELD=VALUE FIELD=VALUE …` as pairs; a word without `=` continues the
/// value before it, so `address_line=12 Elm St city=Austin` needs no quotes.
pub fn field_pairs(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut out: Vec<(String, String)> = Vec::new();
    for word in text.split_whitespace() {
        match (word.split_once('='), out.last_mut()) {
            (Some((k, v)), _) if !k.is_empty() => out.push((k.to_lowercase(), v.to_owned())),
            (_, Some((_, v))) => {
                v.push(' ');
                v.push_str(word);
            }
            (_, None) => return Err(format!("type FIELD=VALUE …, e.g. city=Austin (not {:?})", word)),
        }
    }
    if out.is_empty() {
        return Err("type FIELD=VALUE …, e.g. address_line=12 Elm St city=Austin".into());
    }
    Ok(out)
}

/// The fields of a change as typed after its `:` word.
pub fn typed_fields(kind: ChangeKind, text: &str) -> Result<Vec<(String, String)>, String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let f = |name: &str, v: &str| (name.to_owned(), v.to_owned());
    let usage = |u: &str| Err(format!("type :{u}"));
    match kind {
        ChangeKind::AddMember | ChangeKind::AddDependent | ChangeKind::Demographics => field_pairs(text),
        ChangeKind::Terminate => match words.as_slice() {
            [date, reason @ ..] if !reason.is_empty() => Ok(vec![f("end_date", date), f("reason", &reason.join(" "))]),
            _ => usage("terminate YYYY-MM-DD REASON"),
        },
        ChangeKind::Reinstate => match words.as_slice() {
            [date] => Ok(vec![f("effective_date", date)]),
            _ => usage("reinstate YYYY-MM-DD"),
        },
        ChangeKind::MemberType => match words.as_slice() {
            [t, date] => Ok(vec![f("member_type", &t.to_uppercase()), f("effective_date", date)]),
            _ => usage("change-type SUBSCRIBER|QB|DIRECT_BILL YYYY-MM-DD"),
        },
        ChangeKind::Event => match words.as_slice() {
            [code, date] => Ok(vec![f("event_code", code), f("event_date", date)]),
            _ => usage("event CODE(1-7) YYYY-MM-DD"),
        },
        ChangeKind::Enroll => match words.as_slice() {
            [plan, tier, date] => Ok(vec![f("plan_code", plan), f("tier", tier), f("coverage_start", date)]),
            _ => usage("enroll PLAN TIER YYYY-MM-DD"),
        },
        ChangeKind::ChangeTier => match words.as_slice() {
            [tier, date] => Ok(vec![f("tier", tier), f("effective_date", date)]),
            [plan, tier, date] => Ok(vec![f("plan_code", plan), f("tier", tier), f("effective_date", date)]),
            _ => usage("tier [PLAN] TIER YYYY-MM-DD"),
        },
        ChangeKind::EndEnrollment => match words.as_slice() {
            [date] => Ok(vec![f("end_date", date)]),
            [plan, date] => Ok(vec![f("plan_code", plan), f("end_date", date)]),
            _ => usage("end-enrollment [PLAN] YYYY-MM-DD"),
        },
        ChangeKind::Undo => Ok(Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_typed_without_quotes_and_each_kind_says_its_form() {
        let pairs = field_pairs("address_line=12 Elm St City=Austin").unwrap();
        assert_eq!(pairs, vec![("address_line".into(), "12 Elm St".into()), ("city".into(), "Austin".into())]);
        assert!(field_pairs("Austin").unwrap_err().contains("FIELD=VALUE"));
        assert!(field_pairs("").is_err());
        let t = typed_fields(ChangeKind::Terminate, "2026-12-31 left the company").unwrap();
        assert_eq!(t[1], ("reason".into(), "left the company".into()));
        assert!(typed_fields(ChangeKind::Terminate, "2026-12-31").unwrap_err().contains(":terminate"));
        assert_eq!(typed_fields(ChangeKind::EndEnrollment, "MPPO 2026-12-31").unwrap()[0].1, "MPPO");
        assert_eq!(typed_fields(ChangeKind::MemberType, "qb 2026-12-01").unwrap()[0].1, "QB");
        assert!(typed_fields(ChangeKind::Undo, "").unwrap().is_empty());
    }
}
