/**
 * `npm run bench:pool` (add `-- --json`): a three-member pool on one machine, loopback only, bounded.
 * - VM starts per second through the coordinator across three members, against the same starts on
 *   one `xk serve` without a pool in the same run (the ratio is what the pool costs)
 * - coordinator failover: kill -9 of the coordinator to a new one answering login, p50/p99 over
 *   XK_BENCH_TRIALS (default 20) trials, lease TTL XK_BENCH_TTL seconds (default 2)
 * - member kill to its HA VMs running elsewhere (XK_BENCH_HA_TRIALS, default 5)
 * Members run the built package (dist/); the script builds first. Needs Debian's etcd-server.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { EtcdCluster, etcdMissing } from '../test/pool/etcd.js';
import { PoolProcs, rpc } from '../test/pool/harness.js';

const json = process.argv.includes('--json');
const say = (s: string) => !json && console.log(s);
const figures: Record<string, unknown> = {};
const TRIALS = Number(process.env.XK_BENCH_TRIALS ?? 20);
const HA_TRIALS = Number(process.env.XK_BENCH_HA_TRIALS ?? 5);
const TTL = Number(process.env.XK_BENCH_TTL ?? 2);
const VMS = 60;
const CMD = [resolve(import.meta.dirname, '../dist/cli/main.js')];
const PV = readFileSync(new URL('../examples/pv.cfg', import.meta.url), 'utf8').replace('memory = 512', 'memory = 128');
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

/** Create VMS halted VMs, then start them 6 at a time through `url`; starts per second. */
async function startRate(url: string, sid: string, tag: string): Promise<number> {
  const refs: string[] = [];
  for (let i = 0; i < VMS; i++) refs.push(await rpc(url, 'xenkit.VM.create_from_xlcfg', [sid, PV.replace('web-pv', `${tag}-${i}`)]));
  const t0 = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: 6 }, async () => {
    while (next < refs.length) await rpc(url, 'VM.start', [sid, refs[next++], false, false]);
  }));
  const rate = VMS / ((performance.now() - t0) / 1000);
  for (const r of refs) await rpc(url, 'VM.hard_shutdown', [sid, r]);
  return rate;
}

async function main(): Promise<void> {
  const why = etcdMissing();
  if (why) throw new Error(`bench:pool needs etcd: ${why}`);
  const etcd = await EtcdCluster.start(3);
  const single = await EtcdCluster.start(1);
  let pool: PoolProcs | undefined;
  let one: PoolProcs | undefined;
  try {
    pool = await PoolProcs.start(etcd, ['4.20', '4.20', '4.20'], { ttl: TTL, cmd: CMD });
    let c = await pool.waitCoordinator(15000);
    const sid = (c as unknown as { sid: string }).sid;
    // The peer: one member alone (same code, same etcd round trips, no other member to spread over).
    one = await PoolProcs.start(single, ['4.20'], { ttl: TTL, cmd: CMD });
    const c1 = await one.waitCoordinator(15000);
    const rPool = await startRate(c.url, sid, 'p');
    const rOne = await startRate(c1.url, (c1 as unknown as { sid: string }).sid, 'o');
    figures.vm_starts_per_s = { pool_of_3: +rPool.toFixed(1), one_member: +rOne.toFixed(1), ratio: +(rPool / rOne).toFixed(2) };
    say(`VM.start through the coordinator: ${rPool.toFixed(1)}/s across 3 members; ${rOne.toFixed(1)}/s on a pool of one; ratio ${(rPool / rOne).toFixed(2)}`);

    const fail: number[] = [];
    for (let t = 0; t < TRIALS; t++) {
      const old = c.i;
      const t0 = performance.now();
      await pool.kill(old);
      c = await pool.waitCoordinator(30000, undefined, old);
      fail.push(performance.now() - t0);
      await pool.startMember(old);
    }
    figures.coordinator_failover_ms = { trials: TRIALS, ttl_s: TTL, p50: Math.round(pct(fail, 50)), p99: Math.round(pct(fail, 99)), max: Math.round(Math.max(...fail)) };
    say(`coordinator kill -9 -> new coordinator answering login (TTL ${TTL} s, ${TRIALS} trials): p50 ${Math.round(pct(fail, 50))} ms, p99 ${Math.round(pct(fail, 99))} ms`);

    const ha: number[] = [];
    for (let t = 0; t < HA_TRIALS; t++) {
      const url = c.url;
      const victim = pool.members.find((m) => m.i !== c.i)!;
      const hosts = (await rpc(url, 'host.get_all_records', [sid])) as Record<string, { name_label: string }>;
      const vref = Object.keys(hosts).find((k) => hosts[k]!.name_label === `host${victim.i}`)!;
      const refs: string[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await rpc(url, 'xenkit.VM.create_from_xlcfg', [sid, PV.replace('web-pv', `ha-${t}-${i}`)]);
        await rpc(url, 'VM.set_ha_restart_priority', [sid, r, 'restart']);
        await rpc(url, 'VM.start_on', [sid, r, vref, false, false]);
        refs.push(r);
      }
      const t0 = performance.now();
      await pool.kill(victim.i);
      for (let i = 0; i < 300; i++) {
        const recs = await Promise.all(refs.map((r) => rpc(url, 'VM.get_record', [sid, r])));
        if (recs.every((x) => x.power_state === 'Running' && x.resident_on !== vref)) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      ha.push(performance.now() - t0);
      await pool.startMember(victim.i);
      for (const r of refs) await rpc(url, 'VM.hard_shutdown', [sid, r]).catch(() => undefined);
    }
    figures.member_kill_to_ha_running_ms = { trials: HA_TRIALS, ttl_s: TTL, p50: Math.round(pct(ha, 50)), max: Math.round(Math.max(...ha)) };
    say(`member kill -9 -> its 3 HA VMs running elsewhere (TTL ${TTL} s, ${HA_TRIALS} trials): p50 ${Math.round(pct(ha, 50))} ms, max ${Math.round(Math.max(...ha))} ms`);
  } finally {
    pool?.stop();
    one?.stop();
    etcd.stop();
    single.stop();
  }
  if (json) console.log(JSON.stringify(figures));
}

await main();
