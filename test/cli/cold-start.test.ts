import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

// Cold start (issue 8 item 11): a command loads only what it needs. Which modules a run loads,
// recorded by a loader hook; the time itself is measured in bench/, not here.
const ROOT = resolve(import.meta.dirname, '../..');
const HOOK = join(ROOT, 'test/helpers/record-loads.mjs');

function loads(args: string[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'xk-loads-'));
  const file = join(dir, 'loads.txt');
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--import', HOOK, join(ROOT, 'src/cli/main.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, XENKIT_STATE: join(dir, 'sim.db'), XK_LOADS_FILE: file },
  });
  assert.equal(r.status, 0, r.stderr);
  return readFileSync(file, 'utf8').split('\n').filter(Boolean);
}

const ours = (urls: string[]) => urls.filter((u) => u.includes('/src/')).map((u) => u.replace(/^.*\/src\//, ''));

test('xk list loads neither the xl.cfg reader, the config encoder nor the builder (the sim answers createdomain itself, so its rules stay)', () => {
  const src = ours(loads(['list']));
  assert.ok(src.includes('cli/list.ts'), `list.ts was not seen loading: ${src.join(' ')}`);
  const heavy = src.filter((m) => /^toolstack\/(xlcfg|domain|libxl)\/|^toolstack\/(lifecycle|load|preview)\.ts$|^xc\//.test(m));
  assert.deepEqual(heavy, [], `xk list loaded: ${heavy.join(', ')}`);
});

test('xk --help does not load commander', () => {
  const all = loads(['--help']);
  assert.ok(all.some((u) => u.endsWith('/src/cli/main.ts')));
  assert.deepEqual(all.filter((u) => u.includes('/node_modules/commander/')), []);
});

test('a plain xk list and xk info do not load commander (src/cli/quick.ts reads their arguments)', () => {
  for (const args of [['list'], ['list', '--json', '-v'], ['info'], ['info', '--json']]) {
    const all = loads(args);
    assert.ok(all.some((u) => u.endsWith(`/src/cli/${args[0]}.ts`)), `${args.join(' ')}: its module was not seen loading`);
    assert.deepEqual(all.filter((u) => u.includes('/node_modules/commander/')), [], `xk ${args.join(' ')} loaded commander`);
  }
});

test('xk list loads better-sqlite3 through require, not as an ES module (node would scan its CommonJS source first)', () => {
  const all = loads(['list']);
  assert.ok(all.some((u) => u.endsWith('/src/sim/sqlite.ts')));
  assert.deepEqual(all.filter((u) => u.includes('/node_modules/better-sqlite3/')), []);
});

test('a plain xk list loads neither the simulated Xen nor its rules: it reads the stored records (sim/state-file.ts)', () => {
  const s = join(mkdtempSync(join(tmpdir(), 'xk-loads-')), 'sim.db');
  // A host with a guest in the file, so the stored list is read (an empty path would prove nothing).
  const EX = join(ROOT, 'examples');
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), '--state', s, 'create', join(EX, 'pv.cfg')], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const src = ours(loads(['--state', s, 'list']));
  assert.ok(src.includes('sim/state-file.ts'), `state-file.ts was not seen loading: ${src.join(' ')}`);
  const heavy = src.filter((m) => /^sim\/(sim|store)\.ts$|^xen\/(createdomain|rules|domctl|emulation|physinfo)\.ts$|^toolstack\/(watch|on-shutdown)\.ts$|^hv\/hypervisor\.ts$/.test(m));
  assert.deepEqual(heavy, [], `xk list loaded: ${heavy.join(', ')}`);
});

test('xk --help loads the command table (and the output writer) and nothing of a toolstack, backend or error table', () => {
  const src = ours(loads(['--help']));
  assert.deepEqual(src.filter((m) => !/^cli\/(main|commands|globals|stdout)\.ts$/.test(m)), []);
});
