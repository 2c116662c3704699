import { XenkitError } from '../../errors.js';
import { escapeControls } from '../../input.js';
import type { XlPos } from './ast.js';

/** "file:line:col", the prefix of every message that points into a config. */
export function where(file: string, pos: XlPos): string {
  return `${file}:${pos.line}:${pos.col}`;
}

/** Characters of the offending line shown around the column. */
const WINDOW = 72;

/**
 * The source line at `pos` and a caret under its column: at most WINDOW characters around the column
 * and control characters escaped, so a huge or binary file is never echoed whole (tabs kept so the
 * caret lines up).
 */
export function excerpt(text: string, pos: XlPos): string {
  let start = 0;
  for (let l = 1; l < pos.line && start >= 0; l++) start = text.indexOf('\n', start) + 1 || -1;
  if (start < 0) return '';
  let end = text.indexOf('\n', start);
  if (end < 0) end = text.length;
  if (text[end - 1] === '\r') end--;
  const at = start + pos.col - 1;
  const from = Math.max(start, Math.min(at - WINDOW / 2, end - WINDOW));
  const to = Math.min(end, from + WINDOW);
  const head = from > start ? '…' : '';
  const before = head + escapeControls(text.slice(from, at));
  const line = before + escapeControls(text.slice(at, to)) + (to < end ? '…' : '');
  return `${line}\n${before.replace(/[^\t]/g, ' ')}^`;
}

/**
 * The parser's one error: `file:line:col: expected X, found Y`, then the line and a caret.
 * (xl says `file:line: config parsing error near `tok': ...`, libxlu_cfg.c xlu__cfg_yyerror.)
 */
export function syntaxError(text: string, file: string, pos: XlPos, expected: string, found: string, hint?: string): XenkitError {
  return new XenkitError('XLCFG_SYNTAX', `${where(file, pos)}: expected ${expected}, found ${found}\n${excerpt(text, pos)}`, {
    field: file,
    value: found,
    hint: hint ?? `expected ${expected}`,
    details: { file, line: pos.line, col: pos.col },
    source: 'tools/libs/util/libxlu_cfg_l.l, libxlu_cfg_y.y @RELEASE-4.17.0',
  });
}

/** A list nested deeper than `limit` (libxlu itself gives up near 3,300: bison's YYMAXDEPTH 10000). */
export function tooDeep(text: string, file: string, pos: XlPos, limit: number): XenkitError {
  return new XenkitError('TOO_DEEP', `${where(file, pos)}: lists nested deeper than ${limit} levels\n${excerpt(text, pos)}`, {
    field: file,
    hint: `at most ${limit} nested lists (xl's own keys use two)`,
    details: { file, line: pos.line, col: pos.col, limit },
    source: 'tools/libs/util/libxlu_cfg_y.c YYMAXDEPTH @RELEASE-4.17.0',
  });
}
