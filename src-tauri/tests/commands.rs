//! The app's commands on Tauri's mock runtime, headless, with the app's real configuration and
//! capability (so a command the capability does not grant fails here), against a real vault in
//! a throwaway home and the real agent the app hosts.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::time::Duration;

use keyward_agent::{Agent, AgentClient, AgentOptions};
use keyward_app::{AppState, agent_options, configure, start};
use keyward_core::home::Home;
use keyward_core::{Access, SecretBytes, SecretStore};
use serde_json::{Value, json};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder};
use tauri::webview::InvokeRequest;
use tauri::{App, Manager, WebviewWindow};

const PASSWORD: &str = "correct horse battery staple";
const STRIPE: &str = "sk_live_51HqLyjWDarjtT1zdp7dcXfU9m2Zx6pQrK8vN3bT4yL0sJ7aE";

struct TestApp {
    _app: App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
    home: Home,
    _dir: tempfile::TempDir,
}

fn app_with(dir: tempfile::TempDir, options: AgentOptions) -> TestApp {
    let home = Home::at(dir.path().join("home"));
    build(home.clone(), AppState::new(home, options), dir)
}

fn app() -> TestApp {
    app_with(tempfile::tempdir().unwrap(), quiet())
}

fn build(home: Home, state: AppState, dir: tempfile::TempDir) -> TestApp {
    let app = configure(mock_builder(), state)
        .build(tauri::generate_context!())
        .expect("build the app");
    start(&app);
    let window = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("the main window");
    TestApp {
        _app: app,
        window,
        home,
        _dir: dir,
    }
}

/// The app's agent options, without the watcher (these tests are about commands).
fn quiet() -> AgentOptions {
    AgentOptions {
        watch: None,
        ..agent_options()
    }
}

impl TestApp {
    fn call(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        let request = InvokeRequest {
            cmd: cmd.into(),
            callback: tauri::ipc::CallbackFn(0),
            error: tauri::ipc::CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: tauri::ipc::InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        };
        get_ipc_response(&self.window, request).map(|body| body.deserialize::<Value>().unwrap())
    }

    fn ok(&self, cmd: &str, args: Value) -> Value {
        self.call(cmd, args)
            .unwrap_or_else(|e| panic!("{cmd} failed: {e}"))
    }

    fn create(&self) {
        let calibration = self.ok("create_vault", json!({ "password": PASSWORD }));
        assert!(calibration["memory_mib"].as_u64().unwrap() >= 64);
    }
}

fn new_secret(name: &str, tags: &[&str]) -> Value {
    json!({ "name": name, "tags": tags, "note": null, "rotate_every_days": null, "expires": null })
}

#[test]
fn create_add_list_detail_reveal() {
    let app = app();
    let state = app.ok("vault_state", json!({}));
    assert_eq!(state["exists"], false);

    app.create();
    let state = app.ok("vault_state", json!({}));
    assert_eq!(
        (state["exists"].clone(), state["unlocked"].clone()),
        (json!(true), json!(true))
    );
    assert_eq!(state["hosted"], true);

    let added = app.ok(
        "add_secret",
        json!({ "secret": new_secret("stripe-live", &["billing"]), "value": STRIPE }),
    );
    // The catalog knows a Stripe live key: its provider and interval are filled in.
    assert_eq!(added["provider"], "stripe");
    assert!(added["rotate_every_days"].as_u64().is_some());

    let list = app.ok("list_secrets", json!({}));
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["health"], "ok");

    let detail = app.ok("secret_detail", json!({ "name": "stripe-live" }));
    assert_eq!(detail["provider_name"], "Stripe");
    assert_eq!(detail["history"].as_array().unwrap().len(), 1);

    // Only reveal returns the value; nothing else the UI is sent holds it.
    for (cmd, args) in [
        ("vault_state", json!({})),
        ("list_secrets", json!({})),
        ("secret_detail", json!({ "name": "stripe-live" })),
        ("due_list", json!({})),
        ("audit_log", json!({})),
        ("list_findings", json!({ "all": true })),
    ] {
        let text = app.ok(cmd, args).to_string();
        assert!(!text.contains(STRIPE), "{cmd} returned the value");
    }
    assert_eq!(
        app.ok("reveal_secret", json!({ "name": "stripe-live" })),
        STRIPE
    );
    let log = app.ok("audit_log", json!({})).to_string();
    assert!(
        log.contains("\"reveal\""),
        "the reveal was not recorded: {log}"
    );
}

#[test]
fn errors_reach_the_ui_as_code_and_message_without_values() {
    let app = app();
    assert_eq!(
        app.call("list_secrets", json!({})).unwrap_err()["code"],
        "no_vault"
    );
    app.create();
    app.ok(
        "add_secret",
        json!({ "secret": new_secret("stripe-live", &[]), "value": STRIPE }),
    );
    let dup = app
        .call(
            "add_secret",
            json!({ "secret": new_secret("stripe-live", &[]), "value": STRIPE }),
        )
        .unwrap_err();
    assert_eq!(dup["code"], "already_exists");
    assert!(!dup.to_string().contains(STRIPE));
    assert_eq!(
        dup.as_object().unwrap().len(),
        2,
        "only code and message: {dup}"
    );

    for cmd in [
        "open_finding",
        "ignore_finding_file",
        "replace_finding_value",
    ] {
        let missing = app.call(cmd, json!({ "id": 999 })).unwrap_err();
        assert_eq!(missing["code"], "invalid", "{cmd}: {missing}");
    }

    app.ok("lock", json!({}));
    assert_eq!(
        app.call("reveal_secret", json!({ "name": "stripe-live" }))
            .unwrap_err()["code"],
        "locked"
    );
    let wrong = app
        .call("unlock", json!({ "password": "guess" }))
        .unwrap_err();
    assert_eq!(wrong["code"], "wrong_password");
    let bad_state = app.call(
        "set_finding_state",
        json!({ "id": 1, "newState": "ignored", "reason": " " }),
    );
    assert_eq!(bad_state.unwrap_err()["code"], "invalid");
}

#[test]
fn the_cli_shares_the_apps_unlock_over_the_socket() {
    let app = app();
    app.create();
    app.ok(
        "add_secret",
        json!({ "secret": new_secret("openai", &[]), "value": "sk-proj-abc123" }),
    );
    let mut client =
        AgentClient::connect_unlocked(&app.home).expect("the app's agent answers unlocked");
    let values = client
        .fetch(&["openai".into()], &Access::new("get"))
        .unwrap()
        .values;
    assert_eq!(values[0].expose(), b"sk-proj-abc123");

    // A lock from the CLI is the app's lock too.
    client.lock().unwrap();
    assert_eq!(app.ok("vault_state", json!({}))["unlocked"], false);
    app.ok("unlock", json!({ "password": PASSWORD }));
    assert!(AgentClient::connect_unlocked(&app.home).is_some());
}

#[test]
fn attaches_to_a_headless_agent_instead_of_holding_the_keys_twice() {
    let dir = tempfile::tempdir().unwrap();
    let home = Home::at(dir.path().join("home"));
    home.ensure_exists().unwrap();
    drop(
        keyward_core::Vault::create(
            &home.vault_path(),
            &SecretBytes::copy_from(PASSWORD.as_bytes()),
            keyward_core::crypto::kdf::KdfParams::INSECURE_FAST,
            true,
        )
        .unwrap(),
    );
    let headless = Agent::start(&home, quiet()).unwrap();
    let app = app_with(dir, quiet());
    let state = app.ok("vault_state", json!({}));
    assert_eq!(
        (state["hosted"].clone(), state["unlocked"].clone()),
        (json!(false), json!(false))
    );

    app.ok("unlock", json!({ "password": PASSWORD }));
    assert!(
        headless.status().unlocked,
        "the app unlocked the headless agent"
    );
    app.ok(
        "add_secret",
        json!({ "secret": new_secret("db", &["prod"]), "value": "hunter2-but-longer" }),
    );
    assert_eq!(
        headless.store().entry("db").unwrap().tags,
        vec!["prod".to_string()]
    );
    // Settings other than the auto-lock apply; the headless agent keeps its own auto-lock,
    // and a refused change is not saved.
    let settings = |minutes: u32| json!({ "settings": { "lock_after_minutes": minutes, "clipboard_clear_secs": 10, "notifications": false, "lock_on_screen_lock": true, "start_at_login": null } });
    app.ok("set_settings", settings(10));
    let refused = app.call("set_settings", settings(1)).unwrap_err();
    assert_eq!(refused["code"], "invalid");
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("--lock-after"),
        "{refused}"
    );
    assert_eq!(app.ok("get_settings", json!({}))["lock_after_minutes"], 10);
    app.ok("lock", json!({}));
    assert!(!headless.status().unlocked);
}

#[test]
fn edit_rotate_generate_and_remove() {
    let app = app();
    app.create();
    app.ok(
        "add_secret",
        json!({ "secret": new_secret("db-password", &["db"]), "value": "first-value" }),
    );
    let edited = app.ok(
        "update_secret",
        json!({ "name": "db-password", "edit": { "tags": ["db", "prod"], "note": "main db", "rotate_every_days": 30, "expires": "2031-01-31" } }),
    );
    assert_eq!(edited["tags"], json!(["db", "prod"]));
    assert_eq!(edited["rotate_every_days"], 30);
    assert_eq!(edited["expires"], "2031-01-31");

    app.ok(
        "rotate_secret",
        json!({ "name": "db-password", "value": "second-value" }),
    );
    let generated = app.ok(
        "rotate_secret",
        json!({ "name": "db-password", "value": null }),
    );
    assert_eq!(generated["version"], 3);
    let value = app.ok("reveal_secret", json!({ "name": "db-password" }));
    let value = value.as_str().unwrap();
    assert_eq!(value.len(), 32);
    assert!(value.chars().all(|c| c.is_ascii_alphanumeric()));

    let bad = app.call(
        "update_secret",
        json!({ "name": "db-password", "edit": { "tags": null, "note": null, "rotate_every_days": null, "expires": "next tuesday" } }),
    );
    assert_eq!(bad.unwrap_err()["code"], "invalid");

    app.ok("remove_secret", json!({ "name": "db-password" }));
    assert_eq!(app.ok("list_secrets", json!({})), json!([]));
}

#[test]
fn watch_settings_and_audit_verify() {
    let app = app();
    app.create();
    let project = tempfile::tempdir().unwrap();
    let saved = app.ok(
        "set_watch_settings",
        json!({ "settings": { "projects": [project.path()], "history": false, "editor_backups": true } }),
    );
    let canonical = project.path().canonicalize().unwrap().display().to_string();
    assert_eq!(saved["projects"], json!([canonical]));
    assert_eq!(app.ok("watch_settings", json!({}))["history"], false);
    let missing = app.call(
        "set_watch_settings",
        json!({ "settings": { "projects": ["/no/such/folder"], "history": true, "editor_backups": true } }),
    );
    assert_eq!(missing.unwrap_err()["code"], "io");

    std::fs::write(
        project.path().join("keyward.toml"),
        "[env]\nOPENAI_API_KEY = \"openai\"\nDATABASE_URL = \"kw://db/url\"\n",
    )
    .unwrap();
    app.ok(
        "add_secret",
        json!({ "secret": new_secret("openai", &[]), "value": "sk-proj-abc123" }),
    );
    let details = app.ok("project_details", json!({}));
    assert_eq!(details[0]["folder"], json!(canonical));
    assert_eq!(
        details[0]["bindings"],
        json!([
            { "variable": "DATABASE_URL", "secret": "db/url", "stored": false },
            { "variable": "OPENAI_API_KEY", "secret": "openai", "stored": true },
        ])
    );
    std::fs::write(project.path().join("keyward.toml"), "[env\n").unwrap();
    let broken = app.ok("project_details", json!({}));
    assert!(
        broken[0]["bindings_note"]
            .as_str()
            .unwrap()
            .contains("keyward.toml"),
        "{broken}"
    );

    let check = app.ok("verify_audit", json!({}));
    assert_eq!(check["ok"], true);
    assert!(check["records"].as_u64().unwrap() >= 2, "{check}");
}

#[test]
fn a_stopped_app_leaves_no_socket_and_no_unlocked_agent() {
    let app = app();
    app.create();
    let socket = app.home.agent_socket();
    assert!(socket.exists());
    app._app.state::<AppState>().shutdown();
    std::thread::sleep(Duration::from_millis(50));
    assert!(!socket.exists());
    assert!(AgentClient::connect(&app.home).is_none());
}

#[test]
fn the_window_may_call_only_what_its_capability_grants() {
    let app = app();
    let refused = app.call(
        "plugin:notification|notify",
        json!({ "options": { "title": "x" } }),
    );
    assert!(
        refused.is_err(),
        "a plugin command outside the capability ran"
    );
    let refused = app.call("plugin:notification|request_permission", json!({}));
    assert!(refused.is_err());
}

#[test]
fn a_cli_request_waits_for_the_users_answer_in_the_window() {
    use tauri::Listener;
    let dir = tempfile::tempdir().unwrap();
    let home = Home::at(dir.path().join("home"));
    let app = build(
        home.clone(),
        AppState::with_approvals(home.clone(), quiet()),
        dir,
    );
    let (tx, rx) = std::sync::mpsc::channel::<Value>();
    app._app.listen_any("vault-event", move |event| {
        let payload: Value = serde_json::from_str(event.payload()).unwrap();
        if payload["kind"] == "approval" {
            tx.send(payload["request"].clone()).unwrap();
        }
    });
    app.create();
    app.ok(
        "add_secret",
        json!({ "secret": new_secret("openai", &[]), "value": "sk-proj-abc123" }),
    );
    let ask = |home: Home| {
        std::thread::spawn(move || {
            AgentClient::require(&home)
                .unwrap()
                .fetch(&["openai".into()], &Access::new("get"))
                .map(|f| f.values[0].expose().to_vec())
        })
    };

    let asking = ask(home.clone());
    let request = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("the window is asked");
    assert_eq!(request["names"], json!(["openai"]));
    assert_eq!(request["command"], "get");
    assert!(!request.to_string().contains("sk-proj-abc123"));
    let id = request["id"].clone();
    let bad = app.call(
        "answer_approval",
        json!({ "id": id, "decision": "folder", "minutes": 0 }),
    );
    assert_eq!(bad.unwrap_err()["code"], "invalid");
    app.ok(
        "answer_approval",
        json!({ "id": id, "decision": "deny", "minutes": null }),
    );
    let denied = asking.join().unwrap().unwrap_err();
    assert_eq!(denied.code(), "denied");
    // An answer to a request that is over is refused.
    let late = app.call(
        "answer_approval",
        json!({ "id": id, "decision": "once", "minutes": null }),
    );
    assert_eq!(late.unwrap_err()["code"], "invalid");

    let asking = ask(home.clone());
    let id = rx.recv_timeout(Duration::from_secs(10)).unwrap()["id"].clone();
    app.ok(
        "answer_approval",
        json!({ "id": id, "decision": "once", "minutes": null }),
    );
    assert_eq!(asking.join().unwrap().unwrap(), b"sk-proj-abc123");
}

#[test]
fn settings_apply_to_the_running_agent_and_persist() {
    let app = app();
    app.create();
    let settings = app.ok("get_settings", json!({}));
    assert_eq!(settings["lock_after_minutes"], 10);
    assert_eq!(settings["clipboard_clear_secs"], 30);
    assert_eq!(
        settings["start_at_login"],
        Value::Null,
        "no autostart in a test build"
    );
    let changed = app.ok(
        "set_settings",
        json!({ "settings": { "lock_after_minutes": 1, "clipboard_clear_secs": 10, "notifications": false, "lock_on_screen_lock": true, "start_at_login": null } }),
    );
    assert_eq!(changed["lock_after_minutes"], 1);
    assert_eq!(app.ok("vault_state", json!({}))["lock_after_secs"], 60);
    let saved = std::fs::read_to_string(app.home.root().join("app.json")).unwrap();
    assert!(saved.contains("\"clipboard_clear_secs\": 10"), "{saved}");
    let bad = app.call(
        "set_settings",
        json!({ "settings": { "lock_after_minutes": 0, "clipboard_clear_secs": 10, "notifications": true, "lock_on_screen_lock": true, "start_at_login": null } }),
    );
    assert_eq!(bad.unwrap_err()["code"], "invalid");
    assert_eq!(
        app.ok("get_settings", json!({}))["lock_after_minutes"],
        1,
        "a refused change stuck"
    );
}

#[test]
fn the_master_password_changes_only_with_the_current_one() {
    let app = app();
    app.create();
    let wrong = app.call(
        "change_password",
        json!({ "current": "not it", "newPassword": "a much better phrase", "recalibrate": false }),
    );
    assert_eq!(wrong.unwrap_err()["code"], "wrong_password");
    let short = app.call(
        "change_password",
        json!({ "current": PASSWORD, "newPassword": "short", "recalibrate": false }),
    );
    assert_eq!(short.unwrap_err()["code"], "invalid");
    let calibration = app.ok(
        "change_password",
        json!({ "current": PASSWORD, "newPassword": "a much better phrase", "recalibrate": true }),
    );
    assert!(calibration["passes"].as_u64().unwrap() >= 1);
    app.ok("lock", json!({}));
    let old = app.call("unlock", json!({ "password": PASSWORD }));
    assert_eq!(old.unwrap_err()["code"], "wrong_password");
    app.ok("unlock", json!({ "password": "a much better phrase" }));
}

#[test]
fn the_screen_locking_locks_the_app() {
    let dir = tempfile::tempdir().unwrap();
    let mut bus = std::process::Command::new("dbus-daemon")
        .args(["--session", "--nofork", "--print-address=1"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("dbus-daemon (Debian dbus-daemon) runs");
    let address = {
        use std::io::BufRead;
        let mut line = String::new();
        std::io::BufReader::new(bus.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        line.trim().to_owned()
    };
    let home = Home::at(dir.path().join("home"));
    let mut state = AppState::new(home.clone(), quiet());
    state.session_bus = Some(address.clone());
    let app = build(home, state, dir);
    app.create();
    assert_eq!(app.ok("vault_state", json!({}))["unlocked"], true);
    // The watcher subscribes on its own thread: send until it has seen one.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while app.ok("vault_state", json!({}))["unlocked"] == true {
        assert!(std::time::Instant::now() < deadline, "the app did not lock");
        let sent = std::process::Command::new("dbus-send")
            .arg(format!("--bus={address}"))
            .args([
                "--type=signal",
                "/org/freedesktop/ScreenSaver",
                "org.freedesktop.ScreenSaver.ActiveChanged",
                "boolean:true",
            ])
            .status()
            .expect("dbus-send (Debian dbus-bin) runs");
        assert!(sent.success());
        std::thread::sleep(Duration::from_millis(100));
    }
    // Unlocked again, the screen saver going away does not lock.
    app.ok("unlock", json!({ "password": PASSWORD }));
    for _ in 0..5 {
        std::process::Command::new("dbus-send")
            .arg(format!("--bus={address}"))
            .args([
                "--type=signal",
                "/org/freedesktop/ScreenSaver",
                "org.freedesktop.ScreenSaver.ActiveChanged",
                "boolean:false",
            ])
            .status()
            .unwrap();
    }
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(app.ok("vault_state", json!({}))["unlocked"], true);
    let _ = bus.kill();
    let _ = bus.wait();
}
