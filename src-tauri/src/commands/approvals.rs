//! The user's answer to a CLI's request for values.

use std::time::Duration;

use keyward_agent::Decision;
use tauri::State;

use crate::error::{UiError, UiResult};
use crate::state::AppState;

/// `once`, `folder` (for `minutes`, 1 to 1440) or `deny`.
#[tauri::command]
#[specta::specta]
pub async fn answer_approval(
    state: State<'_, AppState>,
    id: u32,
    decision: String,
    minutes: Option<u32>,
) -> UiResult<()> {
    let decision = match decision.as_str() {
        "once" => Decision::AllowOnce,
        "deny" => Decision::Deny,
        "folder" => match minutes {
            Some(m @ 1..=1440) => Decision::AllowFolderFor(Duration::from_secs(u64::from(m) * 60)),
            _ => return Err(UiError::invalid("allow a folder for 1 to 1440 minutes")),
        },
        other => return Err(UiError::invalid(format!("no decision '{other}'"))),
    };
    match state.approvals.answer(id, decision) {
        true => Ok(()),
        false => Err(UiError::invalid("that request is no longer waiting")),
    }
}
