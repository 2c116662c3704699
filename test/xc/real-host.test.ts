/**
 * Pre-flight against the host it runs on (issue 8 item 6): cpupools, the TEE mediator and Xen's grant
 * limits come from the host; a real host's physinfo cannot say them, so there the verdict is Xen's.
 * Expected values: xen/common/sched/cpupool.c cpupool_add_domain() (ESRCH), xen/arch/arm/domain.c
 * arch_sanitise_domain_config() "Unsupported TEE type" (EINVAL), xen/common/grant_table.c
 * grant_table_init() (EINVAL above opt_max_grant_frames, 4.12 .. 4.17) @RELEASE-4.17.0; libxl's
 * defaults: LIBXL_MAX_GRANT_DEFAULT (tools/include/libxl.h @RELEASE-4.17.0), LIBXL_MAX_GRANT_FRAMES_DEFAULT
 * 32 (tools/libxl/libxl.h @RELEASE-4.12.0).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkCreate, verdictOf } from '../../src/xc/check.js';
import { resolveCreate } from '../../src/xc/config.js';
import { domainCreate } from '../../src/xc/domain-create.js';
import { SimXen } from '../../src/sim/sim.js';
import { hostFromPhysinfo, makeHost, type HostCaps } from '../../src/xen/host.js';
import type { XenkitError } from '../../src/errors.js';

/** A real 4.17 host as the xen backend describes it: from physinfo only. */
const realHost = (arch = 'x86_64'): HostCaps =>
  hostFromPhysinfo({ arch, nr_cpus: 8, total_pages: 4_194_304, capabilities: ['hvm', 'hap', 'directio', 'gnttab_v1', 'gnttab_v2'] }, '4.17');
const verdict = (host: HostCaps, config: Parameters<typeof resolveCreate>[2]) => verdictOf('4.17', host, resolveCreate('4.17', host, config));

test('a host from physinfo knows no cpupools, TEE or grant limits', () => {
  const h = realHost();
  for (const k of ['cpupools', 'tee', 'maxGrantFrames', 'maxMaptrackFrames'] as const) assert.equal(h[k], undefined, k);
  // A sim built on it fills them in: it has to answer.
  const sim = new SimXen(h);
  assert.deepEqual([sim.host.cpupools, sim.host.tee, sim.host.maxGrantFrames, sim.host.maxMaptrackFrames], [[0], 'none', 64, 1024]);
});

test('unknown on the real host: cpupool 5, a TEE and 128 grant frames are left to Xen', () => {
  assert.equal(verdict(realHost(), { type: 'pv', cpupool_id: 5 }).accept, true);
  assert.equal(verdict(realHost(), { type: 'pv', max_grant_frames: 128, max_maptrack_frames: 4096 }).accept, true);
  assert.equal(verdict(realHost('arm64'), { type: 'hvm', arch: { gic_version: 0, nr_spis: 0, tee_type: 1 } }).accept, true);
});

test('a described host is exact: Pool-0 only, no TEE, gnttab 64/1024; what it lists it accepts', () => {
  const v = checkCreate('4.17', { type: 'pv', cpupool_id: 5 });
  assert.deepEqual([v.accept, v.code, v.errno], [false, 'CPUPOOL_UNKNOWN', 'ESRCH']);
  assert.equal(checkCreate('4.17', { type: 'pv', cpupool_id: 5 }, { cpupools: [0, 5] }).accept, true);
  const g = checkCreate('4.17', { type: 'pv', max_grant_frames: 128 });
  assert.deepEqual([g.code, g.errno], ['GRANT_TABLE', 'EINVAL']);
  assert.equal(checkCreate('4.17', { type: 'pv', max_grant_frames: 128 }, { maxGrantFrames: 256 }).accept, true);
  const arm = { arch: 'arm64' as const };
  const t = checkCreate('4.17', { type: 'hvm', arch: { tee_type: 1 } }, arm);
  assert.deepEqual([t.code, t.errno], ['ARM_TEE', 'EINVAL']);
  assert.equal(checkCreate('4.17', { type: 'hvm', arch: { tee_type: 1 } }, { ...arm, tee: 'optee' }).accept, true);
  // FF-A (TEE_FFA 2) exists from 4.18: on an OP-TEE host it is still refused.
  assert.equal(checkCreate('4.18', { type: 'hvm', arch: { tee_type: 2 } }, { ...arm, tee: 'optee' }).accept, false);
  assert.equal(checkCreate('4.18', { type: 'hvm', arch: { tee_type: 2 } }, { ...arm, tee: 'ffa' }).accept, true);
  assert.throws(() => makeHost({ tee: 'sgx' }), (e: XenkitError) => e.field === 'host.tee');
});

test("xenkit's grant defaults are libxl's: 32/1024 on 4.12, -1/-1 (Xen's boot-time default) from 4.13", () => {
  const h12 = makeHost({ release: '4.12' });
  const a12 = resolveCreate('4.12', h12, { type: 'pv' }).args;
  assert.deepEqual([a12.max_grant_frames, a12.max_maptrack_frames], [32, 1024]);
  for (const r of ['4.13', '4.17', '4.22'] as const) {
    const res = resolveCreate(r, makeHost({ release: r }), { type: 'pv' });
    assert.deepEqual([res.args.max_grant_frames, res.args.max_maptrack_frames], [-1, -1], r);
    assert.ok(res.defaults.some((d) => /max_grant_frames = -1 \(libxl's LIBXL_MAX_GRANT_DEFAULT: Xen's boot-time default/.test(d)), r);
  }
  assert.equal(resolveCreate('4.11', makeHost({ release: '4.11' }), { type: 'pv' }).args.max_grant_frames, undefined);
});

test('the sim answers -1 as Xen does (the host\'s gnttab limits), and a real host\'s verdict passes it through', () => {
  for (const r of ['4.13', '4.17', '4.22'] as const) {
    const sim = new SimXen({ release: r });
    const { domid, args } = domainCreate(sim, { type: 'pv' });
    assert.equal(args.max_grant_frames, -1);
    assert.ok(domid > 0, r);
  }
  // A host booted with gnttab_max_frames=16: -1 means 16, and 32 is refused.
  const small = new SimXen({ release: '4.17', maxGrantFrames: 16 });
  assert.ok(domainCreate(small, { type: 'pv' }).domid > 0);
  assert.throws(() => domainCreate(small, { type: 'pv', max_grant_frames: 32 }), (e: XenkitError) => e.code === 'GRANT_TABLE' && /gnttab_max_frames \(16\)/.test(e.message));
  assert.throws(
    () => small.createDomain({ domid: 0, ssidref: 0, handle: new Uint8Array(16), flags: 0, max_vcpus: 1, max_grant_frames: 32, max_maptrack_frames: -1, grant_opts: 2, arch: { emulation_flags: 0 } }),
    (e: XenkitError) => e.code === 'GRANT_TABLE' && e.errno === 'EINVAL',
  );
});
