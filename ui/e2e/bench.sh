#!/usr/bin/env bash
# Benchmark (not a test): the pod table in headless Chromium against the real control plane with
# KWOK. Measures the time from navigation to a rendered pod table showing every pod, frame times
# while 100 pods per second change, and the tab's JS heap; prints the figures and appends a row to
# ui/BENCHMARKS.md.
#
#   tests/cluster/with-cluster --nodes 500 --pods 10000 -- ui/e2e/bench.sh
#       against the cluster with-cluster started (KUBILITICS_TEST_KUBECONFIG); PODS defaults to
#       the pods the cluster holds.
#   ui/e2e/bench.sh [PODS...]
#       starts tests/cluster/up itself for each size (default 10000 50000, nodes PODS/100+1).
#
# Environment: KUBILITICS_BIN (a built sidecar; default: build a release one), BENCH_SIDECAR (how
# the row names that sidecar; default release or debug from its path), BENCH_NODES, BENCH_SECONDS
# (churn duration, default 10), BENCH_RATE (pod changes per second, default 100), BENCH_TRACE=FILE
# (keep the Chrome trace and list each main-thread task over 50 ms by what ran in it),
# BENCH_PROFILE=1 (a CPU profile of the page, summed by function), BENCH_BROWSER_NICE=N (run
# Chromium's processes and their autogroup at nice N: the browser gets a core when it wants one),
# BENCH_SPLIT_CPUS=1 (browser and sidecar pinned to CPU 1, the control plane and the churn driver
# to CPU 0: the cluster on other hardware, as users have it).
set -euo pipefail
ui="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="$(cd "$ui/.." && pwd)"
cd "$ui"

[ -x /usr/bin/chromium ] || { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; }
[ -d node_modules ] || npm ci --no-audit --no-fund
build_log="$(mktemp)"
npm run --silent build > "$build_log" 2>&1 || { cat "$build_log"; echo "bench: building the UI failed"; exit 1; }
rm -f "$build_log"
bin="${KUBILITICS_BIN:-}"
if [ -z "$bin" ]; then
  (cd "$root" && cargo build -q --release -p kubilitics)
  bin="${CARGO_TARGET_DIR:-$root/target}/release/kubilitics"
fi

run() { # KUBECONFIG PODS
  E2E_BIN="$bin" E2E_UI_DIR="$ui/dist" BENCH_KUBECONFIG="$1" BENCH_PODS="$2" BENCH_OUT="$ui/BENCHMARKS.md" node e2e/bench.mjs
}

if [ -n "${KUBILITICS_TEST_KUBECONFIG:-}" ]; then
  pods="${1:-}"
  if [ -z "$pods" ]; then
    pods="$(kubectl --kubeconfig "$KUBILITICS_TEST_KUBECONFIG" get pods -A --no-headers 2>/dev/null | wc -l)"
  fi
  run "$KUBILITICS_TEST_KUBECONFIG" "$pods"
  exit
fi

sizes=("$@")
[ $# -eq 0 ] && sizes=(10000 50000)
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
  run "$kc" "$pods"
  kill "$cluster_pid"; wait "$cluster_pid" 2>/dev/null || true; cluster_pid=""
done
