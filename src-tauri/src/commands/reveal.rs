//! The two ways a value leaves the vault through the app: shown in the window (the UI hides it
//! again after a while and drops it), or put on the clipboard (never through the webview).
//! Both are recorded in the access log as the app's.

use keyward_core::inject::format::{EnvFormat, format_env};
use keyward_core::inject::variable_for;
use keyward_core::{Access, Error, Result, SecretBytes};
use tauri::State;
use zeroize::Zeroizing;

use super::fetch_one;
use crate::error::UiResult;
use crate::state::AppState;
use crate::views::CopyReceipt;

/// The value as text: what a window or a clipboard can hold.
fn text<'a>(name: &str, value: &'a SecretBytes) -> Result<&'a str> {
    std::str::from_utf8(value.expose())
        .map_err(|_| Error::Invalid(format!("'{name}' is not text; use `keyward get {name}`")))
}

#[tauri::command]
#[specta::specta]
pub async fn reveal_secret(state: State<'_, AppState>, name: String) -> UiResult<String> {
    let value = state.with_store(|store| fetch_one(store, &name, &Access::new("reveal")))?;
    Ok(text(&name, &value)?.to_owned())
}

/// Copies the value, or `export NAME='value'` (quoted for the shell) with `as_export`.
#[tauri::command]
#[specta::specta]
pub async fn copy_secret(
    state: State<'_, AppState>,
    name: String,
    as_export: bool,
) -> UiResult<CopyReceipt> {
    let value = state.with_store(|store| fetch_one(store, &name, &Access::new("copy")))?;
    let text = match as_export {
        true => {
            let vars = [(variable_for(&name), value)];
            let line = format_env(&vars, EnvFormat::Sh)?;
            Zeroizing::new(line.trim_end().to_owned())
        }
        false => Zeroizing::new(text(&name, &value)?.to_owned()),
    };
    let clear_after = state.prefs().clipboard_clear();
    state.clipboard.copy(text, clear_after)?;
    Ok(CopyReceipt {
        clears_in_secs: u32::try_from(clear_after.as_secs()).unwrap_or(u32::MAX),
    })
}
