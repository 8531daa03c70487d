//! `keyward lock`: make the running agent wipe its keys. No agent is nothing to lock.

use std::process::ExitCode;

use anyhow::Result;
use keyward_agent::AgentClient;

use crate::context::Context;
use crate::output;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(ctx: &Context, _args: Args) -> Result<ExitCode> {
    match AgentClient::connect(&ctx.home) {
        Some(mut agent) => {
            agent.lock()?;
            output::note("the agent is locked");
        }
        None => output::note("no agent is running; nothing to lock"),
    }
    Ok(ExitCode::SUCCESS)
}
