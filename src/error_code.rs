//! The stable error codes scripts read from `--json` failures
//! (`{"ok": false, "error": {"code": …}}`), mapped here and nowhere else:
//! messages may be reworded, codes may not.

use serde::Serialize;

use crate::ops::OpError;

/// Why a command failed, as a word a script can match on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The case, member, broker, job, code or account named does not exist.
    NotFound,
    /// The operator's role may not do this.
    RefusedRole,
    /// The session is read-only and this would write.
    ReadOnly,
    /// A rule refuses it in the thing's present state (already ended, the last admin, …).
    Refused,
    /// Someone else changed it since it was read; nothing was overwritten.
    Conflict,
    /// A value or flag is wrong: fix the input and run again.
    InvalidInput,
    /// The database could not be reached or answered with an error.
    Database,
    /// The configuration file or environment is wrong.
    Config,
    /// The data key is missing, unreadable or malformed.
    DataKey,
    /// The operator is not an active staff account.
    Operator,
    /// A file could not be read or written.
    Io,
    /// `audit verify` found the audit log's hash chain broken (the message names the row).
    AuditBroken,
}

impl ErrorCode {
    /// Every code, for the reference in `docs/json.md`.
    pub const ALL: [ErrorCode; 12] = [
        ErrorCode::NotFound,
        ErrorCode::RefusedRole,
        ErrorCode::ReadOnly,
        ErrorCode::Refused,
        ErrorCode::Conflict,
        ErrorCode::InvalidInput,
        ErrorCode::Database,
        ErrorCode::Config,
        ErrorCode::DataKey,
        ErrorCode::Operator,
        ErrorCode::Io,
        ErrorCode::AuditBroken,
    ];

    /// The code as JSON shows it.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::NotFound => "not_found",
            ErrorCode::RefusedRole => "refused_role",
            ErrorCode::ReadOnly => "read_only",
            ErrorCode::Refused => "refused",
            ErrorCode::Conflict => "conflict",
            ErrorCode::InvalidInput => "invalid_input",
            ErrorCode::Database => "database",
            ErrorCode::Config => "config",
            ErrorCode::DataKey => "data_key",
            ErrorCode::Operator => "operator",
            ErrorCode::Io => "io",
            ErrorCode::AuditBroken => "audit_broken",
        }
    }

    /// What the code means, for the reference.
    pub fn meaning(self) -> &'static str {
        match self {
            ErrorCode::NotFound => "the case, member, broker, job, code or account named does not exist",
            ErrorCode::RefusedRole => "the operator's role may not do this",
            ErrorCode::ReadOnly => "the session is read-only and this would write (a change, or an audited view)",
            ErrorCode::Refused => "a rule refuses it in the thing's present state (already ended, the last admin, …)",
            ErrorCode::Conflict => "someone else changed it since it was read; nothing was overwritten",
            ErrorCode::InvalidInput => "a value, flag or argument is wrong: fix it and run again",
            ErrorCode::Database => "the database could not be reached or answered with an error",
            ErrorCode::Config => "the configuration file or environment is wrong",
            ErrorCode::DataKey => "the data key is missing, unreadable or malformed",
            ErrorCode::Operator => "the operator is not an active staff account",
            ErrorCode::Io => "a file could not be read or written",
            ErrorCode::AuditBroken => "the audit log's hash chain is broken: the message names the first bad row",
        }
    }
}

impl From<&OpError> for ErrorCode {
    fn from(e: &OpError) -> ErrorCode {
        match e {
            OpError::Refused(_) => ErrorCode::Refused,
            OpError::RefusedRole(_) => ErrorCode::RefusedRole,
            OpError::ReadOnly(_) => ErrorCode::ReadOnly,
            OpError::NotFound(_) => ErrorCode::NotFound,
            OpError::Conflict(_) => ErrorCode::Conflict,
            OpError::Invalid(_) => ErrorCode::InvalidInput,
            OpError::Db(_) => ErrorCode::Database,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialize_as_their_names() {
        for c in ErrorCode::ALL {
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
        }
    }

    #[test]
    fn op_errors_map_to_their_codes() {
        assert_eq!(ErrorCode::from(&OpError::NotFound("x".into())), ErrorCode::NotFound);
        assert_eq!(ErrorCode::from(&OpError::Refused("x".into())), ErrorCode::Refused);
        assert_eq!(ErrorCode::from(&OpError::Conflict("x".into())), ErrorCode::Conflict);
        assert_eq!(ErrorCode::from(&OpError::RefusedRole("x".into())), ErrorCode::RefusedRole);
        assert_eq!(ErrorCode::from(&OpError::ReadOnly("x".into())), ErrorCode::ReadOnly);
        assert_eq!(ErrorCode::from(&OpError::Invalid("x".into())), ErrorCode::InvalidInput);
        assert_eq!(ErrorCode::from(&OpError::Db("x".into())), ErrorCode::Database);
    }
}
