#!/usr/bin/env bash
# Incremental dev-build times of `caspio-mcp` on this machine, and what each edit rebuilds:
#   1. an overrides edit (a tool description) reaching the binary: build.rs reruns the generator;
#   2. an edit of the sandbox: which crates it recompiles (it must not be the generated crate).
# Prints the median of RUNS builds of each, and the crates each recompiled.
# Usage: tests/bench/build_times.sh [TREE] [RUNS]   (TREE: a checkout, default this one)
set -euo pipefail
tree="$(cd "${1:-$(dirname "$0")/../..}" && pwd)"
runs="${2:-5}"
cd "$tree"
overrides=caspio-spec/overrides.yaml
# The sandbox moved from server/src/sandbox to its own crate; measure whichever this tree has.
if [[ -f sandbox/src/db.rs ]]; then sandbox_file=sandbox/src/db.rs; else sandbox_file=server/src/sandbox/db.rs; fi
backup=$(mktemp)
cp "$overrides" "$backup"
trap 'cp "$backup" "$overrides"; rm -f "$backup"' EXIT

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
timed() { # runs cargo build, prints seconds; cargo's output stays in $log
  local start end
  start=$(date +%s.%N)
  cargo build -p caspio-mcp 2>"$log"
  end=$(date +%s.%N)
  awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f\n", e - s }'
}
compiled() { grep -o 'Compiling [a-z_-]*' "$log" | awk '{print $2}' | sort -u | tr '\n' ' '; }
log=$(mktemp)
cargo build -q -p caspio-mcp
override_times=(); sandbox_times=()
for i in $(seq "$runs"); do
  sed -i "/name: list_all_caspio_tables/{n;n;s|description: .*|description: Names of all tables, edit $i $(date +%s%N).|}" "$overrides"
  override_times+=("$(timed)"); override_compiled=$(compiled)
  cp "$backup" "$overrides"
  cargo build -q -p caspio-mcp
  touch "$sandbox_file"
  sandbox_times+=("$(timed)"); sandbox_compiled=$(compiled)
done
rm -f "$log"
echo "tree: $tree ($(git -C "$tree" rev-parse --short HEAD)), $runs runs each"
echo "overrides edit: median $(printf '%s\n' "${override_times[@]}" | median) s (runs: ${override_times[*]}); recompiles: $override_compiled"
echo "sandbox edit:   median $(printf '%s\n' "${sandbox_times[@]}" | median) s (runs: ${sandbox_times[*]}); recompiles: $sandbox_compiled"
