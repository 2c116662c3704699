import { test } from 'node:test';
import assert from 'node:assert/strict';
import { editDistance } from '../../src/toolstack/xlcfg/nearest.js';
import { isXlKey, suggestKey, XL_KEYS, XL_KEY_TYPES, xlReadsFor } from '../../src/toolstack/xlcfg/keys.js';

test('the 158 keys xl 4.17 reads, each once', () => {
  assert.equal(XL_KEYS.length, 158);
  assert.equal(new Set(XL_KEYS).size, 158);
  for (const k of ['name', 'memory', 'maxmem', 'vcpus', 'disk', 'vif', 'vpmu', 'vif.default.script'.split('.')[0]!]) assert.ok(isXlKey(k), k);
  assert.ok(!isXlKey('maxmen'));
  for (const k of Object.keys(XL_KEY_TYPES)) assert.ok(isXlKey(k), k);
});

test('keys xl reads for some guest types only', () => {
  assert.ok(xlReadsFor('pae', 'hvm') && !xlReadsFor('pae', 'pv') && !xlReadsFor('pae', 'pvh'));
  assert.ok(xlReadsFor('pvshim', 'pvh') && !xlReadsFor('pvshim', 'hvm'));
  assert.ok(xlReadsFor('e820_host', 'pv') && !xlReadsFor('e820_host', 'pvh'));
  assert.ok(xlReadsFor('vnc', 'pv') && xlReadsFor('vnc', 'hvm') && !xlReadsFor('vnc', 'pvh'));
  assert.ok(xlReadsFor('memory', 'pv') && xlReadsFor('memory', 'pvh') && xlReadsFor('memory', 'hvm'));
});

test('suggestKey: the nearest key for a likely typo, nothing for a far one', () => {
  assert.equal(suggestKey('maxmen'), 'maxmem');
  assert.equal(suggestKey('memroy'), 'memory');
  assert.equal(suggestKey('vpcus'), 'vcpus');
  assert.equal(suggestKey('on_reboo'), 'on_reboot');
  assert.equal(suggestKey('kernal'), 'kernel');
  assert.equal(suggestKey('nestedhm'), 'nestedhvm');
  assert.equal(suggestKey('memory'), undefined); // not a typo
  assert.equal(suggestKey('zzzzzzzz'), undefined);
  assert.equal(suggestKey('ab'), undefined);
});

test('edit distance counts a swap of neighbours as one edit', () => {
  assert.equal(editDistance('memroy', 'memory'), 1);
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(editDistance('', 'abc'), 3);
});
