//! Turns the agent's events into window events and desktop notifications, on a thread of its
//! own for as long as the agent runs.

use keyward_agent::AgentEvent;
use tauri::{AppHandle, Manager, Runtime};
use tauri_specta::Event;

use crate::backend::Backend;
use crate::events::VaultEvent;
use crate::notifier;
use crate::state::AppState;

pub fn follow<R: Runtime>(app: AppHandle<R>, backend: &Backend) {
    let events = match backend.events() {
        Ok(events) => events,
        Err(err) => {
            tracing::warn!("cannot follow the agent's events: {err}");
            return;
        }
    };
    let spawned = std::thread::Builder::new()
        .name("keyward-app-events".into())
        .spawn(move || {
            for event in events {
                if matches!(event, AgentEvent::Locked { .. }) {
                    app.state::<AppState>().clipboard.clear_now();
                }
                if let Some((title, body, screen)) = notification(&event)
                    && app.state::<AppState>().prefs().notifications
                {
                    notifier::show(&app, &title, &body, screen);
                }
                if let Some(told) = VaultEvent::of(&event)
                    && let Err(err) = told.emit(&app)
                {
                    tracing::warn!("could not tell the window: {err}");
                }
            }
        });
    if let Err(err) = spawned {
        tracing::warn!("cannot follow the agent's events: {err}");
    }
}

/// What deserves a notification, and the screen a click on it opens: the agent's own notes of
/// new leaks (one per burst, at most one per file a minute), unusual use, a degraded watcher,
/// rotation reminders. Texts name files and secrets, never values.
fn notification(event: &AgentEvent) -> Option<(String, String, &'static str)> {
    match event {
        AgentEvent::LeakAlert { summary, body } => Some((summary.clone(), body.clone(), "leaks")),
        AgentEvent::Anomaly { message } => Some((
            "Unusual use of your secrets".into(),
            message.clone(),
            "audit",
        )),
        AgentEvent::WatchDegraded { message } => {
            Some(("Leak watcher".into(), message.clone(), "projects"))
        }
        AgentEvent::Reminder { summary, body } => Some((summary.clone(), body.clone(), "rotation")),
        _ => None,
    }
}

/// Brings the window forward with each CLI request for values, and tells it when one is over.
pub fn connect_approvals<R: Runtime>(app: &AppHandle<R>) {
    let (asking, closing) = (app.clone(), app.clone());
    app.state::<AppState>().approvals.connect(
        Box::new(move |request| {
            let _ = VaultEvent::Approval {
                request: request.clone(),
            }
            .emit(&asking);
            crate::tray::show_main(&asking);
            if asking.state::<AppState>().prefs().notifications {
                notifier::show(
                    &asking,
                    &format!("{} asks for {}", request.command, request.names.join(", ")),
                    &format!(
                        "from {} (pid {}): allow or deny in keyward",
                        request.folder, request.pid
                    ),
                    "secrets",
                );
            }
        }),
        Box::new(move |id| {
            let _ = VaultEvent::ApprovalClosed { id }.emit(&closing);
        }),
    );
}
