import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isLibxlDefault, type DomainSpec } from '../../src/toolstack/domain/domain-spec.js';
import { specOf } from './util.js';

const PV = 'name = "g"\nkernel = "/boot/vmlinuz"\n';
const by = (spec: DomainSpec) => Object.fromEntries(spec.defaulted.map((d) => [d.field, d.by]));

test('a PV guest with only a name and a kernel: every default, and who chooses it', () => {
  const { spec, warnings } = specOf(PV);
  assert.deepEqual(warnings, []);
  const { uuid, defaulted, ...rest } = spec;
  assert.match(uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.deepEqual(rest, {
    name: 'g',
    type: 'pv',
    memoryMiB: 32,
    maxMemoryMiB: 32,
    vcpus: 1,
    maxVcpus: 1,
    kernel: '/boot/vmlinuz',
    onPoweroff: 'destroy',
    onReboot: 'restart',
    onWatchdog: 'destroy',
    onCrash: 'destroy',
    onSoftReset: 'soft-reset',
    acpi: true,
    vpmu: false,
    passthrough: 'default',
    pci: [],
    disks: [],
    nics: [],
  });
  assert.deepEqual(by(spec), {
    type: 'xl',
    uuid: 'xl',
    maxMemoryMiB: 'libxl',
    memoryMiB: 'libxl',
    maxVcpus: 'libxl',
    vcpus: 'libxl',
    onPoweroff: 'xl',
    onReboot: 'xl',
    onWatchdog: 'xl',
    onCrash: 'xl',
    onSoftReset: 'xl',
    acpi: 'libxl',
    vpmu: 'libxl',
    passthrough: 'libxl',
  });
  for (const d of defaulted) assert.match(d.source, /@RELEASE-4\.17\.0/, d.field);
  assert.notEqual(specOf(PV).spec.uuid, uuid, 'a new random uuid each time, as xl');
});

test('HVM defaults: hap from the host, oos, no nested HVM, apic, pae, VNC on, SDL off', () => {
  const { spec } = specOf('name = "h"\ntype = "hvm"\n');
  assert.deepEqual([spec.hap, spec.oos, spec.nestedHvm, spec.apic, spec.pae, spec.vnc, spec.sdl], ['host', true, false, true, true, true, false]);
  for (const f of ['hap', 'oos', 'nestedHvm', 'apic', 'pae', 'vnc', 'sdl'] as const) assert.ok(isLibxlDefault(spec, f), f);
  assert.equal(spec.kernel, undefined, 'HVM needs no kernel');
});

test('PVH defaults: the non-PV ones, none of the HVM-only ones', () => {
  const { spec } = specOf(PV + 'type = "pvh"\n');
  assert.deepEqual([spec.hap, spec.oos, spec.nestedHvm, spec.apic], ['host', true, false, true]);
  assert.deepEqual([spec.pae, spec.vnc, spec.sdl], [undefined, undefined, undefined]);
});

test('memory: maxmem follows memory (xl); memory follows maxmem (libxl)', () => {
  let { spec } = specOf(PV + 'memory = 512\n');
  assert.deepEqual([spec.memoryMiB, spec.maxMemoryMiB, by(spec).maxMemoryMiB, by(spec).memoryMiB], [512, 512, 'xl', undefined]);
  ({ spec } = specOf(PV + 'maxmem = 1024\n'));
  assert.deepEqual([spec.memoryMiB, spec.maxMemoryMiB, by(spec).memoryMiB, by(spec).maxMemoryMiB], [1024, 1024, 'libxl', undefined]);
  ({ spec } = specOf(PV + 'memory = 512\nmaxmem = 2048\n'));
  assert.deepEqual([spec.memoryMiB, spec.maxMemoryMiB, spec.defaulted.some((d) => d.field.includes('emory'))], [512, 2048, false]);
});

test('vcpus: maxvcpus follows vcpus (xl); one vCPU online when only maxvcpus is given (libxl)', () => {
  let { spec } = specOf(PV + 'vcpus = 4\n');
  assert.deepEqual([spec.vcpus, spec.maxVcpus, by(spec).maxVcpus], [4, 4, 'xl']);
  ({ spec } = specOf(PV + 'maxvcpus = 8\n'));
  assert.deepEqual([spec.vcpus, spec.maxVcpus, by(spec).vcpus], [1, 8, 'libxl']);
  ({ spec } = specOf(PV + 'vcpus = 2\nmaxvcpus = 8\n'));
  assert.deepEqual([spec.vcpus, spec.maxVcpus], [2, 8]);
});

test('numbers as xl reads them: quoted, hex, octal, blanks before', () => {
  const { spec } = specOf(PV + 'memory = "1024"\nmaxmem = 0x800\nvcpus = "010"\nmaxvcpus = " 12"\n');
  assert.deepEqual([spec.memoryMiB, spec.maxMemoryMiB, spec.vcpus, spec.maxVcpus], [1024, 2048, 8, 12]);
});

test('memory above maxmem is accepted, with a warning', () => {
  const { spec, warnings } = specOf(PV + 'memory = 2048\nmaxmem = 1024\n');
  assert.deepEqual([spec.memoryMiB, spec.maxMemoryMiB], [2048, 1024]);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /^t\.cfg:3:1: memory \(2048 MiB\) is above maxmem \(1024 MiB\).*man page asks maxmem >= memory/);
});

test('booleans as xl reads them: a number, 0 false, anything else true', () => {
  const { spec } = specOf('name = "h"\ntype = "hvm"\nhap = 0\noos = "0"\nnestedhvm = 2\napic = 0\npae = 0\nvnc = 0\nsdl = 1\nacpi = 0\nvpmu = 1\n');
  assert.deepEqual([spec.hap, spec.oos, spec.nestedHvm, spec.apic, spec.pae, spec.vnc, spec.sdl, spec.acpi, spec.vpmu], [false, false, true, false, false, false, true, false, true]);
  assert.deepEqual(spec.defaulted.map((d) => d.field).filter((f) => ['hap', 'oos', 'nestedHvm', 'apic', 'pae', 'vnc', 'sdl', 'acpi', 'vpmu'].includes(f)), []);
});

test('type: prefixes as xl matches them, and the deprecated builder', () => {
  const typeOf = (t: string) => specOf(PV + t);
  assert.equal(typeOf('type = "pvh"').spec.type, 'pvh');
  assert.equal(typeOf('type = "pv"').spec.type, 'pv');
  const h = typeOf('type = "h"');
  assert.equal(h.spec.type, 'hvm');
  assert.match(h.warnings[0]!, /type "h" is read as "hvm" \(xl matches a prefix\)/);
  assert.equal(typeOf('type = ""').spec.type, 'hvm');
  assert.equal(typeOf('type = "p"').spec.type, 'pv');
  const b = typeOf('builder = "hvm"');
  assert.equal(b.spec.type, 'hvm');
  assert.match(b.warnings[0]!, /builder is deprecated since Xen 4\.10; write type = "hvm"/);
  assert.equal(typeOf('builder = "generic"').spec.type, 'pv');
  assert.equal(typeOf('type = "hvm"\nbuilder = "hvm"').spec.type, 'hvm');
});

test('cmdline: cmdline wins over root and extra; else root=R E', () => {
  assert.equal(specOf(PV + 'root = "/dev/xvda1"\nextra = "ro quiet"\n').spec.cmdline, 'root=/dev/xvda1 ro quiet');
  assert.equal(specOf(PV + 'root = "/dev/xvda1"\n').spec.cmdline, 'root=/dev/xvda1');
  assert.equal(specOf(PV + 'extra = "console=hvc0"\n').spec.cmdline, 'console=hvc0');
  const c = specOf(PV + 'cmdline = "a b"\nextra = "x"\n');
  assert.equal(c.spec.cmdline, 'a b');
  assert.match(c.warnings[0]!, /root= and extra= are ignored in favour of cmdline=/);
});

test('the rest as given: uuid (lower-cased), pool, ramdisk, bootloader, actions, passthrough, cpus, pci', () => {
  const { spec } = specOf(
    'name = "g"\nbootloader = "pygrub"\nuuid = "5F0E7A7C-3C3A-4D8E-9B1E-0A7C2D4E6F80"\npool = "p1"\nramdisk = "/i"\n' +
      'on_poweroff = "preserve"\non_reboot = "rename-restart"\non_watchdog = "coredump-restart"\non_crash = "coredump-destroy"\non_soft_reset = "destroy"\n' +
      'passthrough = "Share_PT"\ncpus = "0-3,^1"\ncpus_soft = ["1", "2"]\npci = [ "01:00.0" ]\n',
  );
  assert.equal(spec.uuid, '5f0e7a7c-3c3a-4d8e-9b1e-0a7c2d4e6f80');
  assert.deepEqual(
    [spec.pool, spec.ramdisk, spec.bootloader, spec.kernel, spec.onPoweroff, spec.onReboot, spec.onWatchdog, spec.onCrash, spec.onSoftReset, spec.passthrough],
    ['p1', '/i', 'pygrub', undefined, 'preserve', 'rename-restart', 'coredump-restart', 'coredump-destroy', 'destroy', 'share_pt'],
  );
  assert.deepEqual(spec.cpus, { form: 'all-vcpus', ranges: ['0-3,^1'] });
  assert.deepEqual(spec.cpusSoft, { form: 'per-vcpu', ranges: ['1', '2'] });
  assert.deepEqual(spec.pci, ['01:00.0']);
  assert.equal(spec.defaulted.find((d) => d.field === 'uuid'), undefined);
});

test('HVM: a kernel pointing at hvmloader is dropped with a warning, as xl does', () => {
  const { spec, warnings } = specOf('name = "h"\ntype = "hvm"\nkernel = "/usr/lib/xen/boot/hvmloader"\n');
  assert.equal(spec.kernel, undefined);
  assert.match(warnings[0]!, /^t\.cfg:3:1: kernel .* is dropped/);
});

test('unknown keys: a warning with "did you mean", not an error', () => {
  const { spec, warnings } = specOf(PV + 'maxmen = 512\nfrobnicate = 1\n');
  assert.equal(spec.maxMemoryMiB, 32);
  assert.deepEqual(warnings, ['t.cfg:3:1: unknown key "maxmen" (xl ignores it); did you mean "maxmem"?', 't.cfg:4:1: unknown key "frobnicate" (xl ignores it)']);
});

test('keys xl ignores for this guest type: a warning, the key not applied', () => {
  const { spec, warnings } = specOf(PV + 'pae = 1\nvnc = 1\n');
  assert.equal(spec.pae, undefined);
  assert.deepEqual(warnings, ['t.cfg:3:1: pae is read by xl for hvm guests only; ignored for this pv guest']);
  assert.match(specOf(PV + 'type = "pvh"\nsdl = 1\n').warnings[0]!, /sdl is read by xl for pv\/hvm guests only; ignored for this pvh guest/);
});

test('a key set twice in the file: the last wins, with a warning; overrides win silently', () => {
  const dup = specOf(PV + 'memory = 256\nmemory = 512\n');
  assert.equal(dup.spec.memoryMiB, 512);
  assert.deepEqual(dup.warnings, ['t.cfg:4:1: memory is set again (first at t.cfg:3:1); the last setting wins, as in xl']);
  const o = specOf(PV + 'memory = 256\nextra = "ro"\n', ['memory=1024', 'extra += " quiet"', 'vcpus = 2; maxvcpus = 4']);
  assert.deepEqual([o.spec.memoryMiB, o.spec.cmdline, o.spec.vcpus, o.spec.maxVcpus], [1024, 'ro quiet', 2, 4]);
  assert.deepEqual(o.warnings, []);
});
