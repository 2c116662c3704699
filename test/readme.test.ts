import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

// The README's library examples are run as written (with 'xenkit' pointing at the sources).
const ROOT = resolve(import.meta.dirname, '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const library = README.slice(README.indexOf('## Library'), README.indexOf('## `xk` command line'));
const blocks = [...library.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);

test('the README has its library examples', () => assert.equal(blocks.length, 2));

blocks.forEach((code, i) =>
  test(`README library example ${i + 1} runs`, () => {
    const dir = mkdtempSync(join(ROOT, 'test', '.readme-'));
    const file = join(dir, 'example.ts');
    writeFileSync(file, code.replaceAll("from 'xenkit'", `from ${JSON.stringify(join(ROOT, 'src/index.ts'))}`));
    const r = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
    spawnSync('rm', ['-rf', dir]);
    assert.equal(r.status, 0, r.stderr);
    // xl.cfg(5): on_crash "restart" as set, on_poweroff "destroy" by default; the top-level keys are
    // those real `xl create -n` 4.17 prints for a config setting on_crash (on_reboot and on_soft_reset xl always sets).
    if (i === 1) assert.equal(r.stdout.trim(), "[ 'Domain-0' ] [ 'crash: restart', 'poweroff: destroy' ] [] [ 'c_info', 'b_info', 'on_reboot', 'on_crash', 'on_soft_reset' ]");
  }),
);
