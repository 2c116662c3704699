import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { spawnServe } from './harness.js';

/** kill -9 of `xk serve` under a create/start/stop load, XENKIT_KILL_N times (20 for the figure). */
const N = Number(process.env.XENKIT_KILL_N ?? 4);
const PW = 'kill-test-password';

const serve = (state: string) => spawnServe(state, PW);

async function rpc(url: string, method: string, params: unknown[]): Promise<any> {
  const r = await fetch(`${url}/jsonrpc`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', method, params, id: 1 }) });
  const j = (await r.json()) as { result?: unknown; error?: { message: string } };
  if (j.error) throw Object.assign(new Error(j.error.message), { code: j.error.message });
  return j.result;
}

test(`kill -9 under load, ${N} times: every acknowledged change is there after restart, no half-written record`, { timeout: 60000 + N * 30000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'xk-kill-'));
  const state = join(dir, 'sim.db');
  /** What the service acknowledged: VM ref -> power state after its last acknowledged op, and whether an op was in flight after it. */
  const acked = new Map<string, { power: string; inflight: boolean }>();
  try {
    for (let round = 0; round <= N; round++) {
      const { child, url, exited } = await serve(state);
      const sid = await rpc(url, 'session.login_with_password', ['root', PW]);
      // Check what the previous round acknowledged.
      const recs = (await rpc(url, 'VM.get_all_records', [sid])) as Record<string, { power_state: string; name_label: string }>;
      for (const [ref, a] of acked) {
        assert.ok(recs[ref], `round ${round}: acknowledged VM ${ref} is there`);
        if (!a.inflight) assert.equal(recs[ref]!.power_state, a.power, `round ${round}: ${recs[ref]!.name_label} as acknowledged`);
        else a.power = recs[ref]!.power_state;
        a.inflight = false;
      }
      if (round === N) {
        // The last start only checks the last kill's acknowledged changes.
        child.kill('SIGTERM');
        await exited;
        break;
      }
      let stop = false;
      const killAt = 300 + Math.floor(Math.random() * 700);
      const killer = new Promise<void>((r) => setTimeout(() => { stop = true; child.kill('SIGKILL'); r(); }, killAt));
      const load = (async () => {
        for (let i = 0; !stop; i++) {
          let ref: string | undefined;
          try {
            ref = await rpc(url, 'xenkit.VM.create_from_xlcfg', [sid, `name = "r${round}-${i}"\ntype = "pvh"\nkernel = "/boot/vmlinuz"\nmemory = 16\n`]);
            acked.set(ref!, { power: 'Halted', inflight: false });
            for (const [op, power] of [['VM.start', 'Running'], ['VM.hard_shutdown', 'Halted'], ['VM.start', 'Running']] as const) {
              acked.get(ref!)!.inflight = true;
              await rpc(url, op, op === 'VM.start' ? [sid, ref, false, false] : [sid, ref]);
              acked.set(ref!, { power, inflight: false });
            }
          } catch {
            return; // the kill: the call in flight is unacknowledged
          }
        }
      })();
      await Promise.all([killer, load]);
      await exited;
    }
    const db = new Database(join(dir, 'sim.xapi.db'), { readonly: true });
    assert.equal((db.pragma('integrity_check') as { integrity_check: string }[])[0]!.integrity_check, 'ok');
    db.close();
    assert.ok(acked.size > 0, 'the load made acknowledged changes');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
