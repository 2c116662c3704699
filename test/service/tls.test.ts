import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Xapi } from 'xen-api';
import { spawnServe } from './harness.js';

const PW = 'tls-test-password';
const OPENSSL = ['/usr/bin/openssl', '/bin/openssl'].find(existsSync);
const skip = OPENSSL ? false : process.env.CI === 'true' ? false : 'openssl not found (apt-get install openssl): no certificate to serve';

// `xk serve --tls-cert/--tls-key` as a user runs it: a self-signed certificate made here with
// openssl, Xen Orchestra's client over https (allowUnauthorized, as XO connects to a self-signed XAPI).
test('xk serve --tls-cert --tls-key: the xen-api client logs in and calls over https; plain http is not answered', { skip, timeout: 90000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'xk-tls-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync(OPENSSL!, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore', timeout: 30000 });
  const { child, url, exited } = await spawnServe(join(dir, 'sim.db'), PW, ['--tls-cert', cert, '--tls-key', key]);
  const xapi = new Xapi({ url, auth: { user: 'root', password: PW }, allowUnauthorized: true });
  try {
    assert.match(url, /^https:\/\/127\.0\.0\.1:\d+$/, 'it says it listens on https');
    await xapi.connect();
    const pools = (await xapi.call('pool.get_all')) as string[];
    assert.equal(pools.length, 1);
    const vms = (await xapi.call('VM.get_all_records')) as Record<string, { is_control_domain: boolean }>;
    assert.ok(Object.values(vms).some((v) => v.is_control_domain), 'dom0 is listed over TLS');
    // Over plain http the TLS port answers nothing a client can read as XenAPI.
    await assert.rejects(fetch(url.replace('https:', 'http:') + '/jsonrpc', { method: 'POST', body: '{}', signal: AbortSignal.timeout(5000) }));
  } finally {
    await xapi.disconnect().catch(() => {});
    child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
});
