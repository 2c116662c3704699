import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { xk, jsonLines } from '../helpers/xk.js';

const EX = resolve(import.meta.dirname, '../../examples');
const dir = mkdtempSync(join(tmpdir(), 'xk-bounded-cli-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
/** Generous: the child's own start (node + tsx) takes about a second on a loaded machine. */
const timeout = 20_000;

test('xk create /dev/zero and /dev/urandom: a clear error, exit 2, quickly and with bounded memory', () => {
  // Before: readFileSync grew past 9 GB on /dev/zero.
  for (const dev of ['/dev/zero', '/dev/urandom']) {
    const r = xk(['create', dev, '--dry-run'], { timeout });
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr, `xk: error: ${dev}: larger than 1 MiB, the limit for an xl.cfg file\nxk: hint: an xl.cfg file is at most 1 MiB; is this the right file?\n`);
  }
});

test('xk create -: the config from stdin, bounded the same way', () => {
  let r = xk(['create', '-', '--dry-run', '--json'], { input: 'name = "stdin-guest"\ntype = "pvh"\nkernel = "/k"\n' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /stdin-guest/);
  r = xk(['create', '-', '--dry-run'], { input: 'x'.repeat((1 << 20) + 1) });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^xk: error: standard input: larger than 1 MiB/);
});

test('a 50 MB xl.cfg: refused at 1 MiB, and the message is short', () => {
  // Before: 25 s, 2 GB, then 105 MB echoed to stderr.
  const big = join(dir, 'big.cfg');
  writeFileSync(big, 'name = "a"\nx = ' + 'z'.repeat(50_000_000) + '\n');
  const r = xk(['create', big, '--dry-run'], { timeout });
  rmSync(big);
  assert.equal(r.status, 2, r.stderr.slice(0, 500));
  assert.ok(r.stderr.length < 300, `${r.stderr.length} bytes on stderr`);
  assert.match(r.stderr, /larger than 1 MiB/);
});

test('a 5,000-deep list: TOO_DEEP (exit 2) in an xl.cfg; in check --jsonl its own error line, the rest runs', () => {
  const deep = join(dir, 'deep.cfg');
  writeFileSync(deep, `name = "a"\ntype = "pvh"\nkernel = "/k"\nx = ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`);
  let r = xk(['create', deep, '--dry-run']);
  assert.equal(r.status, 2, r.stderr.slice(0, 500));
  assert.match(r.stderr, /deep\.cfg:4:69: lists nested deeper than 64 levels/);
  assert.ok(r.stderr.length < 400, `${r.stderr.length} bytes on stderr`);
  // Before: "Maximum call stack size exceeded", exit 70, and the following lines never ran.
  const input = [`{"flags":${'['.repeat(5000)}${']'.repeat(5000)}}`, '{"id":"next","flags":["hvm","hap"]}'].join('\n');
  r = xk(['check', '--xen', '4.17', '--jsonl', '-'], { input });
  assert.equal(r.status, 2, r.stderr);
  const lines = jsonLines(r.stdout);
  assert.deepEqual(lines[0], { line: 1, error: 'TOO_DEEP', field: 'line', message: 'line 1: JSON nested deeper than 64 levels' });
  assert.deepEqual([lines[1].id, lines[1].accept], ['next', true]);
  r = xk(['replay', '--xen', '4.17', '-'], { input: `{"op":"createdomain","flags":${'['.repeat(5000)}${']'.repeat(5000)}}\n{"op":"physinfo"}\n` });
  assert.equal(r.status, 2, r.stderr);
  const rl = jsonLines(r.stdout);
  assert.equal(rl[0].error, 'TOO_DEEP');
  assert.equal(rl[1].ok, true);
});

test('a JSON line over 1 MiB gets its own short error line and the next lines still run', () => {
  const input = ['{"id":"huge","pad":"' + 'q'.repeat(3 << 20) + '"}', '{"id":"after","flags":["hvm","hap"]}'].join('\n');
  const f = join(dir, 'long.jsonl');
  writeFileSync(f, input);
  const r = xk(['check', '--xen', '4.17', '--jsonl', f]);
  rmSync(f);
  assert.equal(r.status, 2, r.stderr);
  assert.ok(r.stdout.length < 1000, `${r.stdout.length} bytes of output`);
  const lines = jsonLines(r.stdout);
  assert.equal(lines[0].error, 'INPUT_TOO_BIG');
  assert.match(lines[0].message, /^line 1: longer than 1 MiB, the limit; it starts \{"id":"huge","pad":"q+…$/);
  assert.deepEqual([lines[1].id, lines[1].accept], ['after', true]);
});

test('binary JSON-lines input (/dev/zero, /dev/urandom) stops at the first NUL byte with exit 2', () => {
  for (const [cmd, dev] of [['check', '/dev/zero'], ['replay', '/dev/urandom']] as const) {
    const args = cmd === 'check' ? ['check', '--xen', '4.17', '--jsonl', dev] : ['replay', '--xen', '4.17', dev];
    const r = xk(args, { timeout });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`^xk: error: ${dev}: line \\d+ holds a NUL byte: this is not a JSON-lines text file\\n`));
  }
});

test('a directory or a missing file as input: exit 2 (FILE_UNREADABLE / NO_FILE) in check, replay and create', () => {
  // Before: EISDIR was an internal error, exit 70; a missing xl.cfg in `check` exited 1 (a refusal).
  const d = join(dir, 'a-dir');
  mkdirSync(d);
  const missing = join(dir, 'missing.cfg');
  for (const args of [
    ['check', '--xen', '4.17', '--jsonl', d],
    ['replay', '--xen', '4.17', d],
    ['create', d, '--dry-run'],
  ]) {
    const r = xk(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^xk: error: .*a-dir: cannot read it \(it is a directory\)\n/);
  }
  for (const args of [['check', '--xen', '4.17', missing], ['check', '--xen', '4.17', d, join(EX, 'pvh.cfg')]]) {
    const r = xk(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /error: .*(no such file|it is a directory)/);
  }
  const ok = xk(['check', '--xen', '4.17', join(EX, 'pvh.cfg')]);
  assert.equal(ok.status, 0, ok.stdout);
});
