//! The rotation dashboard: every secret that is exposed, expired, overdue or due soon.

use keyward_core::rotation::due;
use keyward_core::time::Stamp;
use tauri::State;

use crate::error::UiResult;
use crate::state::AppState;
use crate::views::DueView;

#[tauri::command]
#[specta::specta]
pub async fn due_list(state: State<'_, AppState>) -> UiResult<Vec<DueView>> {
    let due =
        state.with_store(|store| Ok(due(&store.list()?, &store.findings(false)?, Stamp::now())))?;
    Ok(due.iter().map(DueView::from).collect())
}
