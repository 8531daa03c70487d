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
use keyward_core::agent::{AgentClient, AgentOptions, AgentService};
use keyward_core::{Error, VaultFile};

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
    let service = AgentService::new(
        &ctx.home,
        AgentOptions {
            lock_after: args.lock_after,
        },
    );
    // Check the vault before listening, so a missing or damaged one is reported at once.
    let file = VaultFile::open(&ctx.home.vault_path())?;
    drop(file);
    let listener = service.bind()?;
    let socket = service.socket_path().to_path_buf();
    let cleanup = service.clone();
    let stop_on = if args.background {
        vec![signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT]
    } else {
        vec![
            signal_hook::consts::SIGTERM,
            signal_hook::consts::SIGINT,
            signal_hook::consts::SIGHUP,
        ]
    };
    if args.background {
        // A detached agent outlives the terminal that started it.
        let ignored = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let _ = signal_hook::flag::register(signal_hook::consts::SIGHUP, ignored);
    }
    let mut signals = signal_hook::iterator::Signals::new(stop_on)
        .map_err(|e| Error::io("could not set up signal handling", e))?;
    let socket_for_exit = socket.clone();
    std::thread::spawn(move || {
        if signals.forever().next().is_some() {
            cleanup.lock();
            let _ = std::fs::remove_file(&socket_for_exit);
            std::process::exit(0);
        }
    });
    if ctx.global.password_file.is_some() {
        let pw = password::master(&ctx.global, "Master password: ")?;
        if let Err(err) = service.unlock(&pw) {
            let _ = std::fs::remove_file(&socket);
            return Err(err.into());
        }
    }
    let state = if service.status().unlocked {
        "unlocked"
    } else {
        "locked; run `keyward unlock`"
    };
    output::note(&format!(
        "agent {} listening on {} ({state}); locks after {} idle",
        std::process::id(),
        socket.display(),
        parse::format_duration(args.lock_after)
    ));
    service.serve(&listener)?;
    Ok(ExitCode::SUCCESS)
}

/// Starts `keyward agent` in its own process group with no terminal, then waits until it
/// answers on its socket.
fn detach(ctx: &Context, args: &Args) -> Result<ExitCode> {
    if AgentClient::connect(&ctx.home).is_some() {
        bail!(Error::Invalid(format!(
            "an agent is already running on {}",
            ctx.home.agent_socket().display()
        )));
    }
    VaultFile::open(&ctx.home.vault_path())?;
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
