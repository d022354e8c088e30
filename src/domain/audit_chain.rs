//! The audit log's hash chain: each row's SHA-256 covers the hash of the row
//! before it and the row's own content, so altering, removing or inserting
//! a row anywhere breaks every link after it. Pure: the store reads and
//! writes the rows, this decides what their hashes must be.

use chrono::{DateTime, SubsecRound, Utc};
use sha2::{Digest, Sha256};

/// The hash the first row of a chain links to.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What an audit row's hash covers: every column but the hash itself.
#[derive(Debug, Clone, Copy)]
pub struct Content<'a> {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub operator: &'a str,
    pub action: &'a str,
    pub entity: &'a str,
    pub outcome: &'a str,
    pub reason: Option<&'a str>,
    pub before_json: Option<&'a str>,
    pub after_json: Option<&'a str>,
    pub script: Option<&'a str>,
}

/// A time as the chain hashes it: to the microsecond, which both engines
/// store exactly (PostgreSQL keeps no finer), so a row reads back as written.
pub fn chain_time(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(6)
}

/// The row's canonical text: a JSON array of its columns in a fixed order,
/// the time as fixed-width RFC 3339 in UTC. JSON quoting keeps field
/// boundaries unambiguous (no two rows share a text).
pub fn canonical(c: &Content<'_>) -> String {
    serde_json::json!([
        c.id,
        chain_time(c.at).format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
        c.operator,
        c.action,
        c.entity,
        c.outcome,
        c.reason,
        c.before_json,
        c.after_json,
        c.script
    ])
    .to_string()
}

/// The hash of a row that follows a row hashed `prev`: lower-case hex SHA-256
/// of `prev`, a newline and the row's canonical text.
pub fn link(prev: &str, c: &Content<'_>) -> String {
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(b"\n");
    h.update(canonical(c).as_bytes());
    hex::encode(h.finalize())
}

/// The first broken link `verify` found: which row, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Break {
    pub id: i64,
    pub problem: String,
}

/// Walks rows in id order and checks each link. Rows without a hash
/// before the first hashed row were written before the chain began: they
/// are folded into the chain (the first hashed row covers them) and counted
/// apart; a row without a hash after it was written around the chain.
#[derive(Debug, Clone)]
pub struct Verifier {
    running: String,
    last_id: Option<i64>,
    last_hashed: bool,
    /// Rows whose stored hash matched.
    pub checked: u64,
    /// Rows from before the chain, covered only through the first hashed row.
    pub before_chain: u64,
}

impl Verifier {
    /// A walk from the chain's start.
    pub fn new() -> Verifier {
        Verifier::after(None, GENESIS)
    }

    /// A walk that starts after row `last_id` hashed `prev` (`verify --from`).
    pub fn after(last_id: Option<i64>, prev: &str) -> Verifier {
        Verifier { running: prev.to_owned(), last_id, last_hashed: last_id.is_some(), checked: 0, before_chain: 0 }
    }

    /// Checks the next row, with the hash stored on it.
    pub fn check(&mut self, c: &Content<'_>, stored: Option<&str>) -> Result<(), Break> {
        let expected = link(&self.running, c);
        match stored {
            None if self.last_hashed => {
                return Err(Break {
                    id: c.id,
                    problem: "has no hash though rows before it do: written around the chain".into(),
                });
            }
            None => self.before_chain += 1,
            Some(h) if h == expected => {
                self.checked += 1;
                self.last_hashed = true;
            }
            Some(_) => {
                let problem = match self.last_id {
                    Some(p) if self.last_hashed && c.id != p + 1 => {
                        format!("does not follow row {p}: rows {} to {} are missing", p + 1, c.id - 1)
                    }
                    None if c.id != 1 && self.before_chain == 0 => {
                        format!("is the first row but its id is not 1: rows 1 to {} are missing", c.id - 1)
                    }
                    _ => "its hash does not match its content and the row before it: this row was altered, \
                          or the row before it was altered or removed"
                        .into(),
                };
                return Err(Break { id: c.id, problem });
            }
        }
        self.running = expected;
        self.last_id = Some(c.id);
        Ok(())
    }

    /// Checks the walk's end against the chain head: the last row written
    /// and its hash, which removing rows at the end would leave behind.
    pub fn finish(&self, head_id: i64, head_hash: &str) -> Result<(), Break> {
        if head_id == 0 {
            return Ok(());
        }
        match self.last_id {
            Some(id) if id == head_id && self.running == head_hash => Ok(()),
            Some(id) if id < head_id => Err(Break {
                id: head_id,
                problem: format!("is missing: the chain's last row was {head_id} and the log ends at row {id}"),
            }),
            None => Err(Break { id: head_id, problem: "is missing: the log is empty but the chain was not".into() }),
            Some(id) => Err(Break {
                id,
                problem: format!("does not match the chain head (last row {head_id}): the log's end was rewritten"),
            }),
        }
    }

    /// The hash of the last row walked.
    pub fn head(&self) -> &str {
        &self.running
    }
}

impl Default for Verifier {
    fn default() -> Self {
        Verifier::new()
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn row(id: i64, reason: Option<&str>) -> Content<'_> {
        Content {
            id,
            at: Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap(),
            operator: "ann",
            action: "case.claim_next",
            entity: "case:C-000001",
            outcome: "ok",
            reason,
            before_json: None,
            after_json: Some("{\"status\":\"open\"}"),
            script: None,
        }
    }

    fn chain(n: i64) -> Vec<(Content<'static>, String)> {
        let mut prev = GENESIS.to_owned();
        (1..=n)
            .map(|i| {
                let c = row(i, None);
                prev = link(&prev, &c);
                (c, prev.clone())
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_verifies_and_ends_at_its_head() {
        let rows = chain(3);
        let mut v = Verifier::new();
        for (c, h) in &rows {
            v.check(c, Some(h)).unwrap();
        }
        assert_eq!(v.checked, 3);
        v.finish(3, &rows[2].1).unwrap();
    }

    #[test]
    fn an_altered_row_breaks_its_own_link() {
        let rows = chain(3);
        let mut v = Verifier::new();
        v.check(&rows[0].0, Some(&rows[0].1)).unwrap();
        let altered = row(2, Some("edited"));
        let e = v.check(&altered, Some(&rows[1].1)).unwrap_err();
        assert_eq!(e.id, 2);
        assert!(e.problem.contains("altered"), "{}", e.problem);
    }

    #[test]
    fn a_removed_row_is_named_and_so_is_a_removed_last_row() {
        let rows = chain(3);
        let mut v = Verifier::new();
        v.check(&rows[0].0, Some(&rows[0].1)).unwrap();
        let e = v.check(&rows[2].0, Some(&rows[2].1)).unwrap_err();
        assert_eq!(e, Break { id: 3, problem: "does not follow row 1: rows 2 to 2 are missing".into() });
        let mut v = Verifier::new();
        v.check(&rows[0].0, Some(&rows[0].1)).unwrap();
        v.check(&rows[1].0, Some(&rows[1].1)).unwrap();
        assert_eq!(v.finish(3, &rows[2].1).unwrap_err().id, 3);
    }

    #[test]
    fn rows_before_the_chain_are_folded_in_and_a_row_around_it_is_refused() {
        let legacy = row(1, None);
        let first = row(2, None);
        let h2 = link(&link(GENESIS, &legacy), &first);
        let mut v = Verifier::new();
        v.check(&legacy, None).unwrap();
        v.check(&first, Some(&h2)).unwrap();
        assert_eq!((v.before_chain, v.checked), (1, 1));
        assert!(v.check(&row(3, None), None).unwrap_err().problem.contains("around the chain"));
    }

    #[test]
    fn the_time_is_hashed_to_the_microsecond() {
        let mut a = row(1, None);
        let b = a;
        a.at += chrono::Duration::nanoseconds(300);
        assert_eq!(link(GENESIS, &a), link(GENESIS, &b));
        assert!(canonical(&b).contains("\"2026-11-23T09:00:00.000000Z\""));
    }
}
