import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EtcdCluster, skipReason } from './etcd.js';
import { PoolProcs, rpc } from './harness.js';

/**
 * TLS to etcd (`--pool etcds://...`): an etcd 3.4 cluster serving its client URLs over TLS with
 * --client-cert-auth (etcd's own flags: --cert-file, --key-file, --trusted-ca-file), a CA made with
 * openssl as an operator makes one. Members and `xk user --pool` reach it with --pool-cacert and a
 * client certificate (--pool-cert/--pool-key), as etcdctl does with --cacert/--cert/--key; without
 * the certificate, with another CA, or over plain etcd://, etcd refuses and xk says so.
 */
const OPENSSL = ['/usr/bin/openssl', '/bin/openssl'].find(existsSync);
const skip = skipReason() || (OPENSSL ? false : process.env.CI === 'true' ? false : 'openssl not found (apt-get install openssl)');
const MAIN = resolve(import.meta.dirname, '../../src/cli/main.ts');
const dir = mkdtempSync(join(tmpdir(), 'xk-etcd-tls-'));
const f = (n: string) => join(dir, n);
const ssl = (...args: string[]) => execFileSync(OPENSSL!, args, { stdio: 'ignore', timeout: 30000 });

/** A CA, and a certificate it signs (for 127.0.0.1, server and client use), as in etcd's security guide. */
function makeCa(name: string): void {
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f(`${name}.key`), '-out', f(`${name}.pem`), '-days', '1', '-subj', `/CN=${name}`);
}
function signed(ca: string, name: string): void {
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=${name}`);
  writeFileSync(f(`${name}.ext`), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n');
  ssl('x509', '-req', '-in', f(`${name}.csr`), '-CA', f(`${ca}.pem`), '-CAkey', f(`${ca}.key`), '-CAcreateserial', '-out', f(`${name}.pem`), '-days', '1', '-extfile', f(`${name}.ext`));
}

let etcd: EtcdCluster;
let pool: PoolProcs;
const TLS_ARGS = () => ['--pool-cacert', f('ca.pem'), '--pool-cert', f('client.pem'), '--pool-key', f('client.key')];

before(async () => {
  if (skip) return;
  makeCa('ca');
  makeCa('other-ca');
  signed('ca', 'server');
  signed('ca', 'client');
  etcd = await EtcdCluster.start(1, { tls: { cert: f('server.pem'), key: f('server.key'), ca: f('ca.pem'), clientCert: f('client.pem'), clientKey: f('client.key') } });
  pool = await PoolProcs.start(etcd, ['4.20', '4.20'], { args: TLS_ARGS() });
});
after(() => {
  pool?.stop();
  etcd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function user(args: string[], password?: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', MAIN, '--state', pool.members[0]!.state, 'user', ...args, '--pool-name', 'test'], { input: password ?? '', encoding: 'utf8', timeout: 30000 });
}

test('members join a pool whose etcd serves TLS with client certificates: elected, a VM started on the other member', { skip, timeout: 60000 }, async () => {
  assert.match(etcd.url, /^etcds:\/\//);
  const c = await pool.waitCoordinator(10000);
  const sid = (c as unknown as { sid: string }).sid;
  const hosts = (await rpc(c.url, 'host.get_all_records', [sid])) as Record<string, { name_label: string }>;
  assert.equal(Object.keys(hosts).length, 2);
  const other = Object.keys(hosts).find((h) => hosts[h]!.name_label !== `host${c.i}`)!;
  const ref = await rpc(c.url, 'xenkit.VM.create_from_xlcfg', [sid, 'name = "tls-vm"\ntype = "pv"\nkernel = "/boot/vmlinuz"\nmemory = 256\n']);
  await rpc(c.url, 'VM.start_on', [sid, ref, other, false, false]);
  assert.equal(await rpc(c.url, 'VM.get_power_state', [sid, ref]), 'Running');
});

test('xk user --pool etcds:// with the CA and a client certificate changes the pool\'s users', { skip, timeout: 60000 }, () => {
  const add = user(['add', 'alice', '--role', 'pool-operator', '--pool', etcd.url, ...TLS_ARGS()], 'pw-alice-1\n');
  assert.equal(add.status, 0, add.stderr);
  const list = user(['list', '--json', '--pool', etcd.url, ...TLS_ARGS()]);
  assert.equal(list.status, 0, list.stderr);
  assert.match(list.stdout, /"alice"/);
});

test('etcd refuses, and xk says so (exit 4, --pool named): no client certificate, another CA, plain etcd://', { skip, timeout: 90000 }, () => {
  const plain = etcd.url.replace('etcds://', 'etcd://');
  for (const args of [
    ['--pool', etcd.url, '--pool-cacert', f('ca.pem')],
    ['--pool', etcd.url, '--pool-cacert', f('other-ca.pem'), '--pool-cert', f('client.pem'), '--pool-key', f('client.key')],
    ['--pool', plain],
  ]) {
    const t0 = Date.now();
    const r = user(['list', ...args]);
    assert.equal(r.status, 4, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /--pool.*did not answer/s, args.join(' '));
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.ok(Date.now() - t0 < 25000, `${args.join(' ')} took ${Date.now() - t0} ms`);
  }
});

test('misplaced or unreadable TLS options are bad input naming the option (exit 2), before etcd is called', { skip, timeout: 60000 }, () => {
  const cases: [string[], RegExp][] = [
    [['--pool', 'etcd://127.0.0.1:9', '--pool-cacert', f('ca.pem')], /--pool-cacert.*only with --pool etcds:\/\//],
    [['--pool', 'etcds://127.0.0.1:9', '--pool-cert', f('client.pem')], /--pool-cert.*--pool-cert and --pool-key together/],
    [['--pool', 'etcds://127.0.0.1:9', '--pool-cacert', f('missing.pem')], /--pool-cacert.*missing\.pem.*a readable PEM file/],
    [['--pool', 'etcds://127.0.0.1:9', '--pool-cacert', f('client.ext')], /--pool-cacert.*a PEM file/],
    [['--pool', 'etcdx://127.0.0.1:9'], /--pool.*etcds:\/\/ for TLS/],
  ];
  for (const [args, want] of cases) {
    const r = user(['list', ...args]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, want);
  }
});
