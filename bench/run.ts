/**
 * `npm run bench` (add `-- --json` for one JSON object): figures, not pass/fail.
 * - sim create+destroy cycles per second, in-process (raw Hypervisor calls, and through domainCreate())
 * - the nearest peer in the same run: libvirt's test driver via Debian's python3-libvirt, if installed
 * - time and memory to fill every usable domid (1 .. 0x7FEF live at once)
 * - checkCreate() verdicts per second
 * - cold start of `xk list` and `xk --help` (the installed bin, and the tsc modules) against `node -e 0`,
 *   and beside them node with better-sqlite3 only opening and reading the state file (bench/sqlite-open.cjs)
 * - `xk list` on a state file holding 20,000 guests against one holding an empty host
 * - the XenAPI service (bench/serve.ts): get_this_host against bare node:http, get_all_records, cycles, event fan-out
 * It measures the built package (dist/), what users run; `npm run bench` builds first. `-- --cli`: the
 * command line's figures only.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SimXen } from '../dist/sim/sim.js';
import { makeStateFile } from './state-fixture.js';
import { domainCreate } from '../dist/xc/domain-create.js';
import { checkCreate } from '../dist/xc/check.js';
import { DOMID_FIRST_RESERVED } from '../dist/xen/domid.js';
import type { CreateDomainArgs } from '../dist/hv/hypervisor.js';

const json = process.argv.includes('--json');
/** `npm run bench -- --cli`: only the command line's figures (cold start, `xk list` on 20,000 domains). */
const cliOnly = process.argv.includes('--cli');
/** The installed `xk`: package.json's bin (the bundle scripts/build-cli.mjs makes). */
const BIN = resolve(import.meta.dirname, '..', (JSON.parse(readFileSync(resolve(import.meta.dirname, '../package.json'), 'utf8')) as { bin: { xk: string } }).bin.xk);
const figures: Record<string, unknown> = {};
const say = (s: string) => !json && console.log(s);

function rate(label: string, seconds: number, fn: () => void): number {
  for (let i = 0; i < 10_000; i++) fn(); // warm up
  let n = 0;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 1000; i++) fn();
    n += 1000;
  }
  const r = n / ((performance.now() - t0) / 1000);
  say(`${label.padEnd(52)} ${Math.round(r).toLocaleString('en-US').padStart(12)} /s`);
  return r;
}

say(`xenkit bench — node ${process.version}, ${new Date().toISOString()}`);

// 1. sim create+destroy, raw hypercalls (what a toolstack's test suite drives).
if (!cliOnly) {
  const hv = new SimXen({ release: '4.22' });
  const args: CreateDomainArgs = { domid: 0x7ff5, ssidref: 0, handle: new Uint8Array(16), flags: 3, max_vcpus: 1, max_evtchn_port: 1023, max_grant_frames: 64, max_maptrack_frames: 1024, grant_opts: 2, arch: { emulation_flags: 0x3ff } };
  figures.sim_create_destroy_per_s = rate('sim: createdomain+destroydomain (raw, 4.22 HVM)', 2, () => hv.destroyDomain(hv.createDomain(args)));
  const hv2 = new SimXen({ release: '4.22' });
  figures.domaincreate_destroy_per_s = rate('sim: domainCreate(hv)+destroy (defaults, checks)', 2, () => hv2.destroyDomain(domainCreate(hv2, { type: 'hvm', handle: '00000000000000000000000000000001' }).domid));
}

// 2. The nearest peer, same machine, same run.
if (!cliOnly) {
  const py = '/usr/bin/python3';
  const script = resolve(import.meta.dirname, 'libvirt-test-driver.py');
  const r = existsSync(py) ? spawnSync(py, [script, '2'], { encoding: 'utf8' }) : undefined;
  if (r && r.status === 0) {
    const peer = JSON.parse(r.stdout) as { per_second: number };
    figures.libvirt_test_driver_per_s = peer.per_second;
    figures.ratio_vs_libvirt = (figures.sim_create_destroy_per_s as number) / peer.per_second;
    say(`${'libvirt test:///default createXML+destroy (python3)'.padEnd(52)} ${Math.round(peer.per_second).toLocaleString('en-US').padStart(12)} /s`);
    say(`${'  sim / libvirt test driver'.padEnd(52)} ${(figures.ratio_vs_libvirt as number).toFixed(0).padStart(12)} x`);
  } else {
    figures.libvirt_test_driver_per_s = null;
    say('libvirt test driver: not measured (apt-get install python3-libvirt to compare)');
  }
}

// 3. Fill every usable domid.
if (!cliOnly) {
  (globalThis as { gc?: () => void }).gc?.();
  const before = process.memoryUsage();
  const t0 = performance.now();
  const hv = new SimXen({ release: '4.22', memoryMiB: 1 << 24 });
  const args: CreateDomainArgs = { domid: 0x7ff5, ssidref: 0, handle: new Uint8Array(16), flags: 0, max_vcpus: 1, max_grant_frames: 1, grant_opts: 1, arch: { emulation_flags: 0 } };
  for (let i = 1; i < DOMID_FIRST_RESERVED; i++) hv.createDomain(args);
  const ms = performance.now() - t0;
  const after = process.memoryUsage();
  figures.fill_domids = { domains: hv.domainCount - 1, ms, heap_mb: (after.heapUsed - before.heapUsed) / 2 ** 20, rss_mb: after.rss / 2 ** 20 };
  say(`${'fill domids 1..0x7FEF (32751 live domains)'.padEnd(52)} ${ms.toFixed(1).padStart(10)} ms, heap +${((after.heapUsed - before.heapUsed) / 2 ** 20).toFixed(1)} MB, rss ${(after.rss / 2 ** 20).toFixed(0)} MB`);
}

// 4. checkCreate verdicts.
if (!cliOnly) {
  const cfgs = [{ type: 'hvm' as const, arch: { emulation_flags: 0 } }, { type: 'hvm' as const }, { type: 'pv' as const }];
  let i = 0;
  figures.check_create_per_s = rate('checkCreate(release, config) verdicts', 2, () => void checkCreate('4.17', cfgs[i++ % 3]!));
}

// 5. Cold start of the CLI (whole process) against node -e 0, same run, the commands in turn (so a
// drift of the machine's speed touches each alike): the installed `xk` (package.json's bin, the
// bundle scripts/build-cli.mjs makes) and, beside it, the same CLI as the modules tsc emits.
// Wall time (p50 / min / max) and the child's CPU time (mean, from /proc).
{
  const bin = BIN;
  const modules = resolve(import.meta.dirname, '../dist/cli/main.js');
  if (existsSync(bin) && existsSync(modules)) {
    const dir = mkdtempSync(join(tmpdir(), 'xk-bench-'));
    const host = join(dir, 'host.db');
    makeStateFile(host, 0);
    const none = join(dir, 'none.db');
    const r = inTurn({
      'node -e 0': [['-e', '0'], none],
      'xk list (empty host)': [[bin, 'list'], host],
      'xk list (no state file yet)': [[bin, 'list'], none],
      'xk --help': [[bin, '--help'], none],
      'xk list, tsc modules (empty host)': [[modules, 'list'], host],
      // The floor under `xk list`: node with better-sqlite3 opening and reading the same file, nothing of xk.
      'node + better-sqlite3 reading the file': [[resolve(import.meta.dirname, 'sqlite-open.cjs')], host],
    });
    const base = r['node -e 0']!;
    const ratio = (k: string) => ({ wall: r[k]!.p50 / base.p50, cpu: r[k]!.cpu / base.cpu });
    figures.cold_start_ms = { ...r, ratio_list: ratio('xk list (empty host)'), ratio_list_no_state: ratio('xk list (no state file yet)'), ratio_help: ratio('xk --help'), ratio_list_modules: ratio('xk list, tsc modules (empty host)') };
    for (const [k, x] of Object.entries(r)) say(`${`cold start: ${k}`.padEnd(52)} ${x.p50.toFixed(1)} / ${x.min.toFixed(1)} / ${x.max.toFixed(1)} ms, cpu ${x.cpu.toFixed(0)} ms`);
    say(`${'cold start ratio to node -e 0 (p50 wall / cpu; goal 1.3):'.padEnd(52)}`);
    for (const k of Object.keys(r).slice(1)) say(`${`  ${k}`.padEnd(52)} ${ratio(k).wall.toFixed(2)}x / ${ratio(k).cpu.toFixed(2)}x`);
  } else say('cold start: not measured (npm run build first)');
}

/** Each command run `runs` times, the commands in turn; wall p50/min/max and mean CPU (ms) of each. */
function inTurn(cmds: Record<string, [argv: string[], state: string]>, runs = 15): Record<string, { p50: number; min: number; max: number; cpu: number }> {
  const wall: Record<string, number[]> = {};
  const cpu: Record<string, number> = {};
  for (let k = 0; k < runs; k++)
    for (const [name, [argv, state]] of Object.entries(cmds)) {
      const c0 = childCpuMs();
      const t0 = performance.now();
      spawnSync(process.execPath, argv, { env: { ...process.env, XENKIT_STATE: state }, stdio: 'ignore' });
      (wall[name] ??= []).push(performance.now() - t0);
      cpu[name] = (cpu[name] ?? 0) + childCpuMs() - c0;
    }
  return Object.fromEntries(
    Object.entries(wall).map(([name, xs]) => {
      xs.sort((a, b) => a - b);
      return [name, { p50: xs[xs.length >> 1]!, min: xs[0]!, max: xs[xs.length - 1]!, cpu: cpu[name]! / runs }];
    }),
  );
}

// 6. `xk list` (the installed bin) on 20,000 guests against an empty host: cold runs, output to /dev/null.
// Wall time and the child's CPU time (from /proc: steadier than wall time on a shared machine).
{
  const main = BIN;
  if (existsSync(main)) {
    const dir = mkdtempSync(join(tmpdir(), 'xk-bench-big-'));
    const empty = join(dir, 'empty.db');
    const big = join(dir, 'big.db');
    makeStateFile(empty, 0);
    makeStateFile(big, 20_000);
    const e = timeList(main, empty);
    const b = timeList(main, big);
    figures.list_20000_ms = { empty_host: e, domains_20000: b, diff_min: b.min - e.min, diff_p50: b.p50 - e.p50, diff_cpu: b.cpu - e.cpu };
    const fmt = (x: { min: number; p50: number; cpu: number }) => `${x.min.toFixed(1)} / ${x.p50.toFixed(1)} / ${x.cpu.toFixed(0)} ms`;
    say(`${'xk list, empty host (min / p50 / cpu)'.padEnd(52)} ${fmt(e)}`);
    say(`${'xk list, 20,000 domains (min / p50 / cpu)'.padEnd(52)} ${fmt(b)}`);
    say(`${'  difference (goal: under 20 ms)'.padEnd(52)} ${fmt({ min: b.min - e.min, p50: b.p50 - e.p50, cpu: b.cpu - e.cpu })}`);
  } else say('xk list on 20,000 domains: not measured (npm run build first)');
}

/** Children's CPU time so far, in ms (/proc/self/stat cutime + cstime, clock ticks of 10 ms); NaN off Linux. */
function childCpuMs(): number {
  try {
    const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[13]) + Number(f[14])) * 10;
  } catch {
    return NaN;
  }
}

function timeList(main: string, state: string, runs = 9): { min: number; p50: number; cpu: number } {
  const xs: number[] = [];
  const cpu0 = childCpuMs();
  for (let k = 0; k < runs; k++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [main, 'list'], { env: { ...process.env, XENKIT_STATE: state }, stdio: ['ignore', 'ignore', 'pipe'] });
    xs.push(performance.now() - t0);
    if (r.status !== 0) throw new Error(`xk list on ${state} exited ${r.status}: ${r.stderr}`);
  }
  xs.sort((a, b) => a - b);
  return { min: xs[0]!, p50: xs[runs >> 1]!, cpu: (childCpuMs() - cpu0) / runs };
}

// 7. The XenAPI service (bench/serve.ts, `npm run bench:serve`), in its own process so its servers and
// load generator share nothing with the figures above; bounded at 5 minutes.
if (!cliOnly) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', resolve(import.meta.dirname, 'serve.ts'), '--json'], { encoding: 'utf8', timeout: 300_000 });
  const last = r.status === 0 ? r.stdout.trim().split('\n').pop() : undefined;
  if (last) {
    const f = JSON.parse(last) as ServeFigures;
    figures.serve = f;
    const g = f.get_this_host;
    say(`${'serve: session.get_this_host p50 / p99 (ms)'.padEnd(52)} ${g.xk.p50} / ${g.xk.p99}, bare node:http ${g.bare.p50} / ${g.bare.p99}`);
    say(`${'  ratio to bare node:http p50 / p99 (goal p99 1.5)'.padEnd(52)} ${g.p50_ratio}x / ${g.p99_ratio}x`);
    say(`${'serve: VM.get_all_records, 1,000 VMs (p50)'.padEnd(52)} ${f.get_all_records_1000.p50_ms} ms`);
    say(`${'serve: VM.start + VM.hard_shutdown'.padEnd(52)} ${f.start_hard_shutdown_per_s} cycles/s`);
    say(`${'serve: event.from fan-out to 100 waiters p50 / p99'.padEnd(52)} ${f.event_fanout_100.p50_ms} / ${f.event_fanout_100.p99_ms} ms`);
  } else {
    figures.serve = null;
    say(`serve: not measured (bench/serve.ts exited ${r.status ?? r.signal}: ${String(r.stderr).trim().split('\n').slice(-3).join(' | ')})`);
  }
}

interface ServeFigures {
  get_this_host: { xk: { p50: number; p99: number }; bare: { p50: number; p99: number }; p50_ratio: number; p99_ratio: number };
  get_all_records_1000: { p50_ms: number };
  start_hard_shutdown_per_s: number;
  event_fanout_100: { p50_ms: number; p99_ms: number };
}

if (json) console.log(JSON.stringify(figures));
