#!/usr/bin/env bash
# Sets up everything the tests need and runs every test: formatting and lints, the Rust unit
# and integration tests, then, against a real control plane (etcd, kube-apiserver,
# controller-manager, scheduler, KWOK; built from Go modules by tests/cluster), the control
# plane's smoke test and every integration test that needs a cluster.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source scripts/lib.sh

started=$SECONDS
# Every stage's output is also kept here, to total the results at the end.
results="$(mktemp "${TMPDIR:-/tmp}/kubilitics-test.XXXXXX")"
trap 'rm -f "$results"' EXIT
record() { "$@" 2>&1 | tee -a "$results"; }
step "setting up (idempotent)"
apt_install build-essential pkg-config ca-certificates curl postgresql
rust_components
ensure_kubectl
ensure_go
export CARGO_TARGET_DIR="$KUBILITICS_CACHE_DIR/target"
# A full run rebuilds the workspace's crates anyway; incremental state only fills the disk.
export CARGO_INCREMENTAL=0
require_free_disk "$CARGO_TARGET_DIR" 12
# The desktop shell (a workspace member) needs WebKitGTK headers to compile.
scripts/desktop.sh prepare

step "formatting and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings

step "unit and integration tests (no cluster needed)"
record cargo test --workspace

step "UI: lint, unit tests (Vitest), browser end-to-end tests (Debian's Chromium)"
(
  cd ui
  if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
    npm ci --no-audit --no-fund
  fi
  npm run --silent lint
  npm test
) 2>&1 | tee -a "$results"
KUBILITICS_BIN="$CARGO_TARGET_DIR/debug/kubilitics" record ui/e2e/run.sh

step "desktop app: the release sidecar and app in a real window under Xvfb, driven by WebDriver (tests/desktop)"
# Release binaries, as the .deb ships them: an optimised build beside the debug one above. What it
# costs, cold and warm, is measured in src-tauri/README.md.
record scripts/desktop.sh test

step "tests against the real control plane"
# up's node and scenario options; SIGTERM and SIGINT each stop every process it started.
record tests/cluster/up-test
# The test cluster's own logic (the metrics API's bookkeeping), compiled against the packages up built.
record tests/cluster/go-test
fidelity=sandbox_answers_clients_like_the_real_control_plane
record tests/cluster/with-cluster -- bash -c "
  set -euo pipefail
  tests/cluster/smoke-test
  tests/scenarios/check
  cargo test --workspace -- --ignored --skip $fidelity
"
# The sandbox's fidelity test compares a whole cluster with the sandbox's demo, so it gets a
# control plane of its own: the scenarios' nodes and pods would show up as differences.
record tests/cluster/with-cluster -- cargo test -p kubilitics --test sandbox_fidelity -- --ignored --exact $fidelity

# One closing line for the whole run: cargo's per-binary lines and the scripts' own
# "N passed, M failed" lines, added up.
# Vitest's summary is "Tests  N passed (N)" or "Tests  M failed | N passed (T)".
totals=$(
  {
    sed -nE 's/^test result: [a-zA-Z]+\. ([0-9]+) passed; ([0-9]+) failed.*/\1 \2/p; s/^([0-9]+) passed, ([0-9]+) failed.*/\1 \2/p' "$results"
    sed -nE 's/\x1b\[[0-9;]*m//g; /^ *Tests +/{s/.* ([0-9]+) failed.*/F\1/p; s/.* ([0-9]+) passed.*/P\1/p}' "$results" |
      awk '/^F/{print "0 " substr($0,2)} /^P/{print substr($0,2) " 0"}'
  } | awk '{p += $1; f += $2} END {printf "%d passed, %d failed", p, f}'
)
printf '\nall test stages passed in %ss\n' "$((SECONDS - started))"
echo "tests: $totals"
