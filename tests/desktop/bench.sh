#!/usr/bin/env bash
# Prints the desktop figures: .deb size, cold start to interactive UI under Xvfb, idle memory of shell + WebKit + sidecar on the demo
# sandbox. Expects the .deb in target/desktop/ and the release app (scripts/desktop.sh bench builds
# both). Copy the lines into src-tauri/BENCHMARKS.md. BENCH_SMAPS=1 also lists each process's
# largest mappings (which library, the heap, anonymous memory) by PSS.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
deb="$(ls target/desktop/*.deb 2>/dev/null | head -1 || true)"
if [[ -n $deb ]]; then
  echo ".deb size: $(stat -c %s "$deb" | awk '{printf "%.1f MB", $1/1048576}') ($(basename "$deb"); installed $(dpkg-deb -f "$deb" Installed-Size | awk '{printf "%.1f MB", $1/1024}'))"
else
  echo ".deb size: no .deb in target/desktop (run installers/build-deb.sh)"
fi
tests/desktop/run.sh bench.mjs
