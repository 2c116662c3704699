import { ApiFailure } from '../failure.js';
import type { HostRec } from './member.js';

/** A call on another member, as its own clients make it (JSON-RPC), with the caller's pool-wide session. */
export async function callMember(host: HostRec, method: string, params: unknown[], ms = 30000): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(`http://${host.address}:${host.port}/jsonrpc`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', method, params, id: 1 }), signal: AbortSignal.timeout(ms) });
  } catch (e) {
    throw new ApiFailure('CANNOT_CONTACT_HOST', [host.ref, `member ${host.name} at ${host.address}:${host.port} did not answer ${method}: ${(e as Error).message}`]);
  }
  const j = (await res.json().catch(() => ({}))) as { result?: unknown; error?: { message?: string; data?: unknown[] } };
  if (j.error) throw new ApiFailure(String(j.error.message ?? 'INTERNAL_ERROR'), j.error.data ?? []);
  return j.result;
}
