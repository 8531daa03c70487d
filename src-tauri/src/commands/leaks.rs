//! The leak findings the watcher keeps, and what the user does about one.

use std::path::Path;

use keyward_core::findings::{FindingState, StoredFinding};
use keyward_core::{Access, Error, remedy};
use tauri::State;

use crate::error::{UiError, UiResult};
use crate::state::AppState;
use crate::views::FindingView;

/// Open findings, worst first; with `all`, resolved and ignored ones too.
#[tauri::command]
#[specta::specta]
pub async fn list_findings(state: State<'_, AppState>, all: bool) -> UiResult<Vec<FindingView>> {
    let mut findings = state.with_store(|store| store.findings(all))?;
    findings.sort_by(|a, b| {
        (b.state == FindingState::Open, b.severity, &a.path, a.line).cmp(&(
            a.state == FindingState::Open,
            a.severity,
            &b.path,
            b.line,
        ))
    });
    Ok(findings.iter().map(FindingView::from).collect())
}

/// `resolved`, `ignored` (a reason is required) or `open` again.
#[tauri::command]
#[specta::specta]
pub async fn set_finding_state(
    state: State<'_, AppState>,
    id: i32,
    new_state: String,
    reason: Option<String>,
) -> UiResult<FindingView> {
    let new_state = match new_state.as_str() {
        "open" => FindingState::Open,
        "resolved" => FindingState::Resolved,
        "ignored" => FindingState::Ignored,
        other => return Err(UiError::invalid(format!("no finding state '{other}'"))),
    };
    let reason = reason.filter(|r| !r.trim().is_empty());
    if new_state == FindingState::Ignored && reason.is_none() {
        return Err(UiError::invalid("say why the finding is ignored"));
    }
    let finding =
        state.with_store(|store| store.set_finding_state(i64::from(id), new_state, reason))?;
    Ok(FindingView::from(&finding))
}

fn finding(state: &AppState, id: i32) -> keyward_core::Result<StoredFinding> {
    state
        .with_store(|store| store.findings(true))?
        .into_iter()
        .find(|f| f.id == i64::from(id))
        .ok_or_else(|| Error::Invalid(format!("no finding with id {id}")))
}

/// Adds the finding's file to its repository's `.gitignore`; says what it did.
#[tauri::command]
#[specta::specta]
pub async fn ignore_finding_file(state: State<'_, AppState>, id: i32) -> UiResult<String> {
    let finding = finding(&state, id)?;
    let done = remedy::ignore_in_git(Path::new(&finding.path))?;
    Ok(match done.added {
        Some(line) => format!("added {line} to {}", done.gitignore.display()),
        None => format!("{} already ignores it", done.gitignore.display()),
    })
}

/// Replaces your secret's value in the finding's file with `kw://NAME`; the watcher then sees
/// the leak gone. Only for findings of your own secrets (a pattern finding has no name).
#[tauri::command]
#[specta::specta]
pub async fn replace_finding_value(state: State<'_, AppState>, id: i32) -> UiResult<String> {
    let finding = finding(&state, id)?;
    let name = finding.secret.clone().ok_or_else(|| {
        UiError::invalid("only a leak of one of your secrets can become a kw:// reference")
    })?;
    let access = Access::new("replace").with_detail(finding.path.clone());
    let value = state.with_store(|store| super::fetch_one(store, &name, &access))?;
    let count = remedy::replace_with_reference(Path::new(&finding.path), &value, &name)?;
    Ok(format!(
        "replaced {count} with kw://{name} in {}",
        finding.path
    ))
}

/// Opens the finding's file in the desktop's default application for it.
#[tauri::command]
#[specta::specta]
pub async fn open_finding(state: State<'_, AppState>, id: i32) -> UiResult<()> {
    let finding = finding(&state, id)?;
    std::process::Command::new("xdg-open")
        .arg(&finding.path)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| Error::io("could not run xdg-open", e))?;
    Ok(())
}
