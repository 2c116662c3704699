import { readFileSync } from 'node:fs';
import { XenkitError } from '../errors.js';
import { RELEASE_IDS, type ReleaseId } from './releases.js';

/**
 * libxl's types as its IDL declares them (tools/libs/light/libxl_types.idl, tools/libxl/ before
 * 4.15), one generated table per release under libxl-types/ (scripts/gen-libxl-types.mjs).
 *
 * A type reference: a builtin's name ("integer", "MemKB", "libxl_defbool", ...), "enum:NAME",
 * "struct:NAME", an anonymous struct `{ fields }`, an Array `{ array, len }` (len: the C count
 * field), or a KeyedUnion `{ keyvar, keytype, cases }` whose case is chosen by the sibling field
 * `keyvar` (a case of null is an empty struct).
 */
export type LibxlTypeRef = string | { fields: LibxlField[] } | { array: LibxlTypeRef; len: string } | LibxlKeyed;
export interface LibxlKeyed {
  keyvar: string;
  keytype: string;
  keyinit?: number | string;
  cases: [string, LibxlTypeRef | null][];
}
/** A struct member in IDL order; `init` is its init_val resolved to a number (a decimal string above 2^53). */
export interface LibxlField {
  name: string;
  type: LibxlTypeRef;
  init?: number | string;
  const?: true;
}
export interface LibxlBuiltin {
  /** The C type. */
  c: string;
  /** Its JSON generator (gentypes.py json_gen_fn). */
  json: string;
  /** check_default_fn: the member is left out of the JSON when this says it is default. */
  check?: string;
  init?: number | string;
  number?: true;
}
export interface LibxlEnum {
  /** [value, name as libxl_X_to_string() prints it (lower case)]. */
  values: [number, string][];
  init?: number | string;
}
export interface LibxlIdl {
  /** How the file was made (scripts/gen-libxl-types.mjs). */
  generated?: string;
  release: string;
  source: string;
  builtins: Record<string, LibxlBuiltin>;
  enums: Record<string, LibxlEnum>;
  structs: Record<string, LibxlField[]>;
}

const loaded = new Map<ReleaseId, LibxlIdl>();

/**
 * One release's IDL, read from libxl-types/<release>.json the first time it is asked for (the 17
 * tables together took ~40 ms to load; a command needs one).
 */
export function libxlIdl(r: ReleaseId): LibxlIdl {
  let idl = loaded.get(r);
  if (idl) return idl;
  if (!(RELEASE_IDS as readonly string[]).includes(r)) throw new XenkitError('BAD_INPUT', `libxl-idl: no Xen release ${JSON.stringify(r)}`, { field: 'release', value: r });
  try {
    idl = JSON.parse(readFileSync(new URL(`./libxl-types/${r}.json`, import.meta.url), 'utf8')) as LibxlIdl;
  } catch (e) {
    throw new XenkitError('FACTS_INCOMPLETE', `libxl-idl: no generated IDL for Xen ${r} (${(e as Error).message})`, { hint: 'npm run gen:libxl' });
  }
  if (idl.release !== r) throw new XenkitError('FACTS_INCOMPLETE', `libxl-idl: libxl-types/${r}.json holds Xen ${idl.release}`, { hint: 'npm run gen:libxl' });
  loaded.set(r, idl);
  return idl;
}
