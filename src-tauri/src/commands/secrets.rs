//! The secrets list, one secret's detail, and adding, editing, rotating and removing secrets.

use keyward_core::catalog::Catalog;
use keyward_core::generate::{Charset, generate};
use keyward_core::policy::{RotateEvery, parse_expiry};
use keyward_core::rotation::due;
use keyward_core::time::Stamp;
use keyward_core::usage::where_used;
use keyward_core::{EntryChanges, NewEntry, Result, SecretStore};
use tauri::State;

use crate::error::UiResult;
use crate::state::AppState;
use crate::views::{
    DueView, FindingView, NewSecret, SecretDetail, SecretEdit, SecretSummary, VersionView, used_in,
};

#[tauri::command]
#[specta::specta]
pub async fn list_secrets(state: State<'_, AppState>) -> UiResult<Vec<SecretSummary>> {
    Ok(state.with_store(|store| {
        let entries = store.list()?;
        let due = due(&entries, &store.findings(false)?, Stamp::now());
        let due: std::collections::HashMap<&str, _> =
            due.iter().map(|d| (d.name.as_str(), d)).collect();
        Ok(entries
            .iter()
            .map(|e| SecretSummary::new(e, due.get(e.name.as_str()).copied()))
            .collect())
    })?)
}

#[tauri::command]
#[specta::specta]
pub async fn secret_detail(state: State<'_, AppState>, name: String) -> UiResult<SecretDetail> {
    Ok(state.with_store(|store| detail(store, &name))?)
}

fn detail(store: &mut dyn SecretStore, name: &str) -> Result<SecretDetail> {
    let entry = store.entry(name)?;
    let findings = store.findings(true)?;
    let open: Vec<_> = findings
        .iter()
        .filter(|f| f.state == keyward_core::findings::FindingState::Open)
        .cloned()
        .collect();
    let due = due(std::slice::from_ref(&entry), &open, Stamp::now())
        .into_iter()
        .next();
    let used = where_used(
        name,
        &store.watch_config()?.projects,
        &findings,
        &store.audit_log()?,
    );
    let provider = entry
        .provider
        .as_deref()
        .and_then(|id| Catalog::builtin().ok()?.get(id));
    Ok(SecretDetail {
        summary: SecretSummary::new(&entry, due.as_ref()),
        created: entry.created.to_string(),
        updated: entry.updated.to_string(),
        note: entry.note.clone(),
        provider_name: provider.map(|p| p.name.clone()),
        provider_url: provider.map(|p| p.manage.clone()).filter(|m| !m.is_empty()),
        due: due.as_ref().map(DueView::from),
        history: store.history(name)?.iter().map(VersionView::from).collect(),
        used_in: used_in(&used),
        findings: findings
            .iter()
            .filter(|f| f.secret.as_deref() == Some(name))
            .map(FindingView::from)
            .collect(),
    })
}

/// Adds a secret; a key the provider catalog recognises gets its provider and, unless given,
/// the provider's rotation interval.
#[tauri::command]
#[specta::specta]
pub async fn add_secret(
    state: State<'_, AppState>,
    secret: NewSecret,
    value: String,
) -> UiResult<SecretSummary> {
    let value = super::secret(value);
    let provider = Catalog::builtin()?.identify(&secret.name, value.expose());
    let rotate_every = match secret.rotate_every_days {
        Some(days) => Some(RotateEvery::from_days(days)?),
        None => provider.map(|p| p.rotate_every),
    };
    let new = NewEntry {
        tags: secret.tags,
        note: secret.note.filter(|n| !n.is_empty()),
        rotate_every,
        expires: secret.expires.as_deref().map(parse_expiry).transpose()?,
        provider: provider.map(|p| p.id.clone()),
    };
    let entry = state.with_store(|store| store.add(&secret.name, &value, new))?;
    Ok(SecretSummary::new(&entry, None))
}

#[tauri::command]
#[specta::specta]
pub async fn update_secret(
    state: State<'_, AppState>,
    name: String,
    edit: SecretEdit,
) -> UiResult<SecretSummary> {
    let changes = EntryChanges {
        tags: edit.tags,
        note: edit.note.map(|n| Some(n).filter(|n| !n.is_empty())),
        rotate_every: edit
            .rotate_every_days
            .map(|d| (d > 0).then(|| RotateEvery::from_days(d)).transpose())
            .transpose()?,
        expires: edit
            .expires
            .map(|e| (!e.is_empty()).then(|| parse_expiry(&e)).transpose())
            .transpose()?,
        ..EntryChanges::default()
    };
    let entry = state.with_store(|store| store.update(&name, changes))?;
    Ok(SecretSummary::new(&entry, None))
}

/// Rotates to `value`, or to a generated one (32 letters and digits) when it is `None`.
#[tauri::command]
#[specta::specta]
pub async fn rotate_secret(
    state: State<'_, AppState>,
    name: String,
    value: Option<String>,
) -> UiResult<SecretSummary> {
    let value = match value {
        Some(v) => super::secret(v),
        None => generate(32, Charset::Alnum)?,
    };
    let entry = state.with_store(|store| store.rotate(&name, &value))?;
    Ok(SecretSummary::new(&entry, None))
}

#[tauri::command]
#[specta::specta]
pub async fn remove_secret(state: State<'_, AppState>, name: String) -> UiResult<()> {
    Ok(state.with_store(|store| store.remove(&name))?)
}
