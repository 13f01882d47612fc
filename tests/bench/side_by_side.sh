#!/usr/bin/env bash
# The side-by-side benchmark: builds the release server and the Rust load client, installs the
# pinned FastMCP and Python SDK into tests/bench/.venv (and the TypeScript SDK through
# tests/interop's package-lock), then runs tests/bench/side_by_side.py, which prints the tables
# that go into BENCHMARKS.md. Usage: bash tests/bench/side_by_side.sh [REQUESTS] [--write]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
cargo build --release -q -p caspio-mcp --bin caspio-mcp --example load
[ -x "$here/.venv/bin/python" ] || python3 -m venv "$here/.venv"
"$here/.venv/bin/pip" install -q --disable-pip-version-check -r "$here/requirements.txt"
(cd tests/interop && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
"$here/.venv/bin/python" "$here/side_by_side.py" "$@"
