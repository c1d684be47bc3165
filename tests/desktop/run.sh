#!/usr/bin/env bash
# Runs a WebDriver script against the built app (scripts/desktop.sh test builds it first):
#   tests/desktop/run.sh [app.test.mjs | bench.mjs]
# KUBILITICS_APP and KUBILITICS_SIDECAR name the two binaries (default: the release builds); they are
# put side by side in a scratch directory, as the .deb installs them, so the app starts that sidecar.
# A real window under Xvfb driven by tauri-driver and Debian's WebKitWebDriver, on an empty HOME
# (first launch, no kubeconfig), in a private D-Bus session with an unlocked GNOME keyring (the
# Secret Service backend real desktops use). Screenshots, figures and the app's logs go to
# tests/artifacts/desktop/ (gitignored). The updater's test is a cargo test (src-tauri/tests/updater.rs).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${KUBILITICS_CACHE_DIR:-$HOME/.cache/kubilitics}/target}"
app="${KUBILITICS_APP:-$CARGO_TARGET_DIR/release/kubilitics-desktop}"
sidecar="${KUBILITICS_SIDECAR:-$CARGO_TARGET_DIR/release/kubilitics}"
for bin in "$app" "$sidecar"; do
  [[ -x $bin ]] && ! head -c 2 "$bin" | grep -q '#!' ||
    { echo "error: $bin is missing or a stand-in: run scripts/desktop.sh test" >&2; exit 1; }
done
artifacts="$root/tests/artifacts/desktop"
script="${1:-app.test.mjs}"
[[ $script == app.test.mjs ]] && rm -rf "$artifacts"
mkdir -p "$artifacts"
driver="$(command -v tauri-driver || echo "${CARGO_HOME:-$HOME/.cargo}/bin/tauri-driver")"

work="$(mktemp -d "${TMPDIR:-/tmp}/kubilitics-desktop.XXXXXX")"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  # Keep the app's logs with the screenshots.
  cp "$work"/home/.kubilitics/*.log "$artifacts/" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_display() { local d=99; while [[ -e /tmp/.X11-unix/X$d || -e /tmp/.X$d-lock ]]; do d=$((d + 1)); done; echo ":$d"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

if [[ -z "${KUBILITICS_TEST_USE_DISPLAY:-}" ]]; then
  export DISPLAY="$(free_display)"
  Xvfb "$DISPLAY" -screen 0 1280x800x24 -nolisten tcp >"$artifacts/xvfb.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done
fi
unset WAYLAND_DISPLAY

# The installed layout: the shell looks for its sidecar next to its own executable.
mkdir -p "$work/bin"
ln "$app" "$work/bin/kubilitics-desktop" 2>/dev/null || cp "$app" "$work/bin/kubilitics-desktop"
ln "$sidecar" "$work/bin/kubilitics-sidecar" 2>/dev/null || cp "$sidecar" "$work/bin/kubilitics-sidecar"
app="$work/bin/kubilitics-desktop"

# An empty home: first launch, no kubeconfig (so the sidecar serves its sandbox when it has one).
mkdir -p "$work/home"
export HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" XDG_DATA_HOME="$work/home/.local/share"
unset KUBECONFIG KUBILITICS_HOME
export KUBILITICS_APP="$app" ARTIFACTS="$artifacts"
export TAURI_DRIVER_PORT="$(free_port)"
export NATIVE_PORT="$(free_port)"

status=0
# A private session bus with GNOME Keyring's Secret Service, unlocked with an empty password.
dbus-run-session -- bash -c '
  set -euo pipefail
  eval "$(printf "\n" | gnome-keyring-daemon --unlock --components=secrets 2>/dev/null)" || true
  export KUBILITICS_KEYRING=secret-service
  "$0" --port "$TAURI_DRIVER_PORT" --native-port "$NATIVE_PORT" --native-driver /usr/bin/WebKitWebDriver >"$ARTIFACTS/tauri-driver.log" 2>&1 &
  driver=$!
  trap "kill $driver 2>/dev/null || true" EXIT
  for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/$TAURI_DRIVER_PORT) 2>/dev/null && break; sleep 0.1; done
  node "tests/desktop/$1"
' "$driver" "$script" || status=1
exit $status
