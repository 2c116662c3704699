import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { xk } from '../helpers/xk.js';

const EX = resolve(import.meta.dirname, '../../examples');
const dir = mkdtempSync(join(tmpdir(), 'xk-input-errors-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('--host-file holding null, an array, a number, a non-object physinfo: bad input (2), not an internal error', () => {
  // Before: `null` crashed with "Cannot read properties of null (reading 'physinfo')", exit 70.
  const f = join(dir, 'host.json');
  for (const [text, shown] of [['null', 'null'], ['[1]', '[1]'], ['5', '5'], ['"s"', '"s"'], ['{"physinfo":null}', 'null'], ['{"physinfo":[2]}', '[2]']]) {
    writeFileSync(f, text);
    const r = xk(['check', '--xen', '4.17', '--host-file', f, join(EX, 'hvm.cfg')]);
    assert.equal(r.status, 2, `${text}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^xk: error: --host-file( physinfo)?: ${shown.replace(/[[\]]/g, '\\$&')} is not a JSON object\\n`), text);
  }
  writeFileSync(f, `{"memoryMiB":${'['.repeat(5000)}${']'.repeat(5000)}}`);
  let r = xk(['check', '--xen', '4.17', '--host-file', f, join(EX, 'hvm.cfg')]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /JSON nested deeper than 64 levels/);
  r = xk(['check', '--xen', '4.17', '--host-file', '/dev/zero', join(EX, 'hvm.cfg')], { timeout: 20_000 });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^xk: error: \/dev\/zero: larger than 1 MiB, the limit for a --host-file\n/);
  r = xk(['check', '--xen', '4.17', '--host-file', dir, join(EX, 'hvm.cfg')]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /it is a directory/);
  writeFileSync(f, '{"memoryMiB": 8192, "cpus": 4}');
  r = xk(['check', '--xen', '4.17', '--host-file', f, join(EX, 'hvm.cfg')]);
  assert.equal(r.status, 0, r.stderr);
});

test("--emulation-flags '' (or blanks, or a lone comma) is refused, not read as 0", () => {
  // Before: '' split into no names and became 0, the zeroed arch config Xen refuses for HVM.
  for (const v of ['', ' ', ',']) {
    const r = xk(['create', join(EX, 'hvm.cfg'), '--dry-run', '--emulation-flags', v]);
    assert.equal(r.status, 2, `${JSON.stringify(v)}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^xk: error: --emulation-flags: ${JSON.stringify(v)} is not accepted`));
  }
  const r = xk(['create', join(EX, 'hvm.cfg'), '--dry-run', '--emulation-flags', '0']);
  assert.equal(r.status, 1, r.stderr); // an explicit 0 is still passed on, and Xen's rule refuses it
});
