import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { EtcdCluster, skipReason } from './etcd.js';
import { MAIN, PoolProcs, rpc } from './harness.js';

/**
 * Users and roles are the pool's (in etcd, `xk user ... --pool`): a user made through one member's
 * host logs in on whichever member coordinates, keeps its role (XAPI's RBAC: read-only reads, and
 * a change is RBAC_PERMISSION_DENIED), and a password change or removal reaches every member.
 */
const skip = skipReason();
const PV = readFileSync(new URL('../../examples/pv.cfg', import.meta.url), 'utf8');
let etcd: EtcdCluster;
let pool: PoolProcs;

before(async () => {
  if (skip) return;
  etcd = await EtcdCluster.start(1);
  pool = await PoolProcs.start(etcd, ['4.20', '4.20']);
  await pool.waitCoordinator(10000);
});
after(() => {
  pool?.stop();
  etcd?.stop();
});

/** `xk user ...` run on member i's host (its state file), against the pool's etcd. */
function xkUser(i: number, args: string[], password?: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', MAIN, '--state', pool.members[i]!.state, 'user', ...args, '--pool', etcd.url, '--pool-name', 'test'], { input: password ?? '', encoding: 'utf8', timeout: 30000 });
}
const login = (url: string, user: string, pw: string) => rpc(url, 'session.login_with_password', [user, pw]);
const code = (c: string) => (e: any) => e?.code === c;
async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 10000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) assert.fail(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('a user made on one member logs in on another, with its role; passwd and remove reach every member', { skip, timeout: 90000 }, async () => {
  const c = await pool.waitCoordinator(10000);
  const other = pool.members.find((m) => m.i !== c.i)!;
  // made through the supporter's host, logged in on the coordinator
  let r = xkUser(other.i, ['add', 'alice', '--role', 'read-only'], 'alice-password-1\n');
  assert.equal(r.status, 0, r.stderr);
  r = xkUser(c.i, ['add', 'alice', '--role', 'pool-admin'], 'other-password\n');
  assert.notEqual(r.status, 0, 'a second alice is refused');
  assert.match(r.stderr, /DUPLICATE_SUBJECT/);
  r = xkUser(c.i, ['list', '--json']);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual((JSON.parse(r.stdout) as { name: string; role: string }[]).find((u) => u.name === 'alice'), { name: 'alice', role: 'read-only' }, 'listed from the coordinator\'s host with its role');

  const sid = await until('alice logs in on the coordinator', () => login(c.url, 'alice', 'alice-password-1'));
  assert.ok((await rpc(c.url, 'VM.get_all', [sid])).length >= 2, 'read-only reads (the members\' control domains)');
  await assert.rejects(rpc(c.url, 'xenkit.VM.create_from_xlcfg', [sid, PV]), code('RBAC_PERMISSION_DENIED'), 'read-only makes no VM');
  assert.ok(Array.isArray(await rpc(other.url, 'VM.get_all', [sid])), 'her session reads on the supporter too');

  // the other member coordinates: alice logs in there (the pool's user, not the first coordinator's)
  await pool.kill(c.i);
  const c2 = await pool.waitCoordinator(20000, other.i);
  const sid2 = await until('alice logs in on the new coordinator', () => login(c2.url, 'alice', 'alice-password-1'));
  await pool.startMember(c.i);

  r = xkUser(c.i, ['passwd', 'alice'], 'alice-password-2\n');
  assert.equal(r.status, 0, r.stderr);
  await until('the old password refused', async () => (await login(c2.url, 'alice', 'alice-password-1').then(() => undefined, (e) => (code('SESSION_AUTHENTICATION_FAILED')(e) ? true : undefined))));
  await login(c2.url, 'alice', 'alice-password-2');

  // removed while a member is away: it does not bring her back when it rejoins
  await pool.kill(c.i);
  r = xkUser(other.i, ['remove', 'alice']);
  assert.equal(r.status, 0, r.stderr);
  await pool.startMember(c.i);
  assert.ok(!(JSON.parse(xkUser(other.i, ['list', '--json']).stdout) as { name: string }[]).some((u) => u.name === 'alice'), 'alice stays removed after a member that knew her rejoined');
  for (const m of pool.members) await until(`member ${m.i}: alice's session ends`, async () => (await rpc(m.url, 'VM.get_all', [sid2]).then(() => undefined, (e) => (code('SESSION_INVALID')(e) ? true : undefined))));
  await assert.rejects(login(c2.url, 'alice', 'alice-password-2'), code('SESSION_AUTHENTICATION_FAILED'));
  r = xkUser(other.i, ['remove', 'alice']);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /SUBJECT_DOES_NOT_EXIST/);
});

test('xk user --pool: an unreachable etcd is named, nothing is written', { skip, timeout: 30000 }, () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, '--state', pool.members[0]!.state, 'user', 'list', '--pool', 'etcd://127.0.0.1:9', '--pool-name', 'test'], { encoding: 'utf8', timeout: 30000 });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /--pool.*etcd/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
});
