//! `keyward audit [--json]`: the access log, names and context, never values. `keyward audit
//! verify`: checks its chain; exit 0 intact, 4 broken, naming the first bad record.

use std::process::ExitCode;

use anyhow::Result;

use crate::context::Context;
use crate::output;

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    action: Option<Action>,
    /// Print a JSON array of objects
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Check that no record was changed, moved, removed or cut off (exit 4 if one was)
    Verify,
    /// Remove records older than a period (oldest first; never a younger one): 365d, 52w, 2y
    Prune {
        #[arg(long, value_name = "PERIOD", value_parser = super::parse::rotate_every)]
        older_than: keyward_core::policy::RotateEvery,
    },
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    if let Some(Action::Prune { older_than }) = args.action {
        let now = keyward_core::time::Stamp::now().unix();
        let before =
            keyward_core::time::Stamp::from_unix(now - i64::from(older_than.days()) * 86_400);
        let removed = ctx.store()?.prune_audit(before)?;
        output::note(&format!(
            "removed {removed} records older than {}; the chain goes on from the last of them",
            before.date()
        ));
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(Action::Verify) = args.action {
        let check = ctx.store()?.verify_audit()?;
        output::stdout_text(&format!(
            "the access log is intact: {} records\n",
            check.records
        ))?;
        if check.unchained > 0 {
            output::note(&format!(
                "{} of them are from before records were chained: each was checked alone",
                check.unchained
            ));
        }
        return Ok(ExitCode::SUCCESS);
    }
    let events = ctx.store()?.audit_log()?;
    if args.json {
        output::stdout_json(&events)?;
        return Ok(ExitCode::SUCCESS);
    }
    if events.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    let rows: Vec<Vec<String>> = events
        .iter()
        .map(|e| {
            vec![
                e.time.to_string(),
                e.command.clone(),
                e.pid.to_string(),
                match &e.detail {
                    Some(detail) if e.names.is_empty() => detail.clone(),
                    Some(detail) => format!("{} ({detail})", e.names.join(",")),
                    None => e.names.join(","),
                },
                e.cwd.clone(),
            ]
        })
        .collect();
    output::stdout_text(&output::table(
        &["TIME", "COMMAND", "PID", "SECRETS / DETAIL", "FOLDER"],
        &rows,
    ))?;
    Ok(ExitCode::SUCCESS)
}
