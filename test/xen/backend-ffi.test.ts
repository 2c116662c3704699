/**
 * The xen backend's libxenctrl calls through koffi, against a stand-in library
 * (fixtures/fake-libxenctrl.c, built here with cc): the bindings come from abi-data.ts's prototypes, so
 * the release picks the create function and its arguments, and the bytes passed are the release's
 * layouts (marshal.ts). Skipped without cc or off x86_64 (the stand-in relies on SysV registers).
 */
import { after, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XenBackend } from '../../src/backend/xen.js';
import { marshalArch, marshalCreatedomain } from '../../src/backend/marshal.js';
import { abi } from '../../src/xen/abi.js';
import type { ReleaseId } from '../../src/xen/releases.js';
import type { XenkitError } from '../../src/errors.js';

const SRC = fileURLToPath(new URL('./fixtures/fake-libxenctrl.c', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'xenkit-ffi-'));
const privcmd = join(dir, 'privcmd');
const log = join(dir, 'calls.log');
writeFileSync(privcmd, '');
after(() => rmSync(dir, { recursive: true, force: true }));

let built: string | undefined;
function library(t: TestContext, r: ReleaseId): string | undefined {
  if (process.arch !== 'x64') return void t.skip('the stand-in libxenctrl relies on the x86_64 calling convention');
  if (!built) {
    const so = join(dir, 'fake.so');
    const cc = spawnSync('cc', ['-shared', '-fPIC', '-o', so, SRC], { encoding: 'utf8' });
    if (cc.error || cc.status !== 0) return void t.skip(`no C compiler to build the stand-in libxenctrl (${cc.error?.message ?? cc.stderr})`);
    built = so;
  }
  const path = join(dir, `libxenctrl.so.${r}`);
  copyFileSync(built, path);
  return path;
}

function open(r: ReleaseId, path: string, cfgSize: number): XenBackend {
  process.env.XENKIT_FAKE_MINOR = r.split('.')[1];
  process.env.XENKIT_FAKE_LOG = log;
  process.env.XENKIT_FAKE_CFGSIZE = String(cfgSize);
  writeFileSync(log, '');
  return new XenBackend({ library: path, privcmd });
}
const calls = () => readFileSync(log, 'utf8').split('\n').filter(Boolean);
const handle = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
const args = { domid: 7, ssidref: 3, handle, flags: 1, max_vcpus: 2, max_evtchn_port: 1023, max_grant_frames: -1, max_maptrack_frames: -1, grant_opts: 2, arch: { emulation_flags: 0x1 } };

test('4.17: xc_domain_create(xch, &domid, &config) gets the 64-byte struct; getdomaininfo goes through getinfolist', (t) => {
  const path = library(t, '4.17');
  if (!path) return;
  const hv = open('4.17', path, abi('4.17').createdomain.size);
  assert.deepEqual(hv.version(), { major: 4, minor: 17, extra: '-fake', release: '4.17' });
  assert.equal(hv.createDomain(args), 42);
  assert.deepEqual(calls(), [`create3 domid=7 ${marshalCreatedomain('4.17', args).toString('hex')}`]);
  assert.throws(() => hv.getDomainInfo(5), (e: XenkitError) => e.code === 'XEN_ESRCH');
  hv.shutdown(5, 'crash');
  hv.setMaxMem(5, 1 << 20);
  assert.deepEqual(calls().slice(1), ['getinfolist first=5 n=1 ', 'shutdown domid=5 reason=3 ', 'setmaxmem domid=5 kib=1048576 ']);
  hv.close();
});

test('4.11: the six-argument xc_domain_create with the 4-byte arch config; 4.6: xc_domain_create_config', (t) => {
  for (const r of ['4.11', '4.6'] as const) {
    const path = library(t, r);
    if (!path) return;
    const a = { domid: 0, ssidref: 3, handle, flags: 1, arch: { emulation_flags: r === '4.6' ? 0 : 0x3ff } };
    const hv = open(r, path, abi(r).x86Arch.size);
    assert.equal(hv.createDomain(a), 42, r);
    assert.deepEqual(calls(), [`create6 ssidref=3 flags=1 domid=0 handle=a0af ${marshalArch(r, a).toString('hex')}`], r);
    hv.close();
  }
});

test('4.18: getdomaininfo is xc_domain_getinfo_single for the exact id', (t) => {
  const path = library(t, '4.18');
  if (!path) return;
  const hv = open('4.18', path, abi('4.18').createdomain.size);
  assert.equal(hv.getDomainInfo(9).domid, 9);
  assert.deepEqual(calls(), ['getinfo_single domid=9 ']);
  hv.close();
});
