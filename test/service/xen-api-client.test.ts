import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Xapi } from 'xen-api';
import { startService, PASSWORD } from './harness.js';

/** Bounded wait for a condition the client's event loop should make true. */
async function until(what: string, fn: () => boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

// Xen Orchestra's connector (xen-api 4.7.6): login with 2 params, pool.get_all_records,
// system.listMethods for the types, event.inject + get_all_records + event.from for its cache.
test('the xen-api client connects, fills its objects, starts and stops a VM, sees it through events, over JSON-RPC', { timeout: 60000 }, async () => {
  const s = await startService();
  const xapi = new Xapi({ url: s.url, auth: { user: 'root', password: PASSWORD }, allowUnauthorized: true });
  try {
    await xapi.connect();
    await xapi.objectsFetched;
    const objects = () => Object.values(xapi.objects.all) as Record<string, any>[];
    const vm = () => objects().find((o) => o.$type === 'VM' && o.name_label === 'web-pv')!;
    assert.ok(vm(), 'the VMs are in the cache');
    assert.equal(vm().power_state, 'Halted');
    const pool = objects().find((o) => o.$type === 'pool')!;
    assert.ok(objects().some((o) => o.$type === 'host' && o.$ref === pool.master), 'pool.master is a host ref');
    assert.ok(objects().some((o) => o.$type === 'VM' && o.is_control_domain), 'dom0 is a VM with is_control_domain');

    await xapi.call('VM.start', vm().$ref, false, false);
    await until('power_state Running through the event loop', () => vm().power_state === 'Running');
    assert.ok(vm().domid > 0);

    await xapi.callAsync('VM.hard_shutdown', vm().$ref);
    await until('power_state Halted through the event loop', () => vm().power_state === 'Halted');

    await assert.rejects(xapi.call('VM.hard_shutdown', vm().$ref), (e: any) => e.code === 'VM_BAD_POWER_STATE' && e.params[2] === 'halted');
    await assert.rejects(xapi.callAsync('VM.unpause', vm().$ref), (e: any) => e.code === 'VM_BAD_POWER_STATE');

    const transports = new Set(s.lines.filter((l) => l.transport).map((l) => l.transport));
    assert.deepEqual([...transports], ['json-rpc'], 'every call came over JSON-RPC (the client falls back to XML-RPC on any other content-type)');
    assert.ok(s.lines.some((l) => l.method === 'event.from'), 'its event loop ran');
  } finally {
    await xapi.disconnect();
    await s.close();
  }
});
