#!/usr/bin/env bash
# keyward scan against ripgrep (Debian), ripsecrets (crates.io) and detect-secrets (PyPI), side
# by side: speed on a large real tree (the cargo registry sources by default) and precision and
# recall on a generated corpus with planted secrets and decoys. Peers are installed under
# target/peers. Usage: bash benches/scan-peers.sh [TREE]
set -euo pipefail
cd "$(dirname "$0")/.."
tree="${1:-$HOME/.cargo/registry/src}"
peers="$PWD/target/peers"
mkdir -p "$peers"
sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
command -v rg >/dev/null || $sudo apt-get install -y -qq ripgrep
[ -x "$peers/bin/ripsecrets" ] || cargo install --locked -q ripsecrets --root "$peers"
[ -x "$peers/venv/bin/detect-secrets" ] || { python3 -m venv "$peers/venv" && "$peers/venv/bin/pip" install -q detect-secrets; }
cargo build --release --locked -q -p keyward-cli
exec python3 benches/scan_peers.py \
  --keyward "$PWD/target/release/keyward" \
  --ripsecrets "$peers/bin/ripsecrets" \
  --detect-secrets "$peers/venv/bin/detect-secrets" \
  --tree "$tree"
