#!/usr/bin/env bash
# Builds the Linux .deb of the desktop app: the shell, the bundled `kubilitics` sidecar
# (/usr/bin/kubilitics-sidecar, linked as /usr/bin/kubilitics), the desktop entry (installers/deb/kubilitics.desktop) and icons in every
# size from icons/generated/, then writes SHA256SUMS beside it. Offline; ~5 min cold on 2 cores.
#   installers/build-deb.sh            -> target/desktop/kubilitics-desktop_<version>_<arch>.deb
# Expects the release sidecar at src-tauri/binaries/kubilitics-sidecar-<triple> and ui/dist (scripts/desktop.sh deb
# does both first). Install: sudo apt-get install ./kubilitics-desktop_*.deb; remove: sudo apt-get remove kubilitics-desktop
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${KUBILITICS_CACHE_DIR:-$HOME/.cache/kubilitics}/target}"
triple="$(rustc -vV | sed -n 's/host: //p')"
sidecar="src-tauri/binaries/kubilitics-sidecar-$triple"
[[ -x $sidecar ]] && ! head -c 2 "$sidecar" | grep -q '#!' ||
  { echo "error: $sidecar is missing or a stand-in: run scripts/desktop.sh deb" >&2; exit 1; }
[[ -f ui/dist/index.html ]] || { echo "error: ui/dist is missing: run scripts/desktop.sh deb" >&2; exit 1; }
# Symbol tables (~10 MB of the sidecar) are no use to a user: the package carries a stripped copy.
strip --strip-unneeded "$sidecar"
[[ -x src-tauri/node_modules/.bin/tauri ]] || (cd src-tauri && npm install --no-audit --no-fund --silent)

(cd src-tauri && node_modules/.bin/tauri build --bundles deb --ci)

out="$root/target/desktop"
mkdir -p "$out"
rm -f "$out"/*.deb "$out"/SHA256SUMS
cp "$CARGO_TARGET_DIR"/release/bundle/deb/*.deb "$out/"
deb="$(ls "$out"/*.deb)"
# Icons in every size, besides the three Tauri puts in: add the rest of hicolor to the package.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
dpkg-deb -R "$deb" "$work/pkg"
for png in icons/generated/hicolor/*.png; do
  size="$(basename "$png" .png)"
  dir="$work/pkg/usr/share/icons/hicolor/$size/apps"
  mkdir -p "$dir"
  install -m 0644 "$png" "$dir/kubilitics-desktop.png"
done
# The sidecar keeps its own name on PATH too: `kubilitics serve` works from a terminal.
[[ -x $work/pkg/usr/bin/kubilitics-sidecar ]] || { echo "error: the sidecar is not in the package" >&2; exit 1; }
ln -sf kubilitics-sidecar "$work/pkg/usr/bin/kubilitics"
sed -i "s/^Installed-Size: .*/Installed-Size: $(du -sk --exclude=DEBIAN "$work/pkg" | cut -f1)/" "$work/pkg/DEBIAN/control"
(cd "$work/pkg" && find . -path ./DEBIAN -prune -o -type f -print0 | sort -z | xargs -0 md5sum | sed 's| \./| |' > DEBIAN/md5sums)
dpkg-deb --root-owner-group -Zxz -b "$work/pkg" "$deb" >/dev/null
(cd "$out" && sha256sum ./*.deb | sed 's| \./| |' > SHA256SUMS)
echo "built $(basename "$deb") ($(du -h "$deb" | cut -f1)); contents:" >&2
dpkg-deb -c "$deb" | awk '{print $6}' | grep -E 'bin/|\.desktop|hicolor/.*/apps' >&2
cat "$out/SHA256SUMS"
