//! Presence: who else has a case or a member open, and who is editing it
//! (collision detection, as helpdesk tools have it). Each open view beats
//! a heartbeat row; a row not beaten for `EXPIRE_AFTER_BEATS` beats counts
//! as gone, so a killed terminal disappears by itself. The rules here are
//! pure: when a row has expired, and the words a view shows.

use chrono::{DateTime, Duration, Utc};

/// Seconds between heartbeats of an open view: a colleague's arrival or
/// departure shows within this, and the server sees one small upsert and
/// one indexed read per open view per beat.
pub const BEAT_SECS: i64 = 5;

/// Beats missed before a row counts as gone (a terminal killed, a network
/// lost): long enough that a slow beat is not taken for a departure.
pub const EXPIRE_AFTER_BEATS: i64 = 3;

/// What a presence row is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntityKind {
    Case,
    Member,
}

impl EntityKind {
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Case => "case",
            EntityKind::Member => "member",
        }
    }

    /// The word in "is editing this case".
    pub fn noun(self) -> &'static str {
        self.as_str()
    }
}

/// Whether the session only looks, or has a change of the entity open
/// (a prompt, a form, a confirm for it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    Viewing,
    Editing,
}

impl Mode {
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Viewing => "viewing",
            Mode::Editing => "editing",
        }
    }

    /// The stored word read back; anything else counts as viewing.
    pub fn parse(s: &str) -> Mode {
        if s == "editing" { Mode::Editing } else { Mode::Viewing }
    }
}

/// What one session has open: the entity and whether it edits it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Here {
    pub kind: EntityKind,
    /// The case number or member ID.
    pub key: String,
    pub mode: Mode,
}

/// Another session on the same entity, as a view shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Present {
    pub login: String,
    pub mode: Mode,
}

/// Rows last beaten before this moment count as gone.
pub fn cutoff(now: DateTime<Utc>) -> DateTime<Utc> {
    now - Duration::seconds(BEAT_SECS * EXPIRE_AFTER_BEATS)
}

/// Whether a row last beaten at `seen_at` still counts at `now`.
pub fn alive(seen_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    seen_at >= cutoff(now)
}

/// The logins, each once, in the order given.
fn logins<'a>(others: impl Iterator<Item = &'a Present>) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for p in others {
        if !out.contains(&p.login.as_str()) {
            out.push(&p.login);
        }
    }
    out
}

fn said(names: &[&str], one: &str, many: &str) -> String {
    let verb = if names.len() == 1 { one } else { many };
    format!("{} {verb}", names.join(", "))
}

/// The line a view shows about the others on it: editors first ("jdoe is
/// editing this case"), then those viewing ("asmith, blee are viewing");
/// `None` when nobody else is there. A login both editing (in one
/// session) and viewing (in another) is named once, as editing.
pub fn line(kind: EntityKind, others: &[Present]) -> Option<String> {
    let editing = logins(others.iter().filter(|p| p.mode == Mode::Editing));
    let viewing: Vec<&str> = logins(others.iter().filter(|p| p.mode == Mode::Viewing))
        .into_iter()
        .filter(|l| !editing.contains(l))
        .collect();
    let mut parts = Vec::new();
    if !editing.is_empty() {
        parts.push(said(
            &editing,
            &format!("is editing this {}", kind.noun()),
            &format!("are editing this {}", kind.noun()),
        ));
    }
    if !viewing.is_empty() {
        parts.push(said(&viewing, "is viewing", "are viewing"));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// Who is editing, when someone else is: the words of the collision
/// warning before a change ("jdoe is editing this case — change it anyway?").
pub fn editors(others: &[Present]) -> Option<String> {
    let editing = logins(others.iter().filter(|p| p.mode == Mode::Editing));
    (!editing.is_empty()).then(|| editing.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn p(login: &str, mode: Mode) -> Present {
        Present { login: login.into(), mode }
    }

    #[test]
    fn a_row_expires_after_three_missed_beats() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 9, 30, 0).unwrap();
        assert!(alive(now, now));
        assert!(alive(now - Duration::seconds(15), now), "exactly three beats old still counts");
        assert!(!alive(now - Duration::seconds(16), now));
        assert_eq!(cutoff(now), now - Duration::seconds(15));
    }

    #[test]
    fn the_line_names_editors_first_then_viewers() {
        assert_eq!(line(EntityKind::Case, &[]), None);
        assert_eq!(line(EntityKind::Case, &[p("jdoe", Mode::Viewing)]).as_deref(), Some("jdoe is viewing"));
        assert_eq!(
            line(EntityKind::Case, &[p("jdoe", Mode::Viewing), p("asmith", Mode::Viewing)]).as_deref(),
            Some("jdoe, asmith are viewing")
        );
        assert_eq!(
            line(EntityKind::Case, &[p("asmith", Mode::Viewing), p("jdoe", Mode::Editing)]).as_deref(),
            Some("jdoe is editing this case; asmith is viewing")
        );
        assert_eq!(
            line(EntityKind::Member, &[p("a", Mode::Editing), p("b", Mode::Editing)]).as_deref(),
            Some("a, b are editing this member")
        );
    }

    #[test]
    fn one_login_in_two_sessions_is_named_once() {
        let both = [p("jdoe", Mode::Viewing), p("jdoe", Mode::Editing), p("jdoe", Mode::Viewing)];
        assert_eq!(line(EntityKind::Case, &both).as_deref(), Some("jdoe is editing this case"));
        assert_eq!(editors(&both).as_deref(), Some("jdoe"));
        assert_eq!(editors(&[p("jdoe", Mode::Viewing)]), None);
    }

    #[test]
    fn modes_read_back_as_written() {
        for m in [Mode::Viewing, Mode::Editing] {
            assert_eq!(Mode::parse(m.as_str()), m);
        }
        assert_eq!(Mode::parse("??"), Mode::Viewing);
    }
}
