#!/usr/bin/env bash
# Debian's arm64 Xen for the Arm QEMU test (arm64.sh), without touching the host: a private apt
# configuration (its own sources.list, lists, cache and an empty dpkg status, APT::Architecture=arm64)
# downloads the packages below and `dpkg-deb -x` unpacks them into a staging root. Nothing is installed.
#
#   bash test/xen-qemu/arm64-stage.sh 4.17|4.20     prints the staging root's path as its last line
#
# 4.17: Debian 12 bookworm (+ bookworm-security); 4.20: Debian 13 trixie (+ trixie-security).
# Cache: XK_ARM64_CACHE/arm64-REL, default ${XDG_CACHE_HOME:-~/.cache}/xenkit/arm64-REL: apt/ (lists, less than a
# day old, are reused), debs/, root/ (rebuilt only when the set of .debs changes), root.list.
# Exit: 0 ready, 77 (apt-get, dpkg-deb or the network cannot be had: stderr's last line says why), 1.
# XK_ARM64_OFFLINE=1: no apt-get at all; the cache as it is.
set -euo pipefail

REL=${1:?usage: arm64-stage.sh 4.17|4.20|node}
case $REL in
  4.17) SUITE=bookworm ;;
  4.20|node) SUITE=trixie ;;
  *) echo "arm64-stage: $REL is not staged (4.17, 4.20 or node)" >&2; exit 1 ;;
esac
C=${XK_ARM64_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xenkit}/arm64-$REL
# The hypervisor, dom0's kernel (resolved from the linux-image-arm64 metapackage below), a static
# busybox, the static libraries and headers the probe links (libxen-dev), and the shared libxen*.
PKGS=(xen-hypervisor-$REL-arm64 busybox-static libxen-dev "libxenmisc$REL" libxencall1 libxendevicemodel1
  libxenevtchn1 libxenforeignmemory1 libxengnttab1 libxenstore4 libxentoolcore1 libxentoollog1 libxenhypfs1)
# node: trixie's arm64 Node 20 and what it links (apt-cache depends --recurse nodejs, the libraries),
# with trixie's glibc, to run xenkit in the arm64 dom0.
[ "$REL" = node ] && PKGS=(nodejs libnode115 libc6 libgcc-s1 libstdc++6 libbrotli1 libcares2 libicu76 libnghttp2-14
  libssl3t64 libuv1t64 libzstd1 zlib1g node-undici node-acorn node-cjs-module-lexer node-minimatch)
# (node-*: the builtins Debian externalizes, loaded from /usr/share/nodejs at start: strings libnode.so)

say() { printf 'arm64-stage: %s\n' "$*" >&2; }
cannot() { say "cannot stage Debian's arm64 Xen $REL: $*"; exit 77; }
command -v apt-get > /dev/null || cannot "no apt-get"
command -v dpkg-deb > /dev/null || cannot "no dpkg-deb"
mkdir -p "$C/apt/lists/partial" "$C/apt/cache/archives/partial" "$C/debs"
# One user of the cache at a time (a CI clone and a worktree may run the test at once: apt's lists
# and stage_root's rm + mv of root/ must not interleave); the lock goes with this process.
exec 9> "$C/.lock"
flock -w 900 9 || cannot "the cache $C stayed locked by another run for 900 s"
printf '%s\n' "deb [arch=arm64] http://deb.debian.org/debian $SUITE main" \
  "deb [arch=arm64] http://security.debian.org/debian-security $SUITE-security main" > "$C/apt/sources.list"
APT=(-q -o APT::Architecture=arm64 -o APT::Architectures=arm64 -o "Dir::Etc::SourceList=$C/apt/sources.list"
  -o Dir::Etc::SourceParts=/dev/null -o "Dir::State::Lists=$C/apt/lists" -o "Dir::Cache=$C/apt/cache"
  -o Dir::State::status=/dev/null)

if [ "${XK_ARM64_OFFLINE:-}" != 1 ]; then
  if [ -z "$(find "$C/apt/lists" -maxdepth 1 -name "*_${SUITE}_main_binary-arm64_Packages*" -mmin -1440 2> /dev/null)" ]; then
    apt-get "${APT[@]}" update > "$C/apt-update.log" 2>&1 || {
      tail -n 5 "$C/apt-update.log" >&2
      ls "$C/apt/lists/"*"_${SUITE}_main_"* > /dev/null 2>&1 || cannot "apt-get update failed (log: $C/apt-update.log)"
      say "apt-get update failed; using the lists of the last run"
    }
  fi
  [ "$REL" = node ] || kernel=$(apt-cache "${APT[@]}" depends linux-image-arm64 2> /dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-arm64\)$/\1/p' | head -n 1)
  if [ "$REL" != node ]; then
    [ -n "$kernel" ] || cannot "linux-image-arm64 names no kernel package"
    PKGS+=("$kernel")
    echo "$kernel" > "$C/kernel.pkg"
  fi
  want=()
  while read -r p v; do
    [ -n "$v" ] && [ "$v" != '(none)' ] || cannot "$SUITE has no arm64 $p"
    ls "$C/debs/${p}_${v/:/%3a}_"*.deb > /dev/null 2>&1 || want+=("$p=$v")
  done < <(apt-cache "${APT[@]}" policy "${PKGS[@]}" 2> /dev/null | awk '/^[^ ]/ { sub(/:$/, ""); p = $1 } /Candidate:/ { print p, $2 }')
  if ((${#want[@]})); then
    say "downloading ${#want[@]} packages: ${want[*]}"
    (cd "$C/debs" && apt-get "${APT[@]}" download "${want[@]}") > "$C/apt-download.log" 2>&1 || {
      tail -n 5 "$C/apt-download.log" >&2
      cannot "apt-get download failed (log: $C/apt-download.log)"
    }
  fi
elif [ "$REL" != node ]; then
  [ -f "$C/kernel.pkg" ] || cannot "XK_ARM64_OFFLINE=1 but the cache has no kernel"
  PKGS+=("$(cat "$C/kernel.pkg")")
fi

. "$(dirname "$0")/debs-root.sh"
stage_root "$C" "${PKGS[@]}"
S=$C/root
[ "$REL" = node ] && { [ -x "$S/usr/bin/node" ] || { say "no node in $S"; exit 1; }; echo "$S"; exit 0; }
ls "$S"/boot/xen-"$REL"*-arm64* > /dev/null 2>&1 || { say "no xen-$REL arm64 hypervisor in $S/boot"; exit 1; }
ls "$S"/boot/vmlinuz-*-arm64 > /dev/null 2>&1 || { say "no arm64 kernel in $S/boot"; exit 1; }
echo "$S"
