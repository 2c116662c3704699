import { test } from 'node:test';
import assert from 'node:assert/strict';
import { specOf, xerr } from './util.js';

const PV = 'name = "g"\nkernel = "/boot/vmlinuz"\n';
/** The XLCFG_INVALID error the config raises. */
const invalid = (text: string, overrides?: string[]) => xerr(() => specOf(text, overrides), 'XLCFG_INVALID');

test('vcpus above maxvcpus: refused at vcpus, naming maxvcpus', () => {
  const e = invalid(PV + 'vcpus = 4\nmaxvcpus = 2\n');
  assert.equal(e.field, 'vcpus');
  assert.equal(e.value, '4');
  assert.equal(
    e.message,
    't.cfg:3:9: vcpus: "4" is not accepted: xl: "maxvcpus < vcpus" (maxvcpus = 2 at t.cfg:4:1); expected vcpus <= 2, or a larger maxvcpus',
  );
  assert.deepEqual(e.details, { file: 't.cfg', line: 3, col: 9 });
  assert.match(e.source!, /xl_parse\.c/);
});

test('an unknown type, and a builder contradicting type', () => {
  let e = invalid(PV + 'type = "xen"\n');
  assert.equal(e.field, 'type');
  assert.equal(e.message, 't.cfg:3:8: type: "xen" is not accepted: xl: "Invalid domain type xen."; expected "pv", "pvh" or "hvm"');
  e = invalid(PV + 'type = "pvhx"\n');
  assert.equal(e.field, 'type');
  e = invalid(PV + 'builder = "linux"\n');
  assert.equal(e.field, 'builder');
  e = invalid(PV + 'type = "pv"\nbuilder = "hvm"\n');
  assert.equal(e.field, 'builder');
  assert.match(e.message, /^t\.cfg:4:11: builder: "hvm" is not accepted: xl: "Contradicting \\"builder\\" and \\"type\\" options specified\."/);
});

test('a missing or empty name', () => {
  let e = invalid('kernel = "/k"\n');
  assert.equal(e.field, 'name');
  assert.equal(e.message, 't.cfg: name: missing: xl: "Domain name must be specified."; expected name = "..."');
  e = invalid('name = ""\nkernel = "/k"\n');
  assert.equal(e.field, 'name');
  assert.match(e.message, /^t\.cfg:1:8: name: "" is not accepted/);
});

test('a uuid that does not parse', () => {
  const e = invalid(PV + 'uuid = "5f0e7a7c-3c3a-4d8e-9b1e"\n');
  assert.equal(e.field, 'uuid');
  assert.match(e.message, /^t\.cfg:3:8: uuid: "5f0e7a7c-3c3a-4d8e-9b1e" is not accepted: xl: "Failed to parse UUID"; expected a UUID such as/);
});

test('a word where a number belongs (xl warns and drops the key; xenkit refuses)', () => {
  const e = invalid(PV + 'memory = "lots"\n');
  assert.equal(e.field, 'memory');
  assert.equal(e.value, 'lots');
  assert.match(e.message, /^t\.cfg:3:10: memory: "lots" is not accepted: xl reads memory as a C number .*xl 4\.17 warns and drops the key, xenkit refuses; expected a whole number of MiB/);
  assert.equal(invalid(PV + 'vcpus = 12abc\n').field, 'vcpus');
  assert.equal(invalid(PV + 'maxmem = 08\n').field, 'maxmem'); // a leading 0 is octal to strtol
  assert.equal(invalid(PV + 'vpmu = "yes"\n').field, 'vpmu');
  assert.equal(invalid(PV + 'acpi = "12 "\n').field, 'acpi');
});

test('numbers out of range, += on a number, a list for a single value', () => {
  assert.match(invalid(PV + 'memory = 0\n').message, /memory must be 1 \.\. \d+/);
  assert.match(invalid(PV + 'vcpus = "-1"\n').message, /vcpus must be at least 1/);
  assert.match(invalid(PV + 'memory = 128\nmemory += 1\n').message, /^t\.cfg:3:10: memory: "1281" is not accepted: xl refuses \+= for a number/);
  const e = invalid(PV + 'memory = [ 128 ]\n');
  assert.equal(e.field, 'memory');
  assert.deepEqual(e.value, ['128']);
  assert.match(e.message, /^t\.cfg:3:10: memory: a list is not accepted: memory takes a single value, not a list/);
  assert.equal(invalid('name = [ "g" ]\nkernel = "/k"\n').field, 'name');
});

test('a single value where a list belongs, and nested lists in a device list', () => {
  assert.match(invalid(PV + 'disk = "/dev/x,raw,xvda,rw"\n').message, /disk takes a list/);
  assert.match(invalid(PV + 'vif = [ [ "bridge=b" ] ]\n').message, /^t\.cfg:3:9: vif: .*vif entries are strings/);
});

test('shutdown actions: xl\'s exact names only', () => {
  const e = invalid(PV + 'on_crash = "reboot"\n');
  assert.equal(e.field, 'on_crash');
  assert.match(e.message, /xl: "Unknown on_crash action"; expected destroy, restart, rename-restart, preserve, coredump-destroy, coredump-restart, soft-reset$/);
  assert.match(invalid(PV + 'on_soft_reset = "soft_reset"\n').message, /did you mean "soft-reset"\?/);
});

test('a PV or PVH guest with neither kernel nor bootloader', () => {
  const e = invalid('name = "g"\n');
  assert.equal(e.field, 'kernel');
  assert.match(e.message, /^t\.cfg: kernel: missing: xl: "Neither kernel nor bootloader specified"/);
  assert.equal(invalid('name = "g"\ntype = "pvh"\n').field, 'kernel');
  assert.doesNotThrow(() => specOf('name = "g"\nfirmware = "pvgrub64"\n'));
});

test('timer_mode on a PV guest, a bad passthrough, a bad cpu range', () => {
  assert.match(invalid(PV + 'timer_mode = "delay_for_missed_ticks"\n').message, /timer_mode.*not supported for PV guests/);
  assert.equal(invalid(PV + 'passthrough = "on"\n').field, 'passthrough');
  const e = invalid(PV + 'cpus = ["0-2", "3-1"]\n');
  assert.equal(e.field, 'cpus');
  assert.match(e.message, /^t\.cfg:3:16: cpus: "3-1" is not accepted: Invalid pcpu range: 3-1/);
  assert.match(invalid(PV + 'cpus = "^all"\n').message, /Can't combine "\^" and "all"/);
});

test('a disk spec that does not parse: position of the entry, xl\'s words, what is accepted', () => {
  const e = invalid(PV + 'disk = [ "/dev/x,raw,xvda,rw",\n  "/dev/y,xvdb" ]\n');
  assert.equal(e.field, 'disk');
  assert.equal(e.value, '/dev/y,xvdb');
  // positional: target, format, vdev, access: "xvdb" lands in the format slot, as in xl
  assert.match(e.message, /^t\.cfg:4:3: disk: "\/dev\/y,xvdb" is not accepted: unknown value for format near `xvdb'/);
  assert.match(e.message, /expected a format: raw, qcow, qcow2, vhd, empty, qed$/);
  assert.match(invalid(PV + 'disk = [ "vdev=xvda" ]\n').message, /no target specified \(and device not removable\)/);
  assert.match(invalid(PV + 'disk = [ "/dev/x,raw" ]\n').message, /no vdev specified/);
  assert.match(invalid(PV + 'disk = [ "/dev/x,raw,xvda,rw,extra" ]\n').message, /too many positional parameters near `extra'/);
  assert.match(invalid(PV + 'disk = [ "/dev/x,raw,xvda,acess=ro" ]\n').message, /unknown parameter near `acess=ro'.*did you mean access\?/);
  assert.match(invalid(PV + 'disk = [ "foo:/x,xvda" ]\n').message, /unknown deprecated disk prefix near `foo:'/);
  assert.match(invalid(PV + 'disk = [ "/x,raw,xvda,vdev=xvdb" ]\n').message, /vdev respecified/);
  assert.match(invalid(PV + 'disk = [ " /x , raw , xvda" ]\n').message, /unknown value for format near `raw '/);
});

test('a vif spec xl would only complain about is refused', () => {
  let e = invalid(PV + 'vif = [ "mac=00:16:3e:zz:00:01" ]\n');
  assert.equal(e.field, 'vif');
  assert.match(e.message, /^t\.cfg:3:9: vif: "mac=00:16:3e:zz:00:01" is not accepted: Invalid parameter `mac'/);
  e = invalid(PV + 'vif = [ "bridge=xenbr0", "brige=xenbr1" ]\n');
  assert.match(e.message, /^t\.cfg:3:26: .*unrecognized argument `brige=xenbr1'.*did you mean bridge\?/);
  assert.match(invalid(PV + 'vif = [ "type=virtio" ]\n').message, /Invalid parameter `type'/);
  assert.match(invalid(PV + 'vif = [ "rate=fast" ]\n').message, /invalid rate/);
  assert.match(invalid(PV + 'vif = [ "mtu=big" ]\n').message, /failed to convert "big" to number/);
});

test('overrides are checked like the file, with "command line" as the place', () => {
  const e = invalid(PV, ['vcpus = "many"']);
  assert.match(e.message, /^command line:1:9: vcpus: "many" is not accepted/);
  assert.match(xerr(() => specOf(PV, ['memory 1']), 'XLCFG_SYNTAX').message, /^command line:1:8: expected '=' or '\+=', found '1'/);
});
