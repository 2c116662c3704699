#!/bin/sh
# /init of the guests' initramfs (test/xen-qemu/guests/*.cfg; built by run.sh with a static busybox).
# Prints one line that names the guest (xk.guest= on its command line) and what the kernel says it
# is (/sys/hypervisor/guest_type: PV, PVH or HVM), on hvc0, then powers the domain off
# (SCHEDOP_shutdown poweroff: `xk create --watch` then applies on_poweroff).
/bin/busybox mkdir -p /proc /sys
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
g=$(/bin/busybox sed -n 's/.*xk\.guest=\([^ ]*\).*/\1/p' /proc/cmdline)
t=$(/bin/busybox cat /sys/hypervisor/guest_type 2>/dev/null || echo unknown)
echo "XK-GUEST-HELLO $g type=$t kernel=$(/bin/busybox uname -r) vcpus=$(/bin/busybox nproc) mem=$(/bin/busybox awk '/^MemTotal/ { print $2 "kB" }' /proc/meminfo) uptime=$(/bin/busybox cut -d' ' -f1 /proc/uptime)"
# Give xenconsoled a moment to read the ring before the domain goes away.
/bin/busybox sleep 1
echo "XK-GUEST-BYE $g"
# (debugging, run.sh's XK_GUEST_DMESG=1) the kernel's own log with its timestamps, on hvc0: the PV
# console, read from its ring by xenconsoled (no emulated UART per character, as ttyS0 would be)
if [ -e /dmesg ]; then
  /bin/busybox mount -t devtmpfs devtmpfs /dev 2> /dev/null
  [ -e /dev/hvc0 ] && /bin/busybox dmesg > /dev/hvc0 && /bin/busybox sleep 1
fi
/bin/busybox poweroff -f
/bin/busybox sleep 10
