//! `keyward findings [--json] [--all]` / `findings ignore ID --reason TEXT` / `findings resolve
//! ID`: the watcher's findings, open ones by default. A running agent answers even while
//! locked (it keeps the findings subkey); without one the vault is unlocked here.

use std::process::ExitCode;

use anyhow::Result;
use keyward_agent::AgentClient;
use keyward_core::findings::{FindingState, StoredFinding};
use keyward_core::{Error, SecretStore};

use crate::context::Context;
use crate::output;

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    action: Option<Action>,
    /// Print a JSON array
    #[arg(long)]
    json: bool,
    /// Resolved and ignored findings too
    #[arg(long)]
    all: bool,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Leave a finding alone from now on, saying why
    Ignore {
        id: i64,
        #[arg(long, value_name = "TEXT")]
        reason: String,
    },
    /// Mark a finding dealt with (a scan that finds it again reopens it)
    Resolve { id: i64 },
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    let mut store = store(ctx)?;
    match args.action {
        Some(Action::Ignore { id, reason }) => {
            let reason = reason.trim().to_owned();
            if reason.is_empty() {
                return Err(Error::Invalid("say why with --reason TEXT".into()).into());
            }
            let f = store.set_finding_state(id, FindingState::Ignored, Some(reason))?;
            output::note(&format!("ignoring finding {id} ({}:{})", f.path, f.line));
        }
        Some(Action::Resolve { id }) => {
            let f = store.set_finding_state(id, FindingState::Resolved, None)?;
            output::note(&format!("finding {id} ({}:{}) is resolved", f.path, f.line));
        }
        None => {
            let findings = store.findings(args.all)?;
            if args.json {
                output::stdout_json(&findings)?;
            } else {
                let text: String = findings.iter().map(|f| format!("{}\n", line(f))).collect();
                output::stdout_text(&text)?;
                if findings.is_empty() {
                    output::note(if args.all {
                        "no findings"
                    } else {
                        "no open findings (--all shows resolved and ignored ones)"
                    });
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The agent when one runs (it answers while locked), else the vault unlocked here.
fn store(ctx: &Context) -> Result<Box<dyn SecretStore>> {
    if let Some(mut agent) = AgentClient::connect(&ctx.home)
        && agent.findings(false).is_ok()
    {
        return Ok(Box::new(agent));
    }
    ctx.store()
}

/// One finding on one line: id, severity, where, what, and its state when not open.
pub fn line(f: &StoredFinding) -> String {
    let what = match &f.secret {
        Some(name) => format!("secret '{name}' ({})", f.encoding),
        None => f.description.clone(),
    };
    let state = match f.state {
        FindingState::Open => String::new(),
        FindingState::Resolved => "  [resolved]".into(),
        FindingState::Ignored => {
            format!("  [ignored: {}]", f.reason.as_deref().unwrap_or_default())
        }
    };
    format!(
        "{:>4}  {:<8}  {}:{}:{}  {what}  {}{state}",
        f.id,
        f.severity.name(),
        f.path,
        f.line,
        f.column,
        f.redacted
    )
}
