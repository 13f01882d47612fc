#!/usr/bin/env bash
# Measures what the tools/list of caspio-mcp and of the OpenAPI-to-MCP tools people use today cost
# in o200k_base tokens, all given Caspio's own published v3 document and counted by one counter
# (tests/peers/count_tokens.rs, the same encoding as tests/caspio/token_budget.rs).
#
#   bash tests/peers/measure.sh            # prints a markdown table for BENCHMARKS.md
#
# A benchmark, not a test: it installs the pinned peers from npm and PyPI into target/peers and
# is not part of .ci/run. Needs node >= 20, npm, python3 and ../shared beside the checkout.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
doc="${CASPIO_REFERENCE:-$root/../shared/caspio/reference/caspio-v3-openapi.json}"
work="$root/target/peers"
base_url="https://example.caspio.com/rest"

if [[ ! -f "$doc" ]]; then
  echo "measure.sh: Caspio's document is not at $doc (set CASPIO_REFERENCE)" >&2
  exit 1
fi
mkdir -p "$work/out"
cp "$here/package.json" "$here/package-lock.json" "$work/"
cp "$here/list_stdio.mjs" "$here/list_fastmcp.py" "$work/"

echo "measure.sh: installing the pinned peers into $work" >&2
(cd "$work" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
if [[ ! -x "$work/venv/bin/python" ]]; then
  python3 -m venv "$work/venv"
fi
"$work/venv/bin/pip" install -q -r "$here/requirements.txt"

# openapi-mcp-generator writes a TypeScript project, which is then built and run as its users do.
rm -rf "$work/generated"
"$work/node_modules/.bin/openapi-mcp-generator" -i "$doc" -o "$work/generated" -b "$base_url" >/dev/null
(cd "$work/generated" && npm install --no-audit --no-fund --loglevel=error >/dev/null && npm run build >/dev/null)

echo "measure.sh: listing tools" >&2
(cd "$root" && cargo run -q --release -p caspio-mcp -- tools --json) > "$work/out/caspio-mcp.json"
(cd "$root" && CASPIO_SPEC="$doc" cargo run -q --release -p caspio-mcp -- tools --json) \
  > "$work/out/caspio-mcp-from-caspio-doc.json"
(cd "$work" && node list_stdio.mjs node generated/build/index.js) > "$work/out/openapi-mcp-generator.json"
(cd "$work" && node list_stdio.mjs node_modules/.bin/openapi-mcp-server --transport stdio \
  --api-base-url "$base_url" --openapi-spec "$doc") > "$work/out/ivotoby.json"
"$work/venv/bin/python" "$work/list_fastmcp.py" "$doc" > "$work/out/fastmcp.json"

cd "$root"
# Building from Caspio's document regenerated the crate; build it back from ours before leaving.
cargo build -q --release -p caspio-mcp
cargo run -q --example count_tokens -- \
  "caspio-mcp (our spec)=$work/out/caspio-mcp.json" \
  "caspio-mcp (Caspio's document)=$work/out/caspio-mcp-from-caspio-doc.json" \
  "openapi-mcp-generator 4.0.1=$work/out/openapi-mcp-generator.json" \
  "@ivotoby/openapi-mcp-server 1.16.1=$work/out/ivotoby.json" \
  "FastMCP 4.2.3 from_openapi=$work/out/fastmcp.json"
