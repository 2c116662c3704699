import { XenkitError } from '../../errors.js';
import type { XlPos } from './ast.js';

/** "file:line:col", the prefix of every message that points into a config. */
export function where(file: string, pos: XlPos): string {
  return `${file}:${pos.line}:${pos.col}`;
}

/** The source line at `pos` and a caret under its column (tabs kept so the caret lines up). */
export function excerpt(text: string, pos: XlPos): string {
  const line = text.split(/\r?\n/)[pos.line - 1] ?? '';
  return `${line}\n${line.slice(0, pos.col - 1).replace(/[^\t]/g, ' ')}^`;
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
