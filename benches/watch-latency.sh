#!/usr/bin/env bash
# The agent's leak watcher on a large generated tree: 50,000 files in 5,000 folders, plus a
# node_modules of 50,000 more that must not be watched. Reports the first index's time, the
# inotify watches held, the agent's memory (RSS), and the latency from a write to its finding
# on `keyward watch` over 1,000 writes at random places (p50, p95, max, missed).
# Usage: bash benches/watch-latency.sh [WRITES]
set -euo pipefail
cd "$(dirname "$0")/.."
writes="${1:-1000}"
cargo build --release --locked -q -p keyward-cli
keyward="$PWD/target/release/keyward"
work="$(mktemp -d)"
trap 'kill "$agent_pid" 2>/dev/null || true; rm -rf "$work"' EXIT

export KEYWARD_HOME="$work/home" HOME="$work"
printf 'bench-password\n' > "$work/pw"
"$keyward" --password-file "$work/pw" init --insecure-fast-kdf 2>/dev/null
for name in stripe-live openai db-url github aws; do
  head -c 32 /dev/urandom | base64 -w0 | "$keyward" --password-file "$work/pw" add "$name" 2>/dev/null
done
printf 'bench-leak-%s' "$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
  | "$keyward" --password-file "$work/pw" add leak 2>/dev/null

python3 benches/watch_tree.py generate "$work/tree"

# Only the tree: the settings are sealed before the agent starts, so its first unlock indexes it.
"$keyward" --password-file "$work/pw" project disable history 2>/dev/null
"$keyward" --password-file "$work/pw" project add "$work/tree" 2>/dev/null
sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
"$keyward" agent --password-file "$work/pw" --lock-after 2h 2>"$work/agent.log" &
agent_pid=$!
python3 benches/watch_tree.py measure "$work/tree" "$keyward" "$agent_pid" "$work/agent.log" \
  "$("$keyward" --password-file "$work/pw" get leak)" "$writes"
