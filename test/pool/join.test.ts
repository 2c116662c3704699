import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Xapi } from 'xen-api';
import { GRPCUnavailableError } from 'etcd3';
import { EtcdCluster, skipReason } from './etcd.js';
import { PoolProcs, PW, rpc } from './harness.js';
import { PoolState } from '../../src/service/pool/state.js';

const skip = skipReason();
const PV = readFileSync(new URL('../../examples/pv.cfg', import.meta.url), 'utf8');
let etcd: EtcdCluster;
let pool: PoolProcs;
let sid: string;
let coord: number;

before(async () => {
  if (skip) return;
  etcd = await EtcdCluster.start(1);
  pool = await PoolProcs.start(etcd, ['4.17', '4.20', '4.20']);
  const c = await pool.waitCoordinator(10000);
  coord = c.i;
  sid = (c as unknown as { sid: string }).sid;
});
after(() => {
  pool?.stop();
  etcd?.stop();
});

const others = () => pool.members.filter((m) => m.i !== coord);

test('joining: every member sees the three hosts live and the same pool, whose master is the elected coordinator', { skip, timeout: 30000 }, async () => {
  const hostsSeen: string[][] = [];
  for (const m of pool.members) {
    const hosts = (await rpc(m.url, 'host.get_all_records', [sid])) as Record<string, { name_label: string; metrics: string; software_version: { xen: string } }>;
    const metrics = (await rpc(m.url, 'host_metrics.get_all_records', [sid])) as Record<string, { live: boolean }>;
    hostsSeen.push(Object.keys(hosts).sort());
    assert.equal(Object.keys(hosts).length, 3, `member ${m.i} lists 3 hosts`);
    for (const h of Object.values(hosts)) assert.equal(metrics[h.metrics]?.live, true, `${h.name_label} live on member ${m.i}`);
    assert.deepEqual(Object.values(hosts).map((h) => h.software_version.xen.slice(0, 4)).sort(), ['4.17', '4.20', '4.20'], 'each member publishes its own release');
    const [pref] = (await rpc(m.url, 'pool.get_all', [sid])) as string[];
    const master = await rpc(m.url, 'pool.get_master', [sid, pref]);
    assert.equal(hosts[master]?.name_label, `host${coord}`, `member ${m.i}: pool.master is the coordinator`);
  }
  assert.deepEqual(hostsSeen[1], hostsSeen[0]);
  assert.deepEqual(hostsSeen[2], hostsSeen[0]);
});

test('a supporter answers login and control calls with HOST_IS_SLAVE and the coordinator\'s address (XAPI); reads and events work there', { skip, timeout: 30000 }, async () => {
  const c = pool.members[coord]!;
  for (const m of others()) {
    await assert.rejects(rpc(m.url, 'session.login_with_password', ['root', PW]), (e: any) => e.code === 'HOST_IS_SLAVE' && e.params[0] === c.address);
    await assert.rejects(rpc(m.url, 'xenkit.VM.create_from_xlcfg', [sid, PV]), (e: any) => e.code === 'HOST_IS_SLAVE' && e.params[0] === c.address);
  }
  const m = others()[0]!;
  const tok = (await rpc(m.url, 'event.from', [sid, ['vm'], '', 0])).token;
  const ref = await rpc(c.url, 'xenkit.VM.create_from_xlcfg', [sid, PV]);
  const ev = await rpc(m.url, 'event.from', [sid, ['vm'], tok, 5]);
  assert.ok(ev.events.some((e: any) => e.ref === ref && e.class === 'vm'), 'the supporter\'s event.from sees the change made on the coordinator');
  const rec = await rpc(m.url, 'VM.get_record', [sid, ref]);
  assert.equal(rec.power_state, 'Halted');
  await assert.rejects(rpc(m.url, 'VM.set_name_label', [sid, ref, 'x']), (e: any) => e.code === 'HOST_IS_SLAVE');
  await rpc(c.url, 'VM.set_name_label', [sid, ref, 'renamed']);
  assert.equal(await rpc(m.url, 'VM.get_name_label', [sid, ref]), 'renamed', 'read on the supporter after a change on the coordinator');
});

test('the xen-api client pointed at a supporter follows HOST_IS_SLAVE to the coordinator, fills its objects, starts and stops a VM', { skip, timeout: 40000 }, async () => {
  const m = others()[1]!;
  const xapi = new Xapi({ url: m.url, auth: { user: 'root', password: PW }, allowUnauthorized: true });
  try {
    await xapi.connect();
    await xapi.objectsFetched;
    assert.equal((xapi as unknown as { _url: { hostname: string } })._url.hostname, pool.members[coord]!.address, 'the client now talks to the coordinator');
    const objects = () => Object.values(xapi.objects.all) as Record<string, any>[];
    assert.equal(objects().filter((o) => o.$type === 'host').length, 3);
    const ref = await xapi.call('xenkit.VM.create_from_xlcfg', PV);
    const until = async (f: () => boolean) => { for (let i = 0; i < 200 && !f(); i++) await new Promise((r) => setTimeout(r, 25)); assert.ok(f()); };
    const vm = () => objects().find((o) => o.$type === 'VM' && o.$ref === ref);
    await until(() => !!vm());
    await xapi.call('VM.start', ref, false, false);
    await until(() => vm()!.power_state === 'Running');
    assert.notEqual(vm()!.resident_on, 'OpaqueRef:NULL');
    await xapi.call('VM.hard_shutdown', ref);
    await until(() => vm()!.power_state === 'Halted');
  } finally {
    await xapi.disconnect();
  }
});

/** The next transaction `s` commits reaches etcd, and then its answer is lost (a recoverable gRPC error). */
function loseNextAnswer(s: PoolState): void {
  const client = s.client as unknown as { if: (...a: unknown[]) => { commit: () => Promise<unknown> } };
  const real = client.if;
  client.if = (...a) => {
    client.if = real;
    const tx = real.apply(s.client, a);
    const commit = tx.commit.bind(tx);
    tx.commit = async () => {
      await commit();
      throw new GRPCUnavailableError('simulated: the answer was lost');
    };
    return tx;
  };
}

test('a change whose answer was lost after it landed is made, not a conflict; a real conflict still is one', { skip, timeout: 30000 }, async () => {
  const s = new PoolState(etcd.endpoints, 'lost-answer');
  const other = new PoolState(etcd.endpoints, 'lost-answer');
  try {
    await s.put('vm/y', { n: 0 });
    let cur = await s.read('vm/y');
    loseNextAnswer(s);
    assert.equal(await s.cas('vm/y', cur.rev, { n: 1 }), true, 'its own write landed: the retry must not report a conflict');
    assert.deepEqual((await other.read('vm/y')).value, { n: 1 });
    assert.deepEqual(s.get('vm/y'), { n: 1 }, 'and it is in its cache');
    cur = await s.read('vm/y');
    assert.equal(await other.cas('vm/y', cur.rev, { n: 2, by: 'other' }), true);
    loseNextAnswer(s);
    assert.equal(await s.cas('vm/y', cur.rev, { n: 3 }), false, 'another member changed it first');
    assert.deepEqual((await s.read('vm/y')).value, { n: 2, by: 'other' });
    cur = await s.read('vm/y');
    loseNextAnswer(s);
    assert.equal(await s.cas('vm/y', cur.rev, null), true, 'a delete whose answer was lost');
    assert.equal((await other.read('vm/y')).value, undefined);
  } finally {
    await s.close();
    await other.close();
  }
});

const ROUNDS = Number(process.env.XK_POOL_ROUNDS ?? 25);
test(`conflicting changes: of two members changing one record at one revision exactly one wins (${ROUNDS} rounds, and ${ROUNDS} racing boots)`, { skip, timeout: 60000 }, async () => {
  const a = new PoolState(etcd.endpoints, 'race');
  const b = new PoolState(etcd.endpoints, 'race');
  try {
    await a.put('vm/x', { n: 0 });
    for (let i = 0; i < ROUNDS; i++) {
      const [ra, rb] = await Promise.all([a.read('vm/x'), b.read('vm/x')]);
      assert.equal(ra.rev, rb.rev);
      const won = await Promise.all([a.cas('vm/x', ra.rev, { n: i, by: 'a' }), b.cas('vm/x', rb.rev, { n: i, by: 'b' })]);
      assert.equal(won.filter(Boolean).length, 1, `round ${i}: exactly one wins`);
    }
  } finally {
    await a.close();
    await b.close();
  }
  // The same through the service: two members asked at once to boot one halted VM here.
  const c = pool.members[coord]!;
  const ref = await rpc(c.url, 'xenkit.VM.create_from_xlcfg', [sid, PV.replace('web-pv', 'race-pv')]);
  for (let i = 0; i < ROUNDS; i++) {
    const [x, y] = others();
    const r = await Promise.allSettled([rpc(x!.url, 'xenkit.pool.boot_here', [sid, ref, false]), rpc(y!.url, 'xenkit.pool.boot_here', [sid, ref, false])]);
    assert.equal(r.filter((s) => s.status === 'fulfilled').length, 1, `boot round ${i}: exactly one member booted it (${r.map((s) => (s.status === 'rejected' ? (s.reason as Error).message : 'ok')).join(', ')})`);
    const hosts = (await rpc(c.url, 'host.get_all_records', [sid])) as Record<string, { resident_VMs: string[] }>;
    assert.equal(Object.values(hosts).filter((h) => h.resident_VMs.includes(ref)).length, 1, 'resident on one member');
    await rpc(c.url, 'VM.hard_shutdown', [sid, ref]);
  }
});
