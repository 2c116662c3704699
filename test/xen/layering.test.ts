/**
 * Facts (src/xen/) are the bottom layer (DESIGN.md): pure data and rules, importing nothing from the
 * layers above. The only exceptions are the project's error type (src/errors.ts) and the lazy zod
 * loader (src/validate.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const XEN = join(SRC, 'xen');
const ALLOWED = new Set(['errors.ts', 'validate.ts'].map((f) => join(SRC, f)));

/** Every module specifier a TypeScript source imports or re-exports (static and dynamic). */
function importsOf(source: string): string[] {
  const out: string[] = [];
  const text = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
  for (const m of text.matchAll(/\b(?:import|export)\b[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g)) out.push(m[1]!);
  for (const m of text.matchAll(/\bimport\s*['"]([^'"]+)['"]/g)) out.push(m[1]!);
  for (const m of text.matchAll(/\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]!);
  return out;
}

/** The facts files importing something outside src/xen/ other than errors.ts/validate.ts. */
function layeringViolations(dir: string, files: Record<string, string>): string[] {
  const bad: string[] = [];
  for (const [file, text] of Object.entries(files)) {
    for (const spec of importsOf(text)) {
      if (!spec.startsWith('.')) continue; // node: builtins and packages are not layers
      const target = normalize(join(dir, spec)).replace(/\.js$/, '.ts');
      const inFacts = relative(XEN, target).split(/[\\/]/)[0] !== '..';
      if (!inFacts && !ALLOWED.has(target)) bad.push(`src/xen/${file} imports ${spec}`);
    }
  }
  return bad;
}

const facts = Object.fromEntries(
  readdirSync(XEN)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => [f, readFileSync(join(XEN, f), 'utf8')]),
);

test('src/xen/*.ts imports nothing from the layers above (only errors.ts and validate.ts)', () => {
  assert.ok(Object.keys(facts).length > 5, 'the facts files were found');
  assert.deepEqual(layeringViolations(XEN, facts), []);
});

test('the scan sees an import of hv/ (static, type-only, re-export, dynamic)', () => {
  const probe = {
    'a.ts': "import { isX86ArchConfig } from '../hv/hypervisor.js';",
    'b.ts': "import type {\n  CreateDomainArgs,\n} from '../hv/hypervisor.js';",
    'c.ts': "export { SimXen } from '../sim/sim.js';",
    'd.ts': "const m = await import('../backend/xen.js');",
    'ok.ts': "import { XenkitError } from '../errors.js';\nimport { lazySchema } from '../validate.js';\nimport { abi } from './abi.js';\nimport { readFileSync } from 'node:fs';",
  };
  assert.deepEqual(layeringViolations(XEN, probe), [
    'src/xen/a.ts imports ../hv/hypervisor.js',
    'src/xen/b.ts imports ../hv/hypervisor.js',
    'src/xen/c.ts imports ../sim/sim.js',
    'src/xen/d.ts imports ../backend/xen.js',
  ]);
});
