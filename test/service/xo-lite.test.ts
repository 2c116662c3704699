import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startService, rpc, PASSWORD } from './harness.js';

// XO Lite's login sequence as issue 11 records it (xen-orchestra @xen-orchestra/lite: login, the
// records it loads, event.inject("pool", ref), then event.from every 2 s with timeout 5.001).
test('XO Lite: login, get_all_records of its classes, event.inject, event.from honouring 5.001 s', { timeout: 60000 }, async () => {
  const s = await startService();
  try {
    const sid = (await rpc(s.url, 'session.login_with_password', ['root', PASSWORD])).body.result as string;
    const got: Record<string, Record<string, any>> = {};
    for (const cls of ['pool', 'host', 'host_metrics', 'VM', 'VM_metrics', 'VM_guest_metrics', 'VBD', 'VDI', 'SR', 'PBD', 'task']) {
      const r = await rpc(s.url, `${cls}.get_all_records`, [sid]);
      assert.equal(r.type, 'application/json');
      assert.ok(!r.body.error, `${cls}: ${JSON.stringify(r.body.error)}`);
      got[cls] = r.body.result;
    }
    const [poolRef, pool] = Object.entries(got.pool!)[0]!;
    assert.ok(pool.master in got.host!, 'pool.master is a host ref');
    const host = got.host![pool.master]!;
    assert.equal(got.host_metrics![host.metrics].live, true);
    const guests = Object.values(got.VM!).filter((v: any) => !v.is_a_template && !v.is_control_domain && !v.is_a_snapshot);
    assert.deepEqual(guests.map((v: any) => v.name_label).sort(), ['db-pvh', 'web-pv', 'win-hvm']);
    for (const v of Object.values(got.VM!) as any[]) assert.ok(v.metrics in got.VM_metrics!, 'each VM has its VM_metrics');
    const vbds = Object.values(got.VBD!) as any[];
    assert.ok(vbds.some((b) => b.type === 'CD' && b.empty), "hvm.cfg's ',,hdc,cdrom' is an empty CD VBD");
    assert.ok(vbds.filter((b) => !b.empty).every((b) => b.VDI in got.VDI! && got.VDI![b.VDI].SR in got.SR!));

    const token = (await rpc(s.url, 'event.inject', [sid, 'pool', poolRef])).body.result as string;
    const counts = (await rpc(s.url, 'event.from', [sid, ['pool', 'host', 'vm', 'vm_metrics', 'task'], '', 5.001])).body.result;
    assert.equal(counts.valid_ref_counts.vm, 4, 'valid_ref_counts for the requested classes');
    const first = { token };
    // Nothing happens: the call returns an empty list once the timeout passes, not later.
    const t0 = Date.now();
    const idle = (await rpc(s.url, 'event.from', [sid, ['vm'], first.token, 1.5])).body.result;
    const took = Date.now() - t0;
    assert.deepEqual(idle.events, []);
    assert.ok(took >= 1400 && took < 3000, `returned after ${took} ms for a 1.5 s timeout`);

    // A change returns at once, with a lowercase class and the snapshot.
    const ref = Object.entries(got.VM!).find(([, v]: any) => v.name_label === 'web-pv')![0];
    const waiting = rpc(s.url, 'event.from', [sid, ['vm'], idle.token, 5.001]);
    await new Promise((r) => setTimeout(r, 100));
    const t1 = Date.now();
    await rpc(s.url, 'VM.start', [sid, ref, false, false]);
    const ev = (await waiting).body.result;
    assert.ok(Date.now() - t1 < 2000);
    const e = ev.events.find((x: any) => x.ref === ref);
    assert.equal(e.class, 'vm');
    assert.equal(e.operation, 'mod');
    assert.equal(e.snapshot.power_state, 'Running');
  } finally {
    await s.close();
  }
});

test("event.from: a token of another event log (a pool member's, after following a new coordinator) answers EVENTS_LOST, not a silent gap", { timeout: 30000 }, async () => {
  // Before: tokens were the bare event id, so member B read member A's "after event 40" as its own
  // event 40 and skipped (or replayed) events; XAPI clients refetch on EVENTS_LOST.
  const a = await startService({ examples: false });
  const b = await startService({ examples: false });
  try {
    const login = async (s: typeof a) => (await rpc(s.url, 'session.login_with_password', ['root', PASSWORD])).body.result as string;
    const [sa, sb] = [await login(a), await login(b)];
    const first = (await rpc(a.url, 'event.from', [sa, ['vm'], '', 0])).body.result as { token: string };
    assert.match(first.token, /^\d{16},[0-9a-f]{16}$/);
    const again = await rpc(a.url, 'event.from', [sa, ['vm'], first.token, 0.1]);
    assert.equal(again.body.error, undefined, 'its own log reads its token');
    assert.equal((await rpc(b.url, 'event.from', [sb, ['vm'], first.token, 0.1])).body.error!.message, 'EVENTS_LOST');
    const bare = await rpc(b.url, 'event.from', [sb, ['vm'], first.token.split(',')[0], 0.1]);
    assert.equal(bare.body.error, undefined, 'a bare number is read as this log\'s');
    const injected = (await rpc(a.url, 'event.inject', [sa, 'pool', ((await rpc(a.url, 'pool.get_all', [sa])).body.result as string[])[0]])).body.result as string;
    assert.equal(injected.split(',')[1], first.token.split(',')[1], 'event.inject answers a token of the same log');
  } finally {
    await a.close();
    await b.close();
  }
});

test('event.from: a token too old answers EVENTS_LOST; a bad token is a parse failure', { timeout: 30000 }, async () => {
  const s = await startService({ examples: false });
  try {
    const sid = (await rpc(s.url, 'session.login_with_password', ['root', PASSWORD])).body.result as string;
    s.svc.store.db.prepare("INSERT INTO events (id, cls, ref, op, ts) VALUES (50000, 'vm', 'x', 'mod', 0)").run();
    s.svc.store.db.prepare('DELETE FROM events WHERE id < 50000').run();
    assert.equal((await rpc(s.url, 'event.from', [sid, ['vm'], '0000000000000001', 0.1])).body.error!.message, 'EVENTS_LOST');
    // the boundary: after 49999 the next row (50000) is kept; after 49998 the row 49999 is gone
    assert.deepEqual(((await rpc(s.url, 'event.from', [sid, ['vm'], '49999', 0.1])).body.result as { events: { ref: string }[] }).events.map((e) => e.ref), ['x']);
    assert.equal((await rpc(s.url, 'event.from', [sid, ['vm'], '49998', 0.1])).body.error?.message, 'EVENTS_LOST');
    assert.equal((await rpc(s.url, 'event.from', [sid, ['vm'], 'garbage', 0.1])).body.error!.message, 'EVENT_FROM_TOKEN_PARSE_FAILURE');
  } finally {
    await s.close();
  }
});
