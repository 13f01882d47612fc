#!/usr/bin/env bash
# Shows that an edit to caspio-spec/overrides.yaml reaches the tool list a client receives on the
# next `cargo build`, and times that incremental build. The file is restored whatever happens.
# Usage: tests/regenerate.sh   (prints "regenerate: ok ..." or fails)
set -euo pipefail
cd "$(dirname "$0")/.."
file=caspio-spec/overrides.yaml
backup=$(mktemp)
cp "$file" "$backup"
trap 'cp "$backup" "$file"; rm -f "$backup"' EXIT

cargo build -q -p caspio-mcp
bin=target/debug/caspio-mcp
marker="Names of all tables, edited at $(date +%s%N)."
# The listing is read whole, then searched: the check never depends on pipe timing.
if [[ "$("$bin" tools --json)" == *"$marker"* ]]; then
  echo "regenerate: the marker is already in the tool list" >&2; exit 1
fi
# The description is the second line after the tool's name (name, title, description).
sed -i "/name: list_all_caspio_tables/{n;n;s|description: .*|description: $marker|}" "$file"
grep -qF "$marker" "$file" || { echo "regenerate: could not edit $file" >&2; exit 1; }
start=$(date +%s.%N)
cargo build -q -p caspio-mcp
end=$(date +%s.%N)
if [[ "$("$bin" tools --json)" != *"$marker"* ]]; then
  echo "regenerate: FAILED: the edited description did not reach tools --json" >&2; exit 1
fi
awk -v s="$start" -v e="$end" 'BEGIN { printf "regenerate: ok, the edited description reached tools --json after an incremental build of %.1f s\n", e - s }'
