//! SQLite statements stepped straight on a transaction's connection, for
//! rows by the million (an import, the demo seeder).
//!
//! Through sqlx every value of a row was copied into an owned argument,
//! sent to the connection's worker thread, copied again by SQLite
//! (`SQLITE_TRANSIENT`) and freed twice: a fifth of an import's writer
//! time, and the thread that built the arguments competed with the writer
//! for the CPU. Here a prepared statement, many rows to a statement, is
//! bound from the caller's own memory (`SQLITE_STATIC`: SQLite copies each
//! value once, into the row it writes) and stepped on the calling thread,
//! while sqlx's worker is locked out of the connection (`lock_handle`).
//!
//! This file is the crate's one room for `unsafe` (the crate denies it
//! everywhere else): SQLite's C interface, and the process's start-up
//! settings that only C calls make (`start_process`).
#![allow(unsafe_code)]

use std::ffi::{CStr, c_char, c_int};
use std::marker::PhantomData;
use std::ptr::NonNull;

use libsqlite3_sys as ffi;

use super::arg::Cell;
use super::{Tx, arg};

/// The process's settings before any thread starts: a broken pipe ends
/// output quietly, as for any command-line tool (`portaldesk … | head`),
/// instead of a panic about it; SQLite's own (`sqlite_config`); the allocator's (`allocator_config`).
pub fn start_process() {
    // SAFETY: setting a signal to its default action, called first thing
    // in `main`, before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    sqlite_config();
    allocator_config();
}

// mimalloc's C interface (linked through the `mimalloc` crate, see `lib.rs`).
unsafe extern "C" {
    fn mi_option_set_enabled(option: c_int, enable: bool);
}

/// `mi_option_arena_eager_commit` in mimalloc v3's `mi_option_e`.
const MI_OPTION_ARENA_EAGER_COMMIT: c_int = 4;

/// Run by the loader before every constructor (an executable's
/// `.preinit_array`), so before anything allocates: Rust's runtime does
/// before `main`, and the arena mimalloc reserves then would be committed
/// whole. Set in `main` alone the option came too late for that first
/// arena (the QB roster bench still peaked at 103 MB).
#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".preinit_array")]
static ALLOCATOR_FIRST: extern "C" fn() = allocator_first;

#[cfg(target_os = "linux")]
extern "C" fn allocator_first() {
    // SAFETY: a plain option setter, called by the loader before any
    // thread or constructor runs.
    unsafe { mi_option_set_enabled(MI_OPTION_ARENA_EAGER_COMMIT, false) }
}

/// The allocator's settings, first thing in `main`: arenas committed as
/// they are used, not whole when reserved. With eager commit a freed
/// page is only reset, and stays counted as resident: the QB roster
/// report peaked at 113 MB against 72 MB without it (the same run), for
/// no gain in speed (see docs/architecture.md, "Memory").
fn allocator_config() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    // SAFETY: a plain option setter, called once at start-up before any
    // other thread runs (mimalloc documents it as not thread safe).
    ONCE.call_once(|| unsafe {
        mi_option_set_enabled(MI_OPTION_ARENA_EAGER_COMMIT, false);
    });
}

/// SQLite's process-wide settings, before any connection opens: no memory
/// statistics, which nothing reads and which cost every SQLite allocation a
/// global lock (an import's writer makes millions). Later calls, and calls
/// once SQLite has started, change nothing.
fn sqlite_config() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    // SAFETY: `sqlite3_config` takes an int for this option; it is called
    // once, at start-up, before any thread uses SQLite (once it has, SQLite
    // refuses the call and nothing changes).
    ONCE.call_once(|| unsafe {
        ffi::sqlite3_config(ffi::SQLITE_CONFIG_MEMSTATUS, 0 as c_int);
    });
}

/// The connection of a transaction, lent to `Tx::direct`'s closure.
pub struct Direct<'h> {
    db: NonNull<ffi::sqlite3>,
    _lent: PhantomData<&'h mut ffi::sqlite3>,
}

/// A prepared statement of `N` parameters, checked when it is prepared,
/// so that a run binds exactly `N` values, every parameter of the
/// statement: a parameter left unbound would keep pointing at a value of
/// an earlier run (bound `SQLITE_STATIC`), long gone. Finalized when
/// dropped (always within the closure that lent its connection).
pub struct Stmt<'d, const N: usize>(Prepared<'d>);

/// A prepared statement whose parameter count is known only when it runs
/// (the multi-row INSERTs of `Direct::insert`); every run is checked.
struct Prepared<'d> {
    raw: NonNull<ffi::sqlite3_stmt>,
    db: NonNull<ffi::sqlite3>,
    /// The statement's parameter count, read once when it was prepared.
    params: usize,
    /// Dates and timestamps of the values being bound, as the text SQLite
    /// stores them, and where each ends: bound from here, so written out
    /// whole before the first is bound.
    text: String,
    ends: Vec<usize>,
    _conn: PhantomData<&'d Direct<'d>>,
}

/// A row a statement returned, read before the statement steps again.
pub struct Row<'s> {
    raw: NonNull<ffi::sqlite3_stmt>,
    _stmt: PhantomData<&'s Prepared<'s>>,
}

impl Tx {
    /// Runs `f` with this transaction's SQLite connection to itself: sqlx's
    /// worker thread waits meanwhile. `f` blocks its thread (a tokio worker
    /// lends its other tasks out first), so it should do one batch's work.
    /// PostgreSQL has no such path: an error.
    pub(in crate::store) async fn direct<R>(
        &mut self,
        f: impl FnOnce(&Direct<'_>) -> Result<R, sqlx::Error>,
    ) -> Result<R, sqlx::Error> {
        let Tx::Sqlite(t) = self else {
            return Err(sqlx::Error::Protocol("direct statements are SQLite's".into()));
        };
        let mut handle = t.lock_handle().await?;
        let direct = Direct { db: handle.as_raw_handle(), _lent: PhantomData };
        blocking(|| f(&direct))
    }
}

/// Runs `f` here, telling a multi-threaded tokio runtime first that this
/// thread blocks, so its other tasks (the screen) go on elsewhere; a
/// single-threaded runtime (tests) simply runs it.
fn blocking<R>(f: impl FnOnce() -> R) -> R {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(RuntimeFlavor::MultiThread) => tokio::task::block_in_place(f),
        _ => f(),
    }
}

impl Direct<'_> {
    /// Prepares `sql`, a statement of exactly `N` parameters (an error
    /// otherwise, before anything runs): statement text of the caller's,
    /// never user input (values are bound).
    pub fn prepare<const N: usize>(&self, sql: &str) -> Result<Stmt<'_, N>, sqlx::Error> {
        let p = self.prepare_any(sql)?;
        if p.params != N {
            return Err(sqlx::Error::Protocol(format!(
                "a statement of {} parameters prepared to be run with {N} values",
                p.params
            )));
        }
        Ok(Stmt(p))
    }

    /// Prepares `sql` with however many parameters it has. Planned without
    /// looking at bound values: with STAT4 statistics SQLite otherwise
    /// plans `ssn_index = ?` for the value bound, and prepares the
    /// statement again whenever it changes.
    fn prepare_any(&self, sql: &str) -> Result<Prepared<'_>, sqlx::Error> {
        let mut raw = std::ptr::null_mut();
        let len = c_int::try_from(sql.len()).map_err(|_| sqlx::Error::Protocol("statement too long".into()))?;
        let db = self.db.as_ptr();
        let mut stable: c_int = 0;
        // SAFETY: the connection is ours while `self` lives (locked from
        // sqlx's worker); `sql` is valid for `len` bytes during the call;
        // the planner setting is the connection's as it was once prepared.
        let rc = unsafe {
            let qpsg = ffi::SQLITE_DBCONFIG_ENABLE_QPSG;
            ffi::sqlite3_db_config(db, qpsg, -1 as c_int, &mut stable as *mut c_int);
            ffi::sqlite3_db_config(db, qpsg, 1 as c_int, std::ptr::null_mut::<c_int>());
            let rc = ffi::sqlite3_prepare_v3(
                db,
                sql.as_ptr().cast::<c_char>(),
                len,
                ffi::SQLITE_PREPARE_PERSISTENT,
                &mut raw,
                std::ptr::null_mut(),
            );
            ffi::sqlite3_db_config(db, qpsg, stable, std::ptr::null_mut::<c_int>());
            rc
        };
        if rc != ffi::SQLITE_OK {
            return Err(failure(self.db, rc));
        }
        let raw = NonNull::new(raw).ok_or_else(|| sqlx::Error::Protocol("an empty statement".into()))?;
        // SAFETY: a live statement, just prepared.
        let params = unsafe { ffi::sqlite3_bind_parameter_count(raw.as_ptr()) };
        let mut stmt =
            Prepared { raw, db: self.db, params: 0, text: String::new(), ends: Vec::new(), _conn: PhantomData };
        // `stmt` finalizes the statement if this fails.
        stmt.params =
            usize::try_from(params).map_err(|_| sqlx::Error::Protocol("a negative parameter count".into()))?;
        Ok(stmt)
    }

    /// This connection and its data version: another pair than before
    /// means another connection may have written since.
    pub fn data_version(&self) -> Result<(usize, i64), sqlx::Error> {
        let mut version = 0;
        self.prepare::<0>("PRAGMA data_version")?.run(&[], |r| version = r.int(0))?;
        Ok((self.db.as_ptr() as usize, version))
    }

    /// Inserts rows into `table`, `cells` giving their values one row
    /// after another, `cols.len()` a row; the number inserted. Many rows
    /// to a statement: a statement's cursors stay where its last row went,
    /// so rows that append (ids, numbers) need no search from the root.
    /// Table and column names are the caller's constants.
    pub fn insert<'c>(
        &self,
        table: &str,
        cols: &[&str],
        cells: impl IntoIterator<Item = Cell<'c>>,
    ) -> Result<u64, sqlx::Error> {
        let rows_per_stmt = (VALUES_PER_STATEMENT / cols.len()).max(1);
        let per_stmt = rows_per_stmt * cols.len();
        let mut values = Vec::with_capacity(per_stmt);
        let (mut full, mut n) = (None, 0);
        for cell in cells {
            values.push(cell);
            if values.len() == per_stmt {
                let insert = match &mut full {
                    Some(insert) => insert,
                    None => full.insert(self.prepare_any(&insert_sql(table, cols, rows_per_stmt))?),
                };
                n += insert.execute(&values)?;
                values.clear();
            }
        }
        if values.len() % cols.len() != 0 {
            return Err(sqlx::Error::Protocol(format!("{table}: a partial row")));
        }
        if !values.is_empty() {
            n += self.prepare_any(&insert_sql(table, cols, values.len() / cols.len()))?.execute(&values)?;
        }
        Ok(n)
    }
}

/// Values bound to one multi-row INSERT: enough rows that a statement's
/// start and end cost nothing per row, few enough that preparing it (once
/// per `insert`) costs little too (SQLite allows 32 766).
const VALUES_PER_STATEMENT: usize = 2_500;

/// `INSERT OR FAIL INTO table (cols) VALUES (?, ?…), …` for `rows` rows.
/// `OR FAIL` stops at a broken constraint without undoing the rows before
/// it, so SQLite keeps no statement journal (a copy of every page the
/// statement touches); the caller's transaction is rolled back on any
/// error, and those rows with it.
fn insert_sql(table: &str, cols: &[&str], rows: usize) -> String {
    let row = format!("({})", vec!["?"; cols.len()].join(", "));
    format!("INSERT OR FAIL INTO {table} ({}) VALUES {}", cols.join(", "), vec![row; rows].join(", "))
}

impl<const N: usize> Stmt<'_, N> {
    /// Runs the statement once with `cells` bound to its parameters in
    /// order, handing each row it returns to `each`; the rows it changed.
    pub fn run(&mut self, cells: &[Cell<'_>; N], mut each: impl FnMut(&Row<'_>)) -> Result<u64, sqlx::Error> {
        self.0.run(cells, |r| {
            each(r);
            true
        })
    }

    /// As `run`, but stops stepping as soon as `each` answers false (a
    /// reader whose output is full, or failed): rows after it are never read.
    pub fn run_while(&mut self, cells: &[Cell<'_>; N], each: impl FnMut(&Row<'_>) -> bool) -> Result<u64, sqlx::Error> {
        self.0.run(cells, each)
    }

    /// Runs a statement that returns no rows; the rows it changed (for tests).
    #[cfg(feature = "test-sql")]
    pub fn execute(&mut self, cells: &[Cell<'_>; N]) -> Result<u64, sqlx::Error> {
        self.0.run(cells, |_| true)
    }
}

impl Prepared<'_> {
    /// Runs the statement once with `cells` bound to its parameters in
    /// order, one for each (an error otherwise, before any is bound),
    /// handing each row it returns to `each`; the rows it changed.
    fn run(&mut self, cells: &[Cell<'_>], mut each: impl FnMut(&Row<'_>) -> bool) -> Result<u64, sqlx::Error> {
        let stmt = self.raw.as_ptr();
        if cells.len() != self.params {
            return Err(sqlx::Error::Protocol(format!("{} values for {} parameters", cells.len(), self.params)));
        }
        self.text.clear();
        self.ends.clear();
        for c in cells {
            if arg::push_cell_text(&mut self.text, c) {
                self.ends.push(self.text.len());
            }
        }
        let (mut start, mut ends) = (0, self.ends.iter());
        for (i, c) in cells.iter().enumerate() {
            let n = c_int::try_from(i + 1).map_err(|_| sqlx::Error::Protocol("too many values".into()))?;
            // SAFETY: `stmt` is a live statement of this connection; every
            // pointer bound stays valid until the statement is reset below
            // (`cells` are borrowed for this call, `self.text` is not
            // touched again before then); SQLITE_STATIC (None) tells SQLite
            // not to free them.
            let rc = unsafe {
                match c {
                    Cell::Null => ffi::sqlite3_bind_null(stmt, n),
                    Cell::Int(v) => ffi::sqlite3_bind_int64(stmt, n, *v),
                    Cell::Bool(b) => ffi::sqlite3_bind_int64(stmt, n, i64::from(*b)),
                    Cell::Text(s) => bind_text(stmt, n, s),
                    Cell::Blob(b) => ffi::sqlite3_bind_blob64(stmt, n, b.as_ptr().cast(), b.len() as u64, None),
                    Cell::Date(_) | Cell::Time(_) => {
                        let end = ends.next().copied().unwrap_or(start);
                        let rc = bind_text(stmt, n, &self.text[start..end]);
                        start = end;
                        rc
                    }
                }
            };
            if rc != ffi::SQLITE_OK {
                return Err(self.reset_after(rc));
            }
        }
        loop {
            // SAFETY: as above; a row is read through `Row` before the next step.
            let rc = unsafe { ffi::sqlite3_step(stmt) };
            match rc {
                ffi::SQLITE_ROW => {
                    if !each(&Row { raw: self.raw, _stmt: PhantomData }) {
                        break;
                    }
                }
                ffi::SQLITE_DONE => break,
                rc => return Err(self.reset_after(rc)),
            }
        }
        // SAFETY: a live statement and connection; the reset ends the bound
        // values' use, after which the borrowed cells may go, and no
        // parameter keeps pointing at them (cleared to NULL).
        let changed = unsafe {
            ffi::sqlite3_reset(stmt);
            ffi::sqlite3_clear_bindings(stmt);
            ffi::sqlite3_changes64(self.db.as_ptr())
        };
        Ok(changed as u64)
    }

    /// Runs a statement that returns no rows; the rows it changed.
    fn execute(&mut self, cells: &[Cell<'_>]) -> Result<u64, sqlx::Error> {
        self.run(cells, |_| true)
    }

    /// The error `rc`, read before the statement is reset for its next use.
    fn reset_after(&mut self, rc: c_int) -> sqlx::Error {
        let e = failure(self.db, rc);
        // SAFETY: a live statement; resetting ends any partial step, and
        // the values bound so far are forgotten.
        unsafe {
            ffi::sqlite3_reset(self.raw.as_ptr());
            ffi::sqlite3_clear_bindings(self.raw.as_ptr());
        }
        e
    }
}

impl Drop for Prepared<'_> {
    fn drop(&mut self) {
        // SAFETY: finalized once, before the connection is handed back.
        unsafe { ffi::sqlite3_finalize(self.raw.as_ptr()) };
    }
}

impl Row<'_> {
    /// Column `i` as an integer (NULL reads as 0).
    pub fn int(&self, i: usize) -> i64 {
        // SAFETY: the statement is on this row until it steps again.
        unsafe { ffi::sqlite3_column_int64(self.raw.as_ptr(), i as c_int) }
    }

    /// Column `i` as text, none when NULL: borrowed from SQLite's row when
    /// it is valid UTF-8 (what every text this crate stores is), else with
    /// the invalid bytes replaced, so a reader never fails on one cell.
    pub fn text(&self, i: usize) -> Option<std::borrow::Cow<'_, str>> {
        // SAFETY: the statement is on this row until it steps again.
        let kind = unsafe { ffi::sqlite3_column_type(self.raw.as_ptr(), i as c_int) };
        if kind == ffi::SQLITE_NULL {
            return None;
        }
        // SAFETY: as above; asked as text, SQLite converts a number to its
        // text first, and the bytes live until the next step.
        let bytes = unsafe {
            let p = ffi::sqlite3_column_text(self.raw.as_ptr(), i as c_int);
            let n = ffi::sqlite3_column_bytes(self.raw.as_ptr(), i as c_int);
            if p.is_null() || n <= 0 { &[][..] } else { std::slice::from_raw_parts(p.cast::<u8>(), n as usize) }
        };
        Some(String::from_utf8_lossy(bytes))
    }

    /// Column `i` as bytes (NULL reads as none).
    pub fn blob(&self, i: usize) -> &[u8] {
        // SAFETY: as above; SQLite owns the bytes until the next step, and
        // the returned slice cannot outlive this row.
        unsafe {
            let p = ffi::sqlite3_column_blob(self.raw.as_ptr(), i as c_int);
            let n = ffi::sqlite3_column_bytes(self.raw.as_ptr(), i as c_int);
            if p.is_null() || n <= 0 { &[] } else { std::slice::from_raw_parts(p.cast::<u8>(), n as usize) }
        }
    }
}

/// Binds `s` as UTF-8 text, not copied (see `Stmt::run`).
unsafe fn bind_text(stmt: *mut ffi::sqlite3_stmt, n: c_int, s: &str) -> c_int {
    // SAFETY: the caller keeps `s` alive until the statement is reset.
    unsafe { ffi::sqlite3_bind_text64(stmt, n, s.as_ptr().cast(), s.len() as u64, None, ffi::SQLITE_UTF8 as u8) }
}

/// SQLite's error `rc` on `db`, as sqlx reports a database error.
fn failure(db: NonNull<ffi::sqlite3>, rc: c_int) -> sqlx::Error {
    // SAFETY: a live connection; the message is copied out at once.
    let (code, message) = unsafe {
        let m = ffi::sqlite3_errmsg(db.as_ptr());
        let message = if m.is_null() { String::new() } else { CStr::from_ptr(m).to_string_lossy().into_owned() };
        let code = ffi::sqlite3_extended_errcode(db.as_ptr());
        (if code == ffi::SQLITE_OK { rc } else { code }, message)
    };
    sqlx::Error::Database(Box::new(SqliteFailure { code, message }))
}

/// An error SQLite returned to a direct statement.
#[derive(Debug)]
struct SqliteFailure {
    code: c_int,
    message: String,
}

impl std::fmt::Display for SqliteFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "(code: {}) {}", self.code, self.message)
    }
}

impl std::error::Error for SqliteFailure {}

impl sqlx::error::DatabaseError for SqliteFailure {
    fn message(&self) -> &str {
        &self.message
    }

    fn code(&self) -> Option<std::borrow::Cow<'_, str>> {
        Some(self.code.to_string().into())
    }

    fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self
    }

    fn kind(&self) -> sqlx::error::ErrorKind {
        use sqlx::error::ErrorKind;
        match self.code {
            ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => ErrorKind::UniqueViolation,
            ffi::SQLITE_CONSTRAINT_FOREIGNKEY => ErrorKind::ForeignKeyViolation,
            ffi::SQLITE_CONSTRAINT_NOTNULL => ErrorKind::NotNullViolation,
            ffi::SQLITE_CONSTRAINT_CHECK => ErrorKind::CheckViolation,
            _ => ErrorKind::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_placeholders_per_row() {
        assert_eq!(insert_sql("t", &["a", "b"], 2), "INSERT OR FAIL INTO t (a, b) VALUES (?, ?), (?, ?)");
    }
}
