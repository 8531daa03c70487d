//! What the watcher watches: project folders, shell histories, editor backups.

use keyward_core::WatchConfig;
use tauri::State;

use crate::error::UiResult;
use crate::state::AppState;
use crate::views::{Binding, ProjectView, WatchSettings};

#[tauri::command]
#[specta::specta]
pub async fn watch_settings(state: State<'_, AppState>) -> UiResult<WatchSettings> {
    Ok(state.with_store(|store| store.watch_config())?.into())
}

/// Replaces the settings; folders must exist and are stored as absolute paths.
#[tauri::command]
#[specta::specta]
pub async fn set_watch_settings(
    state: State<'_, AppState>,
    settings: WatchSettings,
) -> UiResult<WatchSettings> {
    let mut projects = Vec::with_capacity(settings.projects.len());
    for folder in &settings.projects {
        let path = std::fs::canonicalize(folder)
            .map_err(|e| keyward_core::Error::io(format!("cannot watch {folder}"), e))?;
        if !path.is_dir() {
            return Err(crate::error::UiError::invalid(format!(
                "{folder} is not a folder"
            )));
        }
        projects.push(path.display().to_string());
    }
    projects.sort();
    projects.dedup();
    let config = WatchConfig {
        projects,
        history: settings.history,
        editor_backups: settings.editor_backups,
    };
    state.with_store(|store| store.set_watch_config(&config))?;
    Ok(config.into())
}

/// Each watched folder with its `keyward.toml` bindings and its open leaks.
#[tauri::command]
#[specta::specta]
pub async fn project_details(state: State<'_, AppState>) -> UiResult<Vec<ProjectView>> {
    let (config, findings, names) = state.with_store(|store| {
        let names: Vec<String> = store.list()?.into_iter().map(|e| e.name).collect();
        Ok((store.watch_config()?, store.findings(false)?, names))
    })?;
    Ok(config
        .projects
        .iter()
        .map(|folder| {
            let file = std::path::Path::new(folder).join(keyward_core::project::PROJECT_FILE);
            let loaded = match file.exists() {
                true => keyward_core::project::Project::load(&file).and_then(|p| p.variables(None)),
                false => Err(keyward_core::Error::NoProjectFile(
                    "no keyward.toml here: `keyward run` gives this folder nothing".into(),
                )),
            };
            let (bindings, bindings_note) = match loaded {
                Ok(vars) => (
                    vars.into_iter()
                        .map(|(variable, secret)| Binding {
                            stored: names.contains(&secret),
                            variable,
                            secret,
                        })
                        .collect(),
                    None,
                ),
                Err(err) => (Vec::new(), Some(err.to_string())),
            };
            let inside = format!("{}/", folder.trim_end_matches('/'));
            let open = findings
                .iter()
                .filter(|f| f.path.starts_with(&inside))
                .count();
            ProjectView {
                folder: folder.clone(),
                bindings,
                bindings_note,
                open_findings: u32::try_from(open).unwrap_or(u32::MAX),
            }
        })
        .collect())
}
