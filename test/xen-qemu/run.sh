#!/usr/bin/env bash
# Real-hypervisor integration test: boots Debian 12's Xen 4.17 and Debian 13's Xen 4.20 under QEMU
# (TCG), each with a busybox + node dom0 initramfs carrying xenkit, replays
# test/xen-qemu/matrix-REL.jsonl (and the REL conformance scripts) through the xen backend (libxenctrl via koffi), and compares the real
# hypervisor's answers with the sim's, line by line. Then, on a fresh Xen, creates real guests
# through libxl (a PV and a PVH one, test/xen-qemu/guests/*.cfg) with
# `xk --backend xen create GUEST.cfg --watch`, and checks each guest's own console line.
#
#   bash test/xen-qemu/run.sh        (npm run test:xen)
#
# XK_XEN=4.17|4.20|all (default all): which release. 4.17 is the host's Debian 12 packages; 4.20 is
# trixie's, downloaded and unpacked into a cached staging root by trixie.sh (never installed): its
# userland (glibc 2.41, libxenctrl.so.4.20, xl, ...) and xen.gz from there, the kernel, its modules,
# busybox and node from the host (node then runs on trixie's loader and glibc).
#
# Exit codes: 0 pass, 1 fail (a disagreement, a boot that did not finish, ...), 77 skip (the
# Debian packages or QEMU cannot be had here). In CI (CI=true) a skip is a failure (exit 1) unless
# XENKIT_ALLOW_NO_REAL_XEN=1 is set; either way the last line says why it did not run.
# Environment:
#   XK_QEMU_TIMEOUT  seconds before QEMU is killed (default 300; the guests boot gets at least
#                    120 s + (XK_GUEST_TIMEOUT, the HVM guest XK_HVM_TIMEOUT, + 5 s) per guest run + 3 s per xl create -n)
#   XK_KEEP=1        keep the work directory (initramfs, serial log) and print its path
#   XK_NO_INSTALL=1  do not apt-get install anything: skip if something is missing
#   XK_NO_BUILD=1    use the existing dist/ (do not run npm run build)
#   XENKIT_ALLOW_NO_REAL_XEN=1  with CI=true: let a run that cannot boot real Xen exit 77 (skip)
#                    instead of 1 (fail)
#   XK_RECORD=1      rewrite test/xen-qemu/recorded/ (the matrix, conformance, xl create -n answers)
#   XK_NO_GUESTS=1   do not boot the real guests (no libxl)
#   XK_ONLY_GUESTS=1 only the guests boot (no matrix, no conformance scripts)
#   XK_GUEST_ROUNDS=N  create each guest N times in the guests boot (default 1; 0: the guests boot
#                    runs only xl info and xl create -n, no guest is created)
#   XK_CHECK_PAGES=1  (debugging) before each guest run, dom0 compares the checksums of its own files
#                    (node, dist, node_modules, libraries) with those from before the first guest
#                    and prints XKPAGES: lines naming each changed file
#   XK_GUEST_ONLY="hvm ..."  (debugging) create only these guests (guests/NAME.cfg)
#   XK_GUEST_TIMEOUT  seconds each guest run may take in dom0 (default 120; busybox timeout)
#   XK_GUEST_DMESG=1  (debugging) each guest prints its kernel log (dmesg, with the kernel's
#                    timestamps) on hvc0 after XK-GUEST-BYE: the console log then has the boot's timeline
#   XK_GUEST_EXTRA="..."  (debugging) appended to each guest's extra= (its kernel's command line),
#                    e.g. "earlyprintk=xen keep_bootcon loglevel=7": the kernel's log on port 0xe9, in
#                    Xen's console with guest_loglvl=all (XK_XEN_ARGS; console_timestamps=boot dates it)
#   XK_GUEST_ENV="K=V ..."  (debugging) xk's environment in the guest runs, e.g. glibc malloc checks
#   XK_QEMU_ACCEL    QEMU's -accel (default tcg,thread=multi; debugging: tcg,thread=single)
#   XK_QEMU_CPU      QEMU's -cpu (default max,-smap,-smep,-rdtscp)
#   XK_XEN_ARGS      more words for Xen's command line (after console=com1 dom0_mem=...)
#   XK_GUEST_LAZY_FPU=1  the guests boot without spec-ctrl=eager-fpu (Xen's lazy FPU switching:
#                    dom0's processes then die of memory corruption in about half the guest runs)
#   XK_XLCREATEN=all|project|none  which configs the guests boot gives real `xl create -n` (default
#                    all: the project's, examples/ and guests/, and the corpus; none: experiments on
#                    the guests only)
#   XK_HVM=1         (4.17) also create the HVM guest guests/hvm.cfg: qemu-xen (qemu-system-xen) in
#                    dom0, SeaBIOS, direct kernel boot; its serial console goes to a file in dom0
#   XK_HVM_TIMEOUT   seconds the HVM guest's run may take in dom0 (default 900; XK_GUEST_TIMEOUT is
#                    the others')
#   XK_GUEST_KERNEL=bzimage  give the guests Debian's vmlinuz (xz bzImage: libxc decompresses it in
#                    dom0, ~3 s per guest under TCG) instead of the ELF vmlinux run.sh extracts from it
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
XK_XEN=${XK_XEN:-all}
if [ "$XK_XEN" = all ]; then
  # One release after the other (one QEMU at a time), building once. Fails if either fails; a skip
  # only if both skip (in CI a skip is already a failure).
  T_ALL=$(date +%s)
  rcs=() times=()
  for rel in 4.17 4.20; do
    t0=$(date +%s)
    r=0
    XK_XEN=$rel bash "${BASH_SOURCE[0]}" || r=$?
    rcs+=("$rel:$r") times+=("$rel $(($(date +%s) - t0)) s")
    export XK_NO_BUILD=1
  done
  printf 'xen-qemu: times: %s; total %s s; exit codes: %s\n' "${times[*]}" $(($(date +%s) - T_ALL)) "${rcs[*]}"
  case "${rcs[*]}" in
    *:1*) printf 'xen-qemu: FAIL: %s\n' "${rcs[*]}"; exit 1 ;;
    "4.17:0 4.20:0") exit 0 ;;
    "4.17:77 4.20:77") printf 'xen-qemu: SKIP: neither release ran\n'; exit 77 ;;
    *) printf 'xen-qemu: SKIP: one release did not run (%s)\n' "${rcs[*]}"; exit 77 ;;
  esac
fi
case "$XK_XEN" in 4.17 | 4.20) RELEASE=$XK_XEN ;; *) printf 'xen-qemu: FAIL: XK_XEN=%s: 4.17, 4.20 or all\n' "$XK_XEN"; exit 1 ;; esac
TIMEOUT=${XK_QEMU_TIMEOUT:-300}
SKIP=77
T_START=$(date +%s.%N)

say() { printf 'xen-qemu: %s\n' "$*"; }
# Cannot run here: a skip (77), except in CI without the explicit opt-out. Always the last line.
skip() {
  if [ "${CI:-}" = true ] && [ "${XENKIT_ALLOW_NO_REAL_XEN:-}" != 1 ]; then
    say "FAIL: real Xen cannot run here (CI=true; set XENKIT_ALLOW_NO_REAL_XEN=1 to allow it): $*"
    exit 1
  fi
  say "SKIP: real Xen did not run: $*"
  exit $SKIP
}
die() { say "FAIL: $*"; exit 1; }
# The path of a shared library by soname (64-bit), from ld.so's cache (no early-exit pipes: pipefail).
# For 4.20: the staging root's ($SRC's) copy instead.
solib() {
  if [ -n "${SRC:-}" ]; then
    local d
    for d in "$SRC/usr/lib/x86_64-linux-gnu" "$SRC/lib/x86_64-linux-gnu"; do [ -e "$d/$1" ] && { echo "$d/$1"; return; }; done
    return 0
  fi
  ldconfig -p | awk -v s="$1" '$1 == s && /x86-64/ && !p { p = $NF } END { print p }'
}
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

# ---------------------------------------------------------------- 1. packages
# (4.20: only what comes from the host; trixie.sh stages the rest.)
PKGS=(qemu-system-x86 linux-image-amd64 busybox-static cpio)
[ $RELEASE = 4.17 ] && PKGS+=(xen-hypervisor-4.17-amd64 xen-utils-4.17 xenstore-utils)
# XK_HVM=1 (4.17): the qemu-xen device model for the HVM guest (Debian 12's, with SeaBIOS).
[ $RELEASE = 4.17 ] && [ "${XK_HVM:-}" = 1 ] && PKGS+=(qemu-system-xen)
# Logs of this checkout (git-ignored results/), not a shared /tmp path: two checkouts (a CI clone and
# a worktree) running the test at once would write the same /tmp file.
LOGDIR=$HERE/results
mkdir -p "$LOGDIR"
missing=()
for p in "${PKGS[@]}"; do
  [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" = 'install ok installed' ] || missing+=("$p")
done
if ((${#missing[@]})); then
  command -v apt-get >/dev/null || skip "missing ${missing[*]} and there is no apt-get (this test needs Debian 12's packages)"
  [ "${XK_NO_INSTALL:-}" = 1 ] && skip "missing ${missing[*]} (XK_NO_INSTALL=1)"
  [ "$(id -u)" = 0 ] || skip "missing ${missing[*]}; run as root (or apt-get install them) to install them"
  say "installing ${missing[*]} (apt-get) ..."
  export DEBIAN_FRONTEND=noninteractive
  if ! { apt-get update -q && apt-get install -y -q --no-install-recommends "${PKGS[@]}"; } > "$LOGDIR/apt.log" 2>&1; then
    tail -n 20 "$LOGDIR/apt.log"
    skip "could not install ${missing[*]} (log: $LOGDIR/apt.log)"
  fi
fi
QEMU=$(command -v qemu-system-x86_64 || true)
[ -n "$QEMU" ] || skip "qemu-system-x86_64 is missing"
SRC="" # the root the Xen userland comes from: the host (4.17), trixie's staging root (4.20)
if [ $RELEASE = 4.20 ]; then
  T_ST=$(date +%s.%N)
  SRC=$(bash "$HERE/trixie.sh") || skip "trixie's Xen 4.20 could not be staged (trixie.sh)"
  say "trixie staging root $SRC ready in $(since "$T_ST") s"
  TLD=$SRC/usr/lib64/ld-linux-x86-64.so.2
  [ -e "$TLD" ] || TLD=$SRC/lib64/ld-linux-x86-64.so.2
  TLP=$SRC/usr/lib/x86_64-linux-gnu:$SRC/lib/x86_64-linux-gnu
fi
XEN_GZ=$SRC/boot/xen-$RELEASE-amd64.gz
[ -f "$XEN_GZ" ] || skip "$XEN_GZ is missing (xen-hypervisor-$RELEASE-amd64)"
# The kernel that linux-image-amd64 depends on (not the -cloud- flavour: it lacks Xen dom0 support).
KVER=$(dpkg-query -W -f='${Depends}' linux-image-amd64 | sed -n 's/.*\blinux-image-\([0-9][^ ,]*-amd64\).*/\1/p')
[ -n "$KVER" ] && [ -f "/boot/vmlinuz-$KVER" ] || skip "the kernel of linux-image-amd64 ($KVER) is not in /boot"
BUSYBOX=/bin/busybox
[ -x "$BUSYBOX" ] && ! ldd "$BUSYBOX" >/dev/null 2>&1 || skip "$BUSYBOX is not the static busybox (busybox-static)"
LIBXENCTRL=$(solib "libxenctrl.so.$RELEASE")
[ -n "$LIBXENCTRL" ] || skip "libxenctrl.so.$RELEASE is missing (xen-utils-$RELEASE / libxenmisc$RELEASE)"
NODE=$(command -v node) || die "node is missing"
say "xen $XEN_GZ, kernel $KVER, qemu $($QEMU --version | awk 'NR == 1 { print $4 }'), node $($NODE --version)"

# ---------------------------------------------------------------- 2. xenkit build
if [ "${XK_NO_BUILD:-}" != 1 ]; then
  built=0
  for try in 1 2 3 4 5; do
    if (cd "$ROOT" && npm run -s build) > "$LOGDIR/build.log" 2>&1; then built=1; break; fi
    say "npm run build failed (try $try/5; other edits may be in progress), retrying in 20 s ..."
    sed -n 1,10p "$LOGDIR/build.log"
    sleep 20
  done
  [ $built = 1 ] || die "npm run build keeps failing (log: $LOGDIR/build.log); set XK_NO_BUILD=1 to use the existing dist/"
fi
[ -f "$ROOT/dist/cli/main.js" ] || die "$ROOT/dist/cli/main.js is missing (npm run build)"
node "$HERE/gen-matrix.mjs" --check || die "matrix-$RELEASE.jsonl is stale"

# ---------------------------------------------------------------- 3. dom0 initramfs
WORK=$(mktemp -d /tmp/xen-qemu.XXXXXX)
cleanup() { if [ "${XK_KEEP:-}" = 1 ]; then say "kept $WORK"; else rm -rf "$WORK"; fi; }
trap cleanup EXIT
R=$WORK/root
mkdir -p "$R"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,proc,sys,dev,tmp,root,etc,xenkit}
T_IMG=$(date +%s.%N)
cp "$BUSYBOX" "$R/bin/busybox"
ln -s busybox "$R/bin/sh"
install -m 0755 "$HERE/init.sh" "$R/init"
cp -L "$NODE" "$R/usr/local/bin/node"

# Copy a binary's shared libraries (ldd), each at its own path, symlinks resolved, into $2 (default
# $R, the dom0 initramfs) unless $R has it already. 4.20: as trixie's loader resolves them in the
# staging root (at their path there less $SRC; a library it does not have fails the run).
copy_libs() {
  local dest=${2:-$R} lib
  if [ -n "$SRC" ]; then
    "$TLD" --library-path "$TLP" --list "$1" > "$WORK/ldlist" 2>&1 || true
    grep -q 'not found' "$WORK/ldlist" && die "$1 needs libraries that trixie's staging root lacks: $(grep 'not found' "$WORK/ldlist" | tr '\n' ' ')"
    awk '/=> \// { print $3 }' "$WORK/ldlist" | while read -r lib; do
      [ -e "$R${lib#"$SRC"}" ] || [ -e "$dest${lib#"$SRC"}" ] || { mkdir -p "$dest$(dirname "${lib#"$SRC"}")"; cp -L "$lib" "$dest${lib#"$SRC"}"; }
    done
    return 0
  fi
  ldd "$1" 2>/dev/null | awk '/=> \// { print $3 } /^[ \t]*\/[^ ]+ \(0x/ { print $1 }' | while read -r lib; do
    [ -e "$R$lib" ] || [ -e "$dest$lib" ] || cp -L --parents "$lib" "$dest"
  done
}
# trixie's libc6 lives under /usr (usrmerge): /lib and /lib64 are symlinks, as on a trixie system;
# node's PT_INTERP /lib64/ld-linux-x86-64.so.2 is then trixie's loader.
if [ -n "$SRC" ]; then
  mkdir -p "$R/usr/lib" "$R/usr/lib64"
  ln -s usr/lib "$R/lib"
  ln -s usr/lib64 "$R/lib64"
fi
echo "$RELEASE" > "$R/etc/xk-xen-release"
copy_libs "$NODE"
# libxenctrl under its soname (koffi dlopens libxenctrl.so.4.17), and everything it links.
mkdir -p "$R/usr/lib/x86_64-linux-gnu"
cp -L "$LIBXENCTRL" "$R/usr/lib/x86_64-linux-gnu/libxenctrl.so.$RELEASE"
copy_libs "$LIBXENCTRL"
for l in libxenhypfs.so.1 libxenguest.so.$RELEASE libxenstore.so.4; do
  p=$(solib "$l")
  [ -n "$p" ] && { cp -L "$p" "$R/usr/lib/x86_64-linux-gnu/$l"; copy_libs "$p"; }
done

# Kernel modules: xen-privcmd (+ xen-evtchn), with their dependencies, in load order.
MODDIR=/lib/modules/$KVER
[ -f "$MODDIR/modules.dep" ] || skip "$MODDIR/modules.dep is missing"
declare -A seen=()
# modules.dep's path of a module by name (empty when built in or absent)
modpath() { awk -F: -v n="$1" '{ b = $1; sub(/.*\//, "", b); sub(/\.ko(\.(xz|zst|gz))?$/, "", b); if (b == n) { print $1; exit } }' "$MODDIR/modules.dep"; }
order=()
add_mod() { # $1: path relative to $MODDIR, as modules.dep has it
  local m=$1 deps d
  [ -n "${seen[$m]:-}" ] && return 0
  seen[$m]=1
  deps=$(awk -v m="$m:" '$1 == m { $1 = ""; print }' "$MODDIR/modules.dep")
  for d in $deps; do add_mod "$d"; done
  order+=("$m")
}
for name in xen-privcmd xen-evtchn; do
  m=$(modpath "$name")
  if [ -z "$m" ]; then # built in, or (xen-evtchn) not needed
    [ $name = xen-privcmd ] && ! grep -q '^CONFIG_XEN_PRIVCMD=y' "/boot/config-$KVER" 2>/dev/null && skip "xen-privcmd.ko is not in $MODDIR"
    continue
  fi
  add_mod "$m"
done
# Install the modules of $order (decompressed) under root $1 and list them, in load order, in $1/$2.
install_mods() {
  local root=$1 list=$2 m src dst
  : > "$root/$list"
  for m in "${order[@]}"; do
    src=$MODDIR/$m
    dst=$root/lib/modules/$KVER/${m%.xz}
    dst=${dst%.zst}
    dst=${dst%.gz}
    mkdir -p "$(dirname "$dst")"
    case "$m" in
      *.ko.xz) xz -dc "$src" > "$dst" ;;
      *.ko.zst) zstd -qdc "$src" > "$dst" ;;
      *.ko.gz) gzip -dc "$src" > "$dst" ;;
      *) cp "$src" "$dst" ;;
    esac
    echo "/lib/modules/$KVER/${dst#"$root/lib/modules/$KVER/"}" >> "$root/$list"
  done
}
install_mods "$R" etc/xk-modules

# xenkit: dist, runtime node_modules, package.json, the scripts to replay.
X=$R/xenkit
cp -a "$ROOT/dist" "$ROOT/package.json" "$X/"
# (node_modules itself may be a symlink, as in a git worktree: archive what it points to)
mkdir -p "$X/node_modules"
# Only the runtime packages (npm ls --omit=dev): the dev tools (playwright-core, the console's
# bundler and editor, the benchmarks' clients) grew the initramfs past what a 512 MiB dom0 unpacks
# ("Initramfs unpacking failed: write error").
mapfile -t PROD < <(cd "$ROOT" && npm ls --omit=dev --all --parseable 2>/dev/null |
  awk '{ i = index($0, "/node_modules/"); if (i) { n = split(substr($0, i + 14), a, "/"); print (a[1] ~ /^@/ ? a[1] "/" a[2] : a[1]) } }' | sort -u)
((${#PROD[@]})) || { say "FAIL: npm ls --omit=dev listed no runtime package"; exit 1; }
tar -C "$(readlink -f "$ROOT/node_modules")" -cf - \
  --exclude='./typescript' --exclude='./tsx' --exclude='./esbuild' \
  --exclude='./@esbuild' --exclude='./@types' --exclude='./.cache' \
  --exclude='./better-sqlite3/deps' --exclude='./better-sqlite3/src' \
  --exclude='./better-sqlite3/build/Release/obj*' --exclude='./better-sqlite3/build/Release/.deps' \
  --exclude='./@koromix/*/musl_*' \
  "${PROD[@]/#/./}" | tar -C "$X/node_modules" -xf -
find "$X/node_modules" -name '*.node' | while read -r n; do copy_libs "$n"; done
mkdir -p "$X/scripts"
cp "$HERE/matrix-$RELEASE.jsonl" "$X/scripts/"
cp "$ROOT/test/conformance/"*-"$RELEASE".jsonl "$X/scripts/" 2>/dev/null || true
printf '%s\n' '{"op":"physinfo"}' '{"op":"getdomaininfo","domid":0}' > "$X/scripts/physinfo.jsonl"
# name file: physinfo first (the sim is then described as this host), then the matrix, then the
# conformance scripts that do not use inject (sim only).
{
  echo "physinfo scripts/physinfo.jsonl"
  echo "matrix scripts/matrix-$RELEASE.jsonl"
  for f in "$ROOT/test/conformance/"*-"$RELEASE".jsonl; do
    [ -e "$f" ] || continue
    case "$f" in *.expected.jsonl) continue ;; esac
    grep -q '"op" *: *"inject"' "$f" && continue
    b=$(basename "$f" .jsonl)
    echo "conf-$b scripts/$b.jsonl"
  done
} > "$X/tests.list"
(cd "$R" && find . | cpio -o -H newc --quiet) | gzip -1 > "$WORK/dom0-initrd.gz"
gzip -dc "$XEN_GZ" > "$WORK/xen.elf" # QEMU's multiboot loader does not gunzip
cp "/boot/vmlinuz-$KVER" "$WORK/vmlinuz"
say "dom0 initramfs: $(du -h "$WORK/dom0-initrd.gz" | cut -f1) ($(du -sh "$R" | cut -f1) unpacked), built in $(since "$T_IMG") s; scripts: $(awk '{ print $1 }' "$X/tests.list" | tr '\n' ' ')"

# ---------------------------------------------------------------- 3b. libxl archive (the guests boot)
# A second gzip'd cpio, appended to the dom0 initramfs for the guests boot only (Linux unpacks
# concatenated archives), so that the matrix boots stay as they were: xenstored, xenconsoled,
# xen-init-dom0, xenstore-read/-ls, libxenlight.so.4.17 and its libraries, the xenfs/gntdev/gntalloc
# modules, and the guests: Debian's kernel (dom0's) as an ELF vmlinux, an initramfs whose /init is
# guests/guest-init.sh, and guests/*.cfg.
# The HVM guest's needs (XK_HVM=1) in the libxl archive $L: the qemu-xen device model libxl spawns
# (/usr/libexec/xen-qemu-system-i386, Debian 12's qemu-system-xen) and its libraries, its firmware
# (/usr/share/qemu, /usr/share/seabios: SeaBIOS's bios-256k.bin is the BIOS libxl hands hvmloader),
# hvmloader, and the guest's kernel as the bzImage (QEMU's direct kernel boot, kernel= of an HVM
# config, loads a bzImage through fw_cfg).
add_hvm() {
  local dm=/usr/libexec/xen-qemu-system-i386
  [ -x "$dm" ] || { say "note: XK_HVM=1 but $dm is missing (qemu-system-xen): no HVM guest"; return 1; }
  mkdir -p "$L/usr/libexec" "$L/usr/share" "$L/usr/lib/xen-$RELEASE/boot"
  cp -L "$dm" "$L/usr/libexec/"
  copy_libs "$dm" "$L"
  cp -rL /usr/share/qemu /usr/share/seabios "$L/usr/share/"
  cp -L "/usr/lib/xen-$RELEASE/boot/hvmloader" "$L/usr/lib/xen-$RELEASE/boot/"
  cp "/boot/vmlinuz-$KVER" "$G/vmlinuz"
}
GUESTS=()
XLCN=()
if [ "${XK_NO_GUESTS:-}" != 1 ]; then
  T_LX=$(date +%s.%N)
  L=$WORK/libxl-root
  XB=/usr/lib/xen-$RELEASE/bin
  for b in xenstored xenconsoled xen-init-dom0; do [ -x "$SRC$XB/$b" ] || skip "$XB/$b is missing (xen-utils-$RELEASE)"; done
  [ -x "$SRC/usr/bin/xenstore" ] || skip "/usr/bin/xenstore is missing (xenstore-utils)"
  # (4.20: /lib and /lib64 stay symlinks: a directory here would replace dom0's when Linux unpacks
  # the concatenated archives, hiding its modules and libraries)
  [ -n "$SRC" ] && mkdir -p "$L/usr/lib" "$L/usr/lib64" && ln -s usr/lib "$L/lib" && ln -s usr/lib64 "$L/lib64"
  mkdir -p "$L$XB" "$L/usr/bin" "$L/usr/lib/x86_64-linux-gnu" "$L/etc" "$L/xenkit/guests"
  : > "$L/xenkit/tests-guests.list"
  for b in xenstored xenconsoled xen-init-dom0; do cp -L "$SRC$XB/$b" "$L$XB/"; copy_libs "$SRC$XB/$b" "$L"; done
  cp -L "$SRC/usr/bin/xenstore" "$L/usr/bin/xenstore"
  for c in read write ls list exists rm; do ln -s xenstore "$L/usr/bin/xenstore-$c"; done
  copy_libs "$SRC/usr/bin/xenstore" "$L"
  # koffi dlopens libxenlight.so.4.17 by soname; glibc's pthread_exit/cancel dlopens libgcc_s.so.1.
  for l in "libxenlight.so.$RELEASE" "libxlutil.so.$RELEASE" "libxenguest.so.$RELEASE" libxenstore.so.4 libxentoollog.so.1 libgcc_s.so.1; do
    p=$(solib "$l")
    [ -n "$p" ] || skip "$l is missing (libxenmisc$RELEASE / xen-utils-$RELEASE)"
    [ -e "$R/usr/lib/x86_64-linux-gnu/$l" ] || cp -L "$p" "$L/usr/lib/x86_64-linux-gnu/$l"
    copy_libs "$p" "$L"
  done
  # Modules for xenstored (xenfs: /proc/xen/xsd_kva, xsd_port), xenconsoled and libxl (gntdev, gntalloc).
  order=()
  for name in xenfs xen-gntdev xen-gntalloc xen-evtchn; do
    m=$(modpath "$name")
    [ -n "$m" ] && add_mod "$m"
  done
  install_mods "$L" etc/xk-modules-libxl
  # The guests' kernel: the ELF vmlinux inside Debian's bzImage (xz; libxc would decompress it in
  # dom0, ~3 s per guest under TCG), unless XK_GUEST_KERNEL=bzimage.
  G=$L/xenkit/guests
  GK=bzImage
  if [ "${XK_GUEST_KERNEL:-}" != bzimage ]; then
    off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "/boot/vmlinuz-$KVER" | head -n 1 | cut -d: -f1 || true)
    # (xz stops at the end of its stream: no pipe from tail, or pipefail sees tail's SIGPIPE)
    if [ -n "$off" ] && xz -dcq --single-stream < <(tail -c +$((off + 1)) "/boot/vmlinuz-$KVER") > "$G/vmlinux" 2>/dev/null &&
      [ "$(head -c 4 "$G/vmlinux" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
      GK="ELF vmlinux, $(($(stat -c %s "$G/vmlinux") / 1048576)) MiB"
    else
      say "note: could not extract an ELF vmlinux from /boot/vmlinuz-$KVER; the guests get the bzImage"
    fi
  fi
  [ "$GK" = bzImage ] && cp "/boot/vmlinuz-$KVER" "$G/vmlinux" # libxc tells the format by content
  GI=$WORK/guest-root
  mkdir -p "$GI/bin" "$GI/proc" "$GI/sys" "$GI/dev"
  cp "$BUSYBOX" "$GI/bin/busybox"
  ln -s busybox "$GI/bin/sh"
  install -m 0755 "$HERE/guests/guest-init.sh" "$GI/init"
  [ "${XK_GUEST_DMESG:-}" = 1 ] && : > "$GI/dmesg"
  (cd "$GI" && find . | cpio -o -H newc --quiet) > "$G/initrd.cpio"
  # Real xl on the project's own configs: `xl info` (the version), then `xl create -n` (dry run) on
  # examples/*.cfg and guests/*.cfg (compare.mjs records each and compares it with xenkit's JSON).
  [ -x "$SRC$XB/xl" ] || skip "$XB/xl is missing (xen-utils-$RELEASE)"
  cp -L "$SRC$XB/xl" "$L$XB/"
  copy_libs "$SRC$XB/xl" "$L"
  mkdir -p "$L/etc/xen" "$L/xenkit/xlcfg"
  [ -f "$SRC/etc/xen/xl.conf" ] && cp "$SRC/etc/xen/xl.conf" "$L/etc/xen/" # else xl warns that it is missing
  echo "xlinfo -" >> "$L/xenkit/tests-guests.list"
  XLCN=()
  XLCFGS=("$ROOT"/examples/*.cfg "$HERE"/guests/*.cfg)
  case "${XK_XLCREATEN:-all}" in
    all) XLCFGS+=("$ROOT"/test/xlcfg-corpus/{real,keys}/*.cfg) ;;
    project) ;;
    none) XLCFGS=() ;;
    *) die "XK_XLCREATEN=$XK_XLCREATEN: all, project or none" ;;
  esac
  for cfg in "${XLCFGS[@]}"; do
    n=$(basename "$(dirname "$cfg")")-$(basename "$cfg" .cfg) # (the corpus: real-NAME, keys-KEY)
    cp "$cfg" "$L/xenkit/xlcfg/$n.cfg"
    XLCN+=("xlcreaten-$n")
    echo "xlcreaten-$n /xenkit/xlcfg/$n.cfg" >> "$L/xenkit/tests-guests.list"
  done
  # XK_HVM=1: also the HVM guest (guests/hvm.cfg; 4.17 only: Debian 12's qemu-system-xen).
  GCFGS=("$HERE"/guests/pv.cfg "$HERE"/guests/pvh.cfg)
  if [ "${XK_HVM:-}" = 1 ]; then
    if [ $RELEASE = 4.17 ]; then add_hvm && GCFGS+=("$HERE"/guests/hvm.cfg); else say "note: XK_HVM=1: no HVM guest on $RELEASE (the device model is Debian 12's qemu-system-xen, for 4.17)"; fi
  fi
  # XK_GUEST_ONLY="hvm ..." (debugging): only these guests (guests/NAME.cfg).
  if [ -n "${XK_GUEST_ONLY:-}" ]; then
    GCFGS=()
    for n in $XK_GUEST_ONLY; do GCFGS+=("$HERE/guests/$n.cfg"); done
  fi
  # XK_GUEST_ROUNDS=N (default 1): each guest N times, one after the other (guest-pv, guest-pv@2, ...).
  ROUNDS=${XK_GUEST_ROUNDS:-1}
  for cfg in "$HERE"/guests/*.cfg; do cp "$cfg" "$G/"; done
  # (debugging) XK_GUEST_EXTRA: more words for every guest kernel's command line (extra=)
  [ -n "${XK_GUEST_EXTRA:-}" ] && sed -i "s|^\(extra *= *\"[^\"]*\)\"|\1 ${XK_GUEST_EXTRA}\"|" "$G"/*.cfg
  for ((r = 1; r <= ROUNDS; r++)); do
    for cfg in "${GCFGS[@]}"; do
      b=$(basename "$cfg" .cfg)
      n=guest-$b
      ((r > 1)) && n=$n@$r
      GUESTS+=("$n")
      echo "$n /xenkit/guests/$b.cfg" >> "$L/xenkit/tests-guests.list"
    done
  done
  # Debugging: XK_GUEST_ENV="K=V ..." is xk's environment in the guest runs (e.g. glibc's malloc
  # checks: LD_PRELOAD=/lib/x86_64-linux-gnu/libc_malloc_debug.so.0 GLIBC_TUNABLES=glibc.malloc.check=3:glibc.malloc.perturb=165).
  echo "${XK_GUEST_TIMEOUT:-120}" > "$L/xenkit/guest.timeout"
  # The HVM guest's own bound (init.sh reads guests/hvm.timeout): measured 2026-12-02, xk ran 512 s
  # for it at load 6-10 on the 2 cores (README, "The HVM guest").
  echo "${XK_HVM_TIMEOUT:-900}" > "$G/hvm.timeout"
  [ "${XK_CHECK_PAGES:-}" = 1 ] && : > "$L/xenkit/check-pages"
  if [ -n "${XK_GUEST_ENV:-}" ]; then
    printf '%s\n' "$XK_GUEST_ENV" > "$L/xenkit/guest.env"
    p=$(SRC='' solib libc_malloc_debug.so.0)
    [ -n "$p" ] && cp --parents "$p" "$L"
  fi
  (cd "$L" && find . | cpio -o -H newc --quiet) | gzip -1 > "$WORK/libxl.gz"
  cat "$WORK/dom0-initrd.gz" "$WORK/libxl.gz" > "$WORK/dom0-guests-initrd.gz"
  say "libxl archive: $(du -h "$WORK/libxl.gz" | cut -f1) ($(du -sh "$L" | cut -f1) unpacked), built in $(since "$T_LX") s; guests: ${GUESTS[*]} (kernel: $GK)"
fi

# ---------------------------------------------------------------- 4. boot
# One boot per fresh hypervisor: the matrix and each conformance script expect a host whose domain-id
# rover has not moved. boot NAME QEMU_MiB DOM0_MEM TESTS(a+b: QEMU splits -initrd at commas) [optional]
RES=$HERE/results/$RELEASE
mkdir -p "$RES"
rm -f "$RES/"*
LOGS=()
boot() {
  local name=$1 mem=$2 dom0=$3 tests=$4 optional=${5:-} LOG=$WORK/serial-$1.log T_BOOT t_init='' t_run='' t_done='' timed_out=0 qrc QPID
  : > "$LOG"
  T_BOOT=$(date +%s.%N)
  "$QEMU" -machine q35 -accel "${XK_QEMU_ACCEL:-tcg,thread=multi}" -cpu "${XK_QEMU_CPU:-max,-smap,-smep,-rdtscp}" -smp 2 -m "$mem" \
    -display none -monitor none -serial "file:$LOG" -no-reboot \
    -kernel "$WORK/xen.elf" -append "console=com1 dom0_mem=$dom0,max:$dom0${BOOT_XEN_ARGS:+ $BOOT_XEN_ARGS}${XK_XEN_ARGS:+ $XK_XEN_ARGS}" \
    -initrd "$WORK/vmlinuz console=hvc0 loglevel=4 xk.tests=$tests,${INITRD:-$WORK/dom0-initrd.gz}" < /dev/null > "$WORK/qemu-$name.out" 2>&1 &
  QPID=$!
  while kill -0 $QPID 2>/dev/null; do
    [ -z "$t_init" ] && grep -q '^XKINIT:' "$LOG" && t_init=$(since "$T_BOOT")
    [ -z "$t_run" ] && grep -q '^XKRUN:' "$LOG" && t_run=$(since "$T_BOOT")
    [ -z "$t_done" ] && grep -q '^XKTIME:' "$LOG" && t_done=$(since "$T_BOOT")
    if awk -v a="$T_BOOT" -v b="$(date +%s.%N)" -v t="$TIMEOUT" 'BEGIN { exit !(b - a > t) }'; then
      timed_out=1
      kill "$QPID" 2>/dev/null || true
      break
    fi
    sleep 0.2
  done
  wait $QPID 2>/dev/null && qrc=0 || qrc=$?
  cp "$LOG" "$RES/serial-$name.log"
  if [ $timed_out = 1 ]; then
    tail -n 40 "$LOG"
    [ -n "$optional" ] && [ "${CI:-}" != true ] && { say "WARNING: boot $name did not finish within ${TIMEOUT} s; its results are left out"; return 0; }
    die "boot $name: QEMU did not finish within ${TIMEOUT} s (XK_QEMU_TIMEOUT); serial log: test/xen-qemu/results/$RELEASE/serial-$name.log"
  fi
  if ! grep -q '^XKDONE' "$LOG"; then
    tail -n 60 "$LOG"
    cat "$WORK/qemu-$name.out"
    [ -n "$optional" ] && [ "${CI:-}" != true ] && { say "WARNING: boot $name did not finish its checks; its results are left out"; return 0; }
    die "boot $name: dom0 did not finish its checks (QEMU exit $qrc; $(grep '^XKFATAL:' "$LOG" || echo 'no XKDONE marker')); serial log: test/xen-qemu/results/$RELEASE/serial-$name.log"
  fi
  say "boot $name (${mem} MiB, dom0 $dom0; $tests): QEMU ran $(since "$T_BOOT") s wall: dom0 /init at ${t_init:-?} s, first script at ${t_run:-?} s, scripts done at ${t_done:-?} s ($(sed -n 's/^XKTIME: //p' "$LOG") guest uptime)"
  LOGS+=(--log "$LOG")
}
T_BOOTS=$(date +%s.%N)
if [ "${XK_ONLY_GUESTS:-}" != 1 ]; then
boot main 2048 768M physinfo+matrix
# The conformance scripts, each on a fresh Xen. A script with a "# memory: N" header describes an
# N MiB host whose dom0 holds 256 MiB; this dom0 cannot unpack its ~170 MiB initramfs in 256 MiB, so
# the machine gets 256 MiB more and so does dom0: what is free for guests is the script's host's
# (less what Xen itself uses). A failed boot there only warns, except in CI (CI=true).
for t in $(awk '$1 ~ /^conf-/ { print $1 }' "$X/tests.list"); do
  mem=$(sed -n 's/^# *memory: *\([0-9]*\).*/\1/p' "$ROOT/test/conformance/${t#conf-}.jsonl")
  if [ -n "$mem" ]; then
    boot "${t#conf-}" $((mem + 256)) 512M "$t" optional
  else
    boot "${t#conf-}" 2048 768M "$t"
  fi
done
fi
# The real guests through libxl, on a fresh Xen of their own (xenstored, xenconsoled: see init.sh).
((${#GUESTS[@]} == 0)) && [ "${XK_NO_GUESTS:-}" != 1 ] && say "note: no real guest is created (XK_GUEST_ROUNDS=${XK_GUEST_ROUNDS:-1}); the guests boot runs xl info and xl create -n only"
if ((${#GUESTS[@]} + ${#XLCN[@]})); then
  # Each guest run is bounded by a timeout in dom0 (XK_GUEST_TIMEOUT, 120 s), 120 s for dom0's boot and
  # setup (under load dom0 reached /init only after 50-60 s), and each xl create -n takes about a
  # second under TCG (3 s allowed: a loaded host took 2.1 s each): give the boot room for them all.
  gt=$((120 + 3 * ${#XLCN[@]}))
  for g in "${GUESTS[@]}"; do
    case "$g" in guest-hvm | guest-hvm@*) gt=$((gt + ${XK_HVM_TIMEOUT:-900} + 5)) ;; *) gt=$((gt + ${XK_GUEST_TIMEOUT:-120} + 5)) ;; esac
  done
  ((gt < TIMEOUT)) && gt=$TIMEOUT
  GBOOT=(xlinfo "${GUESTS[@]}")
  ((${#XLCN[@]})) && GBOOT=(xlinfo xlcreaten-all "${GUESTS[@]}") # all of them: init.sh (the kernel command line is short)
  # spec-ctrl=eager-fpu: Xen switches the FPU state eagerly (xsave/xrstor on every context switch)
  # instead of lazily (CR0.TS and #NM, its default on AMD, which QEMU's TCG CPU is). With the lazy
  # switch, dom0's processes die of memory corruption in about half the guest runs under QEMU 7.2's
  # TCG (README: "2026-12-02"); eagerly, none did. XK_GUEST_LAZY_FPU=1 leaves Xen's default.
  GXA=spec-ctrl=eager-fpu
  [ "${XK_GUEST_LAZY_FPU:-}" = 1 ] && GXA=
  # (the HVM guest's device model, firmware and bzImage make the rootfs ~50 MiB bigger: in 768 MiB,
  # dom0's kernel said "Initramfs unpacking failed: write error")
  GMEM=2048 GDOM0=768M
  [[ " ${GUESTS[*]} " == *" guest-hvm "* ]] && GMEM=2560 GDOM0=1024M
  BOOT_XEN_ARGS=$GXA TIMEOUT=$gt INITRD=$WORK/dom0-guests-initrd.gz boot guests $GMEM $GDOM0 "$(IFS=+; echo "${GBOOT[*]}")"
  # dom0's uptimes: the setup steps, and per guest when xk started, printed each line, and ended.
  sed -n 's/^XKSETUP: \(.*\) \([0-9.]*\)\r*$/\1 \2/p' "$WORK/serial-guests.log" | tr '\n' ' ' | sed 's/^/xen-qemu:   libxl setup done at dom0 uptime (s): /; s/ $/\n/'
  for g in "${GUESTS[@]}"; do
    awk -v g="$g" '{ sub(/\r$/, "") }
      index($0, "XKGTIME:" g " ") == 1 { split($2, a, "="); split($3, b, "="); t0 = a[2]; t1 = b[2] }
      index($0, "XKSTAMP:" g ":") == 1 { l = substr($0, length("XKSTAMP:" g ":") + 1); t = l; sub(/ .*/, "", t); sub(/^[^ ]* /, "", l)
        if (l ~ / created/) tc = t; if (l ~ / shut down /) ts = t }
      END { if (t0 == "") { print "xen-qemu:   " g ": no timing (did it run?)"; exit }
        printf "xen-qemu:   %s: xk create --watch ran %.1f s (dom0 uptime %s .. %s): created after %s s, shut down + destroyed after %s s\n",
          g, t1 - t0, t0, t1, tc == "" ? "?" : sprintf("%.1f", tc - t0), ts == "" ? "?" : sprintf("%.1f", ts - t0) }' "$WORK/serial-guests.log"
  done
fi
say "all boots: $(since "$T_BOOTS") s"

# ---------------------------------------------------------------- 5. compare
set +e
if [ -n "$SRC" ]; then XLDEB=$(dpkg-deb -f "$(dirname "$SRC")/debs/$(grep "^xen-utils-$RELEASE"_ "$(dirname "$SRC")/root.list")" Version)
else XLDEB=$(dpkg-query -W -f='${Version}' "xen-utils-$RELEASE"); fi
CARGS=()
[ "${XK_ONLY_GUESTS:-}" = 1 ] && CARGS+=(--no-matrix)
((${#GUESTS[@]})) && CARGS+=(--guests "$(IFS=,; echo "${GUESTS[*]}")" --guest-dir "$HERE/guests")
((${#GUESTS[@]} + ${#XLCN[@]})) && CARGS+=(--xl-debian "$XLDEB")
node "$HERE/compare.mjs" "${LOGS[@]}" "${CARGS[@]}" --root "$ROOT" --release "$RELEASE" --out "$RES"
rc=$?
set -e
say "total $(since "$T_START") s"
exit $rc
