import type { Fail } from '../reader.js';
import type { ReleaseId } from '../../../xen/releases.js';
import { xlParseRules } from '../../../xen/xl-parse.js';

/**
 * The C string handling xl's device parsers are built from (tools/xl/xl_parse.c @RELEASE-4.17.0),
 * in JavaScript: strtok()'s tokens, MATCH_OPTION()'s "key=" prefix, split_string_into_pair(), and
 * the numbers atoi()/strtoul() read. Where xl takes the leading digits of a word (or 0 for none),
 * xenkit refuses the word (README: stricter than xl).
 */

/** strtok(buf, sep) with each token's leading blanks skipped (`while (*p == ' ') p++`); empty fields vanish. */
export function tokens(spec: string, sep = ','): string[] {
  return spec
    .split(sep)
    .filter((t) => t !== '')
    .map((t) => t.replace(/^ +/, ''));
}

/** `key=value` split at the first '='; undefined without one. */
export function keyValue(token: string): [string, string] | undefined {
  const eq = token.indexOf('=');
  return eq < 0 ? undefined : [token.slice(0, eq), token.slice(eq + 1)];
}

/**
 * split_string_into_pair(str, delim): the first two strtok_r() tokens, so "a=b=c" is ["a", "b"]
 * and a leading delimiter is skipped; undefined when there are fewer than two.
 */
export function pair(str: string, delim: string): [string, string] | undefined {
  const t = str.split(delim).filter((x) => x !== '');
  return t.length < 2 ? undefined : [t[0]!, t[1]!];
}

/**
 * split_string_into_pair() from xl 4.18 (tools/xl/xl_parse.c @RELEASE-4.18.0, "make
 * split_string_into_pair() more usable"): split at the first delimiter, both halves trimmed of
 * blanks, the value not empty; before 4.18 the strtok_r() form above, trimmed by the caller.
 */
export function pairOf(release: string, str: string, delim: string): [string, string] | undefined {
  if (xlParseRules(release as ReleaseId).pairSplit === 'strtok') {
    const p = pair(str, delim);
    return p && [trimC(p[0]), trimC(p[1])];
  }
  const at = str.indexOf(delim);
  return at < 0 || at === str.length - 1 ? undefined : [trimC(str.slice(0, at)), trimC(str.slice(at + 1))];
}

/** trim(isspace, ...). */
export function trimC(s: string): string {
  return s.replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, '');
}

/** atoi(): a decimal number (leading blanks and a sign allowed). */
export function atoi(v: string, fail: Fail, what: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)$/.exec(v);
  const n = m ? Number(m[1]) : NaN;
  if (!Number.isSafeInteger(n) || n < -2147483648 || n > 2147483647) fail(`xl reads ${what} with atoi(), and "${v}" is not a decimal number (xl would take its leading digits, or 0)`, `${what}=<decimal number>`);
  return n;
}

/** strtoul(v, NULL, base): decimal, or with base 0 also 0x.. hex and 0.. octal; at most `max`. */
export function strtoul(v: string, fail: Fail, what: string, base: 0 | 10 = 0, max = 4294967295): number {
  const m = base === 0 ? /^[ \t\n\v\f\r]*\+?(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)$/.exec(v) : /^[ \t\n\v\f\r]*\+?(\d+)$/.exec(v);
  const d = m?.[1];
  const n = d === undefined ? NaN : /^0[xX]/.test(d) ? parseInt(d.slice(2), 16) : base === 0 && d.length > 1 && d[0] === '0' ? parseInt(d, 8) : parseInt(d, 10);
  const form = base === 0 ? 'a number (12, 0x0c or 014)' : 'a decimal number';
  if (!(n <= max)) fail(`xl reads ${what} with strtoul(), and "${v}" is not ${form} of at most ${max}`, `${what}=<${form}>`);
  return n;
}
