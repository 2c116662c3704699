/**
 * `npm run bench:serve` (add `-- --json`): the XenAPI service's figures, ratios in one run, loopback only.
 * - session.get_this_host p50/p99 (autocannon, bounded count) against a bare node:http server answering
 *   the same JSON-RPC reply
 * - VM.get_all_records with 1,000 VMs
 * - VM.start + VM.hard_shutdown cycles per second on the sim
 * - the delay from a change to 100 waiting event.from callers (p50/p99)
 * It measures the built package (dist/); the script builds first.
 */
import { createServer } from 'node:http';
import autocannon from 'autocannon';
import { openToolstack } from '../dist/toolstack/open.js';
import { Service } from '../dist/service/service.js';
import { buildServer } from '../dist/service/server.js';
import { serviceLogger } from '../dist/service/log.js';
import { createFromXlcfg } from '../dist/service/classes/vm.js';
import { pct, rpc } from './jsonrpc.js';

const json = process.argv.includes('--json');
const figures: Record<string, unknown> = {};
const say = (s: string) => !json && console.log(s);
const PW = 'bench-password';
const ROUNDS = 5;
const PER_ROUND = 10000;

async function cannon(url: string, body: string, amount: number) {
  const r = await autocannon({ url, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections: 10, amount, timeout: 10, workers: 1 });
  return { p50: r.latency.p50, p99: r.latency.p99, rps: r.requests.average, errors: r.errors + r.non2xx };
}

const svc = new Service({ toolstack: await openToolstack({ backend: 'sim' }), store: ':memory:', adminPassword: PW });
await svc.start();
// Logging as `xk serve` logs (one line per call), into /dev/null.
const app = buildServer(svc, { logger: serviceLogger('/dev/null') });
await app.listen({ host: '127.0.0.1', port: 0 });
const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
const sid = await rpc(url, 'session.login_with_password', ['root', PW]);

// 1. A cheap call against a bare node:http server giving the same bytes. The load generator runs in a
// worker thread (its own event loop, not the servers'); the two servers are measured in alternating
// rounds and the medians compared, so a burst of load from elsewhere on the machine hits both.
const body = JSON.stringify({ jsonrpc: '2.0', method: 'session.get_this_host', params: [sid, sid], id: 1 });
const reply = Buffer.from(JSON.stringify({ jsonrpc: '2.0', result: svc.hostRef, id: 1 }));
const bare = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(reply));
});
await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
const bareUrl = `http://127.0.0.1:${(bare.address() as { port: number }).port}/jsonrpc`;
await cannon(bareUrl, body, 2000);
await cannon(`${url}/jsonrpc`, body, 2000);
const rounds: { xk: Awaited<ReturnType<typeof cannon>>; bare: Awaited<ReturnType<typeof cannon>> }[] = [];
for (let i = 0; i < ROUNDS; i++) rounds.push({ bare: await cannon(bareUrl, body, PER_ROUND), xk: await cannon(`${url}/jsonrpc`, body, PER_ROUND) });
const med = (side: 'xk' | 'bare', k: 'p50' | 'p99' | 'rps') => pct(rounds.map((r) => r[side][k]), 50);
const side = (s: 'xk' | 'bare') => ({ p50: med(s, 'p50'), p99: med(s, 'p99'), rps: Math.round(med(s, 'rps')), errors: rounds.reduce((n, r) => n + r[s].errors, 0) });
const x = side('xk');
const b = side('bare');
const ratio = (a: number, c: number) => +(a / Math.max(c, 1)).toFixed(2);
figures.get_this_host = { xk: x, bare: b, rounds: ROUNDS, per_round: PER_ROUND, p99_ratio: ratio(x.p99, b.p99), p50_ratio: ratio(x.p50, b.p50), rps_ratio: +(b.rps / x.rps).toFixed(2) };
say(`session.get_this_host (${ROUNDS} rounds of ${PER_ROUND}, medians): p50 ${x.p50} ms, p99 ${x.p99} ms, ${x.rps}/s; bare node:http p50 ${b.p50} ms, p99 ${b.p99} ms, ${b.rps}/s; p99 ratio ${ratio(x.p99, b.p99)}, p50 ratio ${ratio(x.p50, b.p50)} (autocannon's latencies are whole ms; a ratio to a 0 ms p50 is taken against 1 ms)`);
bare.close();

// 2. get_all_records with 1,000 VMs.
for (let i = 0; i < 1000; i++) await createFromXlcfg(svc, `name = "bench-${i}"\ntype = "pvh"\nkernel = "/boot/vmlinuz"\nmemory = 16\n`, `bench-${i}`);
const times: number[] = [];
for (let i = 0; i < 10; i++) {
  const t0 = performance.now();
  const all = await rpc(url, 'VM.get_all_records', [sid]);
  times.push(performance.now() - t0);
  if (Object.keys(all).length !== 1001) throw new Error('expected 1,001 VMs');
}
figures.get_all_records_1000 = { p50_ms: +pct(times, 50).toFixed(1), max_ms: +Math.max(...times).toFixed(1) };
say(`VM.get_all_records, 1,000 VMs + dom0: p50 ${pct(times, 50).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms`);

// 3. start + hard_shutdown cycles per second.
const refs = (await rpc(url, 'VM.get_by_name_label', [sid, 'bench-0'])) as string[];
let n = 0;
const t0 = performance.now();
while (performance.now() - t0 < 5000 && n < 2000) {
  await rpc(url, 'VM.start', [sid, refs[0], false, false]);
  await rpc(url, 'VM.hard_shutdown', [sid, refs[0]]);
  n++;
}
const cps = n / ((performance.now() - t0) / 1000);
figures.start_hard_shutdown_per_s = +cps.toFixed(1);
say(`VM.start + VM.hard_shutdown: ${cps.toFixed(1)} cycles/s (1,000 VMs recorded)`);

// 4. event.from fan-out: 100 waiters, one change, delay to each.
const token = await rpc(url, 'event.inject', [sid, 'pool', (await rpc(url, 'pool.get_all', [sid]))[0]]);
const delays: number[] = [];
let changedAt = 0;
const waiters = Array.from({ length: 100 }, () => rpc(url, 'event.from', [sid, ['vm'], token, 30.0]).then(() => delays.push(performance.now() - changedAt)));
await new Promise((r) => setTimeout(r, 500));
changedAt = performance.now();
await rpc(url, 'VM.set_name_description', [sid, refs[0], 'changed']);
await Promise.all(waiters);
figures.event_fanout_100 = { p50_ms: +pct(delays, 50).toFixed(1), p99_ms: +pct(delays, 99).toFixed(1) };
say(`event.from fan-out to 100 waiters: p50 ${pct(delays, 50).toFixed(1)} ms, p99 ${pct(delays, 99).toFixed(1)} ms`);

await app.close();
svc.close();
if (json) console.log(JSON.stringify(figures));
