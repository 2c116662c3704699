import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtcdCluster, skipReason } from './etcd.js';
import { PoolProcs, rpc } from './harness.js';
import { callMember } from '../../src/service/pool/forward.js';
import type { HostRec } from '../../src/service/pool/member.js';

/**
 * Members that serve https (--tls-cert/--tls-key, self-signed as many XAPI hosts are) call each other
 * over https, trusting exactly the certificate each published in etcd: the coordinator starts a VM
 * on the supporter through it, and a member presenting another certificate is not called.
 */
const OPENSSL = ['/usr/bin/openssl', '/bin/openssl'].find(existsSync);
const skip = skipReason() || (OPENSSL ? false : process.env.CI === 'true' ? false : 'openssl not found (apt-get install openssl)');
const PV = readFileSync(new URL('../../examples/pv.cfg', import.meta.url), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'xk-pool-tls-'));
/** A self-signed certificate for one loopback address (openssl, as a user makes one). */
function certFor(name: string, ip: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.pem`);
  const key = join(dir, `${name}.key`);
  execFileSync(OPENSSL!, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', `/CN=${ip}`, '-addext', `subjectAltName=IP:${ip}`], { stdio: 'ignore', timeout: 30000 });
  return { cert, key };
}
let etcd: EtcdCluster;
let pool: PoolProcs;

before(async () => {
  if (skip) return;
  // this test's own calls trust the self-signed members (the harness keeps this from the members)
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
  const certs = [certFor('m0', '127.0.0.1'), certFor('m1', '127.0.0.2')];
  etcd = await EtcdCluster.start(1);
  pool = await PoolProcs.start(etcd, ['4.20', '4.20'], { tls: (i) => certs[i]! });
});
after(() => {
  pool?.stop();
  etcd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('members serving https: the coordinator starts and stops a VM on the supporter over https', { skip, timeout: 60000 }, async () => {
  const c = await pool.waitCoordinator(10000);
  assert.match(c.url, /^https:/);
  const sid = (c as unknown as { sid: string }).sid;
  const other = pool.members.find((m) => m.i !== c.i)!;
  const hosts = (await rpc(c.url, 'host.get_all_records', [sid])) as Record<string, { name_label: string }>;
  const there = Object.keys(hosts).find((h) => hosts[h]!.name_label === `host${other.i}`)!;
  const ref = await rpc(c.url, 'xenkit.VM.create_from_xlcfg', [sid, PV]);
  await rpc(c.url, 'VM.start_on', [sid, ref, there, false, false]);
  const rec = await rpc(c.url, 'VM.get_record', [sid, ref]);
  assert.equal(rec.power_state, 'Running');
  assert.equal(rec.resident_on, there, 'running on the supporter, started there through its https listener');
  await rpc(c.url, 'VM.hard_shutdown', [sid, ref]);
  assert.equal(await rpc(c.url, 'VM.get_power_state', [sid, ref]), 'Halted');
});

test('a member is called only with the certificate it published: another one is refused', { skip, timeout: 30000 }, async () => {
  const a = certFor('a', '127.0.0.1');
  const b = certFor('b', '127.0.0.1');
  const srv = createServer({ cert: readFileSync(a.cert), key: readFileSync(a.key) }, (req, res) => {
    req.resume();
    req.on('end', () => res.end(JSON.stringify({ jsonrpc: '2.0', result: 'answered', id: 1 })));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  const host = (cert: string) => ({ ref: 'OpaqueRef:x', name: 'probe', address: '127.0.0.1', port, cert: readFileSync(cert, 'utf8') }) as unknown as HostRec;
  try {
    assert.equal(await callMember(host(a.cert), 'x.y', [], 5000), 'answered', 'the published certificate is trusted');
    // a self-signed certificate other than the published one fails the chain (only the published one is a trust anchor);
    // one signed by a public CA would pass it and fail the pinned fingerprint instead
    await assert.rejects(callMember(host(b.cert), 'x.y', [], 5000), (e: any) => e.code === 'CANNOT_CONTACT_HOST' && /certificate/i.test(e.params[1]));
  } finally {
    srv.close();
  }
});
