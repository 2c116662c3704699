#!/usr/bin/env -S node --import tsx
// Regenerates src/xen/xl-keys-data.ts: the top-level xl.cfg keys xl reads at each release tag.
// For each release of src/xen/releases.ts it takes xl's C sources at RELEASE-4.N.0 (tools/xl/*.c
// from 4.9, tools/libxl/xl*.c before), splits them into functions, walks the call graph from
// parse_config_data() (inlining callees at their call site, so keys come in xl's reading order)
// and collects the key literal of every xlu_cfg_get_* / xlu_cfg_replace_string call, and of
// `#define`d readers such as parse_extra_args(type) ("device_model_args"#type). A reader call
// whose key is not a literal stops the run: a human has to read that code.
// Needs a xen.git mirror; nothing at runtime does.
//   npm run gen:xl-keys [-- --git-dir DIR] [-- --check]
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { RELEASE_IDS, releaseTag, type ReleaseId } from '../src/xen/releases.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const argDir = process.argv.indexOf('--git-dir');
const GIT_DIR = argDir > 0 ? process.argv[argDir + 1]! : (process.env.XEN_GIT_DIR ?? '/work/.mirror/xen-project+xen/repo');
const OUT = path.join(ROOT, 'src/xen/xl-keys-data.ts');

const git = (...a: string[]) => execFileSync('git', ['--git-dir', GIT_DIR, ...a], { encoding: 'utf8', maxBuffer: 64 << 20 });

/** xl's own C files at a tag (not libxl's, which never sees xl.cfg). */
function xlSources(tag: string): Map<string, string> {
  const files = git('ls-tree', '-r', '--name-only', tag, 'tools/xl', 'tools/libxl')
    .split('\n')
    .filter((f) => /^tools\/xl\/[^/]+\.c$/.test(f) || /^tools\/libxl\/xl[^/]*\.c$/.test(f));
  return new Map(files.map((f) => [f, git('show', `${tag}:${f}`)]));
}

/** Comments blanked (same length, newlines kept) so that braces and calls in them do not count. */
function stripComments(src: string): string {
  return src.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/g, (m) =>
    m.startsWith('/') ? m.replace(/[^\n]/g, ' ') : m,
  );
}

interface Fn {
  name: string;
  file: string;
  body: string;
}

/** Top-level function definitions: `name(...) {` at brace depth 0 (string and char literals skipped). */
function functions(file: string, raw: string): Fn[] {
  const src = stripComments(raw);
  const out: Fn[] = [];
  let depth = 0;
  let start = -1;
  let name = '';
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '"' || c === "'") {
      const m = /^(["'])(?:[^"'\\\n]|\\.|(?!\1)["'])*\1/.exec(src.slice(i, i + 4000));
      if (m) i += m[0].length - 1;
      continue;
    }
    if (c === '{') {
      if (depth === 0) {
        const head = src.slice(Math.max(0, i - 600), i);
        const m = /([A-Za-z_]\w*)\s*\([^;{}]*\)\s*$/.exec(head);
        name = m && !/^(if|for|while|switch|sizeof)$/.test(m[1]!) ? m[1]! : '';
        start = i;
      }
      depth++;
    } else if (c === '}') {
      depth--;
      if (depth === 0 && name) out.push({ name, file, body: src.slice(start, i + 1) });
    }
  }
  return out;
}

const READER = /\b(xlu_cfg_(?:get_\w+|replace_string))\s*\(\s*\w+\s*,\s*/y;

/** `#define NAME(arg) ... xlu_cfg_...(config, "prefix"#arg ...`: a reader whose key is prefix + argument. */
function macroReaders(body: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of body.matchAll(/#define\s+(\w+)\((\w+)\)((?:\\\n|[^\n])*)/g)) {
    const k = new RegExp(`xlu_cfg_\\w+\\s*\\(\\s*\\w+\\s*,\\s*"([^"]*)"\\s*#\\s*${m[2]}\\b`).exec(m[3]!);
    if (k) out.set(m[1]!, k[1]!);
  }
  return out;
}

/** Keys read by `fn` and (inlined at the call) the same-program functions it calls, in order. */
function walk(fn: Fn, byName: Map<string, Fn>, seen: Set<string>, keys: string[], tag: string): void {
  seen.add(fn.name);
  const macros = macroReaders(fn.body);
  const body = fn.body.replace(/#define(?:\\\n|[^\n])*/g, (m) => m.replace(/[^\n]/g, ' '));
  // calls are looked for outside string literals (an error message's "foo(" is no call)
  const masked = body.replace(/"(?:[^"\\\n]|\\.)*"/g, (m) => `"${' '.repeat(m.length - 2)}"`);
  for (const m of masked.matchAll(/\b([A-Za-z_]\w*)\s*\(/g)) {
    const id = m[1]!;
    const at = m.index! + m[0].length;
    if (id.startsWith('xlu_cfg_')) {
      READER.lastIndex = m.index!;
      // get_listitem/get_listitem2 read an item of a list already got, not a key
      if (!READER.test(body) || /^xlu_cfg_get_listitem2?$/.test(id)) continue;
      const lit = /^"([^"]*)"\s*[,)]/.exec(body.slice(READER.lastIndex));
      if (!lit) throw new Error(`${fn.file} @${tag} ${fn.name}(): ${id} with a key that is not a literal: ${body.slice(m.index!, m.index! + 80)}`);
      keys.push(lit[1]!);
    } else if (macros.has(id)) {
      const arg = /^\s*(\w*)\s*\)/.exec(body.slice(at));
      if (!arg) throw new Error(`${fn.file} @${tag} ${fn.name}(): ${id}( without a plain argument`);
      keys.push(macros.get(id)! + arg[1]!);
    } else if (byName.has(id) && !seen.has(id)) {
      walk(byName.get(id)!, byName, seen, keys, tag);
    }
  }
}

interface ReleaseKeys {
  file: string;
  keys: string[];
}

function keysAt(r: ReleaseId): ReleaseKeys {
  const tag = releaseTag(r);
  const fns = [...xlSources(tag)].flatMap(([f, src]) => functions(f, src));
  const byName = new Map<string, Fn>();
  for (const f of fns) if (!byName.has(f.name) || f.name === 'parse_config_data') byName.set(f.name, f);
  const root = byName.get('parse_config_data');
  if (!root) throw new Error(`no parse_config_data() in xl's sources @${tag}`);
  const keys: string[] = [];
  walk(root, byName, new Set(), keys, tag);
  return { file: root.file, keys: [...new Set(keys)] };
}

function render(rows: Map<ReleaseId, ReleaseKeys>): string {
  const lines = [
    '// Generated by scripts/gen-xl-keys.ts (npm run gen:xl-keys) from xen.git: do not edit.',
    '// Per release: the file holding parse_config_data() at RELEASE-4.N.0 and every top-level key it',
    '// (and the functions it calls) reads with xlu_cfg_get_* / xlu_cfg_replace_string / parse_extra_args,',
    '// in reading order. Reviewed by hand against the code: see src/xen/xl-keys.ts.',
    '',
    'export const XL_KEYS_AT = {',
  ];
  for (const [r, { file, keys }] of rows) {
    lines.push(`  '${r}': {`, `    file: '${file}',`, '    keys: [');
    let line = '     ';
    for (const k of keys) {
      const item = ` '${k}',`;
      if (line.length + item.length > 110) {
        lines.push(line);
        line = '     ';
      }
      line += item;
    }
    lines.push(line, '    ],', '  },');
  }
  lines.push('} as const;', '');
  return lines.join('\n');
}

const rows = new Map<ReleaseId, ReleaseKeys>();
for (const r of RELEASE_IDS) {
  rows.set(r, keysAt(r));
  process.stderr.write(`${releaseTag(r)}: ${rows.get(r)!.keys.length} keys in ${rows.get(r)!.file}\n`);
}
const text = render(rows);
if (process.argv.includes('--check')) {
  if (readFileSync(OUT, 'utf8') !== text) {
    process.stderr.write(`${path.relative(ROOT, OUT)} is not what the generator writes: run npm run gen:xl-keys\n`);
    process.exit(1);
  }
} else writeFileSync(OUT, text);
