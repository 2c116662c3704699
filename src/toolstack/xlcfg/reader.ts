import { XenkitError, show } from '../../errors.js';
import type { XlCfg, XlSetting, XlString, XlValue } from './ast.js';
import type { XlKey } from './keys.js';
import { where } from './syntax-error.js';

const XLU = 'tools/libs/util/libxlu_cfg.c @RELEASE-4.17.0';

/** Throws the rule a value breaks and what would be accepted. */
export type Fail = (rule: string, accepted: string) => never;

/** The XLCFG_INVALID error: `file:line:col: key: value is not accepted: rule; expected ...`. */
export function invalid(key: string, file: string, v: XlValue, rule: string, accepted: string, source?: string): XenkitError {
  const value = plain(v);
  return new XenkitError('XLCFG_INVALID', `${where(file, v)}: ${key}: ${v.kind === 'list' ? 'a list' : show(value)} is not accepted: ${rule}; expected ${accepted}`, {
    field: key,
    value,
    hint: `expected ${accepted}`,
    details: { file, line: v.line, col: v.col },
    source,
  });
}

/** A value as plain data: text, or an array of values. */
function plain(v: XlValue): unknown {
  return v.kind === 'string' ? v.value : v.items.map(plain);
}

/** C's strtol(s, &end, 0) with nothing left over, as xlu_cfg_get_bounded_long wants it: "0x10", "010" (octal), " -12". */
export function cLong(s: string): number | undefined {
  const m = /^[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return undefined;
  const d = m[2]!;
  const n = /^0[xX]/.test(d) ? parseInt(d.slice(2), 16) : d.length > 1 && d[0] === '0' ? parseInt(d, 8) : parseInt(d, 10);
  return Number.isSafeInteger(n) ? (m[1] === '-' ? -n : n) : undefined;
}

/**
 * Typed access to settings, as xl's getters (libxlu_cfg.c xlu_cfg_get_*) read them, but strict:
 * where xl warns and skips the key (a list for a single value, a word for a number, `+=` on a
 * number), xenkit refuses the config with the position, the rule and what is accepted.
 */
export class CfgReader {
  constructor(readonly cfg: XlCfg) {}

  get(key: XlKey): XlSetting | undefined {
    return this.cfg.settings.get(key);
  }

  /** A Fail that points at value `v` of setting `s`. */
  failer(s: XlSetting, v: XlValue = s.value, source?: string): Fail {
    return (rule, accepted) => {
      throw invalid(s.key, s.file, v, rule, accepted, source);
    };
  }

  /** Refuse the key's (present) value. */
  fail(key: XlKey, rule: string, accepted: string, source?: string): never {
    const s = this.get(key)!;
    throw invalid(key, s.file, s.value, rule, accepted, source);
  }

  /** The key's single value, or undefined; refuses a list (xl warns and ignores it). */
  private single(key: XlKey): { s: XlSetting; v: XlString } | undefined {
    const s = this.get(key);
    if (!s) return undefined;
    if (s.value.kind === 'list') throw invalid(key, s.file, s.value, `${key} takes a single value, not a list (xl warns and ignores it)`, `${key} = "..."`);
    return { s, v: s.value };
  }

  string(key: XlKey): string | undefined {
    return this.single(key)?.v.value;
  }

  /** xlu_cfg_get_long: the text through strtol (base 0), then bounds. */
  number(key: XlKey, what: string, min = -Infinity, max = Infinity): number | undefined {
    const got = this.single(key);
    if (!got) return undefined;
    const fail: Fail = this.failer(got.s, got.v, XLU);
    if (got.s.op === '+=') fail(`xl refuses += for a number ("can't use += with numbers")`, `${key} = <number>`);
    const n = cLong(got.v.value);
    if (n === undefined)
      fail(`xl reads ${key} as a C number (strtol base 0: 12, 0x0c, 014 octal); xl 4.17 warns and drops the key, xenkit refuses`, what);
    if (n < min || n > max) fail(`${key} must be ${max === Infinity ? `at least ${min}` : `${min} .. ${max}`}`, what);
    return n;
  }

  /** xlu_cfg_get_defbool: a number, 0 is false and anything else true. */
  bool(key: XlKey): boolean | undefined {
    const n = this.number(key, '0 or 1 (xl reads a number: 0 is false, anything else true)');
    return n === undefined ? undefined : n !== 0;
  }

  /** xlu_cfg_get_list with string items (xl's device loops stop at the first nested list; xenkit refuses it). */
  list(key: XlKey): { s: XlSetting; items: XlString[] } | undefined {
    const s = this.get(key);
    if (!s) return undefined;
    if (s.value.kind !== 'list') throw invalid(key, s.file, s.value, `${key} takes a list (xl warns and ignores a single value)`, `${key} = [ "...", ... ]`);
    const items = s.value.items.map((v) => {
      if (v.kind === 'list') throw invalid(key, s.file, v, `${key} entries are strings; xl stops reading ${key} at a nested list`, 'a quoted string');
      return v;
    });
    return { s, items };
  }
}

/** XLCFG_INVALID for a key the config lacks: there is no position, only the file. */
export function missing(file: string, key: string, rule: string, accepted: string, source?: string): XenkitError {
  return new XenkitError('XLCFG_INVALID', `${file}: ${key}: missing: ${rule}; expected ${accepted}`, { field: key, hint: `expected ${accepted}`, details: { file }, source });
}
