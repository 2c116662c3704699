import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { openToolstack } from '../../src/toolstack/open.js';
import { Service } from '../../src/service/service.js';
import { buildServer } from '../../src/service/server.js';
import { createFromXlcfg } from '../../src/service/classes/vm.js';
import { serviceStorePath } from '../../src/service/paths.js';
import { rpc as call } from './harness.js';

const MAIN = resolve(import.meta.dirname, '../../src/cli/main.ts');
const EXAMPLES = resolve(import.meta.dirname, '../../examples');
const PW = 'outside-test-password';
const run = promisify(execFile);

/** `xk --state S ...` as a user runs it, in its own process. */
const xk = (state: string, ...args: string[]) => run(process.execPath, ['--import', 'tsx', MAIN, '--state', state, ...args], { timeout: 60000 });

interface Ev { class: string; operation: string; ref: string; snapshot?: Record<string, any> }

async function rpc(url: string, method: string, params: unknown[]): Promise<any> {
  const r = await call(url, method, params);
  if (r.body.error) throw Object.assign(new Error(r.body.error.message), { code: r.body.error.message, data: r.body.error.data });
  return r.body.result;
}

/** event.from until an event matches (each call honours its timeout; the whole wait is bounded). */
async function waitEvent(url: string, sid: string, token: string, match: (e: Ev) => boolean, ms = 15000): Promise<{ ev: Ev; token: string; seen: Ev[] }> {
  const end = Date.now() + ms;
  const seen: Ev[] = [];
  while (Date.now() < end) {
    const r = await rpc(url, 'event.from', [sid, ['vm'], token, 2.0]);
    token = r.token;
    seen.push(...(r.events as Ev[]));
    const ev = (r.events as Ev[]).find(match);
    if (ev) return { ev, token, seen };
  }
  assert.fail(`no matching VM event within ${ms} ms; saw ${JSON.stringify(seen.map((e) => [e.operation, e.snapshot?.name_label, e.snapshot?.power_state]))}`);
}

// A web console and XO keep their view through event.from; a domain that `xk` builds, pauses or
// destroys on the same state file must reach them without a restart of the service.
test('changes made by the xk CLI on the same state file arrive as VM events in event.from, without a restart', { timeout: 180000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'xk-outside-'));
  const state = join(dir, 'sim.db');
  await xk(state, 'sim', 'init');
  const svc = new Service({ toolstack: await openToolstack({ backend: 'sim', state }), store: serviceStorePath(state), adminPassword: PW, domainPollMs: 100 });
  await svc.start();
  const app = buildServer(svc);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  try {
    const mine = await createFromXlcfg(svc, readFileSync(join(EXAMPLES, 'pv.cfg'), 'utf8'), 'pv.cfg');
    const sid = await rpc(url, 'session.login_with_password', ['root', PW]);
    let token = (await rpc(url, 'event.from', [sid, ['vm'], '', 0.0])).token as string;

    // 1. Built by the CLI: a new, read-only VM.
    await xk(state, 'create', join(EXAMPLES, 'pvh.cfg'));
    const added = await waitEvent(url, sid, token, (e) => e.operation === 'add' && e.snapshot?.name_label === 'db-pvh');
    token = added.token;
    const ref = added.ev.ref;
    assert.equal(added.ev.class, 'vm');
    assert.equal(added.ev.snapshot!.power_state, 'Running');
    assert.equal(added.ev.snapshot!.is_control_domain, false);
    assert.equal(added.ev.snapshot!.other_config.xenkit_foreign, 'true');
    assert.ok(Object.keys(await rpc(url, 'VM.get_all_records', [sid])).includes(ref), 'get_all_records shows it too');
    await assert.rejects(rpc(url, 'VM.hard_shutdown', [sid, ref]), (e: any) => e.code === 'OPERATION_NOT_ALLOWED', 'do no harm: a domain the service did not build is not driven through it');

    // 2. Paused by the CLI.
    await xk(state, 'pause', 'db-pvh');
    const paused = await waitEvent(url, sid, token, (e) => e.ref === ref && e.operation === 'mod');
    token = paused.token;
    assert.equal(paused.ev.snapshot!.power_state, 'Paused');

    // 3. Destroyed by the CLI.
    await xk(state, 'destroy', 'db-pvh');
    const gone = await waitEvent(url, sid, token, (e) => e.ref === ref && e.operation === 'del');
    token = gone.token;

    // 4. The service's own VM, started through XenAPI (one event, not two), then destroyed behind its back.
    await rpc(url, 'VM.start', [sid, mine, false, false]);
    const started = await waitEvent(url, sid, token, (e) => e.ref === mine && e.snapshot?.power_state === 'Running');
    await new Promise((r) => setTimeout(r, 600)); // several polls
    const after = await rpc(url, 'event.from', [sid, ['vm'], started.token, 0.0]);
    assert.deepEqual((after.events as Ev[]).filter((e) => e.ref === mine), [], 'the service\'s own change is not announced again by the poll');
    token = after.token;
    const domid = await rpc(url, 'VM.get_domid', [sid, mine]);
    await xk(state, 'destroy', String(domid));
    const halted = await waitEvent(url, sid, token, (e) => e.ref === mine && e.operation === 'mod');
    assert.equal(halted.ev.snapshot!.power_state, 'Halted');
    assert.equal(await rpc(url, 'VM.get_power_state', [sid, mine]), 'Halted');
  } finally {
    await app.close();
    svc.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
