#!/usr/bin/env bash
# Installs the desktop .deb the way a user does (apt-get install ./file.deb), checks what landed,
# then removes it and checks that nothing of it is left:
#   installers/check-deb.sh [file.deb]     (default: the one installers/build-deb.sh wrote to target/desktop/)
# Checked: the SHA256SUMS line; the app and the bundled sidecar are executables whose shared
# libraries all resolve; `kubilitics` on PATH is the sidecar; the desktop entry names the installed
# app and an icon; the icon exists in every size icons/generated/hicolor has, at that size; after
# `apt-get remove` every file the package installed is gone, and after purge dpkg forgets it.
# Needs root (or sudo). Refuses to touch the package when it was installed before this ran.
# Prints one line per check and "N passed, M failed (.deb install)".
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
deb="${1:-$(ls target/desktop/*.deb 2>/dev/null | head -1)}"
[[ -f $deb ]] || { echo "error: no .deb (run scripts/desktop.sh deb)" >&2; exit 1; }
deb="$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")"
# The package's own name (Tauri derives it from productName): what dpkg knows it by.
pkg="$(dpkg-deb -f "$deb" Package)"
sudo=""
[[ $(id -u) -ne 0 ]] && sudo="sudo"
installed() { dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; }
if installed; then
  echo "error: $pkg is already installed on this machine; remove it first (apt-get remove $pkg)" >&2
  exit 1
fi

passed=0
failed=0
check() { # check NAME COMMAND...
  local name="$1"
  shift
  if out="$("$@" 2>&1)"; then
    passed=$((passed + 1))
    echo "ok   $name"
  else
    failed=$((failed + 1))
    echo "FAIL $name: $(printf '%s' "$out" | tail -3)"
  fi
}

sums="$(dirname "$deb")/SHA256SUMS"
check "SHA256SUMS matches the .deb" bash -c "cd '$(dirname "$deb")' && grep -F ' $(basename "$deb")' '$sums' | sha256sum -c -"

step_install() { DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$deb"; }
check "apt-get install ./$(basename "$deb")" step_install
if ! installed; then
  echo "0 passed, $((failed + 1)) failed (.deb install: not installed, nothing else to check)"
  exit 1
fi
mapfile -t files < <(dpkg-query -L "$pkg" | while read -r f; do [[ -f $f || -L $f ]] && echo "$f"; done)

elf_with_libs() { # the file is an ELF executable and the dynamic loader finds every library
  file -L "$1" | grep -q 'ELF 64-bit.*executable' || { file -L "$1"; return 1; }
  ! ldd "$1" | grep 'not found'
}
check "/usr/bin/kubilitics-desktop: executable, every library found" elf_with_libs /usr/bin/kubilitics-desktop
check "/usr/bin/kubilitics-sidecar (the bundled sidecar): executable, every library found" elf_with_libs /usr/bin/kubilitics-sidecar
check "kubilitics on PATH is the sidecar and runs" bash -c \
  '[[ $(readlink -f "$(command -v kubilitics)") == /usr/bin/kubilitics-sidecar ]] && kubilitics serve --help | grep -q -- --sandbox'

entry="$(printf '%s\n' "${files[@]}" | grep -m1 '^/usr/share/applications/.*\.desktop$')"
check "a desktop entry in /usr/share/applications" test -n "$entry"
field() { sed -n "s/^$1=//p" "$entry" | head -1; }
desktop_entry_ok() {
  local exec icon
  exec="$(field Exec)"
  icon="$(field Icon)"
  [[ $(field Type) == Application ]] || { echo "Type=$(field Type)"; return 1; }
  [[ ${exec%% *} == kubilitics-desktop || ${exec%% *} == /usr/bin/kubilitics-desktop ]] || { echo "Exec=$exec"; return 1; }
  [[ -n $icon && $(field Name) == Kubilitics ]] || { echo "Icon=$icon Name=$(field Name)"; return 1; }
  grep -q '{{' "$entry" && { echo "an unfilled template field: $(grep '{{' "$entry")"; return 1; }
  if command -v desktop-file-validate >/dev/null; then desktop-file-validate "$entry"; fi
}
[[ -n $entry ]] && check "the desktop entry runs the installed app ($(basename "$entry"))" desktop_entry_ok
icons_ok() {
  local icon size png
  icon="$(field Icon)"
  for png in icons/generated/hicolor/*.png; do
    size="$(basename "$png" .png)"
    local f="/usr/share/icons/hicolor/$size/apps/$icon.png"
    [[ -f $f ]] || { echo "missing $f"; return 1; }
    file "$f" | grep -q "PNG image data, ${size/x/ x }," || { echo "$f: $(file -b "$f")"; return 1; }
  done
}
[[ -n $entry ]] && check "the entry's icon in every size ($(ls icons/generated/hicolor | sed 's/\.png//' | tr '\n' ' '))" icons_ok

step_remove() { DEBIAN_FRONTEND=noninteractive $sudo apt-get remove -y -qq "$pkg"; }
check "apt-get remove $pkg" step_remove
left_behind() {
  local left=()
  for f in "${files[@]}"; do [[ -e $f || -L $f ]] && left+=("$f"); done
  [[ ${#left[@]} -eq 0 ]] || { echo "left: ${left[*]}"; return 1; }
}
check "removal leaves none of its ${#files[@]} files" left_behind
purge_forgets() {
  DEBIAN_FRONTEND=noninteractive $sudo apt-get purge -y -qq "$pkg" >/dev/null
  ! dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -qv 'not-installed'
}
check "after purge dpkg has no record of it" purge_forgets

echo "$passed passed, $failed failed (.deb install)"
[[ $failed -eq 0 ]]
