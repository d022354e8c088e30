//! Statements assembled from static fragments, for the few queries whose
//! shape depends on a filter or a paging direction.
//!
//! Only `&'static str` fragments can be pushed and every value is bound as a
//! parameter, so nothing a user typed can reach the SQL text; that is what
//! makes the `AssertSqlSafe` in `into_parts` sound.

use super::{Arg, Dir};

/// Escapes `\\`, `%` and `_` for a `LIKE … ESCAPE '\\'` pattern (a value
/// bound as a parameter, matched literally).
pub(super) fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// A statement under construction plus its bound values.
#[derive(Debug, Default)]
pub struct Sql {
    text: String,
    args: Vec<Arg>,
}

impl Sql {
    /// Starts a statement with a static fragment.
    pub fn new(fragment: &'static str) -> Sql {
        Sql { text: fragment.to_owned(), args: Vec::new() }
    }

    /// Appends a static fragment.
    pub fn push(&mut self, fragment: &'static str) -> &mut Sql {
        self.text.push_str(fragment);
        self
    }

    /// Appends a placeholder bound to `value`.
    pub fn bind(&mut self, value: impl Into<Arg>) -> &mut Sql {
        self.args.push(value.into());
        self.text.push('$');
        self.text.push_str(&self.args.len().to_string());
        self
    }

    /// Appends the keyset condition, ORDER BY and LIMIT for `dir` over the
    /// sort columns `cols` (the last must be unique, e.g. `id`), fetching one
    /// row more than `limit` so the caller knows whether more exist.
    /// `where_started` says whether a WHERE clause is already open.
    pub fn keyset(&mut self, cols: &[&'static str], desc: bool, dir: &Dir, limit: usize, where_started: bool) {
        let key = match dir {
            Dir::After(k) | Dir::Before(k) | Dir::From(k) => Some((k, matches!(dir, Dir::Before(_)) == desc)),
            _ => None,
        };
        if let Some((k, greater)) = key {
            debug_assert_eq!(k.len(), cols.len(), "cursor and sort columns differ");
            self.push(if where_started { " AND (" } else { " WHERE (" });
            self.list(cols);
            let inclusive = matches!(dir, Dir::From(_));
            self.push(match (greater, inclusive) {
                (true, false) => ") > (",
                (true, true) => ") >= (",
                (false, false) => ") < (",
                (false, true) => ") <= (",
            });
            for (i, v) in k.iter().enumerate() {
                if i > 0 {
                    self.push(", ");
                }
                self.bind(v.clone());
            }
            self.push(")");
        }
        // Backward pages are read in reverse and flipped by Page::from_fetched.
        let backwards = matches!(dir, Dir::Last | Dir::Before(_));
        let order_desc = backwards != desc;
        self.push(" ORDER BY ");
        for (i, c) in cols.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.push(c);
            self.push(if order_desc { " DESC" } else { " ASC" });
        }
        self.push(" LIMIT ");
        self.bind((limit + 1) as i64);
    }

    /// Puts a static fragment before the statement, to wrap it as a
    /// subquery (the placeholders keep their numbers).
    pub fn prepend(&mut self, fragment: &'static str) -> &mut Sql {
        self.text.insert_str(0, fragment);
        self
    }

    fn list(&mut self, cols: &[&'static str]) {
        for (i, c) in cols.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.push(c);
        }
    }

    /// The finished statement and its values.
    pub fn into_parts(self) -> (sqlx::AssertSqlSafe<String>, Vec<Arg>) {
        (sqlx::AssertSqlSafe(self.text), self.args)
    }

    /// The statement text, for tests and query plans.
    pub fn text(&self) -> &str {
        &self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(escape_like("50%_a\\"), "50\\%\\_a\\\\");
    }

    #[test]
    fn keyset_after_binds_every_key_value() {
        let mut q = Sql::new("SELECT id FROM t WHERE a = ");
        q.bind("x");
        q.keyset(&["k", "id"], false, &Dir::After(vec!["m".into(), 5_i64.into()]), 50, true);
        assert_eq!(q.text(), "SELECT id FROM t WHERE a = $1 AND (k, id) > ($2, $3) ORDER BY k ASC, id ASC LIMIT $4");
        let (_, args) = q.into_parts();
        assert_eq!(args.len(), 4);
        assert_eq!(args[3], Arg::I64(Some(51)));
    }

    #[test]
    fn keyset_before_reads_backwards_and_desc_flips() {
        let mut q = Sql::new("SELECT id FROM t");
        q.keyset(&["id"], false, &Dir::Before(vec![9_i64.into()]), 10, false);
        assert_eq!(q.text(), "SELECT id FROM t WHERE (id) < ($1) ORDER BY id DESC LIMIT $2");
        let mut q = Sql::new("SELECT id FROM t");
        q.keyset(&["at", "id"], true, &Dir::After(vec![1_i64.into(), 2_i64.into()]), 10, false);
        assert_eq!(q.text(), "SELECT id FROM t WHERE (at, id) < ($1, $2) ORDER BY at DESC, id DESC LIMIT $3");
        let mut q = Sql::new("SELECT id FROM t");
        q.keyset(&["id"], false, &Dir::From(vec![9_i64.into()]), 10, false);
        assert_eq!(q.text(), "SELECT id FROM t WHERE (id) >= ($1) ORDER BY id ASC LIMIT $2");
        let mut q = Sql::new("SELECT id FROM t");
        q.keyset(&["at", "id"], true, &Dir::Last, 10, false);
        assert_eq!(q.text(), "SELECT id FROM t ORDER BY at ASC, id ASC LIMIT $1");
    }
}
