#!/bin/sh
# /init of the dom0 initramfs built by run.sh (busybox sh). It loads xen-privcmd, runs each replay
# script named by xk.tests= (kernel command line; files in /xenkit/tests.list) against the real hypervisor (node dist/cli/main.js replay
# --backend xen), then prints every result line to the console (hvc0 -> Xen -> QEMU's serial log)
# with a prefix that run.sh parses, and powers the machine off.
#
# Markers (one per line, at the start of a line):
#   XKINIT: <uptime>               /init started
#   XKRUN: <name>                  a script is about to run (Xen's own log lines for it follow)
#   XKBEGIN:<name> rc=<rc> lines=<n> errlines=<m>
#   XKOUT:<name>:<json line>       one line of the replay's stdout
#   XKERR:<name>:<text>            one line of its stderr
#   XKEND:<name>
#   XKTIME: init=<s> tests=<s>     guest uptimes (seconds) at /init and after the last script
#   XKDONE                         everything was printed
#   XKFATAL: <why>                 the checks could not run
/bin/busybox --install -s /bin
export PATH=/usr/local/bin:/bin:/sbin:/usr/bin:/usr/sbin
export LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu:/lib/x86_64-linux-gnu
export HOME=/root
mkdir -p /proc /sys /dev /tmp /root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
# The scripts of this boot: xk.tests=a+b on the kernel command line (names from /xenkit/tests.list).
TESTS=$(tr ' ' '\n' < /proc/cmdline | sed -n 's/^xk\.tests=//p' | tr '+' ' ')
grep -E "^($(echo $TESTS | tr ' ' '|')) " /xenkit/tests.list > /tmp/tests.list
# Keep the kernel's messages off the console while results are printed.
echo 1 > /proc/sys/kernel/printk
T0=$(cut -d' ' -f1 /proc/uptime)
echo "XKINIT: $T0 tests: $TESTS"

fatal() {
  echo "XKFATAL: $*"
  poweroff -f
  sleep 10
}

while read -r m; do
  [ -n "$m" ] || continue
  insmod "$m" 2>/tmp/insmod.err || grep -q 'File exists' /tmp/insmod.err || echo "XKLOG: insmod $m: $(cat /tmp/insmod.err)"
done < /etc/xk-modules
# devtmpfs makes /dev/xen/privcmd once xen-privcmd is loaded; wait a little for it.
i=0
while [ ! -e /dev/xen/privcmd ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ -e /dev/xen/privcmd ] || fatal "/dev/xen/privcmd did not appear ($(ls /dev/xen 2>&1 | tr '\n' ' '))"
echo "XKLOG: /dev/xen: $(ls /dev/xen | tr '\n' ' ')"
echo "XKLOG: node $(node --version 2>&1)"

cd /xenkit || fatal "no /xenkit"
mkdir -p /tmp/out
while read -r name file; do
  [ -n "$name" ] || continue
  echo "XKRUN: $name"
  node dist/cli/main.js replay --backend xen "$file" > "/tmp/out/$name.out" 2> "/tmp/out/$name.err"
  echo $? > "/tmp/out/$name.rc"
done < /tmp/tests.list
T1=$(cut -d' ' -f1 /proc/uptime)

# Print everything only now, so that no Xen message can land inside a result line.
while read -r name file; do
  [ -n "$name" ] || continue
  echo "XKBEGIN:$name rc=$(cat "/tmp/out/$name.rc") lines=$(wc -l < "/tmp/out/$name.out") errlines=$(wc -l < "/tmp/out/$name.err")"
  sed "s/^/XKOUT:$name:/" "/tmp/out/$name.out"
  sed "s/^/XKERR:$name:/" "/tmp/out/$name.err"
  echo "XKEND:$name"
done < /tmp/tests.list
echo "XKTIME: init=$T0 tests=$T1"
echo "XKDONE"
poweroff -f
sleep 10
