#!/bin/busybox sh
# /init of the arm64 dom0 that test/xen-qemu/arm64.sh boots: loads the Xen drivers, prints the GIC
# dom0's device tree (written by Xen) shows, asks Xen the cases with xk-arm-probe, prints the answers
# (after the probe has finished, so that no Xen console line falls inside one), and powers off.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "XKINIT: $(cut -d' ' -f1 /proc/uptime)"
for m in xen-privcmd xen-evtchn xen-gntdev xenfs; do insmod "/modules/$m.ko" || echo "XKFATAL: insmod $m failed"; done
mkdir -p /proc/xen && mount -t xenfs xenfs /proc/xen
for c in /proc/device-tree/*/compatible; do
  case "$(tr '\0' ' ' < "$c")" in *gic*) echo "XKGIC: $(tr '\0' ' ' < "$c")" ;; esac
done
echo "XKRUN: $(cut -d' ' -f1 /proc/uptime)"
/xk-arm-probe /cases.jsonl > /out.jsonl 2> /err.txt
rc=$?
echo "XKTIME: $(cut -d' ' -f1 /proc/uptime)"
sed 's/^/XKL:/' /out.jsonl
sed 's/^/XKERR:/' /err.txt
# xenkit itself, when the initramfs carries it (arm64.sh's xk archive): `xk info` and `xk replay
# --backend xen` of the same cases (the probe destroyed every domain it made; the ids are explicit).
if [ -x /usr/bin/node ]; then
  XK="/usr/bin/node /xenkit/dist/cli/main.js"
  $XK --backend xen info > /xk-info.txt 2>&1
  echo "XKXINFO: exit $?"
  sed 's/^/XKXINFO: /' /xk-info.txt
  $XK replay --backend xen /cases.jsonl > /xk-out.jsonl 2> /xk-err.txt
  echo "XKXRC: $?"
  sed 's/^/XKX:/' /xk-out.jsonl
  sed 's/^/XKXERR:/' /xk-err.txt
fi
echo "XKDONE: probe exit $rc"
poweroff -f
