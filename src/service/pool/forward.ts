import { request as httpsRequest } from 'node:https';
import { rootCertificates, type PeerCertificate } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { ApiFailure } from '../failure.js';
import type { HostRec } from './member.js';

/**
 * POST one JSON-RPC body to a member over https, trusting exactly the certificate it published in
 * etcd (the pool's trusted store): its fingerprint is checked in place of a host name, so members
 * reached at an IP address with self-signed certificates work, and no other certificate does.
 */
function postTls(host: HostRec, body: string, ms: number): Promise<string> {
  const pin = new X509Certificate(host.cert!).fingerprint256;
  return new Promise((resolve, reject) => {
    const req = httpsRequest({
      host: host.address, port: host.port, path: '/jsonrpc', method: 'POST', timeout: ms,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      ca: [host.cert!, ...rootCertificates], rejectUnauthorized: true,
      checkServerIdentity: (_name: string, cert: PeerCertificate) => (cert.fingerprint256 === pin ? undefined : new Error(`the certificate presented (${cert.fingerprint256}) is not the one member ${host.name} published (${pin})`)),
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${ms} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** A call on another member, as its own clients make it (JSON-RPC; https when it serves TLS), with the caller's pool-wide session. */
export async function callMember(host: HostRec, method: string, params: unknown[], ms = 30000): Promise<unknown> {
  const body = JSON.stringify({ jsonrpc: '2.0', method, params, id: 1 });
  let text: string;
  try {
    if (host.cert) text = await postTls(host, body, ms);
    else text = await (await fetch(`http://${host.address}:${host.port}/jsonrpc`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(ms) })).text();
  } catch (e) {
    throw new ApiFailure('CANNOT_CONTACT_HOST', [host.ref, `member ${host.name} at ${host.cert ? 'https' : 'http'}://${host.address}:${host.port} did not answer ${method}: ${(e as Error).message}`]);
  }
  let j: { result?: unknown; error?: { message?: string; data?: unknown[] } } = {};
  try {
    j = JSON.parse(text) as typeof j;
  } catch {
    /* not JSON: an empty answer below */
  }
  if (j.error) throw new ApiFailure(String(j.error.message ?? 'INTERNAL_ERROR'), j.error.data ?? []);
  return j.result;
}
