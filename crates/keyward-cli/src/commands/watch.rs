//! `keyward watch [PATH]... [--format text|json]`: leaks as they happen. Without paths it
//! follows the agent's watcher (its projects, history files and editor backups); with paths it
//! watches those folders itself, in the foreground, with no agent. JSON: one finding a line,
//! with `change` (`new`, `changed`, `resolved`, `ignored`).

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::mpsc;

use anyhow::Result;
use keyward_agent::{AgentClient, AgentEvent};
use keyward_core::Error;
use keyward_core::findings::{FindingChange, StoredFinding};
use keyward_scan::walk::WalkOptions;
use keyward_scan::{Finding, git};
use keyward_watch::{Engine, Root, WatchEvent, WatchOptions, Watcher};
use serde::Serialize;

use crate::context::Context;
use crate::output;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folders to watch here, without an agent (default: follow the agent's watcher)
    paths: Vec<PathBuf>,
    /// How to print findings
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// With PATHs: look for key formats only; do not unlock the vault
    #[arg(long)]
    no_vault: bool,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    if args.paths.is_empty() {
        follow(ctx, args.format)
    } else {
        foreground(ctx, &args)
    }
}

/// The watcher's options, with `KEYWARD_MAX_WATCHES` capping inotify watches (to leave some to
/// other programs, and for tests of the polling fallback).
pub fn watch_options() -> WatchOptions {
    WatchOptions {
        max_watches: std::env::var("KEYWARD_MAX_WATCHES")
            .ok()
            .and_then(|v| v.parse().ok()),
        ..WatchOptions::default()
    }
}

fn follow(ctx: &Context, format: Format) -> Result<ExitCode> {
    let mut client = AgentClient::require(&ctx.home)?;
    match client.status()?.watch {
        Some(w) => output::note(&format!(
            "following the agent's watcher: {} folders, {} open findings (`keyward findings`); Ctrl-C to stop",
            w.roots, w.open_findings
        )),
        None => output::note(
            "the agent's watcher starts at its first unlock (`keyward unlock`); waiting for it",
        ),
    }
    loop {
        for event in client.subscribe()? {
            match event? {
                AgentEvent::Finding { change, finding } => print_stored(change, &finding, format)?,
                AgentEvent::WatchDegraded { message } => output::warn(&message),
                AgentEvent::Anomaly { message } => {
                    output::warn(&format!("unusual use: {message}"));
                }
                _ => {}
            }
        }
        // The stream ends when the agent stops, or when this reader fell too far behind.
        let again = AgentClient::connect(&ctx.home).and_then(|mut c| c.status().ok().map(|_| c));
        match again {
            Some(again) => {
                output::warn(
                    "fell behind the agent's events; some were missed (see `keyward findings`)",
                );
                client = again;
            }
            None => break,
        }
    }
    output::note("the agent stopped");
    Ok(ExitCode::SUCCESS)
}

fn foreground(ctx: &Context, args: &Args) -> Result<ExitCode> {
    let mut roots = Vec::new();
    for path in &args.paths {
        let absolute = path
            .canonicalize()
            .map_err(|e| Error::io(format!("could not find {}", path.display()), e))?;
        if !absolute.is_dir() {
            return Err(Error::Invalid(format!("{} is not a folder", path.display())).into());
        }
        roots.push(Root::tree(absolute));
    }
    let vault = if args.no_vault {
        None
    } else {
        crate::matcher::vault_matcher(ctx, "watch")?
    };
    let ids_key = match &vault {
        Some(v) => keyward_core::findings::finding_ids_key(&v.key),
        None => crate::matcher::agent_finding_ids_key(ctx)?,
    };
    let engine = Engine::new(WalkOptions::default(), ids_key)?;
    engine.set_known(vault.and_then(|v| v.known), ids_key);
    let (tx, rx) = mpsc::channel();
    let _watcher = Watcher::start(
        roots,
        Arc::new(engine),
        watch_options(),
        Box::new(move |event| {
            let _ = tx.send(event);
        }),
    )?;
    let mut open: HashMap<String, Vec<Finding>> = HashMap::new();
    for event in rx {
        match event {
            WatchEvent::TreeScanned {
                roots,
                findings,
                files,
                folders,
                ..
            } => {
                output::note(&format!(
                    "watching {folders} folders ({files} files); Ctrl-C to stop"
                ));
                let mut by_path: HashMap<String, Vec<Finding>> = HashMap::new();
                for f in findings {
                    by_path.entry(f.path.clone()).or_default().push(f);
                }
                // A whole scan (also after the kernel dropped events): what it did not find
                // again under its roots is resolved.
                let gone: Vec<String> = open
                    .keys()
                    .filter(|p| !by_path.contains_key(*p))
                    .filter(|p| roots.iter().any(|r| r.admits(std::path::Path::new(p))))
                    .cloned()
                    .collect();
                for path in gone {
                    update(&mut open, &path, Vec::new(), args.format)?;
                }
                for (path, found) in by_path {
                    update(&mut open, &path, found, args.format)?;
                }
            }
            WatchEvent::FileScanned { path, findings } => {
                update(&mut open, &path, findings, args.format)?;
            }
            WatchEvent::Gone { path } => {
                let under: Vec<String> = open
                    .keys()
                    .filter(|p| p.as_str() == path || p.starts_with(&format!("{path}/")))
                    .cloned()
                    .collect();
                for p in under {
                    update(&mut open, &p, Vec::new(), args.format)?;
                }
            }
            WatchEvent::GitIndexChanged { repo } => {
                let paths: Vec<String> = open
                    .keys()
                    .filter(|p| std::path::Path::new(p).starts_with(&repo))
                    .cloned()
                    .collect();
                let now = git::severities(&paths);
                for (path, found) in &mut open {
                    for f in found.iter_mut() {
                        if let Some(&severity) = now.get(path)
                            && severity != f.severity
                            && !f.identifier
                        {
                            f.severity = severity;
                            print_found(FindingChange::Changed, f, args.format)?;
                        }
                    }
                }
            }
            WatchEvent::Degraded { message } => output::warn(&message),
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `path` now holds `found`: prints what is new and what is gone.
fn update(
    open: &mut HashMap<String, Vec<Finding>>,
    path: &str,
    found: Vec<Finding>,
    format: Format,
) -> Result<()> {
    let before = open.remove(path).unwrap_or_default();
    for f in &found {
        if !before.iter().any(|b| b.fingerprint == f.fingerprint) {
            print_found(FindingChange::New, f, format)?;
        }
    }
    for b in &before {
        if !found.iter().any(|f| f.fingerprint == b.fingerprint) {
            print_found(FindingChange::Resolved, b, format)?;
        }
    }
    if !found.is_empty() {
        open.insert(path.to_owned(), found);
    }
    Ok(())
}

#[derive(Serialize)]
struct Line<'a, T: Serialize> {
    change: FindingChange,
    #[serde(flatten)]
    finding: &'a T,
}

fn print_found(change: FindingChange, f: &Finding, format: Format) -> Result<()> {
    let text = match format {
        Format::Json => json_line(change, f)?,
        Format::Text => {
            let what = match &f.secret {
                Some(name) => format!("secret '{name}' ({})", f.encoding),
                None => f.description.clone(),
            };
            format!(
                "{:<8}  {:<8}  {}:{}:{}  {what}  {}\n",
                change_name(change),
                f.severity.name(),
                f.path,
                f.line,
                f.column,
                f.redacted
            )
        }
    };
    output::stdout_text(&text)
}

fn print_stored(change: FindingChange, f: &StoredFinding, format: Format) -> Result<()> {
    let text = match format {
        Format::Json => json_line(change, f)?,
        Format::Text => format!(
            "{:<8}  {}\n",
            change_name(change),
            crate::commands::findings::line(f)
        ),
    };
    output::stdout_text(&text)
}

fn json_line<T: Serialize>(change: FindingChange, finding: &T) -> Result<String> {
    let mut text = serde_json::to_string(&Line { change, finding })
        .map_err(|e| Error::Invalid(format!("could not encode JSON: {e}")))?;
    text.push('\n');
    Ok(text)
}

fn change_name(change: FindingChange) -> &'static str {
    match change {
        FindingChange::New => "new",
        FindingChange::Changed => "changed",
        FindingChange::Resolved => "resolved",
        FindingChange::Ignored => "ignored",
    }
}
