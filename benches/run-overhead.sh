#!/usr/bin/env bash
# `keyward run -- true` with a warm agent against a bare spawn (`env true`) and against
# dotenvx (`npx dotenvx run -- true`, installed from npm), side by side with hyperfine.
# Prints a Markdown table of medians. Usage: bash benches/run-overhead.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-200}"
command -v hyperfine >/dev/null || { sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo; $sudo apt-get install -y -qq hyperfine; }

cargo build --release --locked -q -p keyward-cli
keyward="$PWD/target/release/keyward"
work="$(mktemp -d)"
trap 'KEYWARD_HOME="$work/home" "$keyward" lock >/dev/null 2>&1 || true; pkill -f "$work/home" >/dev/null 2>&1 || true; kill "$agent_pid" 2>/dev/null || true; rm -rf "$work"' EXIT

npm install --silent --prefix "$work/node" @dotenvx/dotenvx >/dev/null 2>&1
dotenvx="$work/node/node_modules/.bin/dotenvx"

export KEYWARD_HOME="$work/home"
printf 'bench-password\n' > "$work/pw"
# The agent's vault: the KDF cost is paid once at unlock and is not part of `run`.
"$keyward" --password-file "$work/pw" init --insecure-fast-kdf 2>/dev/null
for name in stripe-live openai db-url; do
  head -c 48 /dev/urandom | base64 | "$keyward" --password-file "$work/pw" add "$name" 2>/dev/null
done
mkdir "$work/project"
cat > "$work/project/keyward.toml" <<'TOML'
[env]
STRIPE_KEY = "stripe-live"
OPENAI_API_KEY = "openai"
DATABASE_URL = "db-url"
TOML
# dotenvx reads the same three variables from a plain .env file.
for v in STRIPE_KEY OPENAI_API_KEY DATABASE_URL; do
  printf '%s=%s\n' "$v" "$(head -c 48 /dev/urandom | base64 -w0)"
done > "$work/project/.env"

"$keyward" agent --password-file "$work/pw" --lock-after 1h 2>/dev/null &
agent_pid=$!
for _ in $(seq 100); do "$keyward" status --json 2>/dev/null | grep -q '"unlocked": true' && break; sleep 0.05; done

cd "$work/project"
hyperfine -N --warmup 20 --runs "$runs" --export-json "$work/results.json" \
  -n 'env true (bare spawn)' 'env true' \
  -n 'keyward run --no-mask -- true' "$keyward run --no-mask -- true" \
  -n 'keyward run -- true (masked)' "$keyward run -- true" \
  -n 'dotenvx run -- true' "$dotenvx run -q -f .env -- true" >/dev/null

python3 - "$work/results.json" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
base = results[0]["median"]
dotenvx = results[-1]["median"]
print("| command | median | over a bare spawn | vs dotenvx |")
print("| --- | --- | --- | --- |")
for r in results:
    m = r["median"]
    print(f"| `{r['command']}` | {m*1000:.2f} ms | {(m-base)*1000:+.2f} ms | {dotenvx/m:.0f}x faster |"
          if r is not results[-1] else f"| `{r['command']}` | {m*1000:.2f} ms | {(m-base)*1000:+.2f} ms | 1x |")
PY
