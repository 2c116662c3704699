import { XenkitError } from '../../errors.js';
import type { LibxlField, LibxlIdl, LibxlKeyed, LibxlTypeRef } from '../../xen/libxl-idl.js';

/**
 * A libxl value as xenkit holds it, C-shaped: a struct is an object keyed by member name (a
 * missing member is its init value, as after libxl_X_init()), a KeyedUnion member holds the
 * struct of the case its sibling keyvar names, an enum is its lower-case name, a defbool a
 * boolean, a bitmap the list of its set bits, a key_value_list [key, value|null] pairs.
 */
export type LibxlValue = string | number | bigint | boolean | null | undefined | LibxlValue[] | LibxlObject;
export interface LibxlObject {
  [member: string]: LibxlValue;
}
/** The JSON libxl prints, in its member order. */
export type Json = string | number | bigint | boolean | null | Json[] | { [k: string]: Json };

/**
 * libxl_<type>_gen_json() as tools/libs/light/gentypes.py libxl_C_type_gen_json() writes it
 * @RELEASE-4.17.0 (the same rules since 4.6): a struct prints every non-const member in IDL
 * order except one equal to its default (get_default_expr(): aggregates always print; an Array
 * when it has elements; a member with an init_val when it differs; one with a check_default_fn
 * when that says not default; any other when non-zero); a KeyedUnion prints as "KEYVAR.CASE".
 */
export function genJson(idl: LibxlIdl, type: string, value: LibxlObject): Json {
  return struct(idl, fieldsOf(idl, `struct:${type}`), value);
}

function fieldsOf(idl: LibxlIdl, ref: LibxlTypeRef): LibxlField[] {
  if (typeof ref === 'object' && 'fields' in ref) return ref.fields;
  const s = typeof ref === 'string' && ref.startsWith('struct:') ? idl.structs[ref.slice(7)] : undefined;
  if (!s) throw bug(`libxl IDL ${idl.release}: no struct ${JSON.stringify(ref)}`);
  return s;
}

function struct(idl: LibxlIdl, fields: LibxlField[], v: LibxlObject): { [k: string]: Json } {
  for (const k of Object.keys(v))
    if (!fields.some((f) => f.name === k || (isKeyed(f.type) && f.type.keyvar === k))) throw bug(`libxl IDL ${idl.release}: no member ${k}`);
  const out: { [k: string]: Json } = {};
  for (const f of fields) {
    if (f.const) continue;
    const t = f.type;
    if (isKeyed(t)) {
      const c = keyedCase(idl, t, v);
      if (c) out[`${t.keyvar}.${c[0]}`] = c[1] === null ? {} : struct(idl, fieldsOf(idl, c[1]), asObject(v[f.name]));
    } else if (isAggregate(t)) out[f.name] = struct(idl, fieldsOf(idl, t), asObject(v[f.name]));
    else if (typeof t === 'object' && 'array' in t) {
      const a = v[f.name];
      if (Array.isArray(a) && a.length) out[f.name] = a.map((x) => element(idl, t.array, x));
    } else if (!isDefault(idl, f, t, v[f.name])) out[f.name] = scalar(idl, t, v[f.name]);
  }
  return out;
}

function isKeyed(t: LibxlTypeRef): t is LibxlKeyed {
  return typeof t === 'object' && 'cases' in t;
}
function isAggregate(t: LibxlTypeRef): boolean {
  return (typeof t === 'object' && 'fields' in t) || (typeof t === 'string' && t.startsWith('struct:'));
}
function asObject(v: LibxlValue): LibxlObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : {};
}

/** The case named by the keyvar (its init value when unset); none when no case matches (a switch without default). */
function keyedCase(idl: LibxlIdl, t: LibxlKeyed, v: LibxlObject): [string, LibxlTypeRef | null] | undefined {
  const key = v[t.keyvar] ?? enumName(idl, t.keytype, t.keyinit ?? idl.enums[t.keytype]?.init ?? 0);
  return t.cases.find(([n]) => n === key);
}

function element(idl: LibxlIdl, t: LibxlTypeRef, x: LibxlValue): Json {
  if (isAggregate(t)) return struct(idl, fieldsOf(idl, t), asObject(x));
  return scalar(idl, t, x);
}

function enumName(idl: LibxlIdl, type: string, n: number | string): string | undefined {
  return idl.enums[type]?.values.find(([v]) => v === Number(n))?.[1];
}

/** get_default_expr() for a non-aggregate member. */
function isDefault(idl: LibxlIdl, f: LibxlField, t: LibxlTypeRef, v: LibxlValue): boolean {
  if (typeof t !== 'string') throw bug(`libxl IDL ${idl.release}: member ${f.name}`);
  if (t.startsWith('enum:')) {
    const e = idl.enums[t.slice(5)]!;
    const init = f.init ?? e.init ?? 0;
    return v === undefined || v === enumName(idl, t.slice(5), init);
  }
  const b = idl.builtins[t];
  if (!b) throw bug(`libxl IDL ${idl.release}: no type ${t}`);
  const init = f.init ?? b.init;
  if (v === undefined) return true;
  if (init !== undefined) return BigInt(v as number | bigint) === BigInt(init);
  if (b.check) return CHECK_DEFAULT[b.check]?.(v) ?? v === undefined;
  return v === 0 || v === 0n || v === false || v === null;
}

/** The builtins' check_default_fn (tools/libs/light/libxl_utils.c, libxl_json.c, libxl_cpuid.c @RELEASE-4.17.0). */
const CHECK_DEFAULT: Record<string, (v: LibxlValue) => boolean> = {
  libxl__defbool_is_default: (v) => v === undefined,
  libxl__string_is_default: (v) => v === undefined || v === null,
  libxl_uuid_is_nil: (v) => v === undefined || /^[0-]*$/.test(String(v)),
  libxl__mac_is_default: (v) => v === undefined || /^[0:]*$/.test(String(v)),
  libxl_bitmap_is_empty: (v) => !Array.isArray(v) || v.length === 0,
  libxl__string_list_is_empty: (v) => !Array.isArray(v) || v.length === 0,
  libxl__key_value_list_is_empty: (v) => !Array.isArray(v) || v.length === 0,
  // 4.17.7 (stable backport) and later: {cpuid: [...], msr: [...]}, empty when both are (libxl_cpuid.c @RELEASE-4.17.7)
  libxl__cpuid_policy_is_empty: (v) => v === undefined || v === null || (Array.isArray(v) ? v.length === 0 : typeof v === 'object' && !(v.cpuid as LibxlValue[] | undefined)?.length && !(v.msr as LibxlValue[] | undefined)?.length),
  libxl__hwcap_is_default: (v) => !Array.isArray(v) || v.every((x) => x === 0),
  libxl_ms_vm_genid_is_zero: (v) => !Array.isArray(v) || v.every((x) => x === 0),
};

/** A builtin or enum value as its json_gen_fn prints it (libxl_json.c @RELEASE-4.17.0). */
function scalar(idl: LibxlIdl, t: LibxlTypeRef, v: LibxlValue): Json {
  if (typeof t !== 'string') throw bug(`libxl IDL ${idl.release}: ${JSON.stringify(t)}`);
  if (t.startsWith('enum:')) return typeof v === 'number' ? enumName(idl, t.slice(5), v) ?? null : (v as string); // libxl__yajl_gen_enum: unknown -> null
  switch (t) {
    case 'libxl_defbool':
      return v ? 'True' : 'False';
    case 'libxl_key_value_list':
      return Object.fromEntries((v as [string, string | null][]).map(([k, x]) => [k, x]));
    case 'bool':
      return Boolean(v);
    default:
      return v as Json; // numbers, strings, uuid/mac strings, bitmaps (set bits), string lists, hwcap, cpuid
  }
}

/** A member or type the IDL does not have: xenkit's model and the generated facts disagree (a bug). */
function bug(message: string): XenkitError {
  return new XenkitError('INTERNAL', message, { hint: 'report it: the libxl model does not match the generated IDL (npm run gen:libxl)' });
}
