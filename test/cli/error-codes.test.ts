import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { ERROR_CODES, ERROR_FAMILIES, errorClass, EXIT_STATUS, XenkitError } from '../../src/errors.js';
import { exitCodeFor } from '../../src/cli/io.js';
import { ruleCode } from '../../src/xc/check.js';
import { createRules } from '../../src/xen/createdomain.js';
import { ERRNO } from '../../src/xen/errno.js';
import { RELEASE_IDS } from '../../src/xen/releases.js';
import { LIBXL_ERRORS } from '../../src/backend/libxl.js';

const SRC = resolve(import.meta.dirname, '../../src');
const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? files(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : []));

/** The arguments of the call whose '(' is at `open`, split at top-level commas (strings and templates skipped). */
function callArgs(s: string, open: number): string[] {
  const args: string[] = [];
  let depth = 0;
  let start = open + 1;
  for (let i = open; i < s.length; i++) {
    const c = s[i]!;
    if (c === "'" || c === '"' || c === '`') {
      for (i++; i < s.length && s[i] !== c; i++) if (s[i] === '\\') i++;
      continue;
    }
    if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c) && --depth === 0) return [...args, s.slice(start, i).trim()].filter(Boolean);
    else if (c === ',' && depth === 1) {
      args.push(s.slice(start, i).trim());
      start = i + 1;
    }
  }
  return args;
}

/** Where an error code is chosen: the call, and which argument holds the code (or the errno). */
const SITES: { re: RegExp; arg: number; code: (a: string) => string | undefined }[] = [
  { re: /new XenkitError\(/g, arg: 0, code: (a) => a },
  { re: /\bnoXen\(/g, arg: 0, code: (a) => a },
  { re: /\bbadInput\(/g, arg: 3, code: (a) => a },
  // The errno argument is typed ErrnoName, so a computed one is still in the XEN_ family.
  { re: /\bhypercallError\(/g, arg: 1, code: (a) => (/^'E[A-Z0-9]+'$/.test(a) ? `'XEN_${a.slice(1)}` : undefined) },
];
/**
 * Call sites whose code is an expression, each reviewed: what the code can be. A new one fails the
 * test until it is added here with its reason.
 */
const DYNAMIC: Record<string, string> = {
  "errors.ts: code": 'badInput/the XenkitError helpers themselves',
  "errors.ts: 'XEN_' + errno": 'hypercallError: XEN_<errno>, the XEN_ family',
  "backend/xen.ts: code": 'noXen(): its callers are scanned',
  "sim/sim.ts: 'XEN_' + f.errno": 'the sim fault: XEN_<errno>',
  "backend/libxl.ts: 'LIBXL_' + (LIBXL_ERRORS[rc] ?? 'ERROR')": 'LIBXL_<libxl_error> or LIBXL_ERROR, checked below',
  "backend/libxl-client.ts: str(a.code) ?? 'LIBXL_ERROR'": "the worker's error, rebuilt: a code the worker threw (scanned here)",
  "toolstack/lifecycle.ts: e.code": 'a build step error, re-thrown with its own code',
  "xc/check.ts: v.code!": 'a createdomain rule code, ruleCode(rule id), checked below',
  "sim/sim.ts: ruleCode(f.rule)": 'a createdomain rule code, ruleCode(rule id), checked below',
};

function scan(): { literal: Map<string, string[]>; dynamic: string[] } {
  const literal = new Map<string, string[]>();
  const dynamic: string[] = [];
  for (const f of files(SRC)) {
    const s = readFileSync(f, 'utf8');
    const rel = relative(SRC, f);
    const add = (code: string, at: string) => literal.set(code, [...(literal.get(code) ?? []), at]);
    for (const site of SITES)
      for (const m of s.matchAll(site.re)) {
        if (/function\s+$/.test(s.slice(Math.max(0, m.index! - 10), m.index!))) continue; // the definition
        const args = callArgs(s, m.index! + m[0].length - 1);
        const raw = args[site.arg];
        if (raw === undefined) continue; // badInput without a code: BAD_INPUT
        const a = site.code(raw);
        if (a === undefined) continue;
        const lit = /^'([A-Z][A-Z0-9_]*)'$/.exec(a);
        if (lit) add(lit[1]!, rel);
        else dynamic.push(`${rel}: ${a}`);
      }
    // Error lines of the batch modes, and the worker's replies.
    for (const m of s.matchAll(/\b(?:error|code): '([A-Z][A-Z0-9_]*)'/g)) add(m[1]!, rel);
  }
  return { literal, dynamic };
}

test('every error code passed to new XenkitError / noXen / badInput / hypercallError is in the table', () => {
  const { literal, dynamic } = scan();
  assert.ok(literal.size > 20, `found only ${[...literal.keys()]}`);
  const missing = [...literal].filter(([c]) => errorClass(c) === undefined).map(([c, at]) => `${c} (${at.join(', ')})`);
  assert.deepEqual(missing, [], 'codes used in src/ but missing from ERROR_CODES in src/errors.ts');
  const unreviewed = [...new Set(dynamic)].filter((d) => !(d in DYNAMIC));
  assert.deepEqual(unreviewed, [], 'call sites with a computed code: add them to DYNAMIC with what the code can be');
  assert.ok(literal.has('BAD_INPUT') && literal.has('XEN_ESRCH') && literal.has('LIBXL_WORKER'));
});

test('the table is closed both ways: every createdomain rule has its code, every fixed code is used', () => {
  const ruleCodes = new Set<string>();
  for (const r of RELEASE_IDS) for (const arch of ['x86_64', 'arm64']) for (const rule of createRules(r, arch)) ruleCodes.add(ruleCode(rule.id));
  for (const c of ruleCodes) assert.equal(errorClass(c), 'refused', `rule code ${c}: add it to ERROR_CODES as 'refused'`);
  const { literal } = scan();
  const named = Object.values(DYNAMIC).join(' ');
  const unused = Object.keys(ERROR_CODES).filter((c) => !literal.has(c) && !ruleCodes.has(c) && !new RegExp(`\\b${c}\\b`).test(named));
  assert.deepEqual(unused, [], 'codes in the table that nothing in src/ uses (and no createdomain rule)');
});

test('the families: XEN_<every errno>, LIBXL_<every libxl_error>; nothing else matches them', () => {
  for (const e of Object.keys(ERRNO)) assert.equal(errorClass(`XEN_${e}`), 'refused', e);
  for (const name of Object.values(LIBXL_ERRORS)) assert.equal(errorClass(`LIBXL_${name}`), 'refused', name);
  assert.equal(errorClass('XEN_NOTANERRNO'), undefined);
  assert.equal(errorClass('XEN_'), undefined);
  assert.equal(errorClass('WHATEVER'), undefined);
  assert.equal(ERROR_FAMILIES.length, 2);
});

test('exitCodeFor follows the table: 1 refused, 2 bad input, 3 state, 4 environment, 70 internal', () => {
  const exit = (code: string, errno?: 'ENOMEM') => exitCodeFor(new XenkitError(code, 'm', { errno }));
  assert.deepEqual(EXIT_STATUS, { refused: 1, 'bad-input': 2, state: 3, environment: 4, internal: 70 });
  assert.equal(exit('XEN_ENOMEM', 'ENOMEM'), 1);
  assert.equal(exit('EMULATION_NOT_ALLOWED'), 1);
  assert.equal(exit('LIBXL_ERROR_FAIL'), 1); // before: 2, as every errno-less error
  assert.equal(exit('XLCFG_SYNTAX'), 2);
  assert.equal(exit('FILE_UNREADABLE'), 2);
  assert.equal(exit('STATE_LOCKED'), 3);
  for (const c of ['NO_XEN', 'NO_LIBXL', 'NO_KOFFI', 'LIBXL_WORKER']) assert.equal(exit(c), 4, c); // before: 2
  assert.equal(exit('ABI_MISMATCH'), 70);
  assert.equal(exit('NOT_IN_THE_TABLE'), 70, 'a code outside the closed table is a bug');
  assert.equal(exitCodeFor(new TypeError('x')), 70);
  for (const [code, [cls, meaning]] of Object.entries(ERROR_CODES)) {
    assert.ok(cls in EXIT_STATUS, code);
    assert.ok(meaning.length > 10 && !meaning.includes('\n'), `${code}: a one-line meaning`);
  }
});
