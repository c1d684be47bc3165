# Shared helpers for the project's scripts: idempotent installs and timing. Sourced, not run.

# Where builds that outlive a clone live (cargo's target dir, Go caches stay at their defaults).
KUBILITICS_CACHE_DIR="${KUBILITICS_CACHE_DIR:-$HOME/.cache/kubilitics}"
export KUBILITICS_CACHE_DIR

step() { printf '\n==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# require_free_disk DIR GB: stops early, with what to do, when DIR's disk has less than GB free;
# a build that runs out of space half-way fails with unrelated-looking errors much later.
require_free_disk() {
  local dir="$1" need_gb="$2" free_kb
  mkdir -p "$dir"
  free_kb=$(df -Pk "$dir" | awk 'NR==2 {print $4}')
  if (( free_kb < need_gb * 1024 * 1024 )); then
    die "only $((free_kb / 1024 / 1024)) GB free on the disk holding $dir; the build and tests need about ${need_gb} GB. Free some space (an old cargo target directory such as $KUBILITICS_CACHE_DIR/target can go: it is rebuilt), then run this again"
  fi
}

# apt_install PKG...: installs the Debian packages that are missing, once, non-interactively.
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  local sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  step "installing Debian packages: ${missing[*]}"
  # A transaction interrupted earlier leaves dpkg half-configured; repair before anything else.
  $sudo dpkg --configure -a || true
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# Rust components the checks need.
rust_components() {
  command -v cargo >/dev/null || die "Rust is not installed: install it with rustup (https://rustup.rs), then run this again"
  if command -v rustup >/dev/null; then
    for c in rustfmt clippy; do
      rustup component list --installed 2>/dev/null | grep -q "^$c" || rustup component add "$c"
    done
  fi
}

# kubectl: these machines ship one; Debian's kubernetes-client would clash with it, so only
# install when none is found (see MACHINE-NOTES in the README's troubleshooting).
ensure_kubectl() {
  command -v kubectl >/dev/null && return 0
  apt_install kubernetes-client
}

ensure_go() {
  command -v go >/dev/null || die "Go is not installed: the test control plane is built from Go modules; install Go 1.26+"
}
