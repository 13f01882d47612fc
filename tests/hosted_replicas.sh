#!/usr/bin/env bash
# Two `caspio-mcp hosted` replicas on one PostgreSQL, as a load balancer would run them: an MCP
# server created through one is served by the other; a scope changed through one holds on the
# other at its next request; a deletion through one is seen by the other; an expiry holds on
# both. Everything goes through the admin CLI and plain HTTP, against a standalone sandbox.
# Usage: tests/hosted_replicas.sh POSTGRES_URL   (prints "replicas: ok ..." or fails)
set -euo pipefail
cd "$(dirname "$0")/.."
db="$1"
cargo build -q -p caspio-mcp
bin=target/debug/caspio-mcp
export CASPIO_MCP_MASTER_KEY="$(python3 -c 'import base64,os;print(base64.b64encode(os.urandom(32)).decode())')"
export CASPIO_MCP_ADMIN_TOKEN="replica-admin-token-$(python3 -c 'import secrets;print(secrets.token_hex(8))')"
export CASPIO_MCP_LOG=warn
logs=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait "${pids[@]}" 2>/dev/null; rm -rf "$logs"' EXIT
# Waits for a line matching $2 in log $1 and prints the URL on it.
url_in() {
  for _ in $(seq 1 200); do
    local u; u=$(sed -n "s|.*$2[^h]*\(http://[0-9.:]*\).*|\1|p" "$1" | head -1)
    [[ -n "$u" ]] && { echo "$u"; return; }
    sleep 0.1
  done
  echo "no '$2' line in $1:" >&2; cat "$1" >&2; exit 1
}
"$bin" sandbox --port 0 --memory >"$logs/sandbox" 2>&1 & pids+=($!)
sandbox=$(url_in "$logs/sandbox" "Caspio sandbox (REST v3) at")
"$bin" hosted --database-url "$db" --listen 127.0.0.1:0 >"$logs/a" 2>&1 & pids+=($!)
"$bin" hosted --database-url "$db" --listen 127.0.0.1:0 >"$logs/b" 2>&1 & pids+=($!)
a=$(url_in "$logs/a" "admin API:")
b=$(url_in "$logs/b" "admin API:")
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
status() { curl -s -o /dev/null -w '%{http_code}' -X POST "$1" -H 'content-type: application/json' -H 'accept: application/json, text/event-stream' -d '{"jsonrpc":"2.0","id":1,"method":"ping"}'; }
tools() { curl -s -X POST "$1" -H 'content-type: application/json' -H 'accept: application/json, text/event-stream' -d '{"jsonrpc":"2.0","id":1,"method":"tools/list"}' | json '["result"]["tools"].__len__()'; }
fail() { echo "replicas: FAILED: $*" >&2; exit 1; }

conn=$("$bin" admin --url "$a" connections create --name Demo --account "$sandbox" --client-id sandbox-client --client-secret sandbox-secret | json '["id"]')
created=$("$bin" admin --url "$a" servers create "$conn" --name dirs --tags directories,users)
token=$(echo "$created" | json '["token"]'); id=$(echo "$created" | json '["id"]')
[[ "$(tools "$b/mcp/$token")" == 6 ]] || fail "a server created through A is not served by B"
"$bin" admin --url "$b" servers update "$conn" "$id" --read-only true >/dev/null
[[ "$(tools "$a/mcp/$token")" == 2 ]] || fail "a scope changed through B does not hold on A"
"$bin" admin --url "$b" servers delete "$conn" "$id" >/dev/null
[[ "$(status "$a/mcp/$token")" == 404 ]] || fail "a server deleted through B is still served by A"
expires=$(python3 -c 'import datetime as d;print((d.datetime.now(d.timezone.utc)+d.timedelta(seconds=3)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"))')
short=$("$bin" admin --url "$b" servers create "$conn" --name short --tags tables --expires-at "$expires" | json '["token"]')
[[ "$(status "$a/mcp/$short")" == 200 && "$(status "$b/mcp/$short")" == 200 ]] || fail "a server with an expiry does not work before it"
sleep 3.5
[[ "$(status "$a/mcp/$short")" == 404 && "$(status "$b/mcp/$short")" == 404 ]] || fail "an expiry does not hold on both replicas"
echo "replicas: ok, two processes on one PostgreSQL: create, change, delete and expiry seen across them"
