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
    /// The agent's watcher, once its first unlock started it.
    watch: Option<keyward_agent::WatchStatus>,
    /// Folders whose keyward.toml was used by `run` or `env` and that are not watched (known
    /// while the agent is unlocked).
    suggested_projects: Vec<String>,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    let mut client = AgentClient::connect(&ctx.home);
    let agent = client.as_mut().and_then(|c| c.status().ok());
    let suggested_projects = match (&mut client, &agent) {
        (Some(c), Some(a)) if a.unlocked => suggestions(c),
        _ => Vec::new(),
    };
    let status = Status {
        running: agent.is_some(),
        unlocked: agent.as_ref().is_some_and(|a| a.unlocked),
        pid: agent.as_ref().map(|a| a.pid),
        socket: ctx.home.agent_socket().display().to_string(),
        vault: ctx.home.vault_path().display().to_string(),
        lock_after_secs: agent.as_ref().map(|a| a.lock_after_secs),
        locks_in_secs: agent.as_ref().and_then(|a| a.locks_in_secs),
        watch: agent.as_ref().and_then(|a| a.watch.clone()),
        suggested_projects,
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
    let mut text = format!("{line}\nvault: {}\n", status.vault);
    if let Some(w) = &status.watch {
        text.push_str(&format!(
            "watcher: {} folders, {} inotify watches{}, {} open findings\n",
            w.roots,
            w.inotify_watches,
            if w.polled_folders > 0 {
                format!(" and {} polled folders", w.polled_folders)
            } else {
                String::new()
            },
            w.open_findings
        ));
    }
    for folder in &status.suggested_projects {
        text.push_str(&format!(
            "suggested project: {folder} (keyward project add {folder})\n"
        ));
    }
    output::stdout_text(&text)?;
    Ok(ExitCode::SUCCESS)
}

fn suggestions(client: &mut AgentClient) -> Vec<String> {
    use keyward_core::SecretStore;
    match (client.watch_config(), client.audit_log()) {
        (Ok(config), Ok(log)) => config.suggestions(&log),
        _ => Vec::new(),
    }
}
