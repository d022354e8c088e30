//! The SSNs on file as an import sees them before it looks any up.
//!
//! A demographic row is a new member unless its SSN is on file in the
//! employer's groups. Looking each row's SSN up in the index is a B-tree
//! search per row, a tenth of a SQLite import of new members; reading the
//! whole SSN index once, in order, costs a fraction of that, and then only
//! the rows whose SSN may be on file are looked up.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

use super::Tx;

/// The first 8 bytes of every SSN blind index on file, and which
/// connection read them at which data version. SQLite only.
pub struct SsnsOnFile {
    prefixes: HashSet<u64, BuildHasherDefault<AsIs>>,
    read_at: (usize, i64),
}

impl SsnsOnFile {
    /// `known` as it stands in `tx`, a SQLite write transaction (which
    /// holds the write lock: nothing changes while it lasts): read again if
    /// another connection has written since it was read, or it never was.
    /// Members this connection added since are not in it: an import looks
    /// up every row of a batch whose SSN came earlier in its file.
    pub async fn refresh(known: Option<SsnsOnFile>, tx: &mut Tx) -> Result<SsnsOnFile, sqlx::Error> {
        tx.direct(|db| {
            let read_at = db.data_version()?;
            if let Some(known) = known.filter(|k| k.read_at == read_at) {
                return Ok(known);
            }
            let mut prefixes = HashSet::default();
            // In index order: the planner reads the index, not the table.
            db.prepare::<0>("SELECT ssn_index FROM members WHERE ssn_index IS NOT NULL ORDER BY ssn_index")?.run(
                &[],
                |m| {
                    prefixes.insert(prefix(m.blob(0)));
                },
            )?;
            Ok(SsnsOnFile { prefixes, read_at })
        })
        .await
    }

    /// Whether a member with this SSN blind index may be on file: a shared
    /// prefix may be another SSN's, so a match is looked up.
    pub fn may_hold(&self, index: &[u8]) -> bool {
        self.prefixes.contains(&prefix(index))
    }
}

/// The first 8 bytes of a blind index, as a number: what the set holds,
/// and a key an importer can keep a file's SSNs by (a false match costs a
/// lookup, never a wrong answer).
pub fn prefix(index: &[u8]) -> u64 {
    let mut first = [0u8; 8];
    let n = index.len().min(8);
    first[..n].copy_from_slice(&index[..n]);
    u64::from_be_bytes(first)
}

/// Hashes a blind index's prefix as itself: bytes of a keyed hash are
/// already spread evenly, and a million of them are hashed per import.
#[derive(Default)]
struct AsIs(u64);

impl Hasher for AsIs {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_is_the_first_eight_bytes() {
        assert_eq!(prefix(&[1, 2, 3, 4, 5, 6, 7, 8, 9]), 0x0102030405060708);
        assert_eq!(prefix(&[1, 2]), 0x0102000000000000);
    }

    #[test]
    fn may_hold_matches_on_the_first_eight_bytes() {
        let on_file =
            SsnsOnFile { prefixes: [prefix(&[3; 32]), prefix(&[7; 32])].into_iter().collect(), read_at: (0, 0) };
        assert!(on_file.may_hold(&[7; 32]));
        let mut same_start = [7u8; 32];
        same_start[31] = 0;
        assert!(on_file.may_hold(&same_start), "a shared prefix is looked up");
        assert!(!on_file.may_hold(&[5; 32]));
    }
}
