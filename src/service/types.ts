import { ENUMS } from './model.gen.js';
import { ApiFailure } from './failure.js';

/** A XenAPI type as the datamodel writes it ("(VM ref -> string) map", "enum vm_power_state set"). */
export type ApiType =
  | { k: 'string' | 'int' | 'float' | 'bool' | 'datetime' | 'void' | 'any' }
  | { k: 'ref'; cls: string }
  | { k: 'enum'; name: string }
  | { k: 'set'; of: ApiType }
  | { k: 'map'; key: ApiType; val: ApiType }
  | { k: 'record'; cls: string }
  | { k: 'option'; of: ApiType };

const cache = new Map<string, ApiType>();

export function parseType(s: string): ApiType {
  let t = cache.get(s);
  if (!t) cache.set(s, (t = parse(s.trim())));
  return t;
}

function parse(s: string): ApiType {
  if (['string', 'int', 'float', 'bool', 'datetime', 'void'].includes(s)) return { k: s as 'string' };
  if (s.endsWith(' set')) return { k: 'set', of: parseType(s.slice(0, -4)) };
  if (s.endsWith(' option')) return { k: 'option', of: parseType(s.slice(0, -7)) };
  if (s.endsWith(' map') && s.startsWith('(')) {
    const inner = s.slice(1, -5);
    let depth = 0;
    for (let i = 0; i < inner.length; i++) {
      if (inner[i] === '(') depth++;
      else if (inner[i] === ')') depth--;
      else if (depth === 0 && inner.startsWith(' -> ', i)) return { k: 'map', key: parseType(inner.slice(0, i)), val: parseType(inner.slice(i + 4)) };
    }
  }
  if (s.endsWith(' ref')) return { k: 'ref', cls: s.slice(0, -4) };
  if (s.endsWith(' record')) return { k: 'record', cls: s.slice(0, -7) };
  if (s.startsWith('enum ')) return { k: 'enum', name: s.slice(5) };
  return { k: 'any' };
}

const INT = /^-?\d{1,19}$/;

/**
 * A parameter as the transport decoded it, checked against its type (XAPI: FIELD_TYPE_ERROR with the
 * parameter's name). XML-RPC carries 64-bit ints as strings, so an int may be a decimal string.
 */
export function checkValue(v: unknown, t: ApiType, field: string, depth = 0): unknown {
  const bad = (): never => {
    throw new ApiFailure('FIELD_TYPE_ERROR', [field]);
  };
  if (depth > 32) bad();
  switch (t.k) {
    case 'string':
    case 'datetime':
    case 'ref':
      return typeof v === 'string' ? v : bad();
    case 'int':
      if (typeof v === 'number' && Number.isInteger(v)) return v;
      if (typeof v === 'string' && INT.test(v)) return Number(v);
      return bad();
    case 'float':
      if (typeof v === 'number' && Number.isFinite(v)) return v;
      if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
      return bad();
    case 'bool':
      if (typeof v === 'boolean') return v;
      if (v === 'true' || v === 'false') return v === 'true';
      return bad();
    case 'enum': {
      const vals = ENUMS[t.name];
      if (typeof v !== 'string') return bad();
      const hit = vals?.find((x) => x.toLowerCase() === v.toLowerCase());
      return hit ?? bad();
    }
    case 'set':
      return Array.isArray(v) ? v.map((x) => checkValue(x, t.of, field, depth + 1)) : bad();
    case 'map': {
      if (!v || typeof v !== 'object' || Array.isArray(v)) return bad();
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = checkValue(x, t.val, field, depth + 1);
      return out;
    }
    case 'record':
      return v && typeof v === 'object' && !Array.isArray(v) ? v : bad();
    default:
      return v;
  }
}
