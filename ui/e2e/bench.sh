#!/usr/bin/env bash
# Benchmark (not a test): the pod table in headless Chromium against the real control plane with
# KWOK. For each size: time from navigation to a rendered pod table showing every pod, then frame
# times while 100 pods per second change, and the tab's JS heap. Figures go to ui/BENCHMARKS.md.
#
#   ui/e2e/bench.sh [PODS...]        default: 10000 50000
#
# Environment: KUBILITICS_BIN (skip building the sidecar), BENCH_NODES (default PODS/100).
set -euo pipefail
ui="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="$(cd "$ui/.." && pwd)"
cd "$ui"
sizes=("${@:-10000 50000}")
[ $# -eq 0 ] && sizes=(10000 50000)

[ -x /usr/bin/chromium ] || { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; }
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run --silent build >/dev/null
bin="${KUBILITICS_BIN:-}"
if [ -z "$bin" ]; then
  (cd "$root" && cargo build -q --release -p kubilitics)
  bin="${CARGO_TARGET_DIR:-$root/target}/release/kubilitics"
fi

work="$(mktemp -d)"
cluster_pid=""
cleanup() { [ -n "$cluster_pid" ] && kill "$cluster_pid" 2>/dev/null && wait "$cluster_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

for pods in "${sizes[@]}"; do
  nodes="${BENCH_NODES:-$(( pods / 100 + 1 ))}"
  kc="$work/kubeconfig-$pods"
  echo "==> control plane with $nodes nodes and $pods pods"
  "$root/tests/cluster/up" --kubeconfig "$kc" --nodes "$nodes" --pods "$pods" > "$work/cluster-$pods.log" 2>&1 &
  cluster_pid=$!
  for _ in $(seq 1 1800); do [ -s "$kc" ] && break; sleep 1; done
  [ -s "$kc" ] || { echo "the control plane did not come up; see $work/cluster-$pods.log"; exit 1; }
  E2E_BIN="$bin" E2E_UI_DIR="$ui/dist" BENCH_KUBECONFIG="$kc" BENCH_PODS="$pods" BENCH_OUT="$ui/BENCHMARKS.md" node e2e/bench.mjs
  kill "$cluster_pid"; wait "$cluster_pid" 2>/dev/null || true; cluster_pid=""
done
