/**
 * Release boundaries live in facts (src/xen/): the layers below the toolstack (hv, backend, sim, xc,
 * replay) test what a release does through facts' tables, never a release literal or inRange().
 * Comments may name releases (citations); code may not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const LAYERS = ['hv', 'backend', 'sim', 'xc', 'replay'];

function stripComments(text: string): string {
  // Block comments keep their newlines, so reported line numbers stay right.
  return text.replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, '')).replace(/(^|[^:'"`])\/\/[^\n]*/g, '$1');
}

/** `file:line: code` for each release literal or inRange() call outside comments. */
function releaseLiterals(file: string, text: string): string[] {
  const out: string[] = [];
  stripComments(text)
    .split('\n')
    .forEach((line, i) => {
      if (/\binRange\s*\(|\b4\.(?:[6-9]|1\d|2\d)\b/.test(line)) out.push(`${file}:${i + 1}: ${line.trim()}`);
    });
  return out;
}

test('no release literal or inRange() in hv/, backend/, sim/, xc/, replay/', () => {
  const found: string[] = [];
  for (const layer of LAYERS)
    for (const f of readdirSync(join(SRC, layer)).filter((x) => x.endsWith('.ts')))
      found.push(...releaseLiterals(`src/${layer}/${f}`, readFileSync(join(SRC, layer, f), 'utf8')));
  assert.deepEqual(found, []);
});

test('the scan finds a boundary in code and ignores one in a comment', () => {
  const src = "// from 4.12 the count must match\n/* 4.18:\n getinfo_single */\nif (inRange(r, '4.12')) f();\nconst m = `added in 4.15`;\n";
  assert.deepEqual(releaseLiterals('x.ts', src), ["x.ts:4: if (inRange(r, '4.12')) f();", 'x.ts:5: const m = `added in 4.15`;']);
});

// The toolstack and the CLI (above the facts) may name a release in a citation (@RELEASE-4.17.0),
// in a help example (--xen 4.17) or as the release a mapping targets, but a release boundary (a
// comparison with a release, inRange(), "since 4.10", "4.13+", "4.6 .. 4.22") lives in src/xen/
// (perRelease() tables, cited), so adding a release cannot leave one behind.
const REL = String.raw`4\.(?:[6-9]|1\d|2\d)\b`;
const BOUNDARY = new RegExp(String.raw`\b(?:inRange|releaseIndex)\s*\(|[!=]==?\s*['"\x60]${REL}|case\s+['"\x60]${REL}|\b(?:since|added in|from|until|before|after)\s+(?:Xen\s+|xl\s+|libxl\s+)?${REL}|${REL}\+|${REL}\s*(?:\.\.|-)\s*${REL}`);
const UPPER = ['cli', 'toolstack'];

function boundaries(file: string, text: string): string[] {
  const out: string[] = [];
  stripComments(text)
    .split('\n')
    .forEach((line, i) => {
      if (BOUNDARY.test(line)) out.push(`${file}:${i + 1}: ${line.trim()}`);
    });
  return out;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

test('no release boundary in src/cli/ or src/toolstack/ (comparisons, inRange(), "since 4.x", "4.x+", ranges)', () => {
  const found = UPPER.flatMap((layer) => tsFiles(join(SRC, layer)).flatMap((f) => boundaries(f.slice(SRC.length - 4), readFileSync(f, 'utf8'))));
  assert.deepEqual(found, []);
});

test('the boundary scan finds each form in code, and passes citations and help examples', () => {
  const src = [
    "if (r === '4.6') x();",
    'const s = `deprecated since Xen 4.10`;',
    "const h = 'the host (4.13+)';",
    "const o = 'a release (4.6 .. 4.22)';",
    "const c = 'tools/xl/xl_parse.c @RELEASE-4.17.0';",
    "const e = 'xk check --xen 4.17 x.cfg';",
    '// before 4.10 there is no type',
    "if (releaseIndex(r) < releaseIndex('4.18')) y();",
  ].join('\n');
  assert.deepEqual(boundaries('x.ts', src), [
    "x.ts:1: if (r === '4.6') x();",
    'x.ts:2: const s = `deprecated since Xen 4.10`;',
    "x.ts:3: const h = 'the host (4.13+)';",
    "x.ts:4: const o = 'a release (4.6 .. 4.22)';",
    "x.ts:8: if (releaseIndex(r) < releaseIndex('4.18')) y();",
  ]);
});
