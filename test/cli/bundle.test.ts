import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createHash } from 'node:crypto';
import { XenkitError } from '../../src/errors.js';
import { hostWithGuests } from '../helpers/xk.js';

// The installed `xk` is dist/cli/xk.cjs, bundled by scripts/build-cli.mjs (`npm run build`) for its
// cold start, beside the modules tsc built (dist/cli/main.js and the rest). The truth here is
// those modules: the bundle must answer every command exactly as they do, exit codes included.
const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: { xk: string } }).bin.xk);
const TSC_MAIN = join(ROOT, 'dist/cli/main.js');
const HOOK = join(ROOT, 'test/helpers/record-loads.mjs');
const built = existsSync(BIN) && existsSync(TSC_MAIN);
const why = `${BIN} or dist/cli/main.js is missing: run \`npm run build\``;
if (!built && process.env.CI === 'true') throw new Error(why);
const skip = built ? false : why;

function run(main: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [main, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, XENKIT_STATE: join(tmpdir(), 'xk-bundle-unused.db'), ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('the bundled xk answers as the modules tsc built: output, errors and exit codes', { skip }, () => {
  const s = hostWithGuests();
  const dir = mkdtempSync(join(tmpdir(), 'xk-bundle-'));
  const corrupt = join(dir, 'corrupt.db');
  writeFileSync(corrupt, 'not a database, just text that is long enough to be looked at by sqlite '.repeat(20));
  const cases: string[][] = [
    ['--state', s, 'list'],
    ['--state', s, 'list', '-v'],
    ['--state', s, 'list', '--json'],
    ['--state', s, 'list', 'web-pv'],
    ['--state', s, 'list', '-l'],
    ['--state', s, 'info'],
    ['--state', s, 'list', 'nosuch'],
    ['--state', corrupt, 'list'],
    ['--state', dir, 'list'],
    ['--state', join(dir, 'none.db'), 'list'],
    // A refusal raised in a module outside the bundle (create.js), printed by the bundle's error printer.
    ['--state', s, 'create', 'examples/pv.cfg'],
    ['--state', s, 'create', join(dir, 'missing.cfg')],
    ['--state', s, 'list', '--bogus'],
    ['--state', s, 'bogus'],
    ['--help'],
    ['--version'],
    ['list', '--help'],
  ];
  const statuses = new Set<number | null>();
  for (const args of cases) {
    const want = run(TSC_MAIN, args);
    const got = run(BIN, args);
    assert.deepEqual(got, want, `xk ${args.join(' ')}`);
    statuses.add(got.status);
  }
  // The cases above cover each exit class the bundle prints itself or passes on.
  for (const code of [0, 2, 3]) assert.ok(statuses.has(code), `no case exits ${code}`);
});

test('a plain xk list through the bundle loads no module of the project beyond dist/cli/xk.cjs, and no ES module at all', { skip }, () => {
  const s = hostWithGuests();
  const dir = mkdtempSync(join(tmpdir(), 'xk-bundle-loads-'));
  const [esm, cjs] = [join(dir, 'loads.txt'), join(dir, 'requires.txt')];
  const r = spawnSync(process.execPath, ['--import', HOOK, BIN, '--state', s, 'list'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, XK_LOADS_FILE: esm, XK_REQUIRES_FILE: cjs } });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^web-pv /m);
  const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean) : []);
  const loaded = [...new Set([...read(esm), ...read(cjs)])];
  const ours = loaded.filter((u) => u.startsWith(`file://${ROOT}/`) && !u.includes('/node_modules/'));
  assert.deepEqual(ours, [pathToFileURL(BIN).href], 'modules of the project beyond the bundle');
  // better-sqlite3 is seen (the recording works), through require.
  assert.ok(read(cjs).some((u) => u.includes('/node_modules/better-sqlite3/lib/')), `better-sqlite3 not seen: ${loaded.join(' ')}`);
  // The main module itself passes the loader hook (--import starts that loader); nothing after it.
  assert.deepEqual(read(esm).filter((u) => u.startsWith('file:') && u !== pathToFileURL(BIN).href && !u.startsWith(pathToFileURL(HOOK).href)), [], 'ES modules loaded');
});

test('reads through the bundle never change the state file (database and WAL bytes, mtime), as through the modules', { skip }, () => {
  const s = hostWithGuests();
  const fingerprint = () => [s, `${s}-wal`].map((p) => (existsSync(p) ? createHash('sha256').update(readFileSync(p)).digest('hex') : `no ${p}`)).join(' ') + ` ${statSync(s).mtimeMs}`;
  const before = fingerprint();
  for (const args of [['list'], ['list', '-v'], ['list', '--json'], ['list', 'web-pv'], ['info']]) {
    const r = run(BIN, ['--state', s, ...args]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(fingerprint(), before, `xk ${args.join(' ')} changed the file`);
  }
});

test('XenkitError instanceof holds across copies of src/errors.ts (the bundle and the modules beside it), and only for XenkitErrors', async () => {
  const copy = (await import(`../../src/errors.ts?copy=${Date.now()}`)) as typeof import('../../src/errors.js');
  assert.notEqual(copy.XenkitError, XenkitError, 'a second copy of the module');
  const theirs = new copy.XenkitError('BAD_INPUT', 'x');
  assert.ok(theirs instanceof XenkitError);
  assert.ok(new XenkitError('BAD_INPUT', 'y') instanceof copy.XenkitError);
  assert.ok(theirs instanceof Error);
  for (const other of [new Error('z'), { code: 'BAD_INPUT', name: 'XenkitError' }, null, 'XenkitError'])
    assert.equal(other instanceof XenkitError, false, String(other));
});
