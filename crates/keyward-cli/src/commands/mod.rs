//! One file per command. Each has its own `Args` and a `run` that returns the exit code.

pub mod add;
pub mod agent;
pub mod audit;
pub mod backup;
pub mod completions;
pub mod copy;
pub mod due;
pub mod env;
pub mod export;
pub mod findings;
pub mod get;
pub mod history;
pub mod hook;
pub mod import;
pub mod import_age;
pub mod init;
pub mod inject;
pub mod list;
pub mod lock;
pub mod man;
pub mod passwd;
pub mod project;
pub mod restore;
pub mod rm;
pub mod rotate;
pub mod run;
pub mod scan;
pub mod set;
pub mod status;
pub mod team;
pub mod unlock;
pub mod watch;
pub mod where_used;

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
        Command::Agent(args) => agent::run(&ctx, args),
        Command::Unlock(args) => unlock::run(&ctx, args),
        Command::Lock(args) => lock::run(&ctx, args),
        Command::Status(args) => status::run(&ctx, args),
        Command::Run(args) => run::run(&ctx, args),
        Command::Env(args) => env::run(&ctx, args),
        Command::Inject(args) => inject::run(&ctx, args),
        Command::Import(args) => import::run(&ctx, args),
        Command::Export(args) => export::run(&ctx, args),
        Command::Team(args) => team::run(&ctx, args),
        Command::Audit(args) => audit::run(&ctx, args),
        Command::Copy(args) => copy::run(&ctx, args),
        Command::ClipboardHold(args) => copy::hold(args),
        Command::Scan(args) => scan::run(&ctx, args),
        Command::Watch(args) => watch::run(&ctx, args),
        Command::Project(args) => project::run(&ctx, args),
        Command::Findings(args) => findings::run(&ctx, args),
        Command::Due(args) => due::run(&ctx, args),
        Command::Backup(args) => backup::run(&ctx, args),
        Command::Restore(args) => restore::run(&ctx, args),
        Command::Where(args) => where_used::run(&ctx, args),
        Command::Hook(args) => hook::run(args),
        Command::Completions(args) => completions::run(args),
        Command::Man(args) => man::run(args),
    }
}

/// clap value parsers that reuse the core's own parsing, so flags fail as usage errors.
pub mod parse {
    use keyward_core::policy::{RotateEvery, parse_expiry};

    /// A duration written `45s`, `10m`, `2h` or `1d`.
    pub fn duration(text: &str) -> Result<std::time::Duration, String> {
        let bad =
            || format!("invalid duration {text:?}: write a number and a unit, like 30s, 10m or 2h");
        let split = text.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
        let (number, unit) = text.split_at(split);
        let number: u64 = number.parse().map_err(|_| bad())?;
        let per_unit = match unit {
            "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86400,
            _ => return Err(bad()),
        };
        let secs = number
            .checked_mul(per_unit)
            .filter(|&s| s > 0)
            .ok_or_else(bad)?;
        Ok(std::time::Duration::from_secs(secs))
    }

    /// The shortest exact form of a duration: `10m`, `90s`, `2h`.
    pub fn format_duration(d: std::time::Duration) -> String {
        let secs = d.as_secs();
        match secs {
            s if s >= 3600 && s % 3600 == 0 => format!("{}h", s / 3600),
            s if s >= 60 && s % 60 == 0 => format!("{}m", s / 60),
            s => format!("{s}s"),
        }
    }

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

    /// A provider id from the catalog.
    pub fn provider(text: &str) -> Result<String, String> {
        let catalog = keyward_core::catalog::Catalog::builtin().map_err(|e| e.to_string())?;
        match catalog.get(text) {
            Some(p) => Ok(p.id.clone()),
            None => Err(format!(
                "unknown provider {text:?}; known: {}",
                catalog
                    .providers()
                    .iter()
                    .map(|p| p.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }

    pub fn provider_or_never(text: &str) -> Result<OrNever<String>, String> {
        or_never(text, provider)
    }
}
