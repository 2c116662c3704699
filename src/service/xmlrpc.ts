import { XMLParser } from 'fast-xml-parser';
import { ApiFailure } from './failure.js';
import { FIELDS } from './model.js';
import { parseType, type ApiType } from './types.js';
import type { Decoded, Transport } from './transport.js';

const MAX_DEPTH = 64;
const parser = new XMLParser({ preserveOrder: true, ignoreAttributes: true, trimValues: false, parseTagValue: false, processEntities: true, ignoreDeclaration: true, ignorePiTags: true });

type Node = Record<string, unknown>;
const tag = (n: Node) => Object.keys(n).find((k) => k !== ':@')!;
const kids = (n: Node) => (n[tag(n)] as Node[]) ?? [];
const elems = (ns: Node[]) => ns.filter((n) => tag(n) !== '#text' && tag(n) !== '#comment');
const text = (ns: Node[]) => ns.filter((n) => tag(n) === '#text').map((n) => String(n['#text'])).join('');

function bad(why: string): never {
  throw new ApiFailure('XMLRPC_UNMARSHAL_FAILURE', [why]);
}

function value(n: Node, d: number): unknown {
  if (d > MAX_DEPTH) bad(`nested deeper than ${MAX_DEPTH}`);
  const inner = elems(kids(n));
  if (inner.length === 0) return text(kids(n));
  const t = inner[0]!;
  const k = tag(t);
  const s = text(kids(t));
  switch (k) {
    case 'string': return s;
    case 'int': case 'i4': case 'i8':
      return /^\s*[-+]?\d+\s*$/.test(s) ? Number(s) : bad(`<${k}>${s.slice(0, 40)}</${k}> is not an integer`);
    case 'double': {
      const x = Number(s);
      return s.trim() !== '' && Number.isFinite(x) ? x : bad(`<double>${s.slice(0, 40)}</double> is not a number`);
    }
    case 'boolean': return s.trim() === '1' || s.trim() === 'true' ? true : s.trim() === '0' || s.trim() === 'false' ? false : bad('a boolean is 0 or 1');
    case 'dateTime.iso8601': case 'base64': return s;
    case 'nil': return null;
    case 'array': {
      const data = elems(kids(t)).find((x) => tag(x) === 'data');
      return data ? elems(kids(data)).filter((x) => tag(x) === 'value').map((x) => value(x, d + 1)) : [];
    }
    case 'struct': {
      const out: Record<string, unknown> = {};
      for (const m of elems(kids(t))) {
        if (tag(m) !== 'member') bad('a struct holds members');
        const parts = elems(kids(m));
        const name = parts.find((x) => tag(x) === 'name');
        const val = parts.find((x) => tag(x) === 'value');
        if (!name || !val) bad('a member has a name and a value');
        out[text(kids(name))] = value(val, d + 1);
      }
      return out;
    }
  }
  return bad(`unknown XML-RPC type <${k}>`);
}

function decode(body: Buffer): Decoded {
  try {
    const xml = new TextDecoder('utf-8', { fatal: true }).decode(body);
    if (/<!DOCTYPE|<!ENTITY/i.test(xml)) bad('a DOCTYPE or ENTITY is not accepted');
    const doc = elems(parser.parse(xml) as Node[]);
    const call = doc.find((x) => tag(x) === 'methodCall');
    if (!call || doc.length !== 1) bad('the body is not one <methodCall>');
    const parts = elems(kids(call));
    const name = parts.find((x) => tag(x) === 'methodName');
    if (!name) bad('no <methodName>');
    const ps = parts.find((x) => tag(x) === 'params');
    const params = ps ? elems(kids(ps)).filter((x) => tag(x) === 'param').map((p) => {
      const v = elems(kids(p)).find((x) => tag(x) === 'value');
      return v ? value(v, 0) : bad('a <param> holds a <value>');
    }) : [];
    return { ok: true, method: text(kids(name)).trim(), params };
  } catch (e) {
    return { ok: false, failure: e instanceof ApiFailure ? e : new ApiFailure('XMLRPC_UNMARSHAL_FAILURE', [e instanceof Error ? e.message.slice(0, 200) : 'not XML']) };
  }
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '');

/** A value as XAPI writes it: ints as decimal strings, floats <double>, empty strings kept; typed by the model where known. */
export function encodeValue(v: unknown, t?: ApiType, d = 0): string {
  if (d > MAX_DEPTH) return '';
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return t?.k === 'datetime' ? `<dateTime.iso8601>${esc(v)}</dateTime.iso8601>` : esc(v);
  if (typeof v === 'boolean') return `<boolean>${v ? 1 : 0}</boolean>`;
  if (typeof v === 'bigint') return String(v);
  if (typeof v === 'number') return t?.k === 'float' || (t?.k !== 'int' && !Number.isInteger(v)) ? `<double>${v}</double>` : String(Math.trunc(v));
  if (Array.isArray(v)) {
    const of = t?.k === 'set' ? t.of : undefined;
    return `<array><data>${v.map((x) => `<value>${encodeValue(x, of, d + 1)}</value>`).join('')}</data></array>`;
  }
  const o = v as Record<string, unknown>;
  const fieldType = recordTypes(t, o);
  return `<struct>${Object.entries(o).map(([k, x]) => `<member><name>${esc(k)}</name><value>${encodeValue(x, fieldType(k), d + 1)}</value></member>`).join('')}</struct>`;
}

const recordCache = new Map<string, Map<string, ApiType>>();
function recordTypes(t: ApiType | undefined, o: Record<string, unknown>): (k: string) => ApiType | undefined {
  if (t?.k === 'map') return () => t.val;
  const cls = t?.k === 'record' ? t.cls : typeof o.class === 'string' && 'snapshot' in o ? undefined : undefined;
  if (!cls) {
    // An event: its snapshot is a record of its class.
    if (typeof o.class === 'string' && 'operation' in o) {
      const c = [...FIELDS.keys()].find((x) => x.toLowerCase() === o.class);
      return (k) => (k === 'snapshot' && c ? { k: 'record', cls: c } : undefined);
    }
    if ('events' in o && 'token' in o) return (k) => (k === 'valid_ref_counts' ? parseType('(string -> int) map') : undefined);
    return () => undefined;
  }
  let m = recordCache.get(cls);
  if (!m) recordCache.set(cls, (m = new Map((FIELDS.get(cls) ?? []).map(([n, ty]) => [n, parseType(ty)]))));
  return (k) => m!.get(k);
}

const response = (inner: string) => Buffer.from(`<?xml version="1.0"?>\n<methodResponse><params><param><value>${inner}</value></param></params></methodResponse>\n`);

/** XML-RPC at /, /RPC2 and /xmlrpc with XAPI's {Status, Value} / {Status: "Failure", ErrorDescription}. */
export const xmlRpc: Transport = {
  name: 'xml-rpc',
  contentType: 'text/xml',
  decode,
  encodeResult(_d, v, t) {
    return response(`<struct><member><name>Status</name><value>Success</value></member><member><name>Value</name><value>${encodeValue(v, t)}</value></member></struct>`);
  },
  encodeFailure(_d, f) {
    return response(`<struct><member><name>Status</name><value>Failure</value></member><member><name>ErrorDescription</name><value>${encodeValue(f.description)}</value></member></struct>`);
  },
};
