//! What the watcher watches: project folders, shell histories, editor backups.

use keyward_core::WatchConfig;
use tauri::State;

use crate::error::UiResult;
use crate::state::AppState;
use crate::views::WatchSettings;

#[tauri::command]
#[specta::specta]
pub async fn watch_settings(state: State<'_, AppState>) -> UiResult<WatchSettings> {
    let config = state.with_store(|store| store.watch_config())?;
    Ok(WatchSettings {
        projects: config.projects,
        history: config.history,
        editor_backups: config.editor_backups,
    })
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
    Ok(WatchSettings {
        projects: config.projects,
        history: config.history,
        editor_backups: config.editor_backups,
    })
}
