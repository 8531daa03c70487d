//! `keyward agent [--detach] [--lock-after 10m]`: hold the unlocked vault for other commands.
//!
//! Starts locked (`keyward unlock` unlocks it) unless a password file is given. Ends on
//! SIGTERM or SIGINT, wiping its keys and removing its socket.

use std::fs::OpenOptions;
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::process::CommandExt;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use keyward_agent::{Agent, AgentClient, AgentOptions};
use keyward_core::Error;

use crate::commands::parse;
use crate::context::Context;
use crate::{output, password};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Run in the background; return once the agent is listening
    #[arg(long)]
    detach: bool,
    /// Lock (wipe the keys) after this long without use: 30s, 10m, 2h
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = parse::duration)]
    lock_after: Duration,
    /// Set on the background process that `--detach` starts
    #[arg(long, hide = true)]
    background: bool,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    if args.detach {
        return detach(ctx, &args);
    }
    init_logging();
    let agent = Agent::start(
        &ctx.home,
        AgentOptions {
            lock_after: args.lock_after,
            watch: Some(crate::commands::watch::watch_options()),
            ..AgentOptions::default()
        },
    )?;
    if ctx.global.password_file.is_some() {
        let pw = password::master(&ctx.global, "Master password: ")?;
        // A failed unlock drops the handle, which removes the socket.
        agent.unlock(&pw)?;
    }
    let state = if agent.status().unlocked {
        "unlocked"
    } else {
        "locked; run `keyward unlock`"
    };
    output::note(&format!(
        "agent {} listening on {} ({state}); locks after {} idle",
        std::process::id(),
        agent.socket_path().display(),
        parse::format_duration(args.lock_after)
    ));
    keyward_agent::run_until_signal(agent, args.background)?;
    Ok(ExitCode::SUCCESS)
}

/// The agent's library reports through tracing: here, one `keyward:` line on stderr each
/// (the log file for a detached agent).
fn init_logging() {
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::INFO)
        .without_time()
        .with_target(false)
        .with_level(false)
        .with_ansi(false)
        .try_init();
}

/// Starts `keyward agent` in its own process group with no terminal, then waits until it
/// answers on its socket.
fn detach(ctx: &Context, args: &Args) -> Result<ExitCode> {
    if AgentClient::connect(&ctx.home).is_some() {
        bail!(Error::AgentRunning(ctx.home.agent_socket()));
    }
    keyward_core::VaultFile::open(&ctx.home.vault_path())?;
    let dir = ctx.home.agent_dir();
    std::fs::create_dir_all(&dir)
        .map_err(|e| Error::io(format!("could not create {}", dir.display()), e))?;
    let log_path = dir.join("agent.log");
    let log = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(&log_path)
        .map_err(|e| Error::io(format!("could not open {}", log_path.display()), e))?;
    let exe =
        std::env::current_exe().map_err(|e| Error::io("could not find the keyward binary", e))?;
    let mut cmd = Command::new(exe);
    cmd.arg("agent")
        .arg("--background")
        .arg("--lock-after")
        .arg(format!("{}s", args.lock_after.as_secs().max(1)))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .process_group(0);
    if let Some(file) = &ctx.global.password_file {
        cmd.arg("--password-file").arg(file);
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| Error::io("could not start the agent", e))?;
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Some(status) = child
            .try_wait()
            .map_err(|e| Error::io("could not watch the agent", e))?
        {
            let last = std::fs::read_to_string(&log_path)
                .ok()
                .and_then(|log| log.lines().last().map(str::to_owned))
                .unwrap_or_default();
            bail!(Error::Invalid(format!(
                "the agent exited at once ({status}): {}",
                last.trim_start_matches("keyward: ")
            )));
        }
        if let Some(mut client) = AgentClient::connect(&ctx.home)
            && let Ok(status) = client.status()
            && (status.unlocked || ctx.global.password_file.is_none())
        {
            output::note(&format!(
                "agent {} started ({}); its log is {}",
                child.id(),
                if status.unlocked {
                    "unlocked"
                } else {
                    "locked; run `keyward unlock`"
                },
                log_path.display()
            ));
            return Ok(ExitCode::SUCCESS);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    bail!(Error::Invalid("the agent did not start within 30 s".into()))
}
