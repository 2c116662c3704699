import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Xapi } from 'xen-api';
import { startService, PASSWORD } from './harness.js';
import { uuidOf } from '../../src/service/host-state.js';
import type { Toolstack } from '../../src/toolstack/toolstack.js';

/**
 * Async.* tasks through Xen Orchestra's client (xen-api 4.7.6): progress while the action runs, and
 * task.cancel as XAPI has it (ocaml/xapi/taskHelper.ml @ e2ee48d6: the action stops at its next step
 * with TASK_CANCELLED [task]; failed() then sets status cancelled, error_info [TASK_CANCELLED, task],
 * progress 1, allowed_operations []). On the sim a domain builds in microseconds, so the test holds
 * the build at a gate, as libxl takes seconds on real Xen.
 */
function gated(ts: Toolstack) {
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  let entered = 0;
  const proxy = new Proxy(ts, {
    get(target, key) {
      if (key === 'create') return async (...a: Parameters<Toolstack['create']>) => (entered++, await gate, target.create(...a));
      const v = Reflect.get(target, key);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return { proxy, open: () => open(), entered: () => entered };
}

async function until<T>(what: string, fn: () => Promise<T>, ok: (v: T) => boolean, ms = 8000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what} (last: ${JSON.stringify(v)})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('Async.VM.start: progress while the domain builds; task.cancel makes it cancelled as XAPI does, and no domain is left', { timeout: 60000 }, async () => {
  let gate!: ReturnType<typeof gated>;
  const s = await startService({ wrap: (ts) => (gate = gated(ts)).proxy });
  const xapi = new Xapi({ url: s.url, auth: { user: 'root', password: PASSWORD }, allowUnauthorized: true });
  try {
    await xapi.connect();
    const [vm] = (await xapi.call('VM.get_by_name_label', 'web-pv')) as string[];
    const uuid = await xapi.call('VM.get_uuid', vm);
    const task = (await xapi.call('Async.VM.start', vm, false, false)) as string;
    assert.match(task, /^OpaqueRef:/);
    await until('the build to start', async () => gate.entered(), (n) => n === 1);
    const mid = (await xapi.call('task.get_record', task)) as Record<string, any>;
    assert.equal(mid.status, 'pending');
    assert.ok(mid.progress > 0 && mid.progress < 1, `progress while building is between 0 and 1 (got ${mid.progress})`);
    assert.deepEqual(mid.allowed_operations, ['cancel']);

    await xapi.call('task.cancel', task);
    const asked = (await xapi.call('task.get_record', task)) as Record<string, any>;
    assert.equal(asked.status, 'pending', 'the cancel is seen at the next step, not before');
    assert.deepEqual(Object.values(asked.current_operations), ['cancel']);

    gate.open();
    const done = await until('the task to end', () => xapi.call('task.get_record', task) as Promise<Record<string, any>>, (r) => r.status !== 'pending');
    assert.equal(done.status, 'cancelled');
    assert.deepEqual(done.error_info, ['TASK_CANCELLED', task]);
    assert.equal(done.progress, 1);
    assert.deepEqual(done.allowed_operations, []);
    assert.equal(await xapi.call('VM.get_power_state', vm), 'Halted');
    const doms = await s.svc.ts.list();
    assert.ok(!doms.some((d) => uuidOf(d.info.handle) === uuid), 'the domain built for the cancelled start is destroyed');

    await assert.rejects(xapi.call('task.cancel', task), (e: any) => e.code === 'OPERATION_NOT_ALLOWED');
    // The VM starts normally afterwards (callAsync waits for the task through the client's event loop).
    await xapi.callAsync('VM.start', vm, false, false);
    assert.equal(await xapi.call('VM.get_power_state', vm), 'Running');
  } finally {
    gate?.open();
    await xapi.disconnect();
    await s.close();
  }
});

test('task.cancel: only the task\'s own user or pool-operator and above (task.destroy_any); a finished task is not cancellable', { timeout: 60000 }, async () => {
  let gate!: ReturnType<typeof gated>;
  const s = await startService({ wrap: (ts) => (gate = gated(ts)).proxy });
  s.svc.auth.addUser('viewer', 'read-only', 'viewer-password');
  const root = new Xapi({ url: s.url, auth: { user: 'root', password: PASSWORD }, allowUnauthorized: true });
  const viewer = new Xapi({ url: s.url, auth: { user: 'viewer', password: 'viewer-password' }, allowUnauthorized: true });
  try {
    await root.connect();
    await viewer.connect();
    const [vm] = (await root.call('VM.get_by_name_label', 'db-pvh')) as string[];
    const task = (await root.call('Async.VM.start', vm, false, false)) as string;
    await until('the build to start', async () => gate.entered(), (n) => n === 1);
    await assert.rejects(viewer.call('task.cancel', task), (e: any) => e.code === 'RBAC_PERMISSION_DENIED' && e.params[0] === 'task.destroy_any');
    gate.open();
    const done = await until('the task to end', () => root.call('task.get_status', task) as Promise<string>, (st) => st !== 'pending');
    assert.equal(done, 'success', 'a start nobody cancelled succeeds');
    assert.equal(await root.call('task.get_progress', task), 1);
    await assert.rejects(root.call('task.cancel', task), (e: any) => e.code === 'OPERATION_NOT_ALLOWED');
  } finally {
    gate?.open();
    await viewer.disconnect();
    await root.disconnect();
    await s.close();
  }
});
