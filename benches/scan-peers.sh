#!/usr/bin/env bash
# keyward scan against ripgrep (Debian), ripsecrets (crates.io) and detect-secrets (PyPI), side
# by side: speed on a large real tree (the cargo registry sources by default), precision and
# recall per scanner layer on a generated corpus with planted secrets and decoys, and the
# false-positive budget on the cargo registry and on a node_modules tree of popular npm packages.
# Peers are installed under target/peers.
# Usage: bash benches/scan-peers.sh [TREE]
#   KEYWARD_BEFORE=path/to/keyward  also measure a previous build, for before/after rows
set -euo pipefail
cd "$(dirname "$0")/.."
tree="${1:-$HOME/.cargo/registry/src}"
peers="$PWD/target/peers"
mkdir -p "$peers"
sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo

# A second real tree for the false-positive budget: a package.json depending on big popular
# packages pinned to exact versions (~500 MB of node_modules), installed once without running
# their install scripts. Prints the tree's folder; fails when npm is missing or the install fails.
npm_tree() {
  local dir="$1"
  # npm writes node_modules/.package-lock.json when an install completes
  if [ ! -f "$dir/node_modules/.package-lock.json" ]; then
    command -v npm >/dev/null || { echo "scan-peers: npm not found, no second tree" >&2; return 1; }
    mkdir -p "$dir"
    cat >"$dir/package.json" <<'EOF'
{
  "name": "keyward-bench-npm-tree",
  "version": "0.0.0",
  "private": true,
  "description": "A second real tree for keyward's false-positive budget: popular packages, pinned",
  "dependencies": {
    "@angular/core": "22.2.6",
    "@babel/core": "8.1.3",
    "aws-sdk": "2.1693.0",
    "eslint": "10.16.0",
    "next": "16.5.0",
    "react": "19.3.1",
    "react-dom": "19.3.1",
    "typescript": "5.9.3",
    "webpack": "5.113.0"
  }
}
EOF
    (cd "$dir" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error) >&2 || return 1
  fi
  echo "$dir"
}

command -v rg >/dev/null || $sudo apt-get install -y -qq ripgrep
[ -x "$peers/bin/ripsecrets" ] || cargo install --locked -q ripsecrets --root "$peers"
[ -x "$peers/venv/bin/detect-secrets" ] || { python3 -m venv "$peers/venv" && "$peers/venv/bin/pip" install -q detect-secrets; }
tree2="$(npm_tree "$peers/npm-tree")" || tree2=""
cargo build --release --locked -q -p keyward-cli
exec python3 benches/scan_peers.py \
  --keyward "$PWD/target/release/keyward" \
  ${KEYWARD_BEFORE:+--keyward-before "$KEYWARD_BEFORE"} \
  --ripsecrets "$peers/bin/ripsecrets" \
  --detect-secrets "$peers/venv/bin/detect-secrets" \
  --tree "$tree" \
  ${tree2:+--tree2 "$tree2"}
