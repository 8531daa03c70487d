//! `keyward status [--json]`: whether an agent runs and whether it is unlocked.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use keyward_agent::AgentClient;
use serde::Serialize;

use crate::commands::parse::format_duration;
use crate::context::Context;
use crate::output;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print a JSON object
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Serialize)]
struct Status {
    running: bool,
    unlocked: bool,
    pid: Option<u32>,
    socket: String,
    vault: String,
    lock_after_secs: Option<u64>,
    locks_in_secs: Option<u64>,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    let agent = AgentClient::connect(&ctx.home).and_then(|mut c| c.status().ok());
    let status = Status {
        running: agent.is_some(),
        unlocked: agent.as_ref().is_some_and(|a| a.unlocked),
        pid: agent.as_ref().map(|a| a.pid),
        socket: ctx.home.agent_socket().display().to_string(),
        vault: ctx.home.vault_path().display().to_string(),
        lock_after_secs: agent.as_ref().map(|a| a.lock_after_secs),
        locks_in_secs: agent.as_ref().and_then(|a| a.locks_in_secs),
    };
    if args.json {
        output::stdout_json(&status)?;
        return Ok(ExitCode::SUCCESS);
    }
    let line = match &agent {
        None => "agent: not running".to_owned(),
        Some(a) if a.unlocked => format!(
            "agent: running (pid {}), unlocked, locks in {}",
            a.pid,
            format_duration(Duration::from_secs(a.locks_in_secs.unwrap_or(0)))
        ),
        Some(a) => format!("agent: running (pid {}), locked", a.pid),
    };
    output::stdout_text(&format!("{line}\nvault: {}\n", status.vault))?;
    Ok(ExitCode::SUCCESS)
}
