#!/usr/bin/env bash
# The desktop app: set up, build, run, package, test and measure. Idempotent; safe to re-run.
#
#   scripts/desktop.sh deps     Debian packages, the Tauri CLI (npm), tauri-driver (cargo install)
#   scripts/desktop.sh prepare  deps, plus what `cargo clippy --workspace` needs to compile the shell
#   scripts/desktop.sh build    release sidecar -> src-tauri/binaries/, the UI (ui/dist), the app
#   scripts/desktop.sh run      build, then start the app (needs DISPLAY or WAYLAND_DISPLAY)
#   scripts/desktop.sh deb      build the .deb and SHA256SUMS into target/desktop/ (installers/build-deb.sh)
#   scripts/desktop.sh test     build the release sidecar, the UI and the app, then the desktop tests
#                               under Xvfb (tests/desktop/run.sh); scripts/test.sh runs this.
#                               KUBILITICS_DESKTOP_PROFILE=debug tests debug binaries instead (quicker
#                               to rebuild while working on the shell)
#   scripts/desktop.sh bench    .deb size, cold start, idle memory -> prints;
#                               see src-tauri/BENCHMARKS.md
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source scripts/lib.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$KUBILITICS_CACHE_DIR/target}"

DESKTOP_APT=(build-essential pkg-config libwebkit2gtk-4.1-dev libsoup-3.0-dev libayatana-appindicator3-dev
  librsvg2-dev libxdo-dev file)
TEST_APT=(xvfb xauth x11-utils imagemagick librsvg2-bin webkit2gtk-driver fonts-dejavu-core keyutils
  gnome-keyring dbus-x11 procps curl python3)

triple() { rustc -vV | sed -n 's/host: //p'; }
sidecar_dest() { echo "src-tauri/binaries/kubilitics-sidecar-$(triple)"; }

deps() {
  apt_install "${DESKTOP_APT[@]}" "${TEST_APT[@]}"
  rust_components
  command -v node >/dev/null || die "Node.js is not installed: the UI and the Tauri CLI need it (Node 20+)"
  [[ -x src-tauri/node_modules/.bin/tauri ]] || (cd src-tauri && npm install --no-audit --no-fund --silent)
  [[ -x tests/desktop/node_modules/.bin/wdio ]] || [[ -d tests/desktop/node_modules/webdriverio ]] ||
    (cd tests/desktop && npm install --no-audit --no-fund --silent)
  command -v tauri-driver >/dev/null || [[ -x "${CARGO_HOME:-$HOME/.cargo}/bin/tauri-driver" ]] ||
    cargo install tauri-driver --locked --quiet
}

# What compiling the shell needs: WebKitGTK headers (deps) and, from build.rs, stand-ins for the
# sidecar binary and ui/dist when they were not built yet.
prepare() { deps; }

build_sidecar() {
  step "building the sidecar (release)"
  cargo build --release -p kubilitics
  mkdir -p src-tauri/binaries
  install -m 0755 "$CARGO_TARGET_DIR/release/kubilitics" "$(sidecar_dest)"
}

build_ui() {
  # Vite rewrites ui/dist/index.html, which makes the app re-embed the UI: skip an up-to-date build.
  # The page src-tauri/build.rs writes when a cargo command ran before any UI build is not one,
  # however new it is.
  if [[ -f ui/dist/index.html ]] && ! grep -q 'The UI was not built' ui/dist/index.html &&
    [[ -z $(find ui/src ui/public ui/index.html ui/package-lock.json ui/vite.config.* \
    -newer ui/dist/index.html -print -quit 2>/dev/null) ]]; then
    step "the UI (ui/dist) is up to date"
    return
  fi
  step "building the UI (ui/dist)"
  (cd ui && { [[ -d node_modules ]] || npm ci --no-audit --no-fund --silent; } && npm run build --silent)
}

build_app() {
  step "building the desktop app (release)"
  cargo build --release -p kubilitics-desktop
}

app_bin() { echo "$CARGO_TARGET_DIR/release/kubilitics-desktop"; }

build() { deps; build_sidecar; build_ui; build_app; echo "app: $(app_bin)" >&2; }

cmd="${1:-run}"
shift || true
case "$cmd" in
  deps) deps ;;
  prepare) prepare ;;
  build) build ;;
  run)
    [[ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]] || die "no display (DISPLAY/WAYLAND_DISPLAY unset): use scripts/run.sh for browser mode"
    build
    step "starting the desktop app; logs: ~/.kubilitics/ui.log and ~/.kubilitics/kubilitics.log"
    exec "$(app_bin)" "$@"
    ;;
  deb) deps; build_sidecar; build_ui; installers/build-deb.sh ;;
  test)
    # The test runs the app beside the sidecar of the same build, as the .deb installs them, so the
    # copy in src-tauri/binaries/ (what a package bundles) does not matter here.
    profile="${KUBILITICS_DESKTOP_PROFILE:-release}"
    [[ $profile == release || $profile == debug ]] || die "KUBILITICS_DESKTOP_PROFILE: release or debug, not '$profile'"
    deps
    build_ui
    step "building the sidecar and the desktop app ($profile)"
    cargo build $([[ $profile == release ]] && echo --release) -p kubilitics -p kubilitics-desktop
    KUBILITICS_APP="$CARGO_TARGET_DIR/$profile/kubilitics-desktop" KUBILITICS_SIDECAR="$CARGO_TARGET_DIR/$profile/kubilitics" \
      tests/desktop/run.sh "$@"
    ;;
  bench)
    deps; build_sidecar; build_ui; installers/build-deb.sh
    KUBILITICS_APP="$(app_bin)" KUBILITICS_SIDECAR="$CARGO_TARGET_DIR/release/kubilitics" tests/desktop/bench.sh "$@"
    ;;
  *) die "unknown command '$cmd' (deps, prepare, build, run, deb, test, bench)" ;;
esac
