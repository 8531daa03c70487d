//! The settings screen: auto-lock, clipboard, notifications, locking with the screen, start at
//! login, and the master password with its key derivation.

use keyward_core::crypto::kdf::KdfParams;
use keyward_core::prefs::Prefs;
use serde::{Deserialize, Serialize};
use tauri::State;

use crate::error::{UiError, UiResult};
use crate::state::AppState;
use crate::views::Calibration;

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct Settings {
    pub lock_after_minutes: u32,
    pub clipboard_clear_secs: u32,
    pub notifications: bool,
    pub lock_on_screen_lock: bool,
    /// `None` where the app cannot tell (a test build).
    pub start_at_login: Option<bool>,
}

fn settings(state: &AppState) -> Settings {
    let prefs = state.prefs();
    let autostart = state.autostart.lock().unwrap_or_else(|p| p.into_inner());
    Settings {
        lock_after_minutes: u32::try_from(prefs.lock_after_secs / 60).unwrap_or(u32::MAX),
        clipboard_clear_secs: u32::try_from(prefs.clipboard_clear_secs).unwrap_or(u32::MAX),
        notifications: prefs.notifications,
        lock_on_screen_lock: prefs.lock_on_screen_lock,
        start_at_login: autostart.as_ref().and_then(|ask| ask(None).ok()),
    }
}

#[tauri::command]
#[specta::specta]
pub async fn get_settings(state: State<'_, AppState>) -> UiResult<Settings> {
    Ok(settings(&state))
}

/// Saves and applies them at once (the running agent's auto-lock included).
#[tauri::command]
#[specta::specta]
pub async fn set_settings(state: State<'_, AppState>, settings: Settings) -> UiResult<Settings> {
    state.set_prefs(Prefs {
        lock_after_secs: u64::from(settings.lock_after_minutes) * 60,
        clipboard_clear_secs: u64::from(settings.clipboard_clear_secs),
        notifications: settings.notifications,
        lock_on_screen_lock: settings.lock_on_screen_lock,
    })?;
    if let (Some(want), Some(set)) = (
        settings.start_at_login,
        state
            .autostart
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref(),
    ) {
        set(Some(want))?;
    }
    Ok(self::settings(&state))
}

/// Changes the master password (the current one is checked first); with `recalibrate`, also
/// tunes the key derivation to this machine again and says how.
#[tauri::command]
#[specta::specta]
pub async fn change_password(
    state: State<'_, AppState>,
    current: String,
    new_password: String,
    recalibrate: bool,
) -> UiResult<Option<Calibration>> {
    let (current, new) = (super::secret(current), super::secret(new_password));
    if new.len() < 8 {
        return Err(UiError::invalid(
            "the new password needs at least 8 characters",
        ));
    }
    let calibrated = match recalibrate {
        true => Some(KdfParams::calibrate()?),
        false => None,
    };
    state
        .backend()?
        .change_password(&current, &new, calibrated.map(|(kdf, _)| kdf))?;
    Ok(calibrated.map(|(kdf, took)| Calibration::new(kdf, took)))
}
