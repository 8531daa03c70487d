//! `keyward unlock`: unlock the running agent with the master password.

use std::process::ExitCode;

use anyhow::Result;
use keyward_core::VaultFile;

use crate::context::Context;
use crate::{output, password};

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(ctx: &Context, _args: Args) -> Result<ExitCode> {
    let mut agent = ctx.agent()?;
    let file = VaultFile::open(&ctx.home.vault_path())?;
    let insecure = file.is_insecure_kdf();
    drop(file);
    let pw = password::master(&ctx.global, "Master password: ")?;
    agent.unlock(&pw)?;
    if insecure {
        output::warn(crate::context::INSECURE_VAULT_WARNING);
    }
    let status = agent.status()?;
    output::note(&format!(
        "the agent is unlocked; it locks after {} idle",
        crate::commands::parse::format_duration(std::time::Duration::from_secs(
            status.lock_after_secs
        ))
    ));
    Ok(ExitCode::SUCCESS)
}
