import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { XenkitError } from '../../src/errors.js';
import { LibxlClient } from '../../src/backend/libxl-client.js';
import { exitCodeFor } from '../../src/cli/io.js';
import { xk } from '../helpers/xk.js';

const ROOT = resolve(import.meta.dirname, '../..');
/** A stand-in worker: node runs `script` in place of libxl-worker.js. */
const fake = (script: string) => new LibxlClient('4.17', ['-e', script]);

async function thrown(fn: () => Promise<unknown>): Promise<XenkitError> {
  try {
    await fn();
  } catch (e) {
    assert.ok(e instanceof XenkitError, `expected a XenkitError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected an error');
}

test('a partial or non-JSON line from the libxl worker, or a crash: LIBXL_WORKER, exit 4 (environment)', async () => {
  // Before: a partial line threw a SyntaxError from JSON.parse (exit 70); a crash was exit 2, "bad input".
  const partial = await thrown(() => fake(`process.stdout.write('{"ok":true,"dom'); process.kill(process.pid, 'SIGSEGV')`).destroy(3));
  assert.equal(partial.code, 'LIBXL_WORKER');
  assert.match(partial.message, /^libxl destroy: the libxl worker was killed by SIGSEGV after a line that is not its JSON answer: \{"ok":true,"dom$/);
  assert.equal(exitCodeFor(partial), 4);
  const crash = await thrown(() => fake('process.exit(134)').shutdown(3));
  assert.equal(crash.message, 'libxl shutdown: the libxl worker exited with 134 before answering');
  assert.equal(exitCodeFor(crash), 4);
  const junk = await thrown(() => fake(`console.log('\\x1b[31mlibxl: oops'); process.exit(1)`).reboot(3));
  assert.match(junk.message, /not its JSON answer: \\x1b\[31mlibxl: oops$/, 'escaped, not raw');
  const noOk = await thrown(() => fake(`console.log('{"domid":4}')`).reboot(3));
  assert.match(noOk.message, /an answer without "ok"/);
  assert.equal(await fake(`console.log(JSON.stringify({ ok: true, domid: 7 }))`).createNew({}, true), 7);
});

test('errors cross the worker whole: code, message, field, value, hint, errno, source, details', async () => {
  // Before: only code, message, field and hint crossed; errno was lost, so Xen's refusal exited 2.
  const sent = { ok: false, code: 'XEN_ENOMEM', message: 'createdomain failed: ENOMEM (12): no memory', field: 'createdomain', value: 5, hint: 'free memory', errno: 'ENOMEM', source: 'xen/common/domain.c', details: { tried: 3 } };
  const e = await thrown(() => fake(`console.log(${JSON.stringify(JSON.stringify(sent))}); process.exit(1)`).destroy(1));
  const { ok: _ok, ...fields } = sent;
  assert.deepEqual({ ...e.toJSON(), details: e.details }, { ...fields, errnoNumber: 12 });
  assert.equal(exitCodeFor(e), 1);
});

test('the real worker on a host without Xen: NO_LIBXL (no libxenlight) or NO_XEN (libxl_ctx_alloc fails) crosses whole, exit 4', async () => {
  const worker = ['--import', 'tsx', resolve(ROOT, 'src/backend/libxl-worker.ts')];
  const e = await thrown(() => new LibxlClient('4.17', worker).destroy(1));
  assert.ok(['NO_LIBXL', 'NO_XEN'].includes(e.code), `${e.code}: ${e.message}`);
  assert.match(e.message, /^libxl backend: libxenlight\.so\.4\.17 cannot be loaded|^libxl_ctx_alloc failed: ERROR_FAIL \(-3\): libxl cannot reach Xen here/);
  assert.equal(e.field, 'backend');
  assert.equal(e.value, 'xen');
  assert.ok(e.hint);
  assert.equal(exitCodeFor(e), 4);
});

test('the event loop runs while the libxl worker works (xk serve keeps answering during a libxl create)', async () => {
  // Before: spawnSync held the event loop for the whole of libxl's create (no tick below ran).
  let ticks = 0;
  const timer = setInterval(() => ticks++, 20);
  try {
    const worker = fake(`let s = ''; process.stdin.on('data', (b) => (s += b)); process.stdin.on('end', () => setTimeout(() => console.log(JSON.stringify({ ok: true, domid: JSON.parse(s).n })), 600))`);
    assert.equal(await worker.createNew({ n: 5 }, false), 5, 'the config reached the worker on its stdin');
  } finally {
    clearInterval(timer);
  }
  assert.ok(ticks >= 5, `only ${ticks} timer ticks in 600 ms of libxl work`);
});

test('koffi missing: a clear NO_KOFFI error, exit 4, not "Cannot find module" and exit 70', () => {
  const r = xk(['--backend', 'xen', 'list'], { env: { NODE_OPTIONS: `--require ${resolve(import.meta.dirname, 'fixtures/hide-koffi.cjs')}` } });
  assert.equal(r.status, 4, r.stderr);
  assert.match(r.stderr, /^xk: error: the koffi module cannot be loaded \(Cannot find module 'koffi'\): the xen backend and libxl need it\nxk: hint: reinstall xenkit's dependencies/);
});
