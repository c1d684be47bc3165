# Sourced by tests/cluster/up: builds the test cluster's binaries if they are not built yet.
# Sets TESTCLUSTER_BIN, KWOK_BIN and KWOK_CRD_DIR.
#
# Pinned versions (see README.md for why):
KWOK_VERSION=v0.8.0         # newest KWOK whose go line (1.26.0) the installed Go accepts
# Kubernetes v1.36.3 is pinned in go.mod: KWOK v0.8.0 is built against the 1.36 client libraries.

_cluster_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE_ROOT="${KUBILITICS_CACHE_DIR:-$HOME/.cache/kubilitics}/cluster"

_need_go() {
  if ! command -v go >/dev/null 2>&1; then
    if [[ -x /usr/local/go/bin/go ]]; then
      export PATH="/usr/local/go/bin:$PATH"
    else
      echo "up: Go not found: install Go >= 1.26 (the cluster is built from Go modules)" >&2
      return 1
    fi
  fi
  # Never let go.mod's go line silently download another toolchain.
  export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
  # -buildvcs=false: the clone may have other people's uncommitted changes; irrelevant here.
  export GOFLAGS="${GOFLAGS:--buildvcs=false}"
}

_hash_sources() {
  # Everything that decides the binary's content: Go sources, module files, Go version.
  (
    cd "$_cluster_dir"
    go version
    find cmd go.mod go.sum -type f \( \( -name '*.go' -a ! -name '*_test.go' \) -o -name 'go.mod' -o -name 'go.sum' \) -print0 \
      | sort -z | xargs -0 sha256sum
  ) | sha256sum | cut -c1-16
}

build_all() {
  _need_go
  mkdir -p "$CACHE_ROOT"
  local lock="$CACHE_ROOT/.build.lock"
  # Two callers building at once would waste minutes of two cores: serialize.
  exec 9>"$lock"
  flock 9

  local hash
  hash="$(_hash_sources)"
  TESTCLUSTER_BIN="$CACHE_ROOT/testcluster-$hash/testcluster"
  if [[ ! -x "$TESTCLUSTER_BIN" ]]; then
    echo "up: building testcluster (etcd + kube-apiserver + controller-manager + scheduler, k8s v1.36.3) -> $TESTCLUSTER_BIN" >&2
    echo "up: a cold build downloads ~200 modules and compiles for several minutes on 2 cores" >&2
    local t0=$SECONDS tmp="$CACHE_ROOT/testcluster-$hash.tmp"
    rm -rf "$tmp"; mkdir -p "$tmp"
    if ! (cd "$_cluster_dir" && go build -trimpath -ldflags='-s -w' -o "$tmp/testcluster" ./cmd/testcluster); then
      echo "up: building testcluster failed (see above). Check that the Go module proxy is reachable (go env GOPROXY)." >&2
      flock -u 9
      return 1
    fi
    rm -rf "$CACHE_ROOT/testcluster-$hash"
    mv "$tmp" "$CACHE_ROOT/testcluster-$hash"
    echo "up: built testcluster in $((SECONDS - t0))s" >&2
    # Keep the cache from growing without bound (~120 MB a build): keep the 3 newest builds.
    ls -1dt "$CACHE_ROOT"/testcluster-*/ 2>/dev/null | tail -n +4 | xargs -r rm -rf
  fi

  KWOK_BIN="$CACHE_ROOT/kwok-$KWOK_VERSION-$(go env GOVERSION)/kwok"
  if [[ ! -x "$KWOK_BIN" ]]; then
    echo "up: building kwok $KWOK_VERSION -> $KWOK_BIN" >&2
    local t0=$SECONDS dir
    dir="$(dirname "$KWOK_BIN")"
    rm -rf "$dir.tmp"; mkdir -p "$dir.tmp"
    if ! GOBIN="$dir.tmp" go install -trimpath -ldflags='-s -w' "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"; then
      echo "up: go install sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION failed (see above)" >&2
      flock -u 9
      return 1
    fi
    rm -rf "$dir"; mv "$dir.tmp" "$dir"
    echo "up: built kwok in $((SECONDS - t0))s" >&2
  fi

  # KWOK's CRDs (Logs, ClusterLogs) come from the same module version, in the module cache.
  local kwok_dir
  kwok_dir="$(GOFLAGS=-mod=mod go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  KWOK_CRD_DIR="$kwok_dir/kustomize/crd/bases"
  if [[ ! -f "$KWOK_CRD_DIR/kwok.x-k8s.io_clusterlogs.yaml" ]]; then
    echo "up: KWOK CRDs not found in $KWOK_CRD_DIR (go mod download sigs.k8s.io/kwok@$KWOK_VERSION failed?)" >&2
    flock -u 9
    return 1
  fi
  flock -u 9
  exec 9>&-
  export TESTCLUSTER_BIN KWOK_BIN KWOK_CRD_DIR
}
