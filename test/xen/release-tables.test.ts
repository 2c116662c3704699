/**
 * Every per-release facts table is total over RELEASE_IDS (DESIGN.md "facts"): adding a release id
 * without its row must fail, never let the new release inherit the newest behaviour.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NEWEST_RELEASE, PER_RELEASE_TABLES, perRelease, RELEASE_IDS } from '../../src/xen/releases.js';
import { ABI } from '../../src/xen/abi-data.js';
import { createRules, RULES_CHECKED_THROUGH } from '../../src/xen/createdomain.js';
import type { XenkitError } from '../../src/errors.js';
// Load every facts module that builds a table.
import '../../src/xen/domid.js';
import '../../src/xen/domctl.js';
import '../../src/xen/emulation.js';
import '../../src/xen/limits.js';
import '../../src/xen/libxl.js';
import '../../src/xen/createdomain.js';

const EXPECTED_TABLES = ['domid', 'getdomaininfo', 'max_vcpus', 'emulation', 'emulation-default', 'grant-limits', 'libxl-dir', 'libxl-grant-defaults', 'arm-optional-flags', 'grant-capped'];

test('every per-release table has exactly the releases of RELEASE_IDS', () => {
  for (const t of EXPECTED_TABLES) assert.ok(PER_RELEASE_TABLES.has(t), `table ${t} registered`);
  for (const [name, { rows }] of PER_RELEASE_TABLES) assert.deepEqual(Object.keys(rows).sort(), [...RELEASE_IDS].sort(), name);
  assert.deepEqual(Object.keys(ABI).sort(), [...RELEASE_IDS].sort(), 'abi-data.ts');
});

test('a release added to the list without its row is caught, in every table', () => {
  const withNew = [...RELEASE_IDS, '4.23'];
  for (const [name, { spans }] of PER_RELEASE_TABLES)
    assert.throws(
      () => perRelease(name, spans, withNew),
      (e: XenkitError) => e.code === 'FACTS_INCOMPLETE' && e.message === `facts table ${name} has no row for 4.23`,
      name,
    );
});

test('a release covered twice, an empty span or an unknown id is refused', () => {
  const ids = ['4.6', '4.7', '4.8'];
  assert.throws(() => perRelease('t', [{ from: '4.6', to: '4.7', row: 1 }, { from: '4.7', to: '4.8', row: 2 }], ids), /has two rows for 4\.7/);
  assert.throws(() => perRelease('t', [{ from: '4.8', to: '4.6', row: 1 }], ids), /which is empty/);
  assert.throws(() => perRelease('t', [{ from: '4.6', to: '4.9', row: 1 }], ids), /names 4\.9, which is not a release/);
  assert.deepEqual(perRelease('t', [{ from: '4.6', to: '4.6', row: 1 }, { from: '4.7', to: '4.8', row: 2 }], ids), { '4.6': 1, '4.7': 2, '4.8': 2 });
});

test('the open-ended createdomain rules were checked through the newest release', () => {
  assert.equal(RULES_CHECKED_THROUGH, RELEASE_IDS[RELEASE_IDS.length - 1], 'a new release needs its rules read: move RULES_CHECKED_THROUGH after doing so');
  assert.equal(NEWEST_RELEASE, RELEASE_IDS[RELEASE_IDS.length - 1]);
  for (const r of RELEASE_IDS) for (const a of ['x86_64', 'arm64']) assert.ok(createRules(r, a).length > 0, `${r} ${a}`);
});
