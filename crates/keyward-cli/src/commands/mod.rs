//! One file per command. Each has its own `Args` and a `run` that returns the exit code.

pub mod add;
pub mod get;
pub mod history;
pub mod init;
pub mod list;
pub mod passwd;
pub mod rm;
pub mod rotate;
pub mod set;

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{Cli, Command};
use crate::context::Context;

pub fn run(cli: Cli) -> Result<ExitCode> {
    let ctx = Context::new(cli.global)?;
    match cli.command {
        Command::Init(args) => init::run(&ctx, args),
        Command::Add(args) => add::run(&ctx, args),
        Command::Get(args) => get::run(&ctx, args),
        Command::List(args) => list::run(&ctx, args),
        Command::Rotate(args) => rotate::run(&ctx, args),
        Command::History(args) => history::run(&ctx, args),
        Command::Set(args) => set::run(&ctx, args),
        Command::Rm(args) => rm::run(&ctx, args),
        Command::Passwd(args) => passwd::run(&ctx, args),
    }
}

/// clap value parsers that reuse the core's own parsing, so flags fail as usage errors.
pub mod parse {
    use keyward_core::policy::{RotateEvery, parse_expiry};

    pub fn rotate_every(text: &str) -> Result<RotateEvery, String> {
        text.parse().map_err(|e: keyward_core::Error| e.to_string())
    }

    pub fn expiry(text: &str) -> Result<jiff::civil::Date, String> {
        parse_expiry(text).map_err(|e| e.to_string())
    }

    /// A setting's new value, or `None` for `never` (which clears it). A newtype rather than
    /// `Option<Option<T>>`, which clap reads as "a flag whose value is optional".
    #[derive(Clone, Debug)]
    pub struct OrNever<T>(pub Option<T>);

    fn or_never<T>(text: &str, parse: fn(&str) -> Result<T, String>) -> Result<OrNever<T>, String> {
        if text == "never" {
            Ok(OrNever(None))
        } else {
            parse(text).map(|v| OrNever(Some(v)))
        }
    }

    pub fn rotate_every_or_never(text: &str) -> Result<OrNever<RotateEvery>, String> {
        or_never(text, rotate_every)
    }

    pub fn expiry_or_never(text: &str) -> Result<OrNever<jiff::civil::Date>, String> {
        or_never(text, expiry)
    }
}
