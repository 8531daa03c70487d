//! The access log, newest first, and the check of its chain.

use tauri::State;

use crate::error::UiResult;
use crate::state::AppState;
use crate::views::{AuditCheckView, AuditView};

#[tauri::command]
#[specta::specta]
pub async fn audit_log(state: State<'_, AppState>) -> UiResult<Vec<AuditView>> {
    let log = state.with_store(|store| store.audit_log())?;
    Ok(log.iter().rev().map(AuditView::from).collect())
}

/// A broken chain is an answer here, not a failure: the UI shows which record is bad.
#[tauri::command]
#[specta::specta]
pub async fn verify_audit(state: State<'_, AppState>) -> UiResult<AuditCheckView> {
    Ok(match state.with_store(|store| store.verify_audit()) {
        Ok(check) => AuditCheckView {
            ok: true,
            records: u32::try_from(check.records).unwrap_or(u32::MAX),
            message: format!("the access log is intact: {} records", check.records),
        },
        Err(err @ keyward_core::Error::Corrupt(_)) => AuditCheckView {
            ok: false,
            records: 0,
            message: err.to_string(),
        },
        Err(err) => return Err(err.into()),
    })
}
