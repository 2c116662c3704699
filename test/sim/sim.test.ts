import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimXen } from '../../src/sim/sim.js';
import { openSimState } from '../../src/sim/store.js';
import { domainCreate } from '../../src/xc/domain-create.js';
import { checkCreate } from '../../src/xc/check.js';
import { XenkitError } from '../../src/errors.js';
import { DOMID_FIRST_RESERVED } from '../../src/xen/domid.js';
import { hostFromPhysinfo } from '../../src/xen/host.js';

test('dom0 is domain 0 and holds its memory; new domains start paused', () => {
  const hv = new SimXen({ release: '4.17', memoryMiB: 8192, dom0MemoryMiB: 2048 });
  const [d0] = hv.listDomains();
  assert.equal(d0!.domid, 0);
  assert.equal(d0!.tot_pages, 2048 * 256);
  assert.equal(hv.physinfo().free_pages, 6144 * 256);
  const { domid } = domainCreate(hv, { type: 'hvm' });
  assert.equal(hv.getDomainInfo(domid).paused, true);
});

test('domainCreate throws the explained error before the hypercall, and the sim refuses the same raw call', () => {
  const hv = new SimXen({ release: '4.11' });
  assert.throws(
    () => domainCreate(hv, { type: 'hvm', arch: { emulation_flags: 0 } }),
    (e: XenkitError) => e.code === 'EMULATION_NOT_ALLOWED' && e.errno === 'EOPNOTSUPP' && e.field === 'arch.emulation_flags' && e.value === 0,
  );
  assert.throws(
    () => hv.createDomain({ domid: 0, ssidref: 0, handle: new Uint8Array(16), flags: 1 | 2, arch: { emulation_flags: 0 } }),
    // One refusal, one code: the hypercall's refusal has the rule's code, as pre-flight does; errno kept.
    (e: XenkitError) => e.errno === 'EOPNOTSUPP' && e.code === 'EMULATION_NOT_ALLOWED' && e.details?.rule === 'emulation-not-allowed',
  );
});

test('a rule refusal found by the hypercall has the pre-flight code; other hypercall failures keep XEN_<errno>', () => {
  const hv = new SimXen({ release: '4.17' });
  const args = { domid: 0, ssidref: 0, handle: new Uint8Array(16), flags: 1 | 2, max_vcpus: 0, max_grant_frames: 1, grant_opts: 2, arch: { emulation_flags: 0 } };
  const pre = checkCreate('4.17', { type: 'hvm', max_vcpus: 0 });
  assert.equal(pre.code, 'NO_VCPUS');
  assert.throws(() => hv.createDomain(args), (e: XenkitError) => e.code === pre.code && e.errno === 'EINVAL');
  assert.throws(() => hv.getDomainInfo(4242), (e: XenkitError) => e.code === 'XEN_ESRCH' && e.errno === 'ESRCH');
  hv.inject('createdomain', 'ENOMEM', 1);
  assert.throws(() => hv.createDomain({ ...args, max_vcpus: 1, arch: { emulation_flags: 0x3ef } }), (e: XenkitError) => e.code === 'XEN_ENOMEM');
});

test('every usable domid can be live at once; then the table is full (ENOMEM up to 4.20, EEXIST from 4.21)', () => {
  for (const [release, errno] of [['4.17', 'ENOMEM'], ['4.21', 'EEXIST']] as const) {
    const hv = new SimXen({ release });
    const args = { domid: 0, ssidref: 0, handle: new Uint8Array(16), flags: 0, max_vcpus: 1, max_grant_frames: 1, grant_opts: 1, arch: { emulation_flags: 0 } };
    for (let i = 1; i < DOMID_FIRST_RESERVED; i++) assert.equal(hv.createDomain(args), i);
    assert.throws(() => hv.createDomain(args), (e: XenkitError) => e.errno === errno);
    hv.destroyDomain(100);
    assert.equal(hv.createDomain(args), 100);
  }
});

test('getdomaininfo: the next domain up to 4.17, the exact one from 4.18', () => {
  for (const [release, next] of [['4.17', true], ['4.18', false]] as const) {
    const hv = new SimXen({ release });
    const id = domainCreate(hv, { domid: 5 }).domid;
    assert.equal(id, 5);
    if (next) assert.equal(hv.getDomainInfo(3).domid, 5);
    else assert.throws(() => hv.getDomainInfo(3), (e: XenkitError) => e.errno === 'ESRCH');
  }
});

test('fault injection: the next N calls fail, with no effect, then calls behave again', () => {
  const hv = new SimXen({ release: '4.22' });
  const { domid } = domainCreate(hv);
  hv.inject('unpausedomain', 'EBUSY', 2);
  for (let i = 0; i < 2; i++) assert.throws(() => hv.unpauseDomain(domid), (e: XenkitError) => e.errno === 'EBUSY');
  assert.equal(hv.getDomainInfo(domid).paused, true);
  hv.unpauseDomain(domid);
  assert.equal(hv.getDomainInfo(domid).paused, false);
  assert.throws(() => hv.inject('nosuchop', 'EBUSY'), (e: XenkitError) => e.field === 'target');
  assert.throws(() => hv.inject('pausedomain', 'EWHAT'), (e: XenkitError) => e.field === 'errno');
});

test('state file: survives between opens, two writers serialise, a corrupt file is a clear error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xk-'));
  const path = join(dir, 'sim.db');
  const a = openSimState(path, { host: { release: '4.17' } });
  const b = openSimState(path);
  for (let i = 0; i < 10; i++) {
    a.run((sim) => domainCreate(sim));
    b.run((sim) => domainCreate(sim));
  }
  const ids = a.read((sim) => sim.listDomains().map((d) => d.domid));
  assert.deepEqual(ids, Array.from({ length: 21 }, (_, i) => i));
  assert.equal(b.read((sim) => sim.host.release), '4.17');
  // A bad-input failure inside run() leaves no trace.
  assert.throws(() => a.run((sim) => { domainCreate(sim); throw new XenkitError('BAD_INPUT', 'boom'); }));
  assert.equal(a.read((sim) => sim.domainCount), 21);
  a.close();
  b.close();
  const bad = join(dir, 'bad.db');
  writeFileSync(bad, 'this is not sqlite, but it is long enough to have a header page...'.repeat(100));
  assert.throws(() => openSimState(bad), (e: XenkitError) => e.code === 'STATE_CORRUPT' && /not a xenkit state database/.test(e.message));
});

test('host memory: a populate beyond what is free keeps what fits (EBUSY); with nothing free createdomain is ENOMEM', () => {
  const hv = new SimXen({ release: '4.17', memoryMiB: 1024, dom0MemoryMiB: 256 });
  const a = domainCreate(hv).domid;
  hv.setMaxMem(a, 4 << 20);
  assert.throws(() => hv.populatePhysmap(a, 1 << 20), (e: XenkitError) => e.errno === 'EBUSY' && /only 786432 of 1048576 KiB/.test(e.message));
  assert.equal(hv.getDomainInfo(a).tot_pages, 768 * 256);
  assert.equal(hv.physinfo().free_pages, 0);
  assert.throws(() => domainCreate(hv), (e: XenkitError) => e.errno === 'ENOMEM');
  hv.destroyDomain(a);
  assert.equal(hv.physinfo().free_pages, 768 * 256);
  assert.ok(domainCreate(hv).domid > a);
});

test('vCPUs: none until XEN_DOMCTL_max_vcpus, and none run until the builder gives them a context', () => {
  const hv = new SimXen({ release: '4.17' });
  const { domid } = domainCreate(hv, { max_vcpus: 4 });
  assert.equal(hv.getDomainInfo(domid).max_vcpu_id, 0xffffffff);
  hv.setMaxVcpus(domid, 4);
  assert.equal(hv.getDomainInfo(domid).max_vcpu_id, 3);
  assert.throws(() => hv.setMaxVcpus(domid, 2), (e: XenkitError) => e.errno === 'EINVAL');
  hv.unpauseDomain(domid);
  const i = hv.getDomainInfo(domid);
  assert.deepEqual([i.paused, i.running, i.nr_online_vcpus], [false, false, 0]);
  hv.bootVcpus(domid, 2);
  assert.deepEqual([hv.getDomainInfo(domid).running, hv.getDomainInfo(domid).nr_online_vcpus], [true, 2]);
});

test('a host described from an old physinfo (before 4.13 it has no hap/shadow bits) keeps the default answers', () => {
  const h = hostFromPhysinfo({ nr_cpus: 4, total_pages: 1 << 20, capabilities: ['hvm', 'hvm_directio'] }, '4.11');
  assert.deepEqual([h.hvm, h.hap, h.shadow, h.iommu], [true, true, true, true]);
  const n = hostFromPhysinfo({ nr_cpus: 4, total_pages: 1 << 20, capabilities: ['hvm', 'pv', 'hap'] }, '4.17');
  assert.deepEqual([n.hap, n.shadow, n.iommu], [true, false, false]);
});
