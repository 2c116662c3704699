import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createArguments, libxcBindings, XCH, XenBackend } from '../../src/backend/xen.js';
import { ABI } from '../../src/xen/abi-data.js';
import { createFunction, getinfoSingleFunction } from '../../src/xen/libxc.js';
import { RELEASE_IDS } from '../../src/xen/releases.js';
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

describe('libxenctrl is bound from the prototype table the ABI test verifies (abi-data.ts libxc)', () => {
  const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');

  test('every release: each prototype translates to a declaration koffi accepts, named as in xenctrl.h', () => {
    for (const r of RELEASE_IDS) {
      const b = libxcBindings(r);
      assert.deepEqual(b.map((x) => x.name).sort(), Object.keys(abi(r).libxc).sort(), r);
      // koffi.proto() registers the name: give each release's copy its own.
      for (const x of b) assert.doesNotThrow(() => koffi.proto(x.koffi.replace(`${x.name}(`, `${x.name}_${r.replace('.', '_')}(`)), `${r} ${x.koffi}`);
    }
    const b17 = Object.fromEntries(libxcBindings('4.17').map((x) => [x.name, x.koffi]));
    assert.equal(b17.xc_domain_create, 'int xc_domain_create(void *xch, _Inout_ uint32_t *pdomid, _Inout_ uint8_t *config)');
    assert.equal(b17.xc_domain_getinfolist, 'int xc_domain_getinfolist(void *xch, uint32_t first_domain, unsigned int max_domains, _Out_ uint8_t *info)');
    assert.equal(b17.xc_interface_open, 'void *xc_interface_open(void *logger, void *dombuild_logger, unsigned int open_flags)');
  });

  test('the release picks the function and signature: 4.6 xc_domain_create_config, 4.7-4.11 six arguments, 4.12+ three; getinfo_single from 4.18', () => {
    // xenctrl.h at each tag (tools/libxc/include/xenctrl.h to 4.14, tools/include/xenctrl.h from 4.15).
    for (const r of RELEASE_IDS) {
      const i = RELEASE_IDS.indexOf(r);
      const create = createFunction(r);
      const want = i === 0 ? ['xc_domain_create_config', 6] : i <= RELEASE_IDS.indexOf('4.11') ? ['xc_domain_create', 6] : ['xc_domain_create', 3];
      assert.deepEqual([create.name, create.params.length], want, r);
      assert.equal(createArguments(r, args({ arch: { emulation_flags: 0 } }), [0]).length, want[1], r);
      assert.equal(getinfoSingleFunction(r)?.name, i >= RELEASE_IDS.indexOf('4.18') ? 'xc_domain_getinfo_single' : undefined, r);
    }
    const a11 = createArguments('4.11', args(), [5]);
    assert.deepEqual([a11[0], a11[1], a11[3], (a11[5] as Buffer).length], [XCH, 7, 3, 4]);
    const a17 = createArguments('4.17', args(), [5]);
    assert.deepEqual([a17[0], a17[1], (a17[2] as Buffer).length], [XCH, [5], 64]);
  });

  test('a changed table changes the binding (in memory only), and an unknown C type is refused', () => {
    const saved = structuredClone(ABI['4.18'].libxc);
    try {
      delete ABI['4.18'].libxc.xc_domain_getinfo_single;
      assert.equal(getinfoSingleFunction('4.18'), undefined);
      ABI['4.18'].libxc.xc_domain_create = ABI['4.11'].libxc.xc_domain_create!;
      assert.equal(createArguments('4.18', args(), [0]).length, 6);
      ABI['4.18'].libxc.xc_domain_pause = 'int xc_domain_pause(xc_interface *xch, domid_t domid)';
      assert.throws(() => libxcBindings('4.18'), (e: XenkitError) => e.code === 'ABI_MISMATCH' && /domid_t/.test(e.message));
    } finally {
      ABI['4.18'].libxc = saved;
    }
    assert.equal(getinfoSingleFunction('4.18')?.name, 'xc_domain_getinfo_single');
  });
});
