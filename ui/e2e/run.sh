#!/usr/bin/env bash
# Browser end-to-end tests of the UI against the real sidecar and its built-in sandbox cluster.
#
#   ui/e2e/run.sh            build the UI and the sidecar, start the sidecar with a fresh
#                            KUBILITICS_HOME serving ui/dist, run every test in Debian's Chromium
#                            (playwright-core, no browser download), print "N passed, M failed".
#
# Environment: KUBILITICS_BIN (use this sidecar binary instead of building one),
# E2E_ONLY (a substring: run only tests whose name contains it), E2E_HEADED=1.
# Screenshots of every step: tests/artifacts/ui/.
set -euo pipefail
ui="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="$(cd "$ui/.." && pwd)"
cd "$ui"

say() { printf '\n==> %s\n' "$*"; }

if [ ! -x /usr/bin/chromium ]; then
  say "installing Debian's chromium"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || true
  apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "npm ci"
  npm ci --no-audit --no-fund
fi

say "building the UI"
npm run --silent build >/dev/null

bin="${KUBILITICS_BIN:-}"
if [ -z "$bin" ]; then
  say "building the sidecar"
  (cd "$root" && cargo build -q -p kubilitics)
  bin="${CARGO_TARGET_DIR:-$root/target}/debug/kubilitics"
fi

artifacts="$root/tests/artifacts/ui${E2E_SUITE:+/$E2E_SUITE}"
mkdir -p "$artifacts"
rm -f "$artifacts"/*.png # only this run's steps
export E2E_ARTIFACTS="$artifacts" E2E_BIN="$bin" E2E_UI_DIR="$ui/dist" E2E_ROOT="$root"
say "running the browser tests (screenshots in $artifacts)"
# E2E_SUITE=golden: the golden path against the real control plane (see e2e/golden.mjs).
exec node "e2e/${E2E_SUITE:-suite}.mjs"
