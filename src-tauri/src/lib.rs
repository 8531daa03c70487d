//! The keyward desktop app: a thin Tauri 2 shell over keyward-core. It hosts the agent
//! in-process on the usual socket, so the CLI and the window share one unlock; each command is
//! a few lines over the core, and the window learns of changes through one event.

mod approvals;
mod backend;
mod bridge;
mod clipboard;
pub mod commands;
pub mod error;
pub mod events;
mod notifier;
mod session_lock;
pub mod state;
mod tray;
pub mod views;

use std::process::ExitCode;

use keyward_agent::AgentOptions;
use keyward_core::home::Home;
use tauri::{Manager, Runtime};

pub use state::AppState;

/// The commands and events the UI sees, with their TypeScript types (`ui/src/lib/bindings.ts`).
pub fn specta_builder<R: Runtime>() -> tauri_specta::Builder<R> {
    use commands::*;
    tauri_specta::Builder::<R>::new()
        .commands(tauri_specta::collect_commands![
            vault::vault_state,
            vault::create_vault,
            vault::unlock,
            vault::lock,
            commands::approvals::answer_approval,
            secrets::list_secrets,
            secrets::secret_detail,
            secrets::add_secret,
            secrets::update_secret,
            secrets::rotate_secret,
            secrets::remove_secret,
            reveal::reveal_secret,
            reveal::copy_secret,
            leaks::list_findings,
            leaks::set_finding_state,
            leaks::open_finding,
            leaks::ignore_finding_file,
            leaks::replace_finding_value,
            rotation::due_list,
            audit::audit_log,
            audit::verify_audit,
            watch::watch_settings,
            watch::set_watch_settings,
            watch::project_details,
            settings::get_settings,
            settings::set_settings,
            settings::change_password,
        ])
        .events(tauri_specta::collect_events![events::VaultEvent])
        .error_handling(tauri_specta::ErrorHandlingMode::Throw)
        .disable_serde_phases()
}

/// The app on any runtime (the real one, or Tauri's mock runtime in tests): its state and
/// commands. Once built, [`start`] wires it up.
pub fn configure<R: Runtime>(builder: tauri::Builder<R>, state: AppState) -> tauri::Builder<R> {
    builder
        .manage(state)
        .invoke_handler(specta_builder::<R>().invoke_handler())
}

/// Wires a built app up: its events, the bridge from each agent it starts to the window, the
/// window as the agent's approver; then starts (or attaches to) the agent when a vault exists,
/// so the CLI can use the app's unlock from the first moment.
pub fn start<R: Runtime>(app: &tauri::App<R>) {
    specta_builder::<R>().mount_events(app);
    let handle = app.handle().clone();
    let state = app.state::<AppState>();
    state.on_start(Box::new(move |backend| {
        bridge::follow(handle.clone(), backend)
    }));
    bridge::connect_approvals(app.handle());
    let handle = app.handle().clone();
    session_lock::watch(
        state.session_bus.clone(),
        std::sync::Arc::new(move |why| {
            let state = handle.state::<AppState>();
            if state.prefs().lock_on_screen_lock {
                tracing::info!("locking: {why}");
                if let Err(err) = state.lock_now() {
                    tracing::warn!("could not lock: {err}");
                }
            }
        }),
    );
    if let Err(err) = state.backend() {
        tracing::info!("no agent yet: {err}");
    }
}

/// The agent the app hosts: no notifications of its own (the app shows them).
pub fn agent_options() -> AgentOptions {
    AgentOptions {
        notifications: false,
        ..AgentOptions::default()
    }
}

pub fn run() -> ExitCode {
    init_logging();
    let home = match Home::from_env() {
        Ok(home) => home,
        Err(err) => {
            tracing::error!("{err}");
            return ExitCode::from(err.exit_code());
        }
    };
    let builder = tauri::Builder::default()
        // A second launch shows this window instead of starting another agent host.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            tray::show_main(app);
        }))
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            None,
        ));
    let state = AppState::with_approvals(home, agent_options());
    let app = configure(builder, state)
        .setup(|app| {
            if let Err(err) = tray::install(app) {
                tracing::warn!("no tray icon: {err}");
            }
            Ok(())
        })
        .on_window_event(|window, event| {
            // Closing the window keeps the app (and the agent it hosts) in the tray.
            if let tauri::WindowEvent::CloseRequested { api, .. } = event
                && window.app_handle().tray_by_id("keyward").is_some()
                && std::env::var_os("KEYWARD_APP_QUIT_ON_CLOSE").is_none()
            {
                api.prevent_close();
                let _ = window.hide();
            }
        })
        .build(tauri::generate_context!());
    let app = match app {
        Ok(app) => app,
        Err(err) => {
            tracing::error!("could not start the app: {err}");
            return ExitCode::FAILURE;
        }
    };
    *app.state::<AppState>()
        .autostart
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(autostart(app.handle().clone()));
    start(&app);
    app.run(|app, event| {
        if let tauri::RunEvent::Exit = event {
            app.state::<AppState>().shutdown();
        }
    });
    ExitCode::SUCCESS
}

fn init_logging() {
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::INFO)
        .with_target(false)
        .with_ansi(false)
        .try_init();
}

/// Start at login through the autostart plugin: `None` asks, `Some` sets, both say the state.
fn autostart(app: tauri::AppHandle) -> state::Autostart {
    use tauri_plugin_autostart::ManagerExt;
    Box::new(move |want| {
        let launcher = app.autolaunch();
        let failed = |e: tauri_plugin_autostart::Error| {
            keyward_core::Error::Invalid(format!("start at login: {e}"))
        };
        match want {
            Some(true) => launcher.enable().map_err(failed)?,
            Some(false) => launcher.disable().map_err(failed)?,
            None => {}
        }
        launcher.is_enabled().map_err(failed)
    })
}
