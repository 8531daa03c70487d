//! The one error type of the core. Every variant renders as one line that names what went wrong
//! and what to do, and none ever carries a secret value: only names, paths and counts.
//!
//! Every variant has a stable code (`Error::code`), and [`ErrorPayload`] is the one serialised
//! shape, `{code, message, details}`, that crosses the agent's socket and reaches the desktop
//! app's UI. A payload turns back into the very same variant, so exit codes and messages survive
//! the trip.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "code", content = "details", rename_all = "snake_case")]
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

    /// A secret name or tag that keyward does not accept; the message says why.
    #[error("{0}")]
    InvalidName(String),

    /// A value that cannot be stored (empty, too long); the message says why.
    #[error("{0}")]
    InvalidValue(String),

    /// Variables that would make an injected command run other code (`LD_PRELOAD`, ...).
    #[error(
        "refusing to set {0}: such variables can make the command run other code; pass --allow-dangerous if you mean it"
    )]
    DangerousVariables(String),

    /// `run`/`env` found no `keyward.toml` and were given no `.env` file.
    #[error("{0}")]
    NoProjectFile(String),

    /// No password could be asked for: no terminal, no password file, no unlocked agent.
    #[error("{0}")]
    NoPassword(String),

    /// Bad input from the user that no caller acts on: a date, a flag's value, a file's syntax.
    #[error("{0}")]
    Invalid(String),

    #[error("the agent is locked; run `keyward unlock`")]
    Locked,

    #[error("no agent is running on {}; start one with `keyward agent --detach`", .0.display())]
    NoAgent(PathBuf),

    #[error("an agent is already running on {}", .0.display())]
    AgentRunning(PathBuf),

    #[error("the agent speaks protocol {agent}, this keyward {client}; restart the agent")]
    AgentVersion { agent: u32, client: u32 },

    #[error("the agent serves only the user who started it")]
    ForeignPeer,

    #[error("the agent closed the connection (is it shutting down?)")]
    AgentGone,

    /// The user refused the request in the desktop app (or did not answer in time).
    #[error("{0}")]
    Denied(String),

    #[error("could not save the change ({0}); the vault is unchanged")]
    WriteFailed(String),

    /// Someone else changed a shared item between this writer's read and its write.
    #[error("{0}")]
    Conflict(String),

    #[error(
        "the vault was written by a newer keyward (format {found}, this one reads up to {supported}); upgrade keyward"
    )]
    TooNew { found: i64, supported: i64 },

    /// The cause is part of the message, not a `source`, so every shell prints it exactly once.
    #[error("{context}: {cause}")]
    Io {
        context: String,
        #[serde(with = "io_cause")]
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

    /// The variant's stable code: what programs (the CLI, the app's UI) act on.
    pub fn code(&self) -> &'static str {
        match self {
            Error::WrongPassword => "wrong_password",
            Error::Corrupt(_) => "corrupt",
            Error::NoVault(_) => "no_vault",
            Error::VaultExists(_) => "vault_exists",
            Error::NotFound(_) => "not_found",
            Error::AlreadyExists(_) => "already_exists",
            Error::InvalidName(_) => "invalid_name",
            Error::InvalidValue(_) => "invalid_value",
            Error::DangerousVariables(_) => "dangerous_variables",
            Error::NoProjectFile(_) => "no_project_file",
            Error::NoPassword(_) => "no_password",
            Error::Invalid(_) => "invalid",
            Error::Locked => "locked",
            Error::NoAgent(_) => "no_agent",
            Error::AgentRunning(_) => "agent_running",
            Error::AgentVersion { .. } => "agent_version",
            Error::ForeignPeer => "foreign_peer",
            Error::AgentGone => "agent_gone",
            Error::Denied(_) => "denied",
            Error::WriteFailed(_) => "write_failed",
            Error::Conflict(_) => "conflict",
            Error::TooNew { .. } => "too_new",
            Error::Io { .. } => "io",
            Error::Database(_) => "database",
        }
    }

    /// The serialised form of this error.
    pub fn payload(&self) -> ErrorPayload {
        ErrorPayload::from(self)
    }
}

/// An error as the agent's socket and the desktop app's UI see it: the stable `code`, the
/// one-line `message` a person reads, and the variant's own fields in `details` so the error can
/// be rebuilt exactly. None of the three ever holds a secret value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorPayload {
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub details: serde_json::Value,
}

impl From<&Error> for ErrorPayload {
    fn from(err: &Error) -> Self {
        let details = serde_json::to_value(err)
            .ok()
            .and_then(|mut v| v.get_mut("details").map(serde_json::Value::take))
            .unwrap_or_default();
        ErrorPayload {
            code: err.code().to_owned(),
            message: err.to_string(),
            details,
        }
    }
}

impl From<ErrorPayload> for Error {
    /// The variant the payload was made from; a code this keyward does not know (a newer
    /// agent's) keeps its message as `Invalid`, exit code 2.
    fn from(payload: ErrorPayload) -> Self {
        let mut tagged = serde_json::Map::new();
        tagged.insert("code".into(), serde_json::Value::String(payload.code));
        if !payload.details.is_null() {
            tagged.insert("details".into(), payload.details);
        }
        serde_json::from_value(serde_json::Value::Object(tagged))
            .unwrap_or(Error::Invalid(payload.message))
    }
}

/// `std::io::Error` across the wire: the OS error number when there is one (so the message is
/// rebuilt word for word), else the message.
mod io_cause {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    struct Cause {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        os: Option<i32>,
        message: String,
    }

    pub fn serialize<S: Serializer>(err: &std::io::Error, s: S) -> Result<S::Ok, S::Error> {
        Cause {
            os: err.raw_os_error(),
            message: err.to_string(),
        }
        .serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<std::io::Error, D::Error> {
        let cause = Cause::deserialize(d)?;
        Ok(match cause.os {
            Some(code) => std::io::Error::from_raw_os_error(code),
            None => std::io::Error::other(cause.message),
        })
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

/// The category of a JSON error, for a message: serde_json's full message can quote the input,
/// which may hold a value.
pub fn json_category(err: &serde_json::Error) -> &'static str {
    match err.classify() {
        serde_json::error::Category::Io => "I/O",
        serde_json::error::Category::Syntax => "bad syntax",
        serde_json::error::Category::Data => "unexpected fields",
        serde_json::error::Category::Eof => "cut short",
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One of each variant, with the JSON its payload must keep: the UI and older clients rely
    /// on these codes and fields, so a change here is a change of contract.
    fn pinned() -> Vec<(Error, &'static str)> {
        vec![
            (
                Error::WrongPassword,
                r#"{"code":"wrong_password","message":"wrong master password"}"#,
            ),
            (
                Error::corrupt("bad header"),
                r#"{"code":"corrupt","message":"the vault is corrupt or has been tampered with: bad header","details":"bad header"}"#,
            ),
            (
                Error::NoVault("/h/vault.db".into()),
                r#"{"code":"no_vault","message":"no vault at /h/vault.db; create one with `keyward init`","details":"/h/vault.db"}"#,
            ),
            (
                Error::VaultExists("/h/vault.db".into()),
                r#"{"code":"vault_exists","message":"a vault already exists at /h/vault.db","details":"/h/vault.db"}"#,
            ),
            (
                Error::NotFound("db/url".into()),
                r#"{"code":"not_found","message":"no secret named 'db/url'","details":"db/url"}"#,
            ),
            (
                Error::AlreadyExists("a".into()),
                r#"{"code":"already_exists","message":"a secret named 'a' already exists (use `keyward rotate a` to change its value)","details":"a"}"#,
            ),
            (
                Error::InvalidName("invalid secret name '': it is empty".into()),
                r#"{"code":"invalid_name","message":"invalid secret name '': it is empty","details":"invalid secret name '': it is empty"}"#,
            ),
            (
                Error::InvalidValue("the value is empty".into()),
                r#"{"code":"invalid_value","message":"the value is empty","details":"the value is empty"}"#,
            ),
            (
                Error::DangerousVariables("LD_PRELOAD (keyward.toml)".into()),
                r#"{"code":"dangerous_variables","message":"refusing to set LD_PRELOAD (keyward.toml): such variables can make the command run other code; pass --allow-dangerous if you mean it","details":"LD_PRELOAD (keyward.toml)"}"#,
            ),
            (
                Error::NoProjectFile("no keyward.toml".into()),
                r#"{"code":"no_project_file","message":"no keyward.toml","details":"no keyward.toml"}"#,
            ),
            (
                Error::NoPassword("no terminal".into()),
                r#"{"code":"no_password","message":"no terminal","details":"no terminal"}"#,
            ),
            (
                Error::Invalid("bad date".into()),
                r#"{"code":"invalid","message":"bad date","details":"bad date"}"#,
            ),
            (
                Error::Locked,
                r#"{"code":"locked","message":"the agent is locked; run `keyward unlock`"}"#,
            ),
            (
                Error::NoAgent("/h/agent/agent.sock".into()),
                r#"{"code":"no_agent","message":"no agent is running on /h/agent/agent.sock; start one with `keyward agent --detach`","details":"/h/agent/agent.sock"}"#,
            ),
            (
                Error::AgentRunning("/s".into()),
                r#"{"code":"agent_running","message":"an agent is already running on /s","details":"/s"}"#,
            ),
            (
                Error::AgentVersion {
                    agent: 1,
                    client: 2,
                },
                r#"{"code":"agent_version","message":"the agent speaks protocol 1, this keyward 2; restart the agent","details":{"agent":1,"client":2}}"#,
            ),
            (
                Error::ForeignPeer,
                r#"{"code":"foreign_peer","message":"the agent serves only the user who started it"}"#,
            ),
            (
                Error::AgentGone,
                r#"{"code":"agent_gone","message":"the agent closed the connection (is it shutting down?)"}"#,
            ),
            (
                Error::Denied("`run` was denied stripe-live".into()),
                r#"{"code":"denied","message":"`run` was denied stripe-live","details":"`run` was denied stripe-live"}"#,
            ),
            (
                Error::Conflict("team/db was changed meanwhile; retry".into()),
                r#"{"code":"conflict","message":"team/db was changed meanwhile; retry","details":"team/db was changed meanwhile; retry"}"#,
            ),
            (
                Error::WriteFailed("the disk is full".into()),
                r#"{"code":"write_failed","message":"could not save the change (the disk is full); the vault is unchanged","details":"the disk is full"}"#,
            ),
            (
                Error::TooNew {
                    found: 9,
                    supported: 3,
                },
                r#"{"code":"too_new","message":"the vault was written by a newer keyward (format 9, this one reads up to 3); upgrade keyward","details":{"found":9,"supported":3}}"#,
            ),
            (
                Error::io("could not read /x", std::io::Error::from_raw_os_error(2)),
                r#"{"code":"io","message":"could not read /x: No such file or directory (os error 2)","details":{"cause":{"message":"No such file or directory (os error 2)","os":2},"context":"could not read /x"}}"#,
            ),
            (
                Error::Database("busy".into()),
                r#"{"code":"database","message":"vault database error: busy","details":"busy"}"#,
            ),
        ]
    }

    #[test]
    fn every_variant_has_its_pinned_json() {
        for (err, json) in pinned() {
            assert_eq!(
                serde_json::to_string(&err.payload()).unwrap(),
                json,
                "{err:?}"
            );
        }
    }

    #[test]
    fn every_variant_survives_the_trip_with_code_message_and_exit_code() {
        for (err, json) in pinned() {
            let payload: ErrorPayload = serde_json::from_str(json).unwrap();
            let back = Error::from(payload);
            assert_eq!(back.code(), err.code());
            assert_eq!(back.to_string(), err.to_string());
            assert_eq!(back.exit_code(), err.exit_code());
            assert_eq!(std::mem::discriminant(&back), std::mem::discriminant(&err));
        }
    }

    #[test]
    fn codes_are_unique() {
        let mut codes: Vec<&str> = pinned().iter().map(|(e, _)| e.code()).collect();
        let all = codes.len();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), all);
    }

    #[test]
    fn an_unknown_code_keeps_its_message() {
        let payload = ErrorPayload {
            code: "from_the_future".into(),
            message: "something new".into(),
            details: serde_json::Value::Null,
        };
        let err = Error::from(payload);
        assert_eq!(err.to_string(), "something new");
        assert_eq!(err.exit_code(), 2);
    }
}
