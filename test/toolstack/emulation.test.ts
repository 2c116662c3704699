import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { libxlEmulationFlags, specCreateConfig, specCreateFlags } from '../../src/toolstack/domain/emulation.js';
import { SimXen } from '../../src/sim/sim.js';
import { domainCreate } from '../../src/xc/domain-create.js';
import { emulationAccepted } from '../../src/xen/emulation.js';
import { RELEASE_IDS, type ReleaseId } from '../../src/xen/releases.js';
import { NO_SHARED, readExample, specOf } from './util.js';

// What libxl__arch_domain_prepare_config() chose, read off libxl_x86.c at each RELEASE-4.N.0.
const TABLE: [ReleaseId, { pv: number; pvh: number; hvm: number }][] = [
  ['4.6', { pv: 0, pvh: 0, hvm: 0 }],
  ['4.7', { pv: 0, pvh: 0, hvm: 0x1ff }],
  ['4.8', { pv: 0, pvh: 0, hvm: 0x1ff }],
  ['4.9', { pv: 0, pvh: 0x001, hvm: 0x3ff }],
  ['4.10', { pv: 0, pvh: 0x001, hvm: 0x3ff }],
  ['4.11', { pv: 0, pvh: 0x001, hvm: 0x3ff }],
  ['4.17', { pv: 0, pvh: 0x001, hvm: 0x3ff }],
  ['4.18', { pv: 0, pvh: 0x001, hvm: 0x3ff }],
  ['4.19', { pv: 0, pvh: 0x001, hvm: 0x1ff }],
  ['4.22', { pv: 0, pvh: 0x001, hvm: 0x1ff }],
];

test('libxlEmulationFlags: per release and guest type (4.7, 4.10, 4.11, 4.19 and neighbours)', () => {
  for (const [r, want] of TABLE)
    for (const type of ['pv', 'pvh', 'hvm'] as const) {
      const got = libxlEmulationFlags(r, type);
      assert.equal(got.value, want[type], `${r} ${type}: ${got.source}`);
      assert.match(got.source, new RegExp(`libxl_x86\\.c libxl__arch_domain_prepare_config\\(\\) @RELEASE-${r.replace('.', '\\.')}\\.0`));
    }
  assert.match(libxlEmulationFlags('4.10', 'hvm').source, /^tools\/libxl\/libxl_x86\.c/);
  assert.match(libxlEmulationFlags('4.19', 'hvm').source, /^tools\/libs\/light\/libxl_x86\.c/);
});

test('libxlEmulationFlags: the options that change the choice', () => {
  assert.equal(libxlEmulationFlags('4.7', 'hvm', { deviceModelNone: true }).value, 0);
  assert.equal(libxlEmulationFlags('4.9', 'hvm', { deviceModelNone: true }).value, 0x001);
  assert.equal(libxlEmulationFlags('4.9', 'hvm', { deviceModelNone: true, apic: false }).value, 0);
  assert.equal(libxlEmulationFlags('4.10', 'pvh', { apic: false }).value, 0);
  assert.equal(libxlEmulationFlags('4.11', 'pvh', { apic: false }).value, 0x001, '4.11+ ignores apic for PVH');
  assert.equal(libxlEmulationFlags('4.10', 'hvm', { deviceModelNone: true }).value, 0x3ff, '4.10+ ignores the device model');
  assert.equal(libxlEmulationFlags('4.19', 'hvm', { hvmPirq: true }).value, 0x3ff);
  assert.equal(libxlEmulationFlags('4.18', 'hvm', { hvmPirq: false }).value, 0x3ff, 'no hvm_pirq before 4.19');
});

test("libxl's choice is one that release's Xen accepts (classic PVH counts as PV)", () => {
  for (const r of RELEASE_IDS)
    for (const type of ['pv', 'pvh', 'hvm'] as const) {
      const hvm = type === 'hvm' || (type === 'pvh' && r !== '4.7' && r !== '4.8');
      assert.ok(emulationAccepted(r, hvm, false, libxlEmulationFlags(r, type).value), `${r} ${type}`);
    }
});

test('specCreateFlags: hvm, hap (host or config), oos_off, nested_virt, vpmu, iommu, by release names', () => {
  const hvm = specOf('name = "h"\ntype = "hvm"\n').spec;
  assert.deepEqual(specCreateFlags('4.12', hvm, true), ['hvm_guest', 'hap']);
  assert.deepEqual(specCreateFlags('4.17', hvm, true), ['hvm', 'hap']);
  assert.deepEqual(specCreateFlags('4.17', hvm, false), ['hvm'], '4.13+: the host decides');
  assert.deepEqual(specCreateFlags('4.12', hvm, false), ['hvm_guest', 'hap'], 'before 4.13 libxl defaults hap on');
  const tuned = specOf('name = "h"\ntype = "hvm"\nhap = 0\noos = 0\nnestedhvm = 1\nvpmu = 1\npci = [ "01:00.0" ]\n').spec;
  assert.deepEqual(specCreateFlags('4.22', tuned, true), ['hvm', 'oos_off', 'iommu', 'nested_virt', 'vpmu']);
  assert.deepEqual(specCreateFlags('4.15', tuned, true), ['hvm', 'oos_off', 'iommu', 'nested_virt']);
  assert.deepEqual(specCreateFlags('4.13', tuned, true), ['hvm', 'oos_off', 'iommu']);
  assert.deepEqual(specCreateFlags('4.12', tuned, true), ['hvm_guest', 'oos_off']);
  const pv = (extra: string) => specOf('name = "g"\nkernel = "/k"\n' + extra).spec;
  assert.deepEqual(specCreateFlags('4.17', pv(''), true), []);
  assert.deepEqual(specCreateFlags('4.17', pv('hap = 1\nnestedhvm = 1\n'), true), [], 'hap and nested HVM mean nothing for PV');
  assert.deepEqual(specCreateFlags('4.17', pv('pci = [ "01:00.0" ]\npassthrough = "disabled"\n'), true), []);
  assert.deepEqual(specCreateFlags('4.17', pv('passthrough = "share_pt"\n'), true), ['iommu']);
});

test('specCreateFlags: PVH before 4.9 is classic PVH, which libxl refuses without HAP', () => {
  const pvh = specOf('name = "g"\nkernel = "/k"\ntype = "pvh"\n').spec;
  assert.deepEqual(specCreateFlags('4.8', pvh, true), ['hap', 'pvh_guest']);
  assert.deepEqual(specCreateFlags('4.9', pvh, true), ['hvm_guest', 'hap']);
  assert.throws(() => specCreateFlags('4.8', { ...pvh, hap: false }, true), /classic PVH, and libxl refuses it without HAP/);
});

const PROJECT_EXAMPLES = resolve(import.meta.dirname, '../../examples');
test("specCreateConfig: the project's examples create on the sim of every release", () => {
  createsOnEveryRelease(readdirSync(PROJECT_EXAMPLES).map((f) => readFileSync(join(PROJECT_EXAMPLES, f), 'utf8')));
});

test("specCreateConfig: Xen's examples create on the sim of every release", { skip: NO_SHARED }, () => {
  createsOnEveryRelease(['xlexample.hvm', 'xlexample.pvlinux', 'xlexample.pvhlinux'].map(readExample));
});

function createsOnEveryRelease(texts: string[]): void {
  for (const [name, text] of texts.entries()) {
    const { spec } = specOf(text);
    for (const r of RELEASE_IDS) {
      const config = specCreateConfig(r, spec, true);
      assert.equal(config.handle, spec.uuid);
      assert.equal('max_vcpus' in config, r !== '4.6' && !['4.7', '4.8', '4.9', '4.10', '4.11'].includes(r), r);
      const res = domainCreate(new SimXen({ release: r }), config);
      assert.ok(res.domid > 0, `${name} on ${r}`);
      assert.equal(res.args.arch && 'emulation_flags' in res.args.arch ? res.args.arch.emulation_flags : -1, libxlEmulationFlags(r, spec.type).value);
    }
  }
}
