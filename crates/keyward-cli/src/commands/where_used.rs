//! `keyward where NAME [--json]`: where a secret is used, so you know what breaks when you
//! rotate it: projects whose keyward.toml or .env files name it, files where the watcher saw its
//! value, and the programs it was given to (from the access log).

use std::process::ExitCode;

use anyhow::Result;
use keyward_core::names::validate_name;
use keyward_core::usage::where_used;

use crate::context::Context;
use crate::output;

#[derive(Debug, clap::Args)]
pub struct Args {
    name: String,
    /// Print a JSON object
    #[arg(long)]
    json: bool,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    validate_name(&args.name)?;
    let mut store = ctx.store()?;
    store.entry(&args.name)?;
    let findings = store.findings(true)?;
    let log = store.audit_log()?;
    let projects = store.watch_config()?.projects;
    let used = where_used(&args.name, &projects, &findings, &log);
    if args.json {
        output::stdout_json(&used)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut text = String::new();
    for p in &used.projects {
        let at = match (p.line, &p.profile) {
            (Some(line), _) => format!("{}:{line}", p.file),
            (None, Some(profile)) => format!("{} (profile {profile})", p.file),
            (None, None) => p.file.clone(),
        };
        text.push_str(&format!("project  {}  as {}\n", at, p.variable));
    }
    for f in &used.files {
        text.push_str(&format!(
            "leaked   {}:{}  {} ({:?}, finding {})\n",
            f.path,
            f.line,
            f.severity.name(),
            f.state,
            f.finding
        ));
    }
    for p in &used.programs {
        let what = match &p.program {
            Some(program) => format!("{} {program}", p.command),
            None => p.command.clone(),
        };
        text.push_str(&format!(
            "given    {what} in {} ({} times, last {})\n",
            p.folder, p.times, p.last
        ));
    }
    if text.is_empty() {
        output::note(&format!("{} is used nowhere keyward knows of", args.name));
    }
    output::stdout_text(&text)?;
    Ok(ExitCode::SUCCESS)
}
