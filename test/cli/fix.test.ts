import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { xk } from '../helpers/xk.js';
import { fixXlCfg } from '../../src/toolstack/xlcfg/fix.js';

/** libxl JSON without the uuid line: xl makes a random one where the file sets none. */
const json = (file: string) => {
  const r = xk(['create', file, '--dry-run', '--libxl-json']);
  assert.equal(r.status, 0, `${file}: ${r.stderr}`);
  return r.stdout.replace(/^ *"uuid": "[^"]*",\n/m, '');
};

const tmp = () => mkdtempSync(join(tmpdir(), 'xk-fix-'));
const OLD = '# an old HVM guest\nname = "old"   # keep me\nbuilder = "hvm" ; memory = 512\n\naltp2mhvm = 1\nvcpus = 2\n';

test('fix keeps comments, order and layout, edits only the key and value tokens', () => {
  const r = fixXlCfg(OLD, 'old.cfg', '4.17');
  assert.equal(r.text, '# an old HVM guest\nname = "old"   # keep me\ntype = "hvm" ; memory = 512\n\naltp2m = "mixed"\nvcpus = 2\n');
  assert.deepEqual(r.fixed.map((f) => f.key), ['builder', 'altp2mhvm']);
  assert.equal(fixXlCfg(r.text, 'old.cfg', '4.17').text, r.text); // idempotent
  // to 4.9 the other way: type is not read there (tools/xl/xl_parse.c @RELEASE-4.9.0), builder is
  assert.equal(fixXlCfg('type = "hvm"\n', 'x', '4.9').text, 'builder = "hvm"\n');
  assert.equal(fixXlCfg('type = "pvh"\n', 'x', '4.9').left[0]!.key, 'type'); // no form on 4.9: left, listed
});

test('xk fix: a diff by default, --in-place with a backup, then nothing to do (exit 0)', () => {
  const d = tmp();
  const f = join(d, 'old.cfg');
  writeFileSync(f, OLD);
  const r = xk(['fix', f, '--xen', '4.17']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^--- a\/.*\n\+\+\+ b\/.*\n@@ -1,6 \+1,6 @@\n/);
  assert.match(r.stdout, /\n-builder = "hvm" ; memory = 512\n\+type = "hvm" ; memory = 512\n/);
  assert.equal(readFileSync(f, 'utf8'), OLD); // a diff changes nothing
  assert.equal(xk(['fix', f, '--xen', '4.17', '--in-place', '--backup', '.orig']).status, 0);
  assert.equal(readFileSync(f + '.orig', 'utf8'), OLD);
  assert.ok(!readdirSync(d).some((n) => n.includes('xk-fix-')), 'no temp file left');
  const again = xk(['fix', f, '--xen', '4.17']);
  assert.deepEqual([again.status, again.stdout], [0, '']);
  // the fixed file builds the same libxl JSON as the original (4.17 still reads builder and altp2mhvm)
  const orig = join(d, 'orig.cfg');
  writeFileSync(orig, 'name = "old"\ntype = "hvm"\nmemory = 512\naltp2m = "mixed"\nvcpus = 2\n');
  assert.equal(json(f), json(orig));
});

test('xk fix: bad input is exit 2 with the place', () => {
  const d = tmp();
  writeFileSync(join(d, 'bad.cfg'), 'name = \n');
  const r = xk(['fix', join(d, 'bad.cfg'), '--xen', '4.17']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /bad\.cfg:1:/);
  assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/);
  assert.equal(xk(['fix', join(d, 'bad.cfg'), '--xen', '9.9']).status, 2);
});

test('the examples round-trip: fixed for 4.9 and back for 4.17 gives the file and the same libxl JSON', () => {
  const dirs = ['examples', '/work/shared/xl-examples'];
  for (const dir of dirs) {
    if (!existsSync(dir)) {
      console.log(`# skipped ${dir}: not on this machine`);
      continue;
    }
    for (const n of readdirSync(dir).filter((n) => /\.cfg$|^xlexample\.[a-z]+$/.test(n))) {
      const text = readFileSync(join(dir, n), 'utf8');
      assert.equal(fixXlCfg(text, n, '4.17').text, text, `${n}: nothing to fix for 4.17`);
      const old = fixXlCfg(text, n, '4.9').text;
      const back = fixXlCfg(old, n, '4.17').text;
      if (/^type = "(hvm|pv)"/m.test(text)) assert.match(old, /^builder = "(hvm|generic)"/m, n);
      else assert.equal(old, text, `${n}: no type, or type = "pvh" (no form on 4.9): unchanged`);
      assert.equal(back, text, n);
      const d = tmp();
      copyFileSync(join(dir, n), join(d, 'a.cfg'));
      writeFileSync(join(d, 'b.cfg'), old);
      assert.equal(json(join(d, 'b.cfg')), json(join(d, 'a.cfg')), n);
    }
  }
});
