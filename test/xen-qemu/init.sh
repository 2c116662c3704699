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
# For a guest test (a name starting with guest-; FILE is an xl.cfg), run with
# `node dist/cli/main.js --backend xen create FILE --watch` after xenstored, xen-init-dom0 and
# xenconsoled are started (files from run.sh's libxl archive), also:
#   XKSETUP: <what> <uptime>       a step of the libxl setup done (xenstored up, ...)
#   XKSTAMP:<name>:<uptime> <line> each stdout line of xk with the dom0 uptime at which it came
#   XKCON:<name>:<line>            the guest's console log (xenconsoled --log=guest)
#   XKXLOG:<name>:<file>: <line>   /var/log/xen/*.log and the daemons' output (when xk failed)
#   XKGTIME:<name> start=<s> end=<s>
# In the same boot (libxl set up), real xl itself: `xlinfo` runs `xl info` (the Xen version of the
# recordings), and `xlcreaten-NAME FILE` runs `xl create -n FILE` (dry run: the libxl_domain_config
# JSON xl would pass to libxl), printed as XKOUT/XKERR lines like a replay script's.
/bin/busybox --install -s /bin
export PATH=/usr/local/bin:/bin:/sbin:/usr/bin:/usr/sbin
export LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu:/lib/x86_64-linux-gnu
export HOME=/root
# The Xen release of this dom0 (run.sh writes it): its tools are in /usr/lib/xen-REL/bin.
REL=$(cat /etc/xk-xen-release)
mkdir -p /proc /sys /dev /tmp /root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
# The scripts of this boot: xk.tests=a+b on the kernel command line (names from /xenkit/tests.list).
TESTS=$(tr ' ' '\n' < /proc/cmdline | sed -n 's/^xk\.tests=//p' | tr '+' ' ')
# (/xenkit/tests-guests.list comes with run.sh's libxl archive, in the guests boot.)
# (xlcreaten-all: every xlcreaten-* line, hundreds, too many for the command line)
cat /xenkit/tests.list /xenkit/tests-guests.list 2>/dev/null | grep -E "^($(echo $TESTS | sed 's/xlcreaten-all/xlcreaten-.*/' | tr ' ' '|')) " > /tmp/tests.list
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

# ---- libxl: only when this boot creates real guests (run.sh's libxl archive is then unpacked too).
up() { cut -d' ' -f1 /proc/uptime; }
setup_libxl() {
  [ -f /etc/xk-modules-libxl ] || fatal "guest tests without the libxl archive (/etc/xk-modules-libxl is missing)"
  while read -r m; do
    [ -n "$m" ] || continue
    insmod "$m" 2>/tmp/insmod.err || grep -q 'File exists' /tmp/insmod.err || echo "XKLOG: insmod $m: $(cat /tmp/insmod.err)"
  done < /etc/xk-modules-libxl
  mkdir -p /proc/xen /run/xen /run/xenstored /var/lib/xen /var/lib/xenstored /var/log/xen/console /var/lock
  [ -e /var/run ] || ln -s /run /var/run
  mount -t xenfs xenfs /proc/xen || echo "XKLOG: mount xenfs failed"
  # xenconsoled gives each guest console a pty (openpty), and libxl waits for its console/tty node.
  mkdir -p /dev/pts
  mount -t devpts -o ptmxmode=0666 devpts /dev/pts || echo "XKLOG: mount devpts failed"
  # If xk (node) crashes, the kernel logs the signal with the registers (node handles SIGSEGV
  # itself, so there is no "segfault at" line); no ASLR, so that addresses compare across runs.
  echo 1 > /proc/sys/kernel/print-fatal-signals 2>/dev/null
  echo 0 > /proc/sys/kernel/randomize_va_space 2>/dev/null
  i=0
  while [ ! -e /dev/xen/gntdev ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  echo "XKLOG: /dev/xen: $(ls /dev/xen | tr '\n' ' '); /proc/xen: $(ls /proc/xen | tr '\n' ' ')"
  XB=/usr/lib/xen-$REL/bin
  # xenstored first: everything else talks to it. It daemonizes; wait until it answers.
  $XB/xenstored --pid-file=/run/xenstored.pid > /tmp/xenstored.out 2>&1
  i=0
  until xenstore-read / > /dev/null 2>&1 || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
  xenstore-read / > /dev/null 2>&1 || { echo "XKLOG: xenstored does not answer: $(cat /tmp/xenstored.out)"; return 1; }
  echo "XKSETUP: xenstored $(up)"
  # dom0's own entries (/local/domain/0/name, domid, ...), as Debian's xen init script does.
  $XB/xen-init-dom0 > /tmp/xen-init-dom0.out 2>&1 || echo "XKLOG: xen-init-dom0 failed: $(cat /tmp/xen-init-dom0.out)"
  echo "XKSETUP: xen-init-dom0 $(up)"
  $XB/xenconsoled --log=guest --pid-file=/run/xenconsoled.pid > /tmp/xenconsoled.out 2>&1 || echo "XKLOG: xenconsoled failed: $(cat /tmp/xenconsoled.out)"
  echo "XKSETUP: xenconsoled $(up)"
}
# XK_GUEST_ENV of run.sh (debugging): the environment of xk in the guest runs
XKENV=$(cat /xenkit/guest.env 2>/dev/null)
# each guest run's bound in seconds (run.sh's XK_GUEST_TIMEOUT)
GTIMEOUT=$(cat /xenkit/guest.timeout 2>/dev/null || echo 120)
[ -n "$XKENV" ] && echo "XKLOG: guest runs with env $XKENV"
XL=/usr/lib/xen-$REL/bin/xl
if grep -qE '^(guest-|xlinfo|xlcreaten-)' /tmp/tests.list; then
  setup_libxl || echo "XKLOG: the libxl setup failed; the guests will fail"
fi
echo "XKLOG: node $(node --version 2>&1)"

print_result() { # name file
  name=$1 file=$2
  # Lines counted and prefixed by awk, which also ends a last line that has no newline (xl's
  # "failed to parse channel configuration: %s" has none): wc -l and sed would not.
  echo "XKBEGIN:$name rc=$(cat "/tmp/out/$name.rc") lines=$(awk 'END { print NR }' "/tmp/out/$name.out") errlines=$(awk 'END { print NR }' "/tmp/out/$name.err")"
  awk -v p="XKOUT:$name:" '{ print p $0 }' "/tmp/out/$name.out"
  awk -v p="XKERR:$name:" '{ print p $0 }' "/tmp/out/$name.err"
  case "$name" in
    guest-*)
      sed "s/^/XKSTAMP:$name:/" "/tmp/out/$name.stamped"
      sed "s/^/XKCON:$name:/" "/tmp/out/$name.con"
      if [ "$(cat "/tmp/out/$name.rc")" != 0 ]; then
        for f in /var/log/xen/*.log /tmp/xenstored.out /tmp/xen-init-dom0.out /tmp/xenconsoled.out "/tmp/out/$name.cleanup"; do
          [ -s "$f" ] && sed "s|^|XKXLOG:$name:$f: |" "$f"
        done
        xenstore-ls -f /local/domain 2>&1 | head -n 80 | sed "s|^|XKXLOG:$name:xenstore-ls: |"
        # A crash of xk (node): print-fatal-signals makes the kernel log the signal and registers.
        dmesg | tail -n 60 | sed "s|^|XKXLOG:$name:dmesg: |"
      fi
      echo "XKGTIME:$name start=$(cat "/tmp/out/$name.t0") end=$(cat "/tmp/out/$name.t1")"
      ;;
  esac
  echo "XKEND:$name"
}
# (debugging, run.sh's XK_CHECK_PAGES=1) Are dom0's own files overwritten in memory? The initramfs
# lives in dom0's RAM (rootfs), so a page written by someone else shows as a changed checksum. Before
# each guest run (and once more at the end: check_pages end), every file of node, xenkit's dist and
# node_modules and the libraries is compared with its checksum from before the first guest:
# XKPAGES:<before-which-run>: <file> lines name the changed files.
check_pages() {
  find /usr/local/bin/node /xenkit/dist /xenkit/node_modules /usr/lib /lib -type f 2>/dev/null | sort > /tmp/pages.files
  if [ ! -f /tmp/pages.sums ]; then
    xargs md5sum < /tmp/pages.files > /tmp/pages.sums 2>/dev/null
    echo "XKPAGES:$1: checksummed $(wc -l < /tmp/pages.sums) files at $(up)"
    return
  fi
  md5sum -c /tmp/pages.sums 2>/dev/null | grep -v ': OK$' | sed "s|^|XKPAGES:$1: |"
  echo "XKPAGES:$1: checked at $(up)"
}
cd /xenkit || fatal "no /xenkit"
mkdir -p /tmp/out
while read -r name file; do
  [ -n "$name" ] || continue
  echo "XKRUN: $name"
  case "$name" in
    guest-*)
      [ -f /xenkit/check-pages ] && check_pages "$name"
      # A real guest through libxl, watched until its on_poweroff applies; each stdout line stamped
      # with dom0's uptime. busybox timeout bounds a guest that never powers off.
      up > "/tmp/out/$name.t0"
      # (a guest's own bound, guests/NAME.timeout, overrides it: the HVM guest's, run.sh's XK_HVM_TIMEOUT)
      gt=$GTIMEOUT
      [ -f "${file%.cfg}.timeout" ] && gt=$(cat "${file%.cfg}.timeout")
      { env $XKENV timeout "$gt" node dist/cli/main.js --debug --backend xen create "$file" --watch < /dev/null 2> "/tmp/out/$name.err"; echo $? > "/tmp/out/$name.rc"; } |
        while IFS= read -r l; do echo "$(up) $l"; done > "/tmp/out/$name.stamped"
      up > "/tmp/out/$name.t1"
      cut -d' ' -f2- "/tmp/out/$name.stamped" > "/tmp/out/$name.out"
      # The guest's console log (a later round of the same guest starts a fresh one).
      g=$(sed -n 's/^ *name *= *"\([^"]*\)".*/\1/p' "$file")
      # A failed run may leave its domain behind: destroy it, or the next round's name is taken.
      if [ "$(cat "/tmp/out/$name.rc")" != 0 ]; then
        for d in $(xenstore-list /local/domain 2>/dev/null); do
          [ "$d" != 0 ] && [ "$(xenstore-read "/local/domain/$d/name" 2>/dev/null)" = "$g" ] &&
            node dist/cli/main.js --backend xen destroy "$d" > "/tmp/out/$name.cleanup" 2>&1
        done
      fi
      sleep 0.2
      # (an HVM guest's serial="file:PATH": QEMU's serial port, the guest's ttyS0, is the console)
      ser=$(sed -n 's/^ *serial *= *"file:\([^"]*\)".*/\1/p' "$file")
      mv "/var/log/xen/console/guest-$g.log" "/tmp/out/$name.con" 2>/dev/null || [ -n "$ser" ] ||
        echo "(no /var/log/xen/console/guest-$g.log; /var/log/xen/console holds: $(ls /var/log/xen/console | tr '\n' ' '))" > "/tmp/out/$name.con"
      if [ -n "$ser" ]; then
        { cat "$ser" 2>/dev/null || echo "(no $ser: the device model wrote no serial output)"; } >> "/tmp/out/$name.con"
        rm -f "$ser"
      fi
      print_result "$name" "$file"
      ;;
    xlinfo)
      $XL info > "/tmp/out/$name.out" 2> "/tmp/out/$name.err"
      echo $? > "/tmp/out/$name.rc"
      ;;
    xlcreaten-*)
      $XL create -n "$file" > "/tmp/out/$name.out" 2> "/tmp/out/$name.err"
      echo $? > "/tmp/out/$name.rc"
      ;;
    *)
      node dist/cli/main.js replay --backend xen "$file" > "/tmp/out/$name.out" 2> "/tmp/out/$name.err"
      echo $? > "/tmp/out/$name.rc"
      ;;
  esac
done < /tmp/tests.list
[ -f /xenkit/check-pages ] && check_pages end
T1=$(cut -d' ' -f1 /proc/uptime)

# Print everything only now, so that no Xen message can land inside a result line (a guest's
# results are printed as soon as it is done: a hung guest must not take the others' with it).
while read -r name file; do
  case "$name" in '' | guest-*) continue ;; esac
  print_result "$name" "$file"
done < /tmp/tests.list
echo "XKTIME: init=$T0 tests=$T1"
echo "XKDONE"
poweroff -f
sleep 10
