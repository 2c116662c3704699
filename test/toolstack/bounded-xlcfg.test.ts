import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseXlCfg } from '../../src/toolstack/xlcfg/parse.js';
import { loadSpec } from '../../src/toolstack/load.js';
import { LIMITS, readBounded } from '../../src/input.js';
import { nearest } from '../../src/toolstack/xlcfg/nearest.js';
import { suggestKey } from '../../src/toolstack/xlcfg/keys.js';
import { xerr } from './util.js';

const nested = (d: number) => `name = "a"\nx = ${'['.repeat(d)}${']'.repeat(d)}\n`;

test('xl.cfg lists: 64 levels parse, 65 are TOO_DEEP, 100,000 do not overflow the stack', () => {
  parseXlCfg(nested(LIMITS.depth), 't.cfg');
  const e = xerr(() => parseXlCfg(nested(LIMITS.depth + 1), 't.cfg'), 'TOO_DEEP');
  assert.match(e.message, /^t\.cfg:2:69: lists nested deeper than 64 levels\n/);
  // Before the limit this threw a RangeError (Maximum call stack size exceeded), exit 70.
  xerr(() => parseXlCfg(nested(100_000), 't.cfg'), 'TOO_DEEP');
});

test('a syntax error quotes a short, escaped excerpt of a huge or binary line', () => {
  const long = `name = "a"\nx = 1 ${'z'.repeat(500_000)}\n`;
  const e = xerr(() => parseXlCfg(long, 't.cfg'), 'XLCFG_SYNTAX');
  assert.ok(e.message.length < 400, `message of ${e.message.length} characters`);
  assert.match(e.message, /found 'z{60}… \(500000 characters\)'/);
  const bin = xerr(() => parseXlCfg('x = 1 \x00\x01\x1b[2J', 't.cfg'), 'XLCFG_SYNTAX');
  assert.doesNotMatch(bin.message, /[\x00-\x08\x1b]/, 'no raw control characters reach the terminal');
  assert.match(bin.message, /\\x00\\x01\\x1b\[2J/);
  // The caret still points at the column, past the excerpt's elision mark.
  const far = xerr(() => parseXlCfg(`x = ${'1'.repeat(1000)} ;;= 2`, 't.cfg'), 'XLCFG_SYNTAX');
  const [, line, caret] = far.message.split('\n');
  assert.equal(line![caret!.indexOf('^')], '=');
  assert.ok(line!.length < 80);
});

test('reads stop at the limit: /dev/zero and /dev/urandom are INPUT_TOO_BIG in under a second', () => {
  for (const dev of ['/dev/zero', '/dev/urandom']) {
    const t0 = performance.now();
    const e = xerr(() => loadSpec(dev), 'INPUT_TOO_BIG');
    const ms = performance.now() - t0;
    assert.ok(ms < 1000, `${dev}: ${ms} ms`);
    assert.equal(e.message, `${dev}: larger than 1 MiB, the limit for an xl.cfg file`);
  }
});

test('a file just over the limit is refused; one at the limit is read; a directory is FILE_UNREADABLE', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xk-bounded-'));
  try {
    const at = join(dir, 'at.cfg');
    writeFileSync(at, Buffer.alloc(LIMITS.xlcfgBytes, 0x20));
    assert.equal(readBounded(at, LIMITS.xlcfgBytes, { field: 'FILE', kind: 'x', hint: 'h' }).length, LIMITS.xlcfgBytes);
    const over = join(dir, 'over.cfg');
    writeFileSync(over, Buffer.alloc(LIMITS.xlcfgBytes + 1, 0x20));
    xerr(() => loadSpec(over), 'INPUT_TOO_BIG');
    mkdirSync(join(dir, 'd'));
    const e = xerr(() => loadSpec(join(dir, 'd')), 'FILE_UNREADABLE');
    assert.match(e.message, /it is a directory/);
    xerr(() => loadSpec(join(dir, 'missing.cfg')), 'NO_FILE');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the did-you-mean search for 20,000 unknown keys takes a second or two, not half a minute', () => {
  // Measured before: 50,000 keys (a 1 MiB config) took 35-74 s here, a full edit-distance matrix per xl key.
  const keys = Array.from({ length: 20_000 }, (_, i) => `k${i}`);
  const t0 = performance.now();
  for (const k of keys) suggestKey(k);
  assert.ok(performance.now() - t0 < 8000, `${performance.now() - t0} ms`);
  assert.equal(nearest('memroy', ['memory', 'maxmem']), 'memory');
  assert.equal(nearest('kernelx', ['kernel']), 'kernel');
});
