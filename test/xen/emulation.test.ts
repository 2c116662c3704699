import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RELEASE_IDS, type ReleaseId } from '../../src/xen/releases.js';
import { emulationAccepted, emuAll } from '../../src/xen/emulation.js';

// The accepted emulation_flags sets, written out independently from the facts, as read off
// xen/arch/x86/domain.c at each RELEASE-4.N.0 (arch_domain_create() 4.7/4.8, emulation_flags_ok() 4.9+).
const HVM_DOMU: [ReleaseId[], number[] | 'any'][] = [
  [['4.6'], 'any'],
  [['4.7'], [0x000, 0x1ff]],
  [['4.8'], [0x000, 0x001, 0x1ff]],
  [['4.9', '4.10'], [0x000, 0x001, 0x3ff]],
  [['4.11', '4.12', '4.13', '4.14', '4.15', '4.16', '4.17', '4.18'], [0x001, 0x3ff]],
  [['4.19', '4.20', '4.21', '4.22'], [0x001, 0x1ff, 0x3ff]],
];
const ALL: Record<string, number> = { '4.6': 0, '4.7': 0x1ff, '4.8': 0x1ff, '4.9': 0x3ff, '4.10': 0x3ff };

test('XEN_X86_EMU_ALL per release', () => {
  for (const r of RELEASE_IDS) assert.equal(emuAll(r), ALL[r] ?? 0x7ff, r);
});

test('HVM domU: exactly the accepted bitmaps of each release, all 2048 values tried', () => {
  for (const [releases, accepted] of HVM_DOMU)
    for (const r of releases)
      for (let f = 0; f < 0x800; f++) {
        const want = accepted === 'any' ? true : accepted.includes(f);
        assert.equal(emulationAccepted(r, true, false, f), want, `Xen ${r} HVM emulation_flags ${f.toString(16)}`);
      }
});

test('PV domU: 0 or PIT alone in every release with a bitmap', () => {
  for (const r of RELEASE_IDS.filter((x) => x !== '4.6'))
    for (let f = 0; f < 0x800; f++) assert.equal(emulationAccepted(r, false, false, f), f === 0 || f === 0x100, `Xen ${r} PV ${f.toString(16)}`);
});
