//! The leak findings the watcher keeps, and what the user does about one.

use keyward_core::Error;
use keyward_core::findings::FindingState;
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

/// Opens the finding's file in the desktop's default application for it.
#[tauri::command]
#[specta::specta]
pub async fn open_finding(state: State<'_, AppState>, id: i32) -> UiResult<()> {
    let findings = state.with_store(|store| store.findings(true))?;
    let finding = findings
        .iter()
        .find(|f| f.id == i64::from(id))
        .ok_or_else(|| Error::Invalid(format!("no finding with id {id}")))?;
    std::process::Command::new("xdg-open")
        .arg(&finding.path)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| Error::io("could not run xdg-open", e))?;
    Ok(())
}
