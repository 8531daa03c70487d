// No console window on Windows release builds; Linux and macOS ignore this.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() -> std::process::ExitCode {
    keyward_app::run()
}
