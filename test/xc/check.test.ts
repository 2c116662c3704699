import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkCreate } from '../../src/xc/check.js';
import { XenkitError } from '../../src/errors.js';
import { RELEASE_IDS } from '../../src/xen/releases.js';

test('the 2015 regression: an HVM guest with a zeroed arch config, release by release', () => {
  const got = Object.fromEntries(RELEASE_IDS.map((r) => [r, checkCreate(r, { type: 'hvm', arch: { emulation_flags: 0 } })]));
  // 4.6 has no bitmap; 4.7-4.10 let 0 through (nothing is checked for 0); 4.11 requires the LAPIC.
  for (const r of ['4.6', '4.7', '4.8', '4.9', '4.10']) assert.equal(got[r]!.accept, true, r);
  for (const r of RELEASE_IDS.slice(RELEASE_IDS.indexOf('4.11'))) {
    const v = got[r]!;
    assert.equal(v.accept, false, r);
    assert.equal(v.errno, 'EOPNOTSUPP', r);
    assert.equal(v.code, 'EMULATION_NOT_ALLOWED', r);
    assert.match(v.reason!, /missing LAPIC/);
    assert.match(v.hint!, /xenkit's default \(pass no arch config\) is 0x3ff/);
    assert.match(v.source!, new RegExp(`emulation_flags_ok\\(\\) @RELEASE-${r.replace('.', '\\.')}\\.0`));
  }
  // 4.19+ also name the PIRQ-less full set as accepted.
  assert.match(got['4.19']!.hint!, /0x1ff = LAPIC\|HPET\|PM\|RTC\|IOAPIC\|PIC\|VGA\|IOMMU\|PIT/);
  assert.doesNotMatch(got['4.18']!.hint!, /0x1ff/);
});

test('the same guest with no config is accepted on every release: the defaults apply', () => {
  for (const r of RELEASE_IDS) {
    const v = checkCreate(r, { type: 'hvm' });
    assert.equal(v.accept, true, r);
    assert.equal(v.emulation_flags, r === '4.6' ? 0 : r === '4.7' || r === '4.8' ? 0x1ff : 0x3ff, r);
    assert.ok(v.defaults.some((d) => d.startsWith('arch.emulation_flags')), r);
  }
});

test('a PVH guest with the LAPIC alone: refused by 4.7, accepted from 4.8', () => {
  const cfg = { flags: ['hvm_guest', 'hap'], arch: { emulation_flags: 'LAPIC' } };
  assert.equal(checkCreate('4.7', cfg).accept, false);
  assert.equal(checkCreate('4.7', cfg).errno, 'EOPNOTSUPP');
  for (const r of RELEASE_IDS.slice(2)) assert.equal(checkCreate(r, { ...cfg, flags: ['hvm', 'hap'] }).accept, true, r);
});

test('bits beyond the release mask are EINVAL, named', () => {
  const v = checkCreate('4.10', { type: 'hvm', arch: { emulation_flags: 0x7ff } });
  assert.equal(v.errno, 'EINVAL');
  assert.equal(v.code, 'EMULATION_BITS_UNKNOWN');
  assert.match(v.reason!, /VPCI/);
});

test('HAP on a host without it: silently dropped up to 4.12, EINVAL from 4.13', () => {
  const host = { hap: false };
  assert.equal(checkCreate('4.12', { flags: ['hvm', 'hap'] }, host).accept, true);
  const v = checkCreate('4.13', { flags: ['hvm', 'hap'] }, host);
  assert.equal(v.errno, 'EINVAL');
  assert.equal(v.code, 'HAP_UNAVAILABLE');
});

test('HVM without HAP on a build without shadow paging: EOPNOTSUPP up to 4.21, EINVAL in 4.22', () => {
  const host = { shadow: false };
  const old = checkCreate('4.17', { flags: ['hvm'] }, host);
  assert.equal(old.errno, 'EOPNOTSUPP');
  assert.equal(old.code, 'SHADOW_MISSING');
  const neu = checkCreate('4.22', { flags: ['hvm'] }, host);
  assert.equal(neu.errno, 'EINVAL');
  assert.equal(neu.code, 'SHADOW_UNAVAILABLE');
  assert.equal(checkCreate('4.17', { flags: ['hvm', 'hap'] }, host).accept, true);
});

test('grant limits: 4.17 caps max_grant_frames at 64, 4.18 does not; version 0 refused from 4.16', () => {
  assert.equal(checkCreate('4.17', { type: 'pv', max_grant_frames: 128 }).code, 'GRANT_TABLE');
  assert.equal(checkCreate('4.18', { type: 'pv', max_grant_frames: 128 }).accept, true);
  assert.equal(checkCreate('4.16', { type: 'pv', grant_opts: 0 }).errno, 'EINVAL');
  assert.equal(checkCreate('4.15', { type: 'pv' }).accept, true);
});

test('vpmu is always refused on x86 (4.16+); unknown flag bits are EINVAL', () => {
  assert.equal(checkCreate('4.16', { type: 'hvm', flags: ['hvm', 'hap', 'vpmu'] }).code, 'VPMU_UNAVAILABLE');
  assert.equal(checkCreate('4.17', { flags: 0x400 }).code, 'CDF_UNKNOWN');
});

test('Arm: the native GIC by default; GICv3 on a GICv2 host is ENODEV', () => {
  const v = checkCreate('4.17', undefined, { arch: 'arm64', gic: 'v3' });
  assert.equal(v.accept, true);
  assert.deepEqual(v.args.arch, { gic_version: 0, nr_spis: 0 });
  assert.equal(checkCreate('4.17', { arch: { gic_version: 'v3' } }, { arch: 'arm64', gic: 'v2' }).errno, 'ENODEV');
  assert.equal(checkCreate('4.17', { arch: { nr_spis: 961 } }, { arch: 'arm64' }).errno, 'EINVAL');
  assert.equal(checkCreate('4.10', { arch: { nr_spis: 961 } }, { arch: 'arm64' }).accept, true);
});

test('bad input: unknown release, unknown flag, field the release lacks, wrong type', () => {
  assert.throws(() => checkCreate('4.5', {}), (e: XenkitError) => e.code === 'UNKNOWN_RELEASE' && /4\.6, 4\.7/.test(e.hint!));
  assert.throws(() => checkCreate('4.17', { flags: ['hvm', 'bogus'] }), (e: XenkitError) => e.code === 'UNKNOWN_FLAG' && e.field === 'config.flags[1]');
  assert.throws(() => checkCreate('4.11', { max_vcpus: 2 }), (e: XenkitError) => e.code === 'FIELD_NOT_IN_RELEASE' && /added in 4\.12/.test(e.message));
  assert.throws(() => checkCreate('4.17', { max_vcpus: -1 }), (e: XenkitError) => e.code === 'BAD_INPUT' && e.field === 'config.max_vcpus');
  assert.throws(() => checkCreate('4.17', { bogus: 1 } as never), (e: XenkitError) => e.code === 'UNKNOWN_KEY');
  assert.throws(() => checkCreate('4.17', { arch: { emulation_flags: 1.5 } }), (e: XenkitError) => e.field === 'config.arch.emulation_flags');
  assert.throws(() => checkCreate('4.17', { type: 'pv', flags: ['hvm'] }), (e: XenkitError) => e.field === 'config.type' && /contradicts/.test(e.message));
  assert.equal(checkCreate('4.8', { type: 'pvh', flags: ['pvh_guest', 'hap'] }).accept, true);
  assert.equal(checkCreate('4.17', { flags: '0x3' }).flags, 3);
  // hvm_guest (the release's own name before 4.13) and hvm are both accepted everywhere.
  assert.equal(checkCreate('4.9', { flags: ['hvm'] }).flags, 1);
  assert.equal(checkCreate('4.17', { flags: ['XEN_DOMCTL_CDF_hvm_guest'] }).flags, 1);
});
