import type { XlCfg, XlList, XlSetting, XlString, XlValue } from './ast.js';
import { Lexer, type Token, type TokType } from './lexer.js';
import { excerptOf, LIMITS } from '../../input.js';
import { syntaxError, tooDeep } from './syntax-error.js';

export type { XlCfg, XlList, XlPos, XlSetting, XlString, XlValue } from './ast.js';

/**
 * Parse xl.cfg text, with the grammar of tools/libs/util/libxlu_cfg_y.y @RELEASE-4.17.0:
 *
 *   file       := { [assignment] (NEWLINE | ';') } [assignment]     a final assignment needs no newline
 *   assignment := IDENT ('=' | '+=') value                          the value on the same line
 *   value      := STRING | NUMBER | '[' nl* [value nl* {',' nl* value nl*} [',' nl*]] ']'
 *
 * Settings are stored as libxlu_cfg.c xlu__cfg_set_store does: the last assignment of a key wins
 * silently; `+=` joins string to string or list to list (any key), and mixing the two is an error.
 * `base` (e.g. the file, when parsing `xl create` command-line overrides) is extended, not changed.
 */
export function parseXlCfg(text: string, file: string, base?: XlCfg): XlCfg {
  const lx = new Lexer(text, file);
  const cfg: XlCfg = { file: base?.file ?? file, settings: new Map(base?.settings), assignments: [...(base?.assignments ?? [])] };
  let tok = lx.next();
  const take = (): Token => {
    const t = tok;
    tok = lx.next();
    return t;
  };
  const fail = (expected: string, hint?: string): never => {
    throw syntaxError(text, file, tok, expected, describe(tok), hint);
  };
  // `tok` changes under take(): test it through is(), which TypeScript does not narrow.
  const is = (...types: TokType[]): boolean => types.includes(tok.type);
  const skipNewlines = () => {
    while (is('newline')) take();
  };

  const value = (expected: string, depth = 0): XlValue => {
    if (is('string', 'number')) {
      const t = take();
      return { kind: 'string', value: t.value, quoted: t.type === 'string', line: t.line, col: t.col };
    }
    if (!is('[')) {
      const hint = tok.raw.startsWith('-') ? 'a negative number must be quoted: "-1"' : is('ident') ? 'a word must be quoted: "…"' : undefined;
      return fail(expected, hint);
    }
    if (depth >= LIMITS.depth) throw tooDeep(text, file, tok, LIMITS.depth);
    const open = take();
    const list: XlList = { kind: 'list', items: [], line: open.line, col: open.col };
    skipNewlines();
    while (!is(']')) {
      list.items.push(value("a value or ']'", depth + 1));
      skipNewlines();
      if (is(']')) break;
      if (!is(',')) fail("',' or ']'");
      take();
      skipNewlines(); // one trailing comma is allowed: `[ 1, 2, ]`
    }
    take();
    return list;
  };

  for (;;) {
    if (is('eof')) return cfg;
    if (is('newline', ';')) {
      take();
      continue;
    }
    if (!is('ident')) fail('a setting (key = value)', /^[A-Z_]/.test(tok.raw) ? 'keys are lower case: [a-z][a-z0-9._]*' : undefined);
    const key = take();
    if (!is('=', '+=')) fail("'=' or '+='");
    const op = take().type as '=' | '+=';
    const v = value("a value (a quoted string, a number or '[')");
    if (!is('newline', ';', 'eof')) fail("';' or end of line");
    const setting: XlSetting = { key: key.value, op, value: v, file, line: key.line, col: key.col };
    cfg.assignments.push(setting);
    cfg.settings.set(key.value, op === '=' ? setting : append(cfg.settings.get(key.value), setting, text, file));
  }
}

/** libxlu_cfg.c xlu__cfg_concat_vals: string += string concatenates, list += list appends. */
function append(prev: XlSetting | undefined, add: XlSetting, text: string, file: string): XlSetting {
  if (!prev) return add;
  const [a, b] = [prev.value, add.value];
  if (a.kind !== b.kind) {
    const was = a.kind === 'list' ? 'a list' : 'a string';
    throw syntaxError(text, file, b, `${was} to add to ${add.key} (${was} in ${prev.file} line ${prev.line})`, b.kind === 'list' ? 'a list' : 'a string', "+= joins a string to a string or a list to a list");
  }
  const value: XlValue =
    a.kind === 'list' ? { ...a, items: [...a.items, ...(b as XlList).items] } : { ...a, value: a.value + (b as XlString).value, quoted: a.quoted || (b as XlString).quoted };
  return { ...prev, op: '+=', value };
}

function describe(t: Token): string {
  switch (t.type) {
    case 'eof':
      return 'end of file';
    case 'newline':
      return t.raw.startsWith('#') ? 'a comment (end of line)' : 'end of line';
    case 'string':
      return excerptOf(t.raw);
    default:
      return `'${excerptOf(t.raw)}'`; // short, and a stray \r shows as \r
  }
}
