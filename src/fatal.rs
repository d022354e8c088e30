//! Start-up and usage failures: one clear line, exit code 2, no backtrace.

use std::fmt;

/// A failure that ends the program with a message and an exit code.
#[derive(Debug)]
pub struct Fatal {
    pub message: String,
    pub code: i32,
}

impl Fatal {
    /// A usage or start-up error (exit code 2).
    pub fn new(message: impl Into<String>) -> Fatal {
        Fatal { message: message.into(), code: 2 }
    }
}

impl fmt::Display for Fatal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

macro_rules! fatal_from {
    ($($t:ty),*) => {$(
        impl From<$t> for Fatal {
            fn from(e: $t) -> Fatal {
                Fatal::new(e.to_string())
            }
        }
    )*};
}
fatal_from!(
    crate::store::OpenError,
    crate::config::ConfigError,
    crate::crypto::KeyError,
    crate::ops::OperatorError,
    std::io::Error
);
