import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { EtcdCluster, skipReason } from './etcd.js';
import { PoolProcs, rpc } from './harness.js';

const skip = skipReason();
const PV = readFileSync(new URL('../../examples/pv.cfg', import.meta.url), 'utf8');
const N = Number(process.env.XK_POOL_ROUNDS ?? 2);
let etcd: EtcdCluster;
let pool: PoolProcs;
let sid: string;
let url: string;
let coord: number;
let seq = 0;

before(async () => {
  if (skip) return;
  etcd = await EtcdCluster.start(3);
  // The lease must outlive an etcd leader failover: a keepalive on a follower waits for the next
  // leader (etcd 3.4 etcdserver/v3_server.go LeaseRenew, polling waitLeader once per election
  // timeout), up to ~3 election timeouts (1.5 s here), after up to a third of the TTL since the
  // last answer (etcd3's keepalive pace): at TTL 2 answers came 2.2 s apart, past the lease.
  pool = await PoolProcs.start(etcd, ['4.20', '4.20', '4.20'], { ttl: 3 });
  const c = await pool.waitCoordinator(10000);
  [sid, url, coord] = [(c as unknown as { sid: string }).sid, c.url, c.i];
});
after(() => {
  pool?.stop();
  etcd?.stop();
});

const vm = async (ha: boolean) => {
  const ref = await rpc(url, 'xenkit.VM.create_from_xlcfg', [sid, PV.replace('web-pv', `vm-${seq++}`)]);
  if (ha) await rpc(url, 'VM.set_ha_restart_priority', [sid, ref, 'restart']);
  return ref as string;
};
async function until<T>(what: string, ms: number, fn: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) assert.fail(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test(`a member killed (${N} times): its lease expires, it is marked dead, its HA VMs run elsewhere`, { skip, timeout: 120000 }, async () => {
  for (let r = 0; r < N; r++) {
    const victim = pool.members.find((m) => m.i !== coord)!;
    const hosts = (await rpc(url, 'host.get_all_records', [sid])) as Record<string, { name_label: string; metrics: string }>;
    const vref = Object.keys(hosts).find((k) => hosts[k]!.name_label === `host${victim.i}`)!;
    const ha = await vm(true);
    const plain = await vm(false);
    await rpc(url, 'VM.start_on', [sid, ha, vref, false, false]);
    await rpc(url, 'VM.start_on', [sid, plain, vref, false, false]);
    const t0 = Date.now();
    await pool.kill(victim.i);
    await until('host_metrics.live false', 10000, async () => (await rpc(url, 'host_metrics.get_live', [sid, hosts[vref]!.metrics])) === false);
    const where = await until('the HA VM running on another member', 15000, async () => {
      const rec = await rpc(url, 'VM.get_record', [sid, ha]);
      return rec.power_state === 'Running' && rec.resident_on !== vref ? rec.resident_on : undefined;
    }).catch((e) => {
      throw new Error(`${(e as Error).message}; the coordinator's pool log: ${pool.members[coord]!.log.filter((l) => /pool:/.test(l)).slice(-6).join(' | ')}`);
    });
    assert.notEqual(where, vref);
    assert.equal(await rpc(url, 'VM.get_power_state', [sid, plain]), 'Halted', 'a VM without restart priority is Halted');
    console.log(`# round ${r}: member killed -> HA VM running elsewhere in ${Date.now() - t0} ms`);
    await pool.startMember(victim.i);
    await until('live again after restart', 10000, async () => (await rpc(url, 'host_metrics.get_live', [sid, hosts[vref]!.metrics])) === true);
  }
});

test(`the coordinator killed (${N} times): another is elected and answers within seconds; no acknowledged change is lost`, { skip, timeout: 120000 }, async () => {
  const acked: [string, string][] = [];
  for (let r = 0; r < N; r++) {
    const ref = await vm(false);
    await rpc(url, 'VM.set_name_label', [sid, ref, `acked-${r}`]);
    acked.push([ref, `acked-${r}`]);
    const t0 = Date.now();
    const old = coord;
    await pool.kill(coord);
    const c = await pool.waitCoordinator(15000, undefined, old);
    [url, coord] = [c.url, c.i];
    const ms = Date.now() - t0;
    console.log(`# round ${r}: coordinator killed -> new one answering login in ${ms} ms`);
    assert.ok(ms < 10000, `elected and answering in ${ms} ms`);
    for (const [ref2, name] of acked) assert.equal(await rpc(url, 'VM.get_name_label', [sid, ref2]), name, 'acknowledged change kept');
    await pool.startMember(old);
  }
});

test(`one of three etcd members killed (${N} times): the pool keeps working`, { skip, timeout: 120000 }, async () => {
  const poolLogs = () => pool.members.map((m) => `member ${m.i}: ${m.log.filter((l) => /pool:/.test(l)).slice(-6).map((l) => l.replace(/^.*"msg":/, '')).join(' | ')}`).join('\n');
  for (let r = 0; r < N; r++) {
    await etcd.kill(r % 3);
    try {
      const ref = await vm(false);
      await rpc(url, 'VM.start', [sid, ref, false, false]);
      assert.equal(await rpc(url, 'VM.get_power_state', [sid, ref]), 'Running');
      await rpc(url, 'VM.hard_shutdown', [sid, ref]);
    } catch (e) {
      throw new Error(`round ${r}: ${(e as Error).message}\n${poolLogs()}`);
    }
    await etcd.restart(r % 3);
  }
  const late = pool.members.flatMap((m) => m.log.map((l) => /keepalive again after (\d+) ms/.exec(l)?.[1]).filter((x) => x !== undefined));
  console.log(`# late lease keepalives across the members during the failovers (ms): ${late.join(' ') || 'none'}`);
});

test('etcd unreachable (every etcd member stopped): members refuse changes saying why, and work again when etcd returns', { skip, timeout: 60000 }, async () => {
  const ref = await vm(false);
  for (let i = 0; i < 3; i++) etcd.pause(i, true);
  try {
    const e = await until('a change refused with the reason', 15000, async () => {
      try {
        await rpc(url, 'VM.set_name_label', [sid, ref, 'during-outage'], 10000);
        return undefined;
      } catch (x) {
        return (x as { code?: string; params?: string[] }).code === 'XENKIT_POOL_UNAVAILABLE' ? (x as { params: string[] }) : undefined;
      }
    });
    assert.match(e.params[0]!, /etcd/, 'the refusal names etcd');
  } finally {
    for (let i = 0; i < 3; i++) etcd.pause(i, false);
  }
  const c = await pool.waitCoordinator(20000);
  [url, coord] = [c.url, c.i];
  await until('changes accepted again', 20000, async () => (await rpc(url, 'VM.set_name_label', [sid, ref, 'after-outage']), true));
  for (const m of pool.members) await until(`member ${m.i} caught up`, 10000, async () => (await rpc(m.url, 'VM.get_name_label', [sid, ref])) === 'after-outage');
});
