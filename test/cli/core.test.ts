import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { xk, tempState, jsonLines } from '../helpers/xk.js';

test('xk check --jsonl: one verdict per line and release; malformed lines get their own error line', () => {
  const input = [
    '{"id":"zeroed","arch":"x86_64","flags":["hvm","hap"],"emulation_flags":0}',
    '{"id":"defaults","flags":["hvm_guest","hap"]}',
    '{not json',
    '{"id":"badflag","flags":["hvm","turbo"],"emulation_flags":"0x3ff"}',
    '{"id":"pvh","flags":["hvm","hap"],"emulation_flags":"0x1"}',
  ].join('\n');
  const r = xk(['check', '--xen', '4.10,4.11', '--jsonl', '-'], { input });
  assert.equal(r.status, 2, r.stderr); // a malformed line is bad input, as in replay (README, Exit status)
  const lines = jsonLines(r.stdout);
  assert.equal(lines.length, 2 + 2 + 1 + 2 + 2);
  assert.deepEqual(lines.slice(0, 2).map((l) => [l.id, l.xen, l.accept, l.errno]), [['zeroed', '4.10', true, undefined], ['zeroed', '4.11', false, 'EOPNOTSUPP']]);
  assert.equal(lines[1].code, 'EMULATION_NOT_ALLOWED');
  assert.match(lines[1].reason, /missing LAPIC/);
  assert.deepEqual(lines.slice(2, 4).map((l) => [l.accept, l.emulation_flags, l.defaults]), [[true, '0x3ff', true], [true, '0x3ff', true]]);
  assert.equal(lines[4].line, 3);
  assert.equal(lines[4].error, 'BAD_JSON');
  assert.equal(lines[5].code, 'UNKNOWN_FLAG');
  assert.equal(lines[5].field, 'config.flags[1]');
  assert.deepEqual(lines.slice(7).map((l) => l.accept), [true, true]);
});

test('xk check --xen all gives one line per release', () => {
  const r = xk(['check', '--xen', 'all', '--jsonl', '-'], { input: '{"id":1,"flags":["hvm","hap"]}\n' });
  assert.equal(r.status, 0, r.stderr);
  const lines = jsonLines(r.stdout);
  assert.equal(lines.length, 17);
  assert.ok(lines.every((l) => l.accept === true));
});

test('xk replay: result lines, errno names, malformed lines reported and the script goes on', () => {
  const input = ['{"op":"createdomain","flags":["hvm","hap"],"emulation_flags":0}', '{"op":"frobnicate"}', '{"op":"createdomain","max_vcpus":1}', '{"op":"getdomaininfo","domid":2}'].join('\n');
  const r = xk(['replay', '--xen', '4.10', '--explain', '-'], { input });
  assert.equal(r.status, 2);
  const l = jsonLines(r.stdout);
  assert.deepEqual(l[0], { line: 1, op: 'createdomain', ok: true, domid: 1 });
  assert.equal(l[1].error, 'BAD_INPUT');
  assert.equal(l[1].field, 'op');
  assert.equal(l[2].error, 'FIELD_NOT_IN_RELEASE');
  assert.match(l[2].message, /added in 4\.12/);
  assert.equal(l[3].errno, 'ESRCH');
  assert.match(l[3].reason, /no domain/);
});

test('xk replay on a host without shadow paging, as Debian builds 4.17', () => {
  const r = xk(['replay', '--xen', '4.17', '--no-shadow', '-'], { input: '{"op":"createdomain","flags":["hvm"],"emulation_flags":1023,"max_vcpus":1,"max_grant_frames":1,"grant_opts":1}\n' });
  assert.deepEqual(jsonLines(r.stdout)[0], { line: 1, op: 'createdomain', ok: false, errno: 'EOPNOTSUPP' });
});

test('xk sim init/status/info/list/reset on a state file; bad input changes nothing', () => {
  const state = tempState();
  let r = xk(['--state', state, 'sim', 'init', '--xen', '4.17', '--memory', '8192', '--cpus', '4', '--no-shadow']);
  assert.equal(r.status, 0, r.stderr);
  r = xk(['--state', state, 'sim', 'init']);
  assert.equal(r.status, 3);
  assert.match(r.stderr, /already holds a simulated host/);
  r = xk(['--state', state, 'info', '--json']);
  const info = JSON.parse(r.stdout);
  assert.equal(info.release, '4.17');
  assert.equal(info.nr_cpus, 4);
  assert.ok(!info.capabilities.includes('shadow'));
  r = xk(['--state', state, 'list']);
  assert.match(r.stdout, /^Name\s+ID\s+Mem VCPUs\tState\tTime\(s\)\nDomain-0\s+0\s+2048\s+4/);
  r = xk(['--state', state, 'sim', 'init', '--xen', '9.9', '--force']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--xen: "9.9" is not a Xen release/);
  assert.equal(JSON.parse(xk(['--state', state, 'sim', 'status', '--json']).stdout).host.release, '4.17');
  r = xk(['--state', state, 'sim', 'reset']);
  assert.equal(r.status, 0);
});

test('a corrupt state file is one clear message, exit 3, no stack trace', () => {
  const state = tempState();
  writeFileSync(state, 'garbage'.repeat(1000));
  const r = xk(['--state', state, 'list']);
  assert.equal(r.status, 3);
  assert.match(r.stderr, /is not a xenkit state database/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});

test('usage errors: unknown command and bad release exit 2 without a stack', () => {
  let r = xk(['frob']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown command 'frob'/);
  r = xk(['check', '--xen', '5.0', '--jsonl', '-'], { input: '' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /expected one of 4\.6, 4\.7/);
  r = xk(['check', '--xen', '4.17', '--jsonl', '/nonexistent.jsonl']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /no such file/);
});

test('xk releases and xk demo print their figures', () => {
  const rel = JSON.parse(xk(['releases', '--json']).stdout);
  assert.equal(rel.length, 17);
  assert.equal(rel.find((x: { xen: string }) => x.xen === '4.17').domctl_interface_version, '0x15');
  const demo = xk(['demo']);
  assert.equal(demo.status, 0, demo.stderr);
  assert.match(demo.stdout, /refused \[EMULATION_NOT_ALLOWED, EOPNOTSUPP\]/);
  assert.match(demo.stdout, /Domain-0/);
});
