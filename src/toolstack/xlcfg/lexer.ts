import type { XlPos } from './ast.js';
import { syntaxError } from './syntax-error.js';

/**
 * The xl.cfg tokens of tools/libs/util/libxlu_cfg_l.l @RELEASE-4.17.0. Where libxlu is buggy,
 * this lexer is more lenient, on purpose:
 *  - CRLF line ends are newlines (libxlu: "lexical error" on every line, as `\r` is no blank);
 *  - hex numbers may use upper case (`0xFF`; libxlu lexes `0x` then fails on `FF`);
 *  - `\xHH` and `\ooo` escapes decode as in C (libxlu 4.17's NUMERIC_CHAR never stores the
 *    value: `\x41` is always an error and `\101` is dropped).
 * An unexpected character comes back as a `bad` token (with the rest of its word) so the parser
 * can say what it expected.
 */
export type TokType = 'ident' | 'number' | 'string' | '=' | '+=' | '[' | ']' | ',' | ';' | 'newline' | 'eof' | 'bad';

export interface Token extends XlPos {
  type: TokType;
  /** Source text (for strings: with quotes and escapes as written). */
  raw: string;
  /** Decoded value of a string; the raw text of anything else. */
  value: string;
}

const ESCAPES: Record<string, string> = { '"': '"', "'": "'", '\\': '\\', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };
const ESCAPE_LIST = '\\n \\t \\r \\\\ \\" \\\' \\a \\b \\f \\v \\xHH \\ooo';

export class Lexer {
  private i = 0;
  private line = 1;
  private lineStart = 0;

  constructor(
    private readonly text: string,
    private readonly file: string,
  ) {}

  next(): Token {
    const s = this.text;
    while (s[this.i] === ' ' || s[this.i] === '\t') this.i++;
    const start = this.i;
    const pos = { line: this.line, col: start - this.lineStart + 1 };
    const tok = (type: TokType, end: number, value?: string): Token => {
      this.i = end;
      const raw = s.slice(start, end);
      return { type, raw, value: value ?? raw, ...pos };
    };
    const c = s[start];
    if (c === undefined) return tok('eof', start);
    if (c === '#' || c === '\n' || (c === '\r' && s[start + 1] === '\n')) {
      const end = s.indexOf('\n', start);
      // libxlu's comment is `\#.*\n`: on a last line without a newline, `#` is a lexical error
      if (end < 0) throw syntaxError(s, this.file, pos, 'a newline at the end of this comment', 'the end of the file', "xl refuses a file whose last line is a comment without a newline (libxlu_cfg_l.l: `\\#.*\\n`, else \"lexical error\"); end the file with a newline");
      const t = tok('newline', end < 0 ? s.length : end + 1);
      this.line++;
      this.lineStart = this.i;
      return t;
    }
    if (c === '"' || c === "'") return this.string(start, pos);
    if (s.startsWith('+=', start)) return tok('+=', start + 2);
    if ('=[],;'.includes(c)) return tok(c as TokType, start + 1);
    const word = (re: RegExp) => start + re.exec(s.slice(start))![0].length;
    if (/[a-z]/.test(c)) return tok('ident', word(/^[a-z][._0-9a-z]*/));
    if (/[0-9]/.test(c)) return tok('number', word(/^[0-9][0-9a-fA-FxX]*/));
    return tok('bad', word(/^[^\s=;,[\]#"']+|^[\s\S]/)); // the whole odd word, as libxlu's lexerr state reports it
  }

  /** A quoted string on one line, decoded as libxlu_cfg.c xlu__cfgl_dequote does (with working numeric escapes). */
  private string(start: number, pos: XlPos): Token {
    const s = this.text;
    const q = s[start]!;
    let out = '';
    let j = start + 1;
    for (;;) {
      const c = s[j];
      if (c === undefined || c === '\n' || (c === '\r' && s[j + 1] === '\n')) {
        const at = { line: this.line, col: j - this.lineStart + 1 };
        throw syntaxError(s, this.file, at, `the closing ${q} of the string at column ${pos.col}`, c === undefined ? 'end of file' : 'end of line', 'strings cannot span lines');
      }
      if (c === q) break;
      if (c !== '\\') {
        out += c;
        j++;
        continue;
      }
      const e = s[j + 1];
      let m: RegExpExecArray | null;
      if (e !== undefined && e in ESCAPES) {
        out += ESCAPES[e];
        j += 2;
      } else if ((m = /^x([0-9a-fA-F]{1,2})/.exec(s.slice(j + 1)))) {
        out += String.fromCharCode(parseInt(m[1]!, 16));
        j += 1 + m[0].length;
      } else if ((m = /^[0-7]{1,3}/.exec(s.slice(j + 1)))) {
        out += String.fromCharCode(parseInt(m[0], 8) & 0xff);
        j += 1 + m[0].length;
      } else {
        const at = { line: this.line, col: j - this.lineStart + 1 };
        const found = e === undefined || e === '\n' || e === '\r' ? 'a backslash at the end of the line' : `\\${e}`;
        throw syntaxError(s, this.file, at, `an escape (${ESCAPE_LIST})`, found, 'write a backslash as \\\\');
      }
    }
    this.i = j + 1;
    return { type: 'string', raw: s.slice(start, j + 1), value: out, ...pos };
  }
}
