//! Turns the agent's events into window events and desktop notifications, on a thread of its
//! own for as long as the agent runs.

use keyward_agent::AgentEvent;
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_notification::NotificationExt;
use tauri_specta::Event;

use crate::backend::Backend;
use crate::events::VaultEvent;
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
                if let Some((title, body)) = notification(&event)
                    && app.state::<AppState>().prefs().notifications
                {
                    notify(&app, &title, &body);
                }
                if let Err(err) = VaultEvent::from(&event).emit(&app) {
                    tracing::warn!("could not tell the window: {err}");
                }
            }
        });
    if let Err(err) = spawned {
        tracing::warn!("cannot follow the agent's events: {err}");
    }
}

/// What deserves a notification: new or more exposed leaks, unusual use, a degraded watcher,
/// rotation reminders. Texts name files and secrets, never values.
fn notification(event: &AgentEvent) -> Option<(String, String)> {
    use keyward_core::findings::FindingChange;
    match event {
        AgentEvent::Finding {
            change: FindingChange::New | FindingChange::Changed,
            finding,
        } => {
            let what = match &finding.secret {
                Some(name) => format!("your secret {name}"),
                None => finding.description.clone(),
            };
            Some((
                format!("Leak ({}): {what}", finding.severity.name()),
                format!("{}:{} — rotate it now", finding.path, finding.line),
            ))
        }
        AgentEvent::Anomaly { message } => {
            Some(("Unusual use of your secrets".into(), message.clone()))
        }
        AgentEvent::WatchDegraded { message } => Some(("Leak watcher".into(), message.clone())),
        AgentEvent::Reminder { summary, body } => Some((summary.clone(), body.clone())),
        _ => None,
    }
}

fn notify<R: Runtime>(app: &AppHandle<R>, title: &str, body: &str) {
    if let Err(err) = app.notification().builder().title(title).body(body).show() {
        tracing::warn!("could not show a notification: {err}");
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
                notify(
                    &asking,
                    &format!("{} asks for {}", request.command, request.names.join(", ")),
                    &format!(
                        "from {} (pid {}): allow or deny in keyward",
                        request.folder, request.pid
                    ),
                );
            }
        }),
        Box::new(move |id| {
            let _ = VaultEvent::ApprovalClosed { id }.emit(&closing);
        }),
    );
}
