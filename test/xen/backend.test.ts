import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { XenBackend } from '../../src/backend/xen.js';
import { marshalArch, marshalCreatedomain, unmarshal } from '../../src/backend/marshal.js';
import { abi } from '../../src/xen/abi.js';
import { XenkitError } from '../../src/errors.js';
import { xk } from '../helpers/xk.js';

const args = (over: Record<string, unknown> = {}) => ({
  domid: 0,
  ssidref: 7,
  handle: Uint8Array.from({ length: 16 }, (_, i) => i + 1),
  flags: 3,
  max_vcpus: 2,
  max_evtchn_port: 1023,
  max_grant_frames: -1,
  max_maptrack_frames: 1024,
  grant_opts: 2,
  arch: { emulation_flags: 0x3ff, misc_flags: 1 },
  ...over,
});

test('createdomain is marshalled byte for byte in the release\'s layout (4.17: 64 bytes)', () => {
  const b = marshalCreatedomain('4.17', args());
  assert.equal(b.length, 64);
  assert.equal(b.readUInt32LE(0), 7);
  assert.deepEqual([...b.subarray(4, 20)], Array.from({ length: 16 }, (_, i) => i + 1));
  assert.equal(b.readUInt32LE(20), 3);
  assert.equal(b.readUInt32LE(28), 2);
  assert.equal(b.readInt32LE(36), -1);
  assert.equal(b.readUInt32LE(44), 2);
  assert.equal(b.readUInt32LE(56), 0x3ff);
  assert.equal(b.readUInt32LE(60), 1);
  // And it reads back the same through the same layout.
  const back = unmarshal(abi('4.17').createdomain, b);
  assert.equal(back.max_evtchn_port, 1023);
});

test('older layouts: 4.6 (28 bytes, arch is a char), 4.11 (arch at 24), 4.21 (altp2m {opts, nr})', () => {
  assert.equal(marshalCreatedomain('4.6', args({ arch: { emulation_flags: 0 } })).length, 28);
  const b11 = marshalCreatedomain('4.11', args());
  assert.equal(b11.length, 28);
  assert.equal(b11.readUInt32LE(24), 0x3ff);
  assert.equal(marshalArch('4.11', args()).length, 4);
  const b21 = marshalCreatedomain('4.21', args({ altp2m_opts: (5 << 16) | 1 }));
  const off = abi('4.21').createdomain.fields.find((f) => f[0] === 'altp2m')![2];
  assert.deepEqual([b21.readUInt16LE(off), b21.readUInt16LE(off + 2)], [1, 5]);
  assert.throws(() => marshalCreatedomain('4.17', args({ arch: { gic_version: 2, nr_spis: 0 } })), (e: XenkitError) => e.code === 'ABI_MISMATCH');
});

test('no Xen here: the xen backend says what is missing in one line', () => {
  for (const opts of [{ library: '/nonexistent/libxenctrl.so.4.17' }, {}]) {
    assert.throws(
      () => new XenBackend(opts),
      (e: XenkitError) => ['NO_LIBXENCTRL', 'NO_XEN'].includes(e.code) && !e.message.includes('\n') && !!e.hint,
    );
  }
  if (!existsSync('/dev/xen/privcmd')) {
    const r = xk(['--backend', 'xen', 'info']);
    assert.equal(r.status, 4); // environment: no Xen here (README, Exit status)
    assert.match(r.stderr, /^xk: error: xen backend: (libxenctrl is not installed|\/dev\/xen\/privcmd is missing)/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    const bad = xk(['--backend', 'kvm', 'list']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--backend: "kvm" is not a backend/);
  }
});
