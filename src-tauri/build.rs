// Declares the app's own commands to Tauri's permission system, so the capability file must
// grant each one by name: a command the UI does not use cannot be invoked from the webview.
const COMMANDS: &[&str] = &[
    "vault_state",
    "create_vault",
    "unlock",
    "lock",
    "answer_approval",
    "list_secrets",
    "secret_detail",
    "add_secret",
    "update_secret",
    "rotate_secret",
    "remove_secret",
    "reveal_secret",
    "copy_secret",
    "list_findings",
    "set_finding_state",
    "open_finding",
    "ignore_finding_file",
    "replace_finding_value",
    "due_list",
    "audit_log",
    "verify_audit",
    "watch_settings",
    "set_watch_settings",
    "project_details",
    "get_settings",
    "set_settings",
    "change_password",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .unwrap_or_else(|e| {
        eprintln!("tauri-build: {e:#}");
        std::process::exit(1)
    });
}
