//! `keyward project add PATH` / `rm PATH` / `list [--json]` / `enable|disable SOURCE`: the
//! folders the agent watches for leaks, and whether it also watches shell history files and
//! editor backup folders (both on unless disabled). Sealed in the vault; a running agent
//! starts or stops watching at once.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use keyward_core::{Error, SecretStore, WatchConfig};
use serde::Serialize;

use crate::context::Context;
use crate::output;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Watch a folder for leaks
    Add { path: PathBuf },
    /// Stop watching a folder
    Rm { path: PathBuf },
    /// The watched folders and sources, and folders worth watching
    List {
        /// Print a JSON array
        #[arg(long)]
        json: bool,
    },
    /// Watch a built-in source again
    Enable { source: Source },
    /// Stop watching a built-in source
    Disable { source: Source },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Source {
    /// Shell, REPL and database-client history files in your home folder
    History,
    /// Editors' backup, swap and local-history folders
    EditorBackups,
}

#[derive(Debug, Serialize)]
struct Row {
    path: String,
    /// `project`, `history`, `editor-backups` or `suggested`.
    kind: &'static str,
    watched: bool,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    let mut store = ctx.store()?;
    let mut config = store.watch_config()?;
    match args.action {
        Action::Add { path } => {
            let folder = folder(&path)?;
            if config.projects.contains(&folder) {
                output::note(&format!("{folder} is watched already"));
                return Ok(ExitCode::SUCCESS);
            }
            config.projects.push(folder.clone());
            store.set_watch_config(&config)?;
            output::note(&format!("watching {folder}"));
        }
        Action::Rm { path } => {
            let folder = folder(&path).unwrap_or_else(|_| path.display().to_string());
            let before = config.projects.len();
            config.projects.retain(|p| *p != folder);
            if config.projects.len() == before {
                return Err(Error::Invalid(format!(
                    "{folder} is not a watched project; see `keyward project list`"
                ))
                .into());
            }
            store.set_watch_config(&config)?;
            output::note(&format!("no longer watching {folder}"));
        }
        Action::Enable { source } => switch(store.as_mut(), &mut config, source, true)?,
        Action::Disable { source } => switch(store.as_mut(), &mut config, source, false)?,
        Action::List { json } => {
            let log = store.audit_log().unwrap_or_default();
            let rows = rows(&config, &config.suggestions(&log));
            if json {
                output::stdout_json(&rows)?;
            } else {
                let mut text = String::new();
                for row in &rows {
                    let state = match (row.kind, row.watched) {
                        ("suggested", _) => "suggested (keyward project add PATH)",
                        (_, true) => "watched",
                        (_, false) => "off",
                    };
                    text.push_str(&format!("{:<15} {:<8} {}\n", row.kind, state, row.path));
                }
                output::stdout_text(&text)?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn switch(
    store: &mut dyn SecretStore,
    config: &mut WatchConfig,
    source: Source,
    on: bool,
) -> Result<()> {
    let (flag, name) = match source {
        Source::History => (&mut config.history, "history files"),
        Source::EditorBackups => (&mut config.editor_backups, "editor backup folders"),
    };
    *flag = on;
    store.set_watch_config(config)?;
    output::note(&format!(
        "{} {name}",
        if on { "watching" } else { "no longer watching" }
    ));
    Ok(())
}

/// An existing folder, as an absolute path without links.
fn folder(path: &Path) -> Result<String> {
    let absolute = path
        .canonicalize()
        .map_err(|e| Error::io(format!("could not find {}", path.display()), e))?;
    if !absolute.is_dir() {
        return Err(Error::Invalid(format!("{} is not a folder", path.display())).into());
    }
    absolute
        .to_str()
        .map(str::to_owned)
        .ok_or_else(|| Error::Invalid(format!("{} is not a UTF-8 path", path.display())).into())
}

fn rows(config: &WatchConfig, suggestions: &[String]) -> Vec<Row> {
    let mut rows: Vec<Row> = config
        .projects
        .iter()
        .map(|p| Row {
            path: p.clone(),
            kind: "project",
            watched: true,
        })
        .collect();
    if let Some(home) = std::env::var_os("HOME").map(PathBuf::from) {
        rows.push(Row {
            path: home.display().to_string(),
            kind: "history",
            watched: config.history,
        });
        for dir in keyward_scan::sources::EDITOR_BACKUP_DIRS {
            let path = home.join(dir);
            if path.is_dir() {
                rows.push(Row {
                    path: path.display().to_string(),
                    kind: "editor-backups",
                    watched: config.editor_backups,
                });
            }
        }
    }
    rows.extend(suggestions.iter().map(|p| Row {
        path: p.clone(),
        kind: "suggested",
        watched: false,
    }));
    rows
}
