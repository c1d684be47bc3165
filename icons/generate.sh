#!/usr/bin/env bash
# Generates every icon size the desktop app and its installers use from the one source image,
# icons/source.svg, into icons/generated/ (committed, so building the app needs no ImageMagick).
# Run it again after changing the source. Needs ImageMagick's real `convert` and rsvg-convert
# (Debian: imagemagick librsvg2-bin); /usr/bin/convert is used explicitly because some machines
# put a stand-in earlier on PATH.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$here/source.svg"
out="$here/generated"
convert=/usr/bin/convert
[[ -x $convert ]] || { echo "error: ImageMagick is missing: apt-get install imagemagick librsvg2-bin" >&2; exit 1; }
command -v rsvg-convert >/dev/null || { echo "error: rsvg-convert is missing: apt-get install librsvg2-bin" >&2; exit 1; }
mkdir -p "$out/hicolor"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# One large RGBA master; every size is downscaled from it (PNG32: Tauri refuses non-RGBA icons).
rsvg-convert -w 1024 -h 1024 "$src" -o "$tmp/master.png"
png() { "$convert" "$tmp/master.png" -resize "${1}x${1}" -strip PNG32:"$2"; }

# Tauri's bundle icons
png 32 "$out/32x32.png"
png 128 "$out/128x128.png"
png 256 "$out/128x128@2x.png"
png 512 "$out/icon.png"
# Linux desktop entry icons (installed as /usr/share/icons/hicolor/<size>/apps/kubilitics.png)
for s in 16 24 32 48 64 128 256 512; do png "$s" "$out/hicolor/${s}x${s}.png"; done
# Windows .ico with the sizes Explorer asks for
for s in 16 24 32 48 64 256; do png "$s" "$tmp/ico-$s.png"; done
"$convert" "$tmp"/ico-16.png "$tmp"/ico-24.png "$tmp"/ico-32.png "$tmp"/ico-48.png "$tmp"/ico-64.png "$tmp"/ico-256.png "$out/icon.ico"
# macOS .icns: a container of PNGs (ImageMagick 6 cannot write it; the format is simple enough).
for s in 32 64 128 256 512 1024; do png "$s" "$tmp/icns-$s.png"; done
python3 - "$tmp" "$out/icon.icns" <<'PY'
import struct, sys
tmp, dest = sys.argv[1], sys.argv[2]
# type code -> pixel size (PNG payloads, macOS 10.7+)
kinds = [(b"ic11", 32), (b"ic12", 64), (b"ic07", 128), (b"ic13", 256), (b"ic08", 256),
         (b"ic14", 512), (b"ic09", 512), (b"ic10", 1024)]
body = b""
for code, size in kinds:
    data = open(f"{tmp}/icns-{size}.png", "rb").read()
    body += code + struct.pack(">I", len(data) + 8) + data
open(dest, "wb").write(b"icns" + struct.pack(">I", len(body) + 8) + body)
PY
echo "icons written to $out:" >&2
file "$out"/*.png "$out"/icon.ico "$out"/icon.icns | sed "s|$out/||" >&2
