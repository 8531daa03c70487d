//! The two ways a value leaves the vault through the app: shown in the window (the UI hides it
//! again after a while and drops it), or put on the clipboard (never through the webview).
//! Both are recorded in the access log as the app's.

use keyward_core::inject::format::{EnvFormat, format_env};
use keyward_core::inject::variable_for;
use keyward_core::{Access, Error, Result, SecretBytes, SecretStore};
use tauri::State;
use zeroize::Zeroizing;

use crate::error::UiResult;
use crate::state::AppState;
use crate::views::CopyReceipt;

fn read_text(store: &mut dyn SecretStore, name: &str, command: &str) -> Result<Zeroizing<String>> {
    let fetched = store.fetch(&[name.to_owned()], &Access::new(command))?;
    if let Some(err) = fetched.unrecorded {
        tracing::warn!("an access was not recorded: {err}");
    }
    let value: SecretBytes = fetched
        .values
        .into_iter()
        .next()
        .ok_or_else(|| Error::NotFound(name.to_owned()))?;
    let text = std::str::from_utf8(value.expose())
        .map_err(|_| Error::Invalid(format!("'{name}' is not text; use `keyward get {name}`")))?;
    Ok(Zeroizing::new(text.to_owned()))
}

#[tauri::command]
#[specta::specta]
pub async fn reveal_secret(state: State<'_, AppState>, name: String) -> UiResult<String> {
    let text = state.with_store(|store| read_text(store, &name, "reveal"))?;
    Ok(text.to_string())
}

/// Copies the value, or `export NAME='value'` (quoted for the shell) with `as_export`.
#[tauri::command]
#[specta::specta]
pub async fn copy_secret(
    state: State<'_, AppState>,
    name: String,
    as_export: bool,
) -> UiResult<CopyReceipt> {
    let text = state.with_store(|store| read_text(store, &name, "copy"))?;
    let text = match as_export {
        true => {
            let vars = [(variable_for(&name), SecretBytes::copy_from(text.as_bytes()))];
            let line = format_env(&vars, EnvFormat::Sh)?;
            Zeroizing::new(line.trim_end().to_owned())
        }
        false => text,
    };
    let clear_after = state.prefs().clipboard_clear();
    state.clipboard.copy(text, clear_after)?;
    Ok(CopyReceipt {
        clears_in_secs: u32::try_from(clear_after.as_secs()).unwrap_or(u32::MAX),
    })
}
