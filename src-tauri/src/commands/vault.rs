//! Creating, unlocking and locking the vault, and what state it is in.

use keyward_core::Vault;
use keyward_core::crypto::kdf::KdfParams;
use tauri::State;

use crate::error::UiResult;
use crate::state::AppState;
use crate::views::{Calibration, VaultState};

#[tauri::command]
#[specta::specta]
pub async fn vault_state(state: State<'_, AppState>) -> UiResult<VaultState> {
    let exists = state.home.vault_path().exists();
    let status = match exists {
        true => Some(state.backend()?.status()?),
        false => None,
    };
    Ok(VaultState {
        exists,
        unlocked: status.as_ref().is_some_and(|s| s.unlocked),
        hosted: state.current().is_some_and(|b| b.is_hosted()),
        vault_path: state.home.vault_path().display().to_string(),
        lock_after_secs: status.as_ref().map_or(state.lock_after_secs(), |s| {
            u32::try_from(s.lock_after_secs).unwrap_or(u32::MAX)
        }),
        watching: status.and_then(|s| s.watch).map(|w| {
            format!(
                "{} places watched ({} inotify watches, {} polled), {} open findings",
                w.roots, w.inotify_watches, w.polled_folders, w.open_findings
            )
        }),
    })
}

/// Creates the vault with a key derivation calibrated to this machine, then unlocks it.
#[tauri::command]
#[specta::specta]
pub async fn create_vault(state: State<'_, AppState>, password: String) -> UiResult<Calibration> {
    let password = super::secret(password);
    let path = state.home.vault_path();
    if path.exists() {
        return Err(keyward_core::Error::VaultExists(path).into());
    }
    let (kdf, took) = KdfParams::calibrate()?;
    state.home.ensure_exists()?;
    drop(Vault::create(&path, &password, kdf, false)?);
    state.backend()?.unlock(&password)?;
    Ok(Calibration::new(kdf, took))
}

#[tauri::command]
#[specta::specta]
pub async fn unlock(state: State<'_, AppState>, password: String) -> UiResult<()> {
    let password = super::secret(password);
    Ok(state.backend()?.unlock(&password)?)
}

/// Locks the agent (the CLI's session too) and clears a copy of ours from the clipboard.
#[tauri::command]
#[specta::specta]
pub async fn lock(state: State<'_, AppState>) -> UiResult<()> {
    Ok(state.lock_now()?)
}
