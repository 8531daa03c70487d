#!/usr/bin/env bash
# The desktop app's release figures beside a minimal Tauri 2 app built in the same run: binary
# size, start to the first screen (through tauri-driver, the same way for both), and idle memory
# (PSS of the app and its WebKit processes) under Xvfb. Needs what scripts/e2e installs.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
[ -d ui/dist ] || bash scripts/ui
cargo build --release --locked -p keyward-app -p keyward-cli

minimal="target/bench-minimal"
rm -rf "$minimal" && mkdir -p "$minimal"
cp -r benches/minimal-tauri/src benches/minimal-tauri/dist benches/minimal-tauri/build.rs \
  benches/minimal-tauri/tauri.conf.json "$minimal/"
cp benches/minimal-tauri/Cargo.toml.in "$minimal/Cargo.toml"
cp icons/32x32.png "$minimal/icon.png"
(cd "$minimal" && cargo build --release --quiet)

tools="$PWD/target/tools"
[ -x "$tools/bin/tauri-driver" ] || cargo install --locked --quiet --root "$tools" tauri-driver --version 2.1.0
[ -x .venv-e2e/bin/python ] || { python3 -m venv .venv-e2e; .venv-e2e/bin/pip install -q -r tests/e2e/requirements.txt; }
export PATH="$tools/bin:$PATH" NO_AT_BRIDGE=1 GTK_A11Y=none
exec xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- .venv-e2e/bin/python \
  benches/app_figures.py target/release/keyward-app "$minimal/target/release/minimal-tauri" \
  target/release/keyward
