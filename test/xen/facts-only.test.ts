/**
 * Release boundaries live in facts (src/xen/): the layers below the toolstack (hv, backend, sim, xc,
 * replay) test what a release does through facts' tables, never a release literal or inRange().
 * Comments may name releases (citations); code may not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
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
