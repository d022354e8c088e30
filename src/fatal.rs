//! Start-up and usage failures: one clear line, exit code 2, no backtrace
//! (and, under `--json`, the error envelope with the failure's code).

use std::fmt;

use crate::error_code::ErrorCode;

/// A failure that ends the program with a message and an exit code.
#[derive(Debug)]
pub struct Fatal {
    pub message: String,
    pub code: i32,
    /// What `--json` reports as `error.code`.
    pub kind: ErrorCode,
}

impl Fatal {
    /// A usage error: a bad flag or argument (exit code 2).
    pub fn new(message: impl Into<String>) -> Fatal {
        Fatal::of(ErrorCode::InvalidInput, message)
    }

    /// A failure of the given kind (exit code 2).
    pub fn of(kind: ErrorCode, message: impl Into<String>) -> Fatal {
        Fatal { message: message.into(), code: 2, kind }
    }

    /// The database failed under a read (exit code 2).
    pub fn database(e: &sqlx::Error) -> Fatal {
        Fatal::of(ErrorCode::Database, crate::store::short_cause(e))
    }
}

impl fmt::Display for Fatal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

macro_rules! fatal_from {
    ($($t:ty => $kind:expr),*) => {$(
        impl From<$t> for Fatal {
            fn from(e: $t) -> Fatal {
                Fatal::of($kind, e.to_string())
            }
        }
    )*};
}
fatal_from!(
    crate::store::OpenError => ErrorCode::Database,
    crate::config::ConfigError => ErrorCode::Config,
    crate::crypto::KeyError => ErrorCode::DataKey,
    crate::ops::OperatorError => ErrorCode::Operator,
    std::io::Error => ErrorCode::Io
);
