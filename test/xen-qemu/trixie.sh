#!/usr/bin/env bash
# Debian 13 "trixie"'s Xen 4.20 for the QEMU test, without touching the host: downloads the packages
# below with a private apt configuration (its own sources.list, lists and cache: the host's apt
# state is only read, never written) and unpacks them with `dpkg-deb -x` into a staging root. Nothing
# is installed (trixie's libc6 would replace the host's glibc 2.36).
#
#   bash test/xen-qemu/trixie.sh        prints the staging root's path as its last line
#
# Cache (reused by the next run; nothing is downloaded again while the package versions are the
# same): XK_TRIXIE_CACHE, default ${XDG_CACHE_HOME:-~/.cache}/xenkit/trixie-4.20: apt/ (sources,
# lists, pkgcache), debs/ (the .debs), root/ (the staging root), root.list (the .debs root/ holds).
# Exit: 0 (the root is ready), 77 (apt-get, dpkg-deb or the network cannot be had: the last line of
# stderr says why), 1 (something else failed).
# XK_TRIXIE_OFFLINE=1: do not run apt-get update/download; use the cache as it is.
set -euo pipefail

C=${XK_TRIXIE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xenkit/trixie-4.20}
# The issue's list: Xen 4.20 (hypervisor, tools, libraries, headers) and what they link, with the C
# runtime (glibc 2.41, libstdc++, libgcc_s) that the dom0 userland then runs on (node included).
PKGS=(xen-hypervisor-4.20-amd64 xen-utils-4.20 xen-utils-common xenstore-utils libxen-dev
  libxenmisc4.20 libxencall1 libxendevicemodel1 libxenevtchn1 libxenforeignmemory1 libxengnttab1
  libxenstore4 libxentoolcore1 libxentoollog1 libxenhypfs1
  libc6 libgcc-s1 libstdc++6 libyajl2 libuuid1 liblzma5 libzstd1 zlib1g libext2fs2t64 libcom-err2
  libncurses6 libtinfo6)

say() { printf 'trixie: %s\n' "$*" >&2; }
cannot() { say "cannot stage trixie's Xen 4.20: $*"; exit 77; }
command -v apt-get >/dev/null || cannot "no apt-get"
command -v dpkg-deb >/dev/null || cannot "no dpkg-deb"
mkdir -p "$C/apt/lists/partial" "$C/apt/cache/archives/partial" "$C/debs"
# One user of the cache at a time (a CI clone and a worktree may run the test at once: apt's lists
# and stage_root's rm + mv of root/ must not interleave); the lock goes with this process.
exec 9> "$C/.lock"
flock -w 900 9 || cannot "the cache $C stayed locked by another run for 900 s"
# deb.debian.org's trixie main; trixie-security too (apt uses it when it answers; the versions of
# main are the fallback).
cat > "$C/apt/sources.list" <<'EOF'
deb http://deb.debian.org/debian trixie main
deb http://security.debian.org/debian-security trixie-security main
EOF
APT=(-q -o "Dir::Etc::SourceList=$C/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=$C/apt/lists" -o "Dir::Cache=$C/apt/cache" -o APT::Default-Release=trixie)

if [ "${XK_TRIXIE_OFFLINE:-}" != 1 ]; then
  # Lists younger than a day are reused (no network at all then, when the .debs are cached too).
  if [ -z "$(find "$C/apt/lists" -maxdepth 1 -name '*trixie_main_binary-amd64_Packages*' -mmin -1440 2>/dev/null)" ]; then
    apt-get "${APT[@]}" update > "$C/apt-update.log" 2>&1 || {
      tail -n 5 "$C/apt-update.log" >&2
      ls "$C/apt/lists/"*trixie_main* > /dev/null 2>&1 || cannot "apt-get update failed (log: $C/apt-update.log)"
      say "apt-get update failed; using the lists of the last run"
    }
  fi
  # Each package's candidate version (one apt-cache call); download only what debs/ lacks. apt names
  # a .deb NAME_VERSION_ARCH.deb with the epoch's ':' as %3a.
  want=() n=0
  while read -r p v; do
    n=$((n + 1))
    [ -n "$v" ] && [ "$v" != '(none)' ] || cannot "trixie has no $p"
    ls "$C/debs/${p}_${v/:/%3a}_"*.deb > /dev/null 2>&1 || want+=("$p=$v")
  done < <(apt-cache "${APT[@]}" policy "${PKGS[@]}" 2>/dev/null | awk '/^[^ ]/ { sub(/:$/, ""); p = $1 } /Candidate:/ { print p, $2 }')
  [ $n = ${#PKGS[@]} ] || cannot "apt-cache policy knows $n of the ${#PKGS[@]} packages ${PKGS[*]}"
  if ((${#want[@]})); then
    say "downloading ${#want[@]} packages: ${want[*]}"
    (cd "$C/debs" && apt-get "${APT[@]}" download "${want[@]}") > "$C/apt-download.log" 2>&1 || {
      tail -n 5 "$C/apt-download.log" >&2
      cannot "apt-get download failed (log: $C/apt-download.log)"
    }
  fi
fi

# The newest cached .deb of each package, then the staging root unless it holds exactly those.
. "$(dirname "$0")/debs-root.sh"
stage_root "$C" "${PKGS[@]}"
# The loader (trixie's libc6 ships it under /usr: usrmerge's /lib64 symlink is not in the .deb).
S=$C/root
for l in "$S/usr/lib64/ld-linux-x86-64.so.2" "$S/lib64/ld-linux-x86-64.so.2"; do [ -e "$l" ] && break; done
[ -e "$l" ] || { say "no ld-linux-x86-64.so.2 in $S"; exit 1; }
[ -f "$S/boot/xen-4.20-amd64.gz" ] || ls "$S"/boot/xen-4.20*.gz > /dev/null 2>&1 || { say "no xen-4.20 hypervisor in $S/boot"; exit 1; }
echo "$S"
