import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dom0Gic, gicOfCompatible } from '../../src/backend/arm-host.js';
import { marshalCreatedomain, unmarshalArmArch } from '../../src/backend/marshal.js';
import { abi, arm64Getdomaininfo } from '../../src/xen/abi.js';

// The xen backend's Arm parts that need no Arm host: the GIC read off dom0's device tree (the
// `compatible` strings are what real Xen 4.17's dom0 showed under QEMU, test/xen-qemu/arm64.sh), and
// Arm's createdomain struct (the layouts are checked against the arm64 headers by arm64-abi.ts).
test('the GIC of a dom0 device tree: arm,gic-v3 is v3, arm,cortex-a15-gic v2, anything else unknown', () => {
  assert.equal(gicOfCompatible('arm,gic-v3\0'), 'v3');
  assert.equal(gicOfCompatible('arm,cortex-a15-gic\0'), 'v2');
  assert.equal(gicOfCompatible('arm,gic-v3-its\0'), undefined);
  const dt = mkdtempSync(join(tmpdir(), 'xk-dt-'));
  try {
    assert.equal(dom0Gic(join(dt, 'none')), undefined);
    mkdirSync(join(dt, 'timer'));
    writeFileSync(join(dt, 'timer', 'compatible'), 'arm,armv8-timer\0');
    mkdirSync(join(dt, 'interrupt-controller@8000000'));
    writeFileSync(join(dt, 'interrupt-controller@8000000', 'compatible'), 'arm,cortex-a15-gic\0');
    assert.equal(dom0Gic(dt), 'v2');
  } finally {
    rmSync(dt, { recursive: true });
  }
});

test('Arm createdomain struct: the arch config at its arm64 offset, read back as Xen wrote it', () => {
  for (const r of ['4.17', '4.20'] as const) {
    const args = { domid: 0, ssidref: 0, handle: new Uint8Array(16), flags: 3, max_vcpus: 4, arch: { gic_version: 0, nr_spis: 64, tee_type: 1 } };
    const buf = marshalCreatedomain(r, args, 'arm64');
    const l = abi(r).arm64Createdomain;
    assert.equal(buf.length, l.size);
    const at = l.fields.find((f) => f[0] === 'arch')![2];
    const arch = abi(r).arm64Arch.fields;
    const off = (n: string) => at + arch.find((f) => f[0] === n)![2];
    assert.equal(buf.readUInt32LE(l.fields.find((f) => f[0] === 'max_vcpus')![2]), 4);
    assert.equal(buf.readUInt32LE(off('nr_spis')), 64);
    assert.equal(buf.readUInt16LE(off('tee_type')), 1);
    buf.writeUInt8(2, off('gic_version')); // Xen's write-back of GIC_NATIVE on a GICv3 host
    assert.equal(unmarshalArmArch(r, buf).gic_version, 2);
    assert.throws(() => marshalCreatedomain(r, { ...args, arch: { emulation_flags: 0 } }, 'arm64'), /x86 arch config on an arm64 host/);
    assert.equal(arm64Getdomaininfo(r).size, 120);
  }
});
