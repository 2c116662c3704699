import { XenkitError } from '../errors.js';
import { RELEASE_IDS, type ReleaseId } from './releases.js';
import { IDL as IDL_4_6 } from './libxl-types/4.6.js';
import { IDL as IDL_4_7 } from './libxl-types/4.7.js';
import { IDL as IDL_4_8 } from './libxl-types/4.8.js';
import { IDL as IDL_4_9 } from './libxl-types/4.9.js';
import { IDL as IDL_4_10 } from './libxl-types/4.10.js';
import { IDL as IDL_4_11 } from './libxl-types/4.11.js';
import { IDL as IDL_4_12 } from './libxl-types/4.12.js';
import { IDL as IDL_4_13 } from './libxl-types/4.13.js';
import { IDL as IDL_4_14 } from './libxl-types/4.14.js';
import { IDL as IDL_4_15 } from './libxl-types/4.15.js';
import { IDL as IDL_4_16 } from './libxl-types/4.16.js';
import { IDL as IDL_4_17 } from './libxl-types/4.17.js';
import { IDL as IDL_4_18 } from './libxl-types/4.18.js';
import { IDL as IDL_4_19 } from './libxl-types/4.19.js';
import { IDL as IDL_4_20 } from './libxl-types/4.20.js';
import { IDL as IDL_4_21 } from './libxl-types/4.21.js';
import { IDL as IDL_4_22 } from './libxl-types/4.22.js';

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
  release: string;
  source: string;
  builtins: Record<string, LibxlBuiltin>;
  enums: Record<string, LibxlEnum>;
  structs: Record<string, LibxlField[]>;
}

const IDLS: Record<ReleaseId, LibxlIdl> = {
  '4.6': IDL_4_6,
  '4.7': IDL_4_7,
  '4.8': IDL_4_8,
  '4.9': IDL_4_9,
  '4.10': IDL_4_10,
  '4.11': IDL_4_11,
  '4.12': IDL_4_12,
  '4.13': IDL_4_13,
  '4.14': IDL_4_14,
  '4.15': IDL_4_15,
  '4.16': IDL_4_16,
  '4.17': IDL_4_17,
  '4.18': IDL_4_18,
  '4.19': IDL_4_19,
  '4.20': IDL_4_20,
  '4.21': IDL_4_21,
  '4.22': IDL_4_22,
};

export function libxlIdl(r: ReleaseId): LibxlIdl {
  return IDLS[r];
}

/** Every release has its IDL (a new release id without a generated table fails here). */
for (const r of RELEASE_IDS) if (!IDLS[r] || IDLS[r].release !== r) throw new XenkitError('FACTS_INCOMPLETE', `libxl-idl: no generated IDL for Xen ${r}`, { hint: 'npm run gen:libxl' });
