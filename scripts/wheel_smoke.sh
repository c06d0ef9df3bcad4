#!/usr/bin/env bash
# The package as a user gets it: build the wheel, install it with [sandbox] into a fresh
# virtual environment in a temp folder outside the checkout, and from there run
# `dlt-gong demo` and `dlt-gong check` against a sandbox. Fails when the wheel is broken
# (a module or file left out of it, a missing dependency, an entry point that does not run).
#   scripts/wheel_smoke.sh [PYTHON]     PYTHON builds the venv (default python3)
set -euo pipefail
python=${1:-python3}
checkout=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dlt-gong-wheel.XXXXXX")
sandbox_pid=""
cleanup() {
  if [ -n "$sandbox_pid" ]; then kill "$sandbox_pid" 2>/dev/null || true; wait "$sandbox_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
say() { echo "wheel_smoke: $*"; }

pip() { "$tmp/venv/bin/python" -m pip "$@" 2> "$tmp/pip.log" || { cat "$tmp/pip.log"; exit 1; }; }
started=$SECONDS
"$python" -m venv "$tmp/venv"
pip wheel --quiet --no-deps --wheel-dir "$tmp/dist" "$checkout"
wheel=$(ls "$tmp"/dist/dlt_gong-*.whl)
pip install --quiet "$wheel[sandbox]"
say "built and installed $(basename "$wheel") in $((SECONDS - started)) s"

mkdir "$tmp/home" && cd "$tmp/home"  # nothing of the checkout is importable from here
export HOME="$tmp/home" DLT_DATA_DIR="$tmp/home/.dlt-data" RUNTIME__DLTHUB_TELEMETRY=false
unset PYTHONPATH VIRTUAL_ENV
from=$("$tmp/venv/bin/python" -c 'import dlt_gong; print(dlt_gong.__file__)')
case "$from" in "$tmp/venv/"*) ;; *) say "dlt_gong imported from $from, not the wheel"; exit 1 ;; esac

"$tmp/venv/bin/dlt-gong" demo --users 6 --calls 40 --days 5 > demo.log 2>&1 \
  || { cat demo.log; say "dlt-gong demo failed"; exit 1; }
[ -f gong.duckdb ] || { cat demo.log; say "the demo left no gong.duckdb"; exit 1; }
grep -q "first run" demo.log || { cat demo.log; say "the demo printed no summary"; exit 1; }
say "demo: $(grep -c '' demo.log) lines, gong.duckdb $(du -k gong.duckdb | cut -f1) kB"

GONG_SANDBOX_OAUTH_REFRESH_TOKEN=wheel-smoke-refresh-token \
  "$tmp/venv/bin/dlt-gong" sandbox --port 0 --users 4 --calls 10 --days 3 --no-rate-limit \
  > sandbox.log 2>&1 &
sandbox_pid=$!
for _ in $(seq 100); do grep -q "listening on" sandbox.log && break; sleep 0.1; done
url=$(sed -n 's/^Gong sandbox listening on //p' sandbox.log)
[ -n "$url" ] || { cat sandbox.log; say "the sandbox did not start"; exit 1; }
SOURCES__GONG__CREDENTIALS__ACCESS_KEY=sandbox-access-key \
SOURCES__GONG__CREDENTIALS__ACCESS_KEY_SECRET=sandbox-access-key-secret \
  "$tmp/venv/bin/dlt-gong" check --base-url "$url" > check.log 2>&1 \
  || { cat check.log; say "dlt-gong check failed"; exit 1; }
grep -q "tables can be loaded" check.log || { cat check.log; say "check printed no verdict"; exit 1; }
say "check: $(tail -n 1 check.log)"
SOURCES__GONG__CREDENTIALS__CLIENT_ID=sandbox-client-id \
SOURCES__GONG__CREDENTIALS__CLIENT_SECRET=sandbox-client-secret \
SOURCES__GONG__CREDENTIALS__REFRESH_TOKEN=wheel-smoke-refresh-token \
SOURCES__GONG__CREDENTIALS__TOKEN_URL="$url/oauth2/generate-customer-token" \
  "$tmp/venv/bin/dlt-gong" check > oauth.log 2>&1 \
  || { cat oauth.log; say "dlt-gong check with OAuth failed"; exit 1; }
grep -q "tables can be loaded" oauth.log || { cat oauth.log; say "OAuth check printed no verdict"; exit 1; }
ls "$DLT_DATA_DIR"/gong_oauth/*.json > /dev/null || { say "OAuth kept no refresh token"; exit 1; }
say "check with OAuth (refreshed, api_base_url_for_customer): $(tail -n 1 oauth.log)"
say "ok"
