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
step "setting up (idempotent)"
apt_install build-essential pkg-config ca-certificates curl
rust_components
ensure_kubectl
ensure_go
export CARGO_TARGET_DIR="$KUBILITICS_CACHE_DIR/target"

step "formatting and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings

step "unit and integration tests (no cluster needed)"
cargo test --workspace

step "tests against the real control plane"
tests/cluster/with-cluster -- bash -c '
  set -euo pipefail
  tests/cluster/smoke-test
  cargo test --workspace -- --ignored
'

printf '\nall test stages passed in %ss\n' "$((SECONDS - started))"
