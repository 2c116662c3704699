import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

// Every shell script the project runs (CI's own .ci/run, the real-Xen harness, scripts/) must at least
// parse: a merge once dropped a `fi` from .ci/run and CI stopped after 3 s with bash's "syntax error:
// unexpected end of file" before running anything. `bash -n` reads the script without running it.
const ROOT = resolve(import.meta.dirname, '..');
const scripts = [
  '.ci/run',
  ...['test/xen-qemu', 'test/xen-qemu/guests', 'scripts'].flatMap((dir) =>
    readdirSync(join(ROOT, dir))
      .filter((f) => f.endsWith('.sh'))
      .map((f) => `${dir}/${f}`),
  ),
];

test('the project has its shell scripts', () => assert.ok(scripts.length >= 5, scripts.join(' ')));

for (const script of scripts)
  test(`${script} parses (bash -n)`, () => {
    const r = spawnSync('bash', ['-n', join(ROOT, script)], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(r.status, 0, r.stderr);
  });

test('bash -n fails on a script missing its fi (the check can fail)', () => {
  const r = spawnSync('bash', ['-n'], { input: 'if true; then\n  echo x\n', encoding: 'utf8', timeout: 10_000 });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /unexpected end of file/);
});
