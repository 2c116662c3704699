#!/usr/bin/env bash
# `npm run test:xen:arm`: Debian's arm64 Xen booted under qemu-system-aarch64 (TCG), once on a GICv3
# host and once on a GICv2 host: Debian 12's Xen 4.17, then Debian 13 trixie's Xen 4.20. In each arm64 dom0, xk-arm-probe (arm64-probe.c, linked
# statically against the release's libxen-dev) asks Xen the createdomain cases of
# arm64-cases-REL.jsonl; arm64-compare.ts then compares every answer with the sim's for the same
# host (described from that dom0's physinfo and the GIC of its device tree) and fails on any difference.
# The answers are recorded in recorded/arm64-REL-gicvN.real.jsonl when missing or with XK_RECORD=1
# (test/xen/recorded-arm64.test.ts checks the sim against them in `npm test`).
# Exit: 0 pass, 1 a difference or a failed boot, 77 cannot run here (the last line says why; CI=true
# turns that into 1 unless XENKIT_ALLOW_NO_REAL_XEN=1).
# XK_ARM_XEN="4.17 4.20" (default) the releases, XK_ARM_GICS="3 2" (default) the hosts booted;
# XK_QEMU_TIMEOUT (default 300) seconds per boot.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TIMEOUT=${XK_QEMU_TIMEOUT:-300}
T_START=$(date +%s.%N)
say() { printf 'xen-arm: %s\n' "$*"; }
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
skip() {
  if [ "${CI:-}" = true ] && [ "${XENKIT_ALLOW_NO_REAL_XEN:-}" != 1 ]; then
    say "FAIL: real Arm Xen cannot run here (CI=true; set XENKIT_ALLOW_NO_REAL_XEN=1 to allow it): $*"
    exit 1
  fi
  say "SKIP: cannot run: $*"
  exit 77
}

# ---------------------------------------------------------------- 1. host tools
TOOLS=(qemu-system-aarch64:qemu-system-arm aarch64-linux-gnu-gcc:gcc-aarch64-linux-gnu cpio:cpio)
need=()
for t in "${TOOLS[@]}"; do command -v "${t%%:*}" > /dev/null || need+=("${t#*:}"); done
[ -f /usr/aarch64-linux-gnu/lib/libc.a ] || need+=(libc6-dev-arm64-cross)
if ((${#need[@]})); then
  [ "$(id -u)" = 0 ] || skip "missing ${need[*]} (install them, or run as root)"
  say "installing ${need[*]}"
  inst() { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=300 "${need[@]}"; }
  { inst || { apt-get update -qq && inst; }; } > /tmp/xen-arm-apt.log 2>&1 ||
    skip "apt-get install ${need[*]} failed (log: /tmp/xen-arm-apt.log)"
fi

# ---------------------------------------------------------------- 2. per release
WORK=$(mktemp -d /tmp/xen-arm.XXXXXX)
QPID=''
trap '[ -n "$QPID" ] && kill "$QPID" 2> /dev/null; rm -rf "$WORK"' EXIT
RES=$HERE/results/arm64
mkdir -p "$RES"

# stage REL: the arm64 packages (nothing installed); sets S (staging root), KVER, XDEB.
stage() {
  local T src
  T=$(date +%s.%N)
  set +e
  S=$(bash "$HERE/arm64-stage.sh" "$1" | tail -n 1)
  src=${PIPESTATUS[0]}
  set -e
  [ "$src" = 77 ] && skip "arm64-stage.sh could not stage Debian's arm64 Xen $1 (see above)"
  [ "$src" = 0 ] || { say "arm64-stage.sh failed (exit $src)"; exit 1; }
  KVER=$(basename "$(ls "$S"/boot/vmlinuz-*-arm64 | head -n 1)" | sed 's/^vmlinuz-//')
  XDEB=$(sed -n "s/^xen-hypervisor-$1-arm64_\(.*\)_arm64\.deb$/\1/p" "$S/../root.list" | sed 's/%3a/:/')
  say "staged Debian's arm64 Xen $XDEB, kernel $KVER in $(since "$T") s ($S)"
}

# initrd REL: the probe (static, against the release's libxen-dev) and dom0's initramfs, $WORK/initrd-REL.gz.
initrd() {
  local T L=$S/usr/lib/aarch64-linux-gnu I=$WORK/initrd-$1 m f
  T=$(date +%s.%N)
  mkdir -p "$I/bin" "$I/modules" "$I/proc" "$I/sys" "$I/dev"
  aarch64-linux-gnu-gcc -O2 -Wall -Wextra -Werror -std=gnu11 -static -D__XEN_TOOLS__ -I "$S/usr/include" \
    -o "$I/xk-arm-probe" "$HERE/arm64-probe.c" "$L/libxenctrl.a" "$L/libxencall.a" "$L/libxenforeignmemory.a" \
    "$L/libxendevicemodel.a" "$L/libxengnttab.a" "$L/libxenevtchn.a" "$L/libxentoollog.a" "$L/libxentoolcore.a" -lpthread
  cp "$(ls "$S/bin/busybox" "$S/usr/bin/busybox" 2> /dev/null | head -n 1)" "$I/bin/busybox" # (trixie: /usr/bin)
  cp "$HERE/arm64-init.sh" "$I/init"
  chmod +x "$I/init"
  cp "$HERE/arm64-cases-$1.jsonl" "$I/cases.jsonl"
  for m in xen-privcmd xen-evtchn xen-gntdev xenfs; do
    f=$(find "$S/lib/modules/$KVER" "$S/usr/lib/modules/$KVER" -name "$m.ko*" 2> /dev/null | head -n 1 || true) # (trixie: /usr/lib)
    [ -n "$f" ] || { say "no $m module in $KVER"; exit 1; }
    case $f in *.xz) xz -dc "$f" ;; *.zst) zstd -qdc "$f" ;; *) cat "$f" ;; esac > "$I/modules/$m.ko"
  done
  (cd "$I" && find . | cpio -o -H newc --quiet) | gzip -1 > "$I.gz"
  say "probe and initramfs ($(du -h "$I.gz" | cut -f1)) built in $(since "$T") s"
}

# xkarchive REL: xenkit itself for the arm64 dom0, a second gzip'd cpio appended to the initramfs
# (Linux unpacks concatenated archives): trixie's arm64 node 20 and its libraries (arm64-stage.sh node;
# /lib -> usr/lib as on trixie, for its PT_INTERP /lib/ld-linux-aarch64.so.1), the release's shared
# libxen* (libxenctrl.so.REL, loaded by koffi), xenkit's dist/ and runtime node_modules, and koffi's
# arm64 prebuilt (@koromix/koffi-linux-arm64, fetched with `npm pack` into the cache: npm installs only
# the host's). Sets INITRD (the combined archive) and DOM0_MEM; on a failure they stay unset.
xkarchive() {
  local T N A=$WORK/xk-$1 K=${XK_ARM64_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xenkit}/arm64-koffi kv
  T=$(date +%s.%N)
  N=$(bash "$HERE/arm64-stage.sh" node | tail -n 1) && [ -x "$N/usr/bin/node" ] || { say "no arm64 node (arm64-stage.sh node)"; return 1; }
  kv=$(node -p 'require(process.argv[1] + "/package.json").version' "$(readlink -f "$ROOT/node_modules")/koffi") || return 1
  if [ ! -f "$K/koromix-koffi-linux-arm64-$kv.tgz" ]; then
    mkdir -p "$K" && (cd "$K" && npm pack --silent "@koromix/koffi-linux-arm64@$kv" > /dev/null) || { say "npm pack @koromix/koffi-linux-arm64@$kv failed"; return 1; }
  fi
  [ -f "$ROOT/dist/cli/main.js" ] || { say "no dist/ (npm run build)"; return 1; }
  mkdir -p "$A/usr/lib/aarch64-linux-gnu" "$A/usr/bin" "$A/xenkit/node_modules/@koromix/koffi-linux-arm64" || return 1
  ln -s usr/lib "$A/lib"
  cp -a "$N/usr/bin/node" "$A/usr/bin/" && cp -a "$N/usr/lib/ld-linux-aarch64.so.1" "$A/usr/lib/" || return 1
  mkdir -p "$A/usr/share" && cp -a "$N/usr/share/nodejs" "$A/usr/share/" || return 1 # (Debian's externalized builtins)
  (cd "$N/usr/lib/aarch64-linux-gnu" && tar -cf - --exclude=gconv --exclude=engines-3 --exclude=ossl-modules --exclude='libicutest*' --exclude='libicutu*' .) | tar -C "$A/usr/lib/aarch64-linux-gnu" -xf - || return 1
  cp -a "$S/usr/lib/aarch64-linux-gnu/"libxen*.so.* "$A/usr/lib/aarch64-linux-gnu/" && cp -a "$ROOT/dist" "$ROOT/package.json" "$A/xenkit/" || return 1
  tar -C "$(readlink -f "$ROOT/node_modules")" -cf - --exclude='./typescript' --exclude='./tsx' --exclude='./esbuild' \
    --exclude='./@esbuild' --exclude='./@types' --exclude='./.cache' --exclude='./better-sqlite3/build' --exclude='./better-sqlite3/deps' --exclude='./better-sqlite3/src' --exclude='./@koromix' . |
    tar -C "$A/xenkit/node_modules" -xf - || return 1
  tar -C "$A/xenkit/node_modules/@koromix/koffi-linux-arm64" --strip-components=1 --exclude='package/musl_*' -xzf "$K/koromix-koffi-linux-arm64-$kv.tgz" || return 1
  (cd "$A" && find . | cpio -o -H newc --quiet) | gzip -1 > "$A.gz" || return 1
  cat "$WORK/initrd-$1.gz" "$A.gz" > "$WORK/initrd-$1-xk.gz" || return 1
  INITRD=$WORK/initrd-$1-xk.gz DOM0_MEM=1024M
  say "xk archive for the arm64 dom0 ($(du -h "$A.gz" | cut -f1), $(du -sh "$A" | cut -f1) unpacked; trixie's arm64 node, koffi $kv arm64) built in $(since "$T") s"
}

# boot REL GIC: one QEMU; dom0's answers into $RES/arm64-REL-gicvGIC.real.jsonl, its GIC into .gic.
boot() {
  local rel=$1 gic=$2 name=arm64-$1-gicv$2 LOG T_BOOT qrc
  LOG=$RES/serial-$name.log
  : > "$LOG"
  T_BOOT=$(date +%s.%N)
  timeout "$TIMEOUT" qemu-system-aarch64 -machine "virt,virtualization=on,gic-version=$gic" -cpu cortex-a57 -smp 2 -m 2048 \
    -accel "${XK_QEMU_ACCEL:-tcg,thread=multi}" -display none -monitor none -serial "file:$LOG" -no-reboot \
    -kernel "$S/boot/xen-$rel-arm64" -append "dom0_mem=${DOM0_MEM:-512M} dom0_max_vcpus=1" \
    -device "guest-loader,addr=0x42000000,kernel=$S/boot/vmlinuz-$KVER,bootargs=console=hvc0 earlycon=xenboot rdinit=/init loglevel=4" \
    -device "guest-loader,addr=0x50000000,initrd=${INITRD:-$WORK/initrd-$rel.gz}" < /dev/null > "$RES/qemu-$name.out" 2>&1 &
  QPID=$!
  # A dom0 panic leaves QEMU running (Xen keeps going): stop at once rather than at the timeout.
  while kill -0 "$QPID" 2> /dev/null; do
    grep -q 'Kernel panic' "$LOG" 2> /dev/null && { sleep 1; kill "$QPID" 2> /dev/null; }
    sleep 0.2
  done
  wait "$QPID" && qrc=0 || qrc=$?
  QPID=''
  [ "$qrc" = 124 ] && { tail -n 30 "$LOG"; say "boot $name: QEMU did not finish within $TIMEOUT s (XK_QEMU_TIMEOUT)"; return 1; }
  grep -q '^XKDONE' "$LOG" || { tail -n 40 "$LOG"; cat "$RES/qemu-$name.out"; say "boot $name: dom0 did not finish (QEMU exit $qrc)"; return 1; }
  mark() { tr -d '\r' < "$LOG" | sed -n "s/^$1//p"; }
  mark XKL: > "$RES/$name.real.jsonl"
  mark 'XKGIC: ' > "$RES/$name.gic"
  mark XKERR: >&2
  rm -f "$RES/$name.xk.jsonl"
  [ -n "${INITRD:-}" ] && mark XKX: > "$RES/$name.xk.jsonl"
  mark XKXERR: >&2
  [ -n "${INITRD:-}" ] && say "boot $name: xk in dom0: $(mark 'XKXINFO: ' | tr '\n' ' ' | cut -c1-400); xk replay exit $(mark 'XKXRC: ')"
  say "boot $name: $(since "$T_BOOT") s wall (dom0 /init at $(mark 'XKINIT: ') s, probe $(mark 'XKRUN: ') .. $(mark 'XKTIME: ') s dom0 uptime); $(mark 'XKDONE: ')"
}

# facts REL: xenkit's arm64 layouts and constants for REL against that release's arm64 headers.
facts() {
  node --import tsx "$HERE/arm64-abi.ts" "$1" > "$WORK/facts-$1.c"
  aarch64-linux-gnu-gcc -std=gnu11 -fsyntax-only -I "$S/usr/include" "$WORK/facts-$1.c" ||
    { say "FAIL: xenkit's arm64 facts for $1 are not the headers' of Debian's libxen-dev $XDEB (above)"; return 1; }
  say "xenkit's arm64 facts for $1 match libxen-dev $XDEB's headers ($(grep -c _Static_assert "$WORK/facts-$1.c") checks)"
}

rc=0
for rel in ${XK_ARM_XEN:-4.17 4.20}; do
  stage "$rel"
  facts "$rel" || rc=1
  initrd "$rel"
  INITRD='' DOM0_MEM=''
  if [ "${XK_ARM_NO_XK:-}" != 1 ]; then xkarchive "$rel" || say "WARNING: the xk archive could not be built (above): xk is not run in dom0"; fi
  names=()
  for gic in ${XK_ARM_GICS:-3 2}; do
    boot "$rel" "$gic" || exit 1
    names+=("arm64-$rel-gicv$gic")
  done
  # ---------------------------------------------------------------- 3. compare with the sim
  node --import tsx "$HERE/arm64-compare.ts" --release "$rel" --results "$RES" --debian "$XDEB" --kernel "$KVER" ${INITRD:+--xk} "${names[@]}" || rc=1
done
say "total $(since "$T_START") s"
exit $rc
