import { ApiFailure } from './failure.js';
import type { Decoded, Transport } from './transport.js';

const MAX_DEPTH = 64;

function depthOk(v: unknown, d = 0): boolean {
  if (d > MAX_DEPTH) return false;
  if (Array.isArray(v)) return v.every((x) => depthOk(x, d + 1));
  if (v && typeof v === 'object') return Object.values(v).every((x) => depthOk(x, d + 1));
  return true;
}

function one(v: unknown): Decoded {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return { ok: false, failure: new ApiFailure('JSONRPC_INVALID_REQUEST', ['the request is not a JSON object']), version: '2.0', id: null };
  const r = v as { jsonrpc?: unknown; method?: unknown; params?: unknown; id?: unknown };
  const version = r.jsonrpc === '2.0' ? '2.0' : '1.0';
  if (typeof r.method !== 'string') return { ok: false, failure: new ApiFailure('JSONRPC_INVALID_REQUEST', ['method must be a string']), version, id: r.id ?? null };
  return { ok: true, method: r.method, params: r.params ?? [], id: r.id ?? null, version };
}

/**
 * JSON-RPC 2.0 and 1.0 at /jsonrpc as XAPI answers it (ocaml/xapi/api_server: `error` {code,
 * message: the XenAPI code, data: its params}); batches answered as arrays.
 */
export const jsonRpc: Transport = {
  name: 'json-rpc',
  contentType: 'application/json',
  decode(body) {
    let v: unknown;
    try {
      v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
    } catch (e) {
      return { ok: false, failure: new ApiFailure('JSONRPC_PARSE_ERROR', [e instanceof Error ? e.message.slice(0, 200) : 'not JSON']), version: '2.0', id: null };
    }
    if (!depthOk(v)) return { ok: false, failure: new ApiFailure('JSONRPC_INVALID_REQUEST', [`nested deeper than ${MAX_DEPTH}`]), version: '2.0', id: null };
    if (Array.isArray(v)) return v.length === 0 || v.length > 100 ? { ok: false, failure: new ApiFailure('JSONRPC_INVALID_REQUEST', ['a batch holds 1 to 100 calls']), version: '2.0', id: null } : v.map(one);
    return one(v);
  },
  encodeResult(d, value) {
    return Buffer.from(JSON.stringify(d.version === '2.0' ? { jsonrpc: '2.0', result: value, id: d.id ?? null } : { result: value, error: null, id: d.id ?? null }));
  },
  encodeFailure(d, f) {
    const error = { code: f.code === 'JSONRPC_PARSE_ERROR' ? -32700 : f.code === 'JSONRPC_INVALID_REQUEST' ? -32600 : 1, message: f.code, data: f.params };
    return Buffer.from(JSON.stringify(d.version === '1.0' ? { result: null, error, id: d.id ?? null } : { jsonrpc: '2.0', error, id: d.id ?? null }));
  },
};
