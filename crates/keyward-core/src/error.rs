//! The one error type of the core. Every variant renders as one line that names what went wrong
//! and what to do, and none ever carries a secret value: only names, paths and counts.

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("wrong master password")]
    WrongPassword,

    /// The file is damaged, was altered, or is not a keyward vault at all.
    #[error("the vault is corrupt or has been tampered with: {0}")]
    Corrupt(String),

    #[error("no vault at {}; create one with `keyward init`", .0.display())]
    NoVault(PathBuf),

    #[error("a vault already exists at {}", .0.display())]
    VaultExists(PathBuf),

    #[error("no secret named '{0}'")]
    NotFound(String),

    #[error("a secret named '{0}' already exists (use `keyward rotate {0}` to change its value)")]
    AlreadyExists(String),

    /// Bad input from the user: a name, a tag, a date, a value that is too long.
    #[error("{0}")]
    Invalid(String),

    #[error("the agent is locked; run `keyward unlock`")]
    Locked,

    #[error("could not save the change ({0}); the vault is unchanged")]
    WriteFailed(String),

    #[error(
        "the vault was written by a newer keyward (format {found}, this one reads up to {supported}); upgrade keyward"
    )]
    TooNew { found: i64, supported: i64 },

    /// The cause is part of the message, not a `source`, so every shell prints it exactly once.
    #[error("{context}: {cause}")]
    Io {
        context: String,
        cause: std::io::Error,
    },

    #[error("vault database error: {0}")]
    Database(String),
}

impl Error {
    /// The process exit code the contract assigns to this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::WrongPassword => 3,
            Error::Corrupt(_) => 4,
            _ => 2,
        }
    }

    pub fn io(context: impl Into<String>, cause: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            cause,
        }
    }

    pub fn corrupt(what: impl Into<String>) -> Self {
        Error::Corrupt(what.into())
    }
}

/// SQLite errors. Failures of the environment (busy, permissions, I/O, memory) are reported as
/// such; every other SQLite error means the file is not what keyward wrote (a damaged schema, a
/// missing table, a row of the wrong type), which is corruption. Bound parameters never appear
/// in SQLite's messages, so no value can leak through here.
impl From<rusqlite::Error> for Error {
    fn from(err: rusqlite::Error) -> Self {
        use rusqlite::ffi::ErrorCode;
        let message = one_line(&err.to_string());
        match err.sqlite_error_code() {
            Some(ErrorCode::DiskFull) => Error::WriteFailed("the disk is full".into()),
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => Error::Database(
                "the vault is busy: another keyward process is writing to it; try again".into(),
            ),
            Some(
                ErrorCode::CannotOpen
                | ErrorCode::PermissionDenied
                | ErrorCode::ReadOnly
                | ErrorCode::OutOfMemory
                | ErrorCode::SystemIoFailure
                | ErrorCode::FileLockingProtocolFailed
                | ErrorCode::NoLargeFileSupport
                | ErrorCode::OperationInterrupted,
            ) => Error::Database(message),
            Some(_) => Error::Corrupt(message),
            None => match err {
                rusqlite::Error::InvalidColumnType(..)
                | rusqlite::Error::FromSqlConversionFailure(..)
                | rusqlite::Error::IntegralValueOutOfRange(..)
                | rusqlite::Error::QueryReturnedNoRows
                // A statement that no longer fits the schema ("no such column"): the schema
                // text in the file was changed.
                | rusqlite::Error::SqlInputError { .. } => {
                    Error::Corrupt(format!("unexpected data in the file ({message})"))
                }
                _ => Error::Database(message),
            },
        }
    }
}

/// Maps an error raised while writing: I/O failures there mean the change did not happen.
pub(crate) fn write_error(err: rusqlite::Error) -> Error {
    use rusqlite::ffi::ErrorCode;
    match err.sqlite_error_code() {
        Some(ErrorCode::DiskFull) => Error::WriteFailed("the disk is full".into()),
        Some(ErrorCode::SystemIoFailure) => Error::WriteFailed(format!(
            "I/O error: {}; is the disk full or a file size limit reached?",
            one_line(&err.to_string())
        )),
        _ => Error::from(err),
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
