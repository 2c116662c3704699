#!/usr/bin/env node
// Regenerates src/xen/libxl-types/4.N.json from libxl's own IDL at each release tag:
// tools/libs/light/libxl_types.idl (tools/libxl/ before 4.15) read by that release's idl.py
// (scripts/libxl-idl-dump.py), init_val expressions resolved against the IDL's enums and
// libxl.h's and libxl_internal.h's #defines at the same tag. Needs python3 and a xen.git mirror; nothing at runtime does.
//   npm run gen:libxl [-- --git-dir DIR]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const argDir = process.argv.indexOf('--git-dir');
const GIT_DIR = argDir > 0 ? process.argv[argDir + 1] : (process.env.XEN_GIT_DIR ?? '/work/.mirror/xen-project+xen/repo');
const RELEASES = Array.from({ length: 17 }, (_, i) => `4.${6 + i}`);
const OUT = path.join(ROOT, 'src/xen/libxl-types');

const git = (...a) => execFileSync('git', ['--git-dir', GIT_DIR, ...a], { encoding: 'utf8', maxBuffer: 64 << 20 });
const show = (tag, p) => git('show', `${tag}:${p}`);

function dump(tag, dir) {
  const tmp = mkdtempSync(path.join(tmpdir(), 'libxl-idl-'));
  try {
    const idlPy = py3(show(tag, `${dir}/idl.py`));
    writeFileSync(path.join(tmp, 'idl.py'), idlPy);
    writeFileSync(path.join(tmp, 'libxl_types.idl'), show(tag, `${dir}/libxl_types.idl`));
    const out = execFileSync('python3', [path.join(ROOT, 'scripts/libxl-idl-dump.py'), path.join(tmp, 'libxl_types.idl')], {
      cwd: tmp, env: { ...process.env, PYTHONPATH: tmp }, encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'],
    });
    return JSON.parse(out);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * idl.py before 4.12 is Python 2: its four Python 2 statements (print >>, raise E, m, except E,e,
 * execfile) are rewritten to their Python 3 forms; the type model is untouched.
 */
function py3(src) {
  return src
    .replace(/print >>sys\.stderr, (.*)/g, 'sys.stderr.write(($1) + "\\n")')
    .replace(/except (\w+), *(\w+):/g, 'except $1 as $2:')
    .replace(/raise (\w+), *\\?\s*([^\n]*(?:\n\s+%[^\n]*)?)/g, 'raise $1($2)')
    .replace(/execfile\((\w+), *(\w+), *(\w+)\)/g, "exec(compile(open($1).read(), $1, 'exec'), $2, $3)");
}

/** A C init_val expression: an enum value of the IDL, an integer, or a libxl.h #define of one. */
function resolver(idl, libxlH) {
  const enumVals = new Map(idl.enums.flatMap((e) => e.values.map(([n, , c]) => [c, n])));
  const defines = new Map([...libxlH.matchAll(/^#define\s+(LIBXL_\w+)\s+(.+?)\s*$/gm)].map((m) => [m[1], m[2]]));
  const value = (expr, depth = 0) => {
    const e = expr.trim().replace(/^\((.*)\)$/, '$1').trim();
    if (/^-?\d+$/.test(e)) return Number(e);
    if (/^~0ULL$|^~\s*\(uint64_t\)\s*0$/.test(e)) return '18446744073709551615';
    if (/^~\(uint32_t\)0$/.test(e)) return -1; // LIBXL_MAX_GRANT_DEFAULT, stored in the IDL's int32 field
    if (e === '~0U') return 4294967295; // a uint32 field (xenstore_feature_mask, 4.21)
    if (enumVals.has(e)) return enumVals.get(e);
    if (defines.has(e) && depth < 4) return value(defines.get(e), depth + 1);
    throw new Error(`init_val ${expr}: not an enum value, integer or libxl.h define`);
  };
  return (expr) => (expr == null ? undefined : value(expr));
}

function ref(t) {
  if (t === null) return null;
  switch (t.k) {
    case 'builtin': return t.name;
    case 'enum': return `enum:${t.name}`;
    case 'struct': return t.name ? `struct:${t.name}` : { fields: t.fields };
    case 'array': return { array: ref(t.elem), len: t.len };
    case 'keyed': return { keyvar: t.keyvar, keytype: t.keytype, keyinit: t.keyinit, cases: t.cases.map(([n, c]) => [n, ref(c)]) };
  }
  throw new Error(`type ${JSON.stringify(t)}`);
}

function fields(fs, init) {
  return fs.filter((f) => !f.private).map((f) => {
    const t = ref(f.type);
    const r = { name: f.name, type: fixTypes(t, init) };
    if (f.init != null) r.init = init(f.init);
    if (f.const) r.const = true;
    return r;
  });
}
function fixTypes(t, init) {
  if (t && typeof t === 'object') {
    if (t.fields) return { fields: fields(t.fields, init) };
    if (t.array) return { array: fixTypes(t.array, init), len: t.len };
    if (t.cases) {
      const { keyinit, ...rest } = t;
      return { ...rest, ...(keyinit != null ? { keyinit: init(keyinit) } : {}), cases: t.cases.map(([n, c]) => [n, fixTypes(c, init)]) };
    }
  }
  return t;
}

function generate(r) {
  const tag = `RELEASE-${r}.0`;
  const minor = Number(r.split('.')[1]);
  const dir = minor >= 15 ? 'tools/libs/light' : 'tools/libxl';
  const header = minor >= 15 ? 'tools/include/libxl.h' : 'tools/libxl/libxl.h';
  const idl = dump(tag, dir);
  const init = resolver(idl, show(tag, header) + show(tag, `${dir}/libxl_internal.h`));
  const builtins = Object.fromEntries(Object.entries(idl.builtins).filter(([, b]) => b.json).map(([n, b]) => [n, {
    c: b.c, json: b.json, ...(b.check ? { check: b.check } : {}), ...(b.init != null ? { init: init(b.init) } : {}), ...(b.number ? { number: true } : {}),
  }]));
  const enums = Object.fromEntries(idl.enums.map((e) => [e.name, { values: e.values.map(([n, name]) => [n, name]), ...(e.init != null ? { init: init(e.init) } : {}) }]));
  const structs = Object.fromEntries(idl.structs.filter((s) => !s.private).map((s) => [s.name, fields(s.fields, init)]));
  const src = `${dir}/libxl_types.idl @${tag}`;
  const generated = `scripts/gen-libxl-types.mjs (npm run gen:libxl) from ${src}, read by ${dir}/idl.py @${tag}; init_val expressions resolved with ${header} and ${dir}/libxl_internal.h @${tag}. Do not edit.`;
  writeFileSync(path.join(OUT, `${r}.json`), idlJson({ generated, release: r, source: src, builtins, enums, structs }));
  return `${r}: ${Object.keys(enums).length} enums, ${Object.keys(structs).length} structs`;
}

/** The committed form: one JSON file per release, loaded only when that release is asked for (src/xen/libxl-idl.ts). */
export function idlJson(t) {
  return JSON.stringify(t, null, 1) + '\n';
}

if (process.argv[1] === import.meta.filename) for (const r of RELEASES) console.log(generate(r));
