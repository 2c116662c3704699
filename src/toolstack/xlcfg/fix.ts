import { Lexer, type Token } from './lexer.js';
import { parseXlCfg } from './parse.js';
import { xlFindings, type XlFinding, type XlSettingView } from '../../xen/xl-changes.js';
import type { ReleaseId } from '../../xen/releases.js';

/** One `key = scalar` assignment as written: where its key and value tokens sit on their line. */
interface Written {
  key: string;
  line: number;
  key0: number;
  keyRaw: string;
  val0: number;
  valRaw: string;
}

/** The scalar assignments of the text, from the real lexer (so strings, comments and `;` are xl's). */
function written(text: string, file: string): Written[] {
  const lx = new Lexer(text, file);
  const out: Written[] = [];
  const toks: Token[] = [];
  for (let t = lx.next(); ; t = lx.next()) {
    toks.push(t);
    if (t.type === 'eof') break;
  }
  for (let i = 0; i + 2 < toks.length; i++) {
    const [k, op, v] = [toks[i]!, toks[i + 1]!, toks[i + 2]!];
    const atStart = i === 0 || ['newline', ';'].includes(toks[i - 1]!.type);
    if (atStart && k.type === 'ident' && op.type === '=' && (v.type === 'string' || v.type === 'number'))
      out.push({ key: k.value, line: k.line, key0: k.col - 1, keyRaw: k.raw, val0: v.col - 1, valRaw: v.raw });
  }
  return out;
}

export interface FixResult {
  text: string;
  /** The findings rewritten, and those left as they are (no form that release reads, or a list). */
  fixed: XlFinding[];
  left: XlFinding[];
}

/**
 * Rewrite the keys xl of `release` no longer (or not yet) reads into the form it reads, editing only
 * the key and value tokens of the last assignment of each: comments, order and layout stay.
 */
export function fixXlCfg(text: string, file: string, release: ReleaseId): FixResult {
  const cfg = parseXlCfg(text, file); // a syntax error is the caller's XenkitError
  const view = new Map<string, XlSettingView>(
    [...cfg.settings].map(([k, s]) => [k, { value: s.value.kind === 'string' ? s.value.value : s.value.items.map((i) => (i.kind === 'string' ? i.value : '')) }]),
  );
  const lines = text.split('\n');
  const byKey = new Map(written(text, file).map((w) => [w.key, w])); // the last one wins, as in xl
  const fixed: XlFinding[] = [];
  const left: XlFinding[] = [];
  for (const f of xlFindings(release, view)) {
    const w = byKey.get(f.key);
    const s = cfg.settings.get(f.key);
    if (!f.instead || !w || s?.op !== '=' || cfg.settings.has(f.instead.key) || fixed.some((x) => x.instead?.key === f.instead!.key)) {
      left.push(f);
      continue;
    }
    const value = f.instead.quoted ? `"${f.instead.value}"` : f.instead.value;
    const line = lines[w.line - 1]!;
    // value first: it sits right of the key, so the key's columns stay valid
    const v = line.slice(0, w.val0) + value + line.slice(w.val0 + w.valRaw.length);
    lines[w.line - 1] = v.slice(0, w.key0) + f.instead.key + v.slice(w.key0 + w.keyRaw.length);
    fixed.push(f);
  }
  return { text: lines.join('\n'), fixed, left };
}

/** A unified diff of two texts with the same number of lines (fixXlCfg edits within lines). */
export function lineDiff(a: string, b: string, from: string, to: string, context = 3): string {
  const lines = (t: string) => (t.endsWith('\n') ? t.slice(0, -1) : t).split('\n');
  const [x, y] = [lines(a), lines(b)];
  const changed = x.map((l, i) => l !== y[i]).flatMap((c, i) => (c ? [i] : []));
  if (!changed.length) return '';
  const hunks: [number, number][] = [];
  for (const i of changed) {
    const [s, e] = [Math.max(0, i - context), Math.min(x.length - 1, i + context)];
    const last = hunks[hunks.length - 1];
    if (last && s <= last[1] + 1) last[1] = e;
    else hunks.push([s, e]);
  }
  const out = [`--- ${from}`, `+++ ${to}`];
  for (const [s, e] of hunks) {
    out.push(`@@ -${s + 1},${e - s + 1} +${s + 1},${e - s + 1} @@`);
    for (let i = s; i <= e; i++) {
      if (x[i] === y[i]) out.push(` ${x[i]}`);
      else out.push(`-${x[i]}`, `+${y[i]}`);
    }
  }
  return out.join('\n') + '\n';
}
