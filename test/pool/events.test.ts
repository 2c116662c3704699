import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { EtcdCluster, skipReason } from './etcd.js';
import { PoolProcs, PW, rpc } from './harness.js';

// The pool's event log is one history (etcd's revisions): a token taken on one member continues on
// any other, as a XAPI client's token does on the pool's master (its database's generation count).

const skip = skipReason();
const PV = readFileSync(new URL('../../examples/pv.cfg', import.meta.url), 'utf8');
let etcd: EtcdCluster;
let pool: PoolProcs;
let sid: string;
let coord: number;

before(async () => {
  if (skip) return;
  etcd = await EtcdCluster.start(1);
  pool = await PoolProcs.start(etcd, ['4.20', '4.20', '4.20']);
  const c = await pool.waitCoordinator(10000);
  coord = c.i;
  sid = (c as unknown as { sid: string }).sid;
});
after(() => {
  pool?.stop();
  etcd?.stop();
});

const refs = (r: { events: { class: string; ref: string }[] }, cls = 'vm') => r.events.filter((e) => e.class === cls).map((e) => e.ref);

/** event.from on `url` until an event of `ref` arrives (bounded); the last answer. */
async function until(url: string, classes: string[], token: string, seen: (r: any) => boolean, ms = 10000): Promise<any> {
  const end = Date.now() + ms;
  let all: any[] = [];
  for (;;) {
    const r = await rpc(url, 'event.from', [sid, classes, token, 1]);
    all = all.concat(r.events);
    token = r.token;
    if (seen({ ...r, events: all })) return { ...r, events: all };
    if (Date.now() > end) assert.fail(`no such event on ${url} within ${ms} ms: ${JSON.stringify(all.map((e) => [e.class, e.ref, e.operation]))}`);
  }
}

test('event.from with no token on any member: the pool\'s objects (every host, every pool VM) and their counts, as its get_all calls list them', { skip, timeout: 30000 }, async () => {
  await rpc(pool.members[coord]!.url, 'xenkit.VM.create_from_xlcfg', [sid, PV]);
  for (const m of pool.members) {
    const r = await rpc(m.url, 'event.from', [sid, ['vm', 'host', 'host_metrics', 'pool'], '', 0]);
    for (const cls of ['VM', 'host', 'host_metrics', 'pool']) {
      const all = ((await rpc(m.url, `${cls}.get_all`, [sid])) as string[]).sort();
      assert.deepEqual(refs(r, cls.toLowerCase()).sort(), all, `member ${m.i}: the snapshot's ${cls} objects are its ${cls}.get_all`);
      assert.equal(r.valid_ref_counts[cls.toLowerCase()], all.length, `member ${m.i}: valid_ref_counts of ${cls}`);
    }
    assert.equal(refs(r, 'host').length, 3);
  }
});

test('a VM started or stopped: the records of the host it runs on come as events too (resident_VMs), as XAPI sends them', { skip, timeout: 60000 }, async () => {
  const c = pool.members[coord]!;
  const m = pool.members.find((x) => x.i !== coord)!;
  const ref = await rpc(c.url, 'xenkit.VM.create_from_xlcfg', [sid, PV]);
  const tok = (await rpc(m.url, 'event.from', [sid, ['host'], '', 0])).token;
  await rpc(c.url, 'VM.start', [sid, ref, false, false]);
  const on = await rpc(c.url, 'VM.get_resident_on', [sid, ref]);
  const r = await until(m.url, ['host'], tok, (x) => x.events.some((e: any) => e.ref === on && e.snapshot?.resident_VMs?.includes(ref)));
  await rpc(c.url, 'VM.hard_shutdown', [sid, ref]);
  await until(m.url, ['host'], r.token, (x) => x.events.some((e: any) => e.ref === on && !e.snapshot?.resident_VMs?.includes(ref)));
});

test('a token taken on one member continues on another: the changes after it, none before it (5 hand-overs)', { skip, timeout: 60000 }, async () => {
  const c = pool.members[coord]!;
  const [a, b] = pool.members.filter((m) => m.i !== coord) as [typeof c, typeof c];
  let tok = (await rpc(a.url, 'event.from', [sid, ['vm'], '', 0])).token;
  let on = a;
  for (let round = 0; round < 5; round++) {
    const before = await rpc(c.url, 'xenkit.VM.create_from_xlcfg', [sid, PV]);
    // the member the client is on has shown `before`: its token is past it
    tok = (await until(on.url, ['vm'], tok, (r) => refs(r).includes(before))).token;
    const next = on === a ? b : a;
    const made = await rpc(c.url, 'xenkit.VM.create_from_xlcfg', [sid, PV]);
    const r = await until(next.url, ['vm'], tok, (x) => refs(x).includes(made));
    assert.ok(!refs(r).includes(before), `round ${round}: member ${next.i} does not replay what the token from member ${on.i} had seen`);
    assert.match(r.token, /^\d{16},[0-9a-f]{16},\d+-\d+$/, 'a pool token: row id, log identity, etcd revision and cluster id');
    tok = r.token;
    on = next;
  }
});

test('a token the member cannot continue answers EVENTS_LOST: a revision before it followed the pool, one etcd has not reached, another etcd cluster\'s; a bad token is a parse failure', { skip, timeout: 30000 }, async () => {
  const m = pool.members.find((x) => x.i !== coord)!;
  const own = (await rpc(m.url, 'event.from', [sid, ['vm'], '', 0])).token as string;
  const [id, , pos0] = own.split(',');
  const [rev, cluster] = pos0!.split('-');
  // the same position from another log continues (nothing new); changed, it cannot
  assert.deepEqual((await rpc(m.url, 'event.from', [sid, ['vm'], `${id},0123456789abcdef,${rev}-${cluster}`, 0])).events, []);
  for (const pos of [`1-${cluster}`, `999999999-${cluster}`, `${rev}-${cluster}0`, rev, 'x']) await assert.rejects(rpc(m.url, 'event.from', [sid, ['vm'], `${id},0123456789abcdef,${pos}`, 0]), (e: any) => e.code === 'EVENTS_LOST', `position ${pos}`);
  await assert.rejects(rpc(m.url, 'event.from', [sid, ['vm'], 'not a token', 0]), (e: any) => e.code === 'EVENT_FROM_TOKEN_PARSE_FAILURE');
  // its own token still works, and carries this log's identity
  assert.equal((await rpc(m.url, 'event.from', [sid, ['vm'], own, 0])).events.length, 0);
});

test('a member restarted: a token it gave before answers EVENTS_LOST (the changes while it was away have no rows there), a new one works', { skip, timeout: 60000 }, async () => {
  const m = pool.members.find((x) => x.i !== coord)!;
  const c = pool.members[coord]!;
  const tok = (await rpc(m.url, 'event.from', [sid, ['vm'], '', 0])).token;
  await pool.kill(m.i);
  const ref = await rpc(c.url, 'xenkit.VM.create_from_xlcfg', [sid, PV]);
  await pool.startMember(m.i);
  await assert.rejects(rpc(m.url, 'event.from', [sid, ['vm'], tok, 1]), (e: any) => e.code === 'EVENTS_LOST', 'not an empty answer that hides the VM made while it was down');
  const fresh = await rpc(m.url, 'event.from', [sid, ['vm'], '', 0]);
  assert.ok(fresh.events.some((e: any) => e.ref === ref), `a client starting again sees it: ${ref} in ${JSON.stringify(fresh.events.map((e: any) => [e.class, e.ref]))}`);
  const made = await rpc(c.url, 'xenkit.VM.create_from_xlcfg', [sid, PV]);
  const r = await until(m.url, ['vm'], fresh.token, (x) => refs(x).includes(made));
  assert.ok(!refs(r).includes(ref));
});

test('the coordinator killed: its client continues its token on the new coordinator and sees the old one dead and the new master', { skip, timeout: 60000 }, async () => {
  const old = pool.members[coord]!;
  const tok = (await rpc(old.url, 'event.from', [sid, ['host_metrics', 'pool'], '', 0])).token;
  const metrics = (await rpc(old.url, 'host.get_all_records', [sid])) as Record<string, { name_label: string; metrics: string }>;
  const oldHost = Object.entries(metrics).find(([, h]) => h.name_label === `host${old.i}`)!;
  await pool.kill(old.i);
  const c = await pool.waitCoordinator(15000, undefined, old.i);
  sid = (c as unknown as { sid: string }).sid;
  const r = await until(c.url, ['host_metrics', 'pool'], tok, (x) =>
    x.events.some((e: any) => e.class === 'host_metrics' && e.ref === oldHost[1].metrics && e.snapshot?.live === false) &&
    x.events.some((e: any) => e.class === 'pool' && e.snapshot?.master !== oldHost[0]), 15000);
  assert.ok(r.events.length > 0);
  await pool.startMember(old.i);
});
