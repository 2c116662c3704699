import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SimXen } from '../../src/sim/sim.js';
import { replayLine } from '../../src/replay/replay.js';
import { toolstackOver } from '../../src/toolstack/open.js';
import { loadSpec } from '../../src/toolstack/load.js';
import { handleShutdown, handleShutdownAsync } from '../../src/toolstack/on-shutdown.js';
import { parseDomainRef } from '../../src/toolstack/toolstack.js';
import type { DeathEvent } from '../../src/toolstack/toolstack.js';
import type { Hypervisor } from '../../src/hv/hypervisor.js';

const EX = resolve(import.meta.dirname, '../../examples');
const SRC = resolve(import.meta.dirname, '../../src');
const spec = (f: string, over: string[] = []) => loadSpec(join(EX, f), over).spec;

test('names belong to the toolstack: dropped with the domain (however it died), Domain-0 reserved', async () => {
  const sim = new SimXen({ release: '4.17' });
  const ts = toolstackOver(sim);
  const a = await ts.create(spec('pv.cfg'));
  // Destroyed under the toolstack's feet, through the raw Hypervisor: the name must not linger.
  sim.destroyDomain(a.domid);
  const b = await ts.create(spec('pv.cfg'));
  assert.equal(b.name, 'web-pv');
  assert.notEqual(b.domid, a.domid);
  await assert.rejects(ts.create(spec('pv.cfg')), (e: Error & { code?: string }) => e.code === 'NAME_IN_USE');
  await assert.rejects(ts.create(spec('pv.cfg', ['name="Domain-0"'])), (e: Error & { code?: string; field?: string }) => e.code === 'NAME_IN_USE' && e.field === 'name');
  assert.equal((await ts.get('Domain-0')).domid, 0);
});

test('all digits is a domain id, as xl reads it (libxl_domain_qualifier_to_domid())', async () => {
  assert.deepEqual(parseDomainRef('12'), { domid: 12 });
  assert.deepEqual(parseDomainRef('web12'), { name: 'web12' });
  const sim = new SimXen({ release: '4.17' });
  const ts = toolstackOver(sim);
  const named12 = await ts.create(spec('pv.cfg', ['name="12"']));
  assert.match(named12.warnings.join(), /all digits/);
  for (let i = 0; i < 11; i++) await ts.create(spec('pv.cfg', [`name="g${i}"`]));
  assert.equal((await ts.get('12')).name, 'g10');
  await ts.destroy('12');
  assert.equal((await ts.get(named12.domid)).name, '12', 'the domain named "12" is still there');
  await assert.rejects(ts.get('12'), (e: Error & { code?: string }) => e.code === 'NO_DOMAIN');
});

test('the build follows libxl: max memory is target + LIBXL_MAXMEM_CONSTANT (libxl__build_pre() @RELEASE-4.17.0)', async () => {
  const sim = new SimXen({ release: '4.17' });
  const c = await toolstackOver(sim).create(spec('pv.cfg', ['memory=256', 'maxmem=1024']));
  const i = sim.getDomainInfo(c.domid);
  assert.equal(i.max_pages, (256 * 1024 + 1024) / 4);
  assert.equal(i.tot_pages, (256 * 1024) / 4);
});

test('watch on the sim: a shutdown the guest makes (raw SCHEDOP) is handled at once by the domain event', async () => {
  const sim = new SimXen({ release: '4.17' });
  const ts = toolstackOver(sim);
  const c = await ts.create(spec('hvm.cfg')); // on_crash = "restart", on_poweroff default destroy
  const events: DeathEvent[] = [];
  const done = ts.watch(c.domid, (e) => events.push(e), { pollMs: 60_000 });
  await new Promise((r) => setImmediate(r));
  sim.shutdown(c.domid, 'crash');
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(events.length, 1);
  assert.equal(events[0]!.action, 'restart');
  const next = events[0]!.newDomid!;
  assert.equal((await ts.get('win-hvm')).domid, next);
  sim.shutdown(next, 'poweroff');
  await done;
  assert.deepEqual(events.map((e) => [e.reason, e.action]), [['crash', 'restart'], ['poweroff', 'destroy']]);
  await assert.rejects(ts.get('win-hvm'));
});

test('watch: the restart limit destroys instead of restarting forever', async () => {
  const sim = new SimXen({ release: '4.17' });
  const ts = toolstackOver(sim);
  const c = await ts.create(spec('hvm.cfg'));
  const events: DeathEvent[] = [];
  let cur = c.domid;
  const done = ts.watch(c.domid, (e) => {
    events.push(e);
    if (e.newDomid !== undefined) cur = e.newDomid;
  }, { pollMs: 5, maxRestarts: 2 });
  for (let i = 0; i < 3; i++) {
    sim.shutdown(cur, 'crash');
    await new Promise((r) => setTimeout(r, 15));
  }
  await done;
  assert.deepEqual(events.map((e) => [e.action, !!e.limit]), [['restart', false], ['restart', false], ['destroy', true]]);
});

test('one on_* handler: preserve, destroy, restart, rename-restart, suspend', () => {
  const s = { ...spec('pv.cfg'), onPoweroff: 'preserve', onCrash: 'rename-restart' } as ReturnType<typeof spec>;
  const log: string[] = [];
  const ops = { destroy: (d: number) => log.push(`destroy ${d}`), rebuild: () => (log.push('rebuild'), 9), preserve: (d: number, n: string) => log.push(`preserve ${d} ${n.replace(/\d{8}T\d{4}Z/, 'STAMP')}`) };
  assert.equal(handleShutdown(s, 3, 'poweroff', ops).action, 'preserve');
  assert.equal(handleShutdown(s, 3, 'suspend', ops).action, 'preserve');
  assert.equal(handleShutdown(s, 3, 'reboot', ops).newDomid, 9);
  assert.equal(handleShutdown(s, 4, 'crash', ops).preservedAs?.startsWith('web-pv-'), true);
  assert.deepEqual(log, ['destroy 3', 'rebuild', 'preserve 4 web-pv-STAMP', 'rebuild']);
});

test('the same handler through an asynchronous builder (libxl): the same events, the steps awaited in order', async () => {
  const s = { ...spec('pv.cfg'), onPoweroff: 'preserve', onCrash: 'rename-restart', onWatchdog: 'restart' } as ReturnType<typeof spec>;
  const log: string[] = [];
  const later = <T,>(v: T, what: string) => new Promise<T>((r) => setTimeout(() => (log.push(what), r(v)), 5));
  const ops = { destroy: (d: number) => later(undefined, `destroy ${d}`), rebuild: () => later(9, 'rebuild'), preserve: (d: number, n: string) => later(undefined, `preserve ${d} ${n.replace(/\d{8}T\d{4}Z/, 'STAMP')}`) };
  assert.equal((await handleShutdownAsync(s, 3, 'poweroff', ops)).action, 'preserve');
  assert.equal((await handleShutdownAsync(s, 3, 'reboot', ops)).newDomid, 9);
  assert.equal((await handleShutdownAsync(s, 4, 'crash', ops)).preservedAs?.startsWith('web-pv-'), true);
  assert.deepEqual(await handleShutdownAsync(s, 5, 'watchdog', ops, false), { domid: 5, name: 'web-pv', reason: 'watchdog', action: 'destroy', limit: true });
  assert.deepEqual(log, ['destroy 3', 'rebuild', 'preserve 4 web-pv-STAMP', 'rebuild', 'destroy 5']);
});

test('an operation a backend lacks is one clear error naming the backend', () => {
  const sim = new SimXen({ release: '4.17' });
  const bare: Hypervisor = Object.assign(Object.create(sim) as SimXen, { backend: 'fake', extras: {} });
  const r = replayLine(bare, '4.17', '{"op":"inject","target":"createdomain","errno":"ENOMEM"}', 1)!;
  assert.equal(r.error, 'NOT_ON_BACKEND');
  assert.match(String(r.message), /fake backend cannot do this \(it has no inject operation\)/);
});

test('code asks what a backend can do, never which it is: no instanceof or backend-name test outside the registry', () => {
  const offenders: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts') && !p.endsWith('backend/registry.ts')) {
        readFileSync(p, 'utf8').split('\n').forEach((l, i) => {
          if (/instanceof\s+(SimXen|XenBackend)|backend\s*[!=]==\s*['"]|['"](sim|xen)['"]\s*[!=]==\s*\w*backend/i.test(l)) offenders.push(`${p.slice(SRC.length + 1)}:${i + 1}: ${l.trim()}`);
        });
      }
    }
  };
  walk(SRC);
  assert.deepEqual(offenders, []);
});
