//! keyward's leak scanner. Two layers over bytes and a path:
//!
//! - **known values** ([`known`]): every stored secret and its encodings, matched through keyed
//!   fingerprints of windows, so the matcher holds no plaintext once built;
//! - **key formats** ([`rules`]): rules that are data (`rules/*.toml`, embedded at build time),
//!   each with its own examples, run only where an Aho-Corasick keyword prefilter hits, with
//!   entropy, checksum and placeholder checks to cut noise.
//!
//! [`walk`] finds the files, [`git`] ranks how exposed each one is, [`report`] prints findings
//! as text, JSON or SARIF, and [`baseline`] remembers findings a team accepted.

pub mod allow;
pub mod baseline;
pub mod checks;
pub mod encodings;
pub mod finding;
pub mod git;
pub mod hash;
pub mod known;
pub mod report;
pub mod rules;
pub mod scanner;
pub mod sources;
pub mod telling;
pub mod verify;
pub mod walk;

pub use finding::{Finding, Kind, Severity};
pub use known::KnownValues;
pub use rules::RuleSet;
pub use scanner::{ScanOptions, Scanner};

/// The scanner's errors: I/O and bad input files (a baseline, a rule file), each one line.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{context}: {cause}")]
    Io {
        context: String,
        cause: std::io::Error,
    },
    #[error("{0}")]
    Invalid(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn io(context: impl Into<String>, cause: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            cause,
        }
    }
}
