#!/usr/bin/env bash
# A user may build from the v3 document they download from their own account instead of ours:
#   CASPIO_SPEC=/path/to/caspio-v3-openapi.json cargo build
# This builds the whole workspace from Caspio's published document (../shared), checks the server
# lists the same tools as ours, and runs the sandbox and runtime suites through the client
# generated from it: every operation against the sandbox, auth, 429s, guards, pagination.
# The transport and snapshot suites are left out: they pin our own descriptions and constraints
# (Caspio's document declares no 5..1000 bound on q.pageSize, so that check is Caspio's there).
# Usage: tests/user_document.sh   (prints "user document: ok ..." or fails)
set -euo pipefail
cd "$(dirname "$0")/.."
doc="${CASPIO_REFERENCE:-../shared/caspio/reference/caspio-v3-openapi.json}"
if [[ ! -f "$doc" ]]; then
  echo "user document: FAILED: Caspio's document is not at $doc" >&2; exit 1
fi
doc="$(cd "$(dirname "$doc")" && pwd)/$(basename "$doc")"

names() { "$1" tools --json | python3 -c 'import json,sys; print("\n".join(sorted(t["name"] for t in json.load(sys.stdin))))'; }

cargo build -q -p caspio-mcp
ours=$(names target/debug/caspio-mcp)
CASPIO_SPEC="$doc" cargo build -q --workspace --all-targets
theirs=$(names target/debug/caspio-mcp)
if [[ "$ours" != "$theirs" ]]; then
  echo "user document: FAILED: the tool names differ" >&2
  diff <(echo "$ours") <(echo "$theirs") >&2 || true
  exit 1
fi
CASPIO_SPEC="$doc" cargo test -q -p caspio-sandbox --test sandbox
CASPIO_SPEC="$doc" cargo test -q -p caspio --test caspio runtime_safety::
# Leave the build as the default spec makes it.
cargo build -q -p caspio-mcp
echo "user document: ok, $(echo "$theirs" | wc -l) tools, sandbox and runtime suites pass on the client generated from $(basename "$doc")"
