//! Desktop notifications whose click opens the matching screen. Tauri's notification plugin
//! shows them through notify-rust on Linux but offers no click there; this asks notify-rust
//! for the "default" action (a click on the notification) and waits for it on a thread of the
//! notification's own, which ends when the notification is clicked or closed.

use tauri::{AppHandle, Runtime};
use tauri_specta::Event;

use crate::events::VaultEvent;

pub fn show<R: Runtime>(app: &AppHandle<R>, title: &str, body: &str, screen: &'static str) {
    let (app, title, body) = (app.clone(), title.to_owned(), body.to_owned());
    let spawned = std::thread::Builder::new()
        .name("keyward-notification".into())
        .spawn(move || {
            let shown = notify_rust::Notification::new()
                .appname("keyward")
                .summary(&title)
                .body(&body)
                .icon("dialog-warning")
                .action("default", "Open")
                .timeout(notify_rust::Timeout::Milliseconds(15_000))
                .show();
            match shown {
                Ok(handle) => handle.wait_for_action(|action| {
                    if action == "default" {
                        crate::tray::show_main(&app);
                        let _ = VaultEvent::Navigate {
                            screen: screen.into(),
                        }
                        .emit(&app);
                    }
                }),
                Err(err) => tracing::info!("could not show a desktop notification: {err}"),
            }
        });
    if let Err(err) = spawned {
        tracing::warn!("could not show a desktop notification: {err}");
    }
}
