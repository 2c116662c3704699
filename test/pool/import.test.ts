import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtcdCluster, skipReason } from './etcd.js';
import { PoolProcs, rpc } from './harness.js';
import { LIMITS } from '../../src/input.js';

/**
 * `xk serve --pool ... --import DIR` on every member, with the same directory: each xl.cfg file
 * becomes one halted pool VM in the whole pool (its VM record and its import key in one etcd
 * transaction), whichever members import it and however often they restart; a file that changed
 * is a new file; a file refused (here a syntax error) makes nothing and is tried again next start.
 */
const skip = skipReason();
const EX = new URL('../../examples/', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'xk-pool-import-'));
let etcd: EtcdCluster;
let pool: PoolProcs;

before(async () => {
  if (skip) return;
  copyFileSync(join(EX, 'pv.cfg'), join(dir, 'pv.cfg'));
  copyFileSync(join(EX, 'pvh.cfg'), join(dir, 'pvh.cfg'));
  writeFileSync(join(dir, 'broken.cfg'), 'name = "broken\n');
  // over the xl.cfg size limit (src/input.ts LIMITS.xlcfgBytes): refused without being read whole
  writeFileSync(join(dir, 'huge.cfg'), `name = "huge"\n#${'x'.repeat(LIMITS.xlcfgBytes)}\n`);
  etcd = await EtcdCluster.start(1);
  // both members import the same directory (started together: they race for each file)
  pool = await PoolProcs.start(etcd, ['4.20', '4.20'], { args: ['--import', dir], together: true });
});
after(() => {
  pool?.stop();
  etcd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function guestNames(): Promise<string[]> {
  const c = await pool.waitCoordinator(10000);
  const sid = (c as unknown as { sid: string }).sid;
  const vms = (await rpc(c.url, 'VM.get_all_records', [sid])) as Record<string, { name_label: string; is_control_domain: boolean; power_state: string }>;
  const guests = Object.values(vms).filter((v) => !v.is_control_domain);
  for (const v of guests) assert.equal(v.power_state, 'Halted', v.name_label);
  return guests.map((v) => v.name_label).sort();
}

/** The member's log says its import is done (it runs after joining); bounded. */
async function importsDone(i: number): Promise<void> {
  const until = Date.now() + 20000;
  while (!pool.members[i]!.log.some((l) => l.includes('import done'))) {
    if (Date.now() > until) throw new Error(`member ${i}: no "import done" within 20 s: ${pool.members[i]!.log.slice(-5).join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('every member imports the same directory: each file one VM in the pool, a refused file none', { skip, timeout: 90000 }, async () => {
  await Promise.all([0, 1].map((i) => importsDone(i)));
  assert.deepEqual(await guestNames(), ['db-pvh', 'web-pv']);
  const logs = pool.members.map((m) => m.log.join('\n')).join('\n');
  assert.match(logs, /broken\.cfg.*not imported/);
  assert.match(logs, /huge\.cfg.*not imported/);
});

test('a member restarted imports nothing again; a file changed since is imported as a new VM', { skip, timeout: 90000 }, async () => {
  appendFileSync(join(dir, 'pvh.cfg'), 'memory = 1024\n');
  await pool.kill(1, 'SIGTERM');
  pool.members[1]!.log.length = 0;
  await pool.startMember(1);
  await importsDone(1);
  assert.deepEqual(await guestNames(), ['db-pvh', 'db-pvh', 'web-pv']);
});
