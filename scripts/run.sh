#!/usr/bin/env bash
# Sets up and runs Kubilitics. Where there is a display it builds and starts the desktop app
# (scripts/desktop.sh run). Otherwise it builds the UI and the sidecar and serves both over
# HTTPS on 127.0.0.1 (browser mode: open the single-use login link it prints). With no
# kubeconfig on this machine the sidecar serves the built-in sandbox cluster, so there is
# always something to look at. Extra arguments go to `kubilitics serve`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source scripts/lib.sh

if [[ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" && -z "${KUBILITICS_BROWSER_MODE:-}" ]]; then
  exec scripts/desktop.sh run "$@"
fi

step "setting up (idempotent)"
# libdbus-1-dev: the sidecar reads LLM API keys from the Secret Service too (ai/llm/keys.rs).
apt_install build-essential pkg-config ca-certificates libdbus-1-dev
rust_components
export CARGO_TARGET_DIR="$KUBILITICS_CACHE_DIR/target"

step "building the UI"
(
  cd ui
  if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
    npm ci --no-audit --no-fund
  fi
  npm run --silent build
)
export KUBILITICS_UI_DIR="$root/ui/dist"

step "building the sidecar (release)"
cargo build --release -p kubilitics
bin="$CARGO_TARGET_DIR/release/kubilitics"

args=(serve --tls "$@")
has_kubeconfig() {
  [[ -n "${KUBILITICS_KUBECONFIG_PATH:-}" && -f "${KUBILITICS_KUBECONFIG_PATH}" ]] && return 0
  local f
  IFS=: read -ra files <<<"${KUBECONFIG:-}"
  for f in "${files[@]}"; do [[ -n "$f" && -f "$f" ]] && return 0; done
  [[ -f "$HOME/.kube/config" ]]
}
if ! has_kubeconfig && "$bin" serve --help 2>/dev/null | grep -q -- '--sandbox'; then
  step "no kubeconfig found: serving the built-in sandbox cluster"
  args+=(--sandbox)
fi

step "starting: kubilitics ${args[*]}"
echo "Open the login link printed below in your browser; API clients use the token in ${KUBILITICS_HOME:-$HOME/.kubilitics}/session.token. Stop with Ctrl+C." >&2
exec "$bin" "${args[@]}"
