//! `keyward restore FILE`: replaces the vault with a backup, after checking the backup is an
//! intact vault that the master password opens; the replaced vault is kept beside it. Refused
//! while an agent runs (it holds the vault open).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use keyward_agent::AgentClient;
use keyward_core::vault::backup::restore;
use keyward_core::{AuditEvent, Error, VaultFile};

use crate::context::Context;
use crate::{output, password};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The backup to restore
    file: PathBuf,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    if AgentClient::connect(&ctx.home).is_some() {
        return Err(Error::Invalid(format!(
            "an agent is running on {}; stop it first (it holds the vault open)",
            ctx.home.agent_socket().display()
        ))
        .into());
    }
    let vault_path = ctx.home.vault_path();
    ctx.home.ensure_exists()?;
    let password = password::master(&ctx.global, "Master password of the backup: ")?;
    let aside = restore(&vault_path, &args.file, &password)?;
    let mut vault = VaultFile::open(&vault_path)?.unlock(&password)?;
    let event = AuditEvent::here("restore", Vec::new())
        .with_detail(format!("from {}", args.file.display()));
    if let Err(err) = vault.record_access(&event) {
        output::warn(&format!("the restore was not recorded: {err}"));
    }
    match aside {
        Some(aside) => output::note(&format!(
            "restored {}; the vault it replaced is kept as {}",
            args.file.display(),
            aside.display()
        )),
        None => output::note(&format!("restored {}", args.file.display())),
    }
    Ok(ExitCode::SUCCESS)
}
