//! The tray icon: open the window, lock, quit. (On Linux a tray icon only has its menu; clicks on
//! the icon itself never arrive.)

use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{App, AppHandle, Manager, Runtime};
use tauri_specta::Event;

use crate::events::VaultEvent;
use crate::state::AppState;

pub fn install<R: Runtime>(app: &App<R>) -> tauri::Result<()> {
    let open = MenuItem::with_id(app, "open", "Open keyward", true, None::<&str>)?;
    let lock = MenuItem::with_id(app, "lock", "Lock", true, None::<&str>)?;
    let leaks = MenuItem::with_id(app, "leaks", "Leaks…", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit keyward", true, None::<&str>)?;
    let separator = PredefinedMenuItem::separator(app)?;
    let menu = Menu::with_items(app, &[&open, &leaks, &lock, &separator, &quit])?;
    let mut tray = TrayIconBuilder::with_id("keyward")
        .tooltip("keyward")
        .menu(&menu)
        .on_menu_event(|app, event| match event.id().as_ref() {
            "open" => show_main(app),
            "leaks" => {
                show_main(app);
                let _ = VaultEvent::Navigate {
                    screen: "leaks".into(),
                }
                .emit(app);
            }
            "lock" => {
                if let Err(err) = app.state::<AppState>().lock_now() {
                    tracing::warn!("could not lock: {err}");
                }
            }
            "quit" => app.exit(0),
            _ => {}
        });
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.build(app)?;
    Ok(())
}

/// Shows, unminimises and focuses the main window.
pub fn show_main<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.show();
        let _ = window.unminimize();
        let _ = window.set_focus();
    }
}
