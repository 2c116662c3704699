// Builds the installed `xk` (package.json "bin"), dist/cli/xk.cjs, for its cold start (issue 8 item
// 11). One CommonJS file (esbuild): src/cli/main.ts with what it imports statically (`xk --help`)
// and, taken into the same file but run only when used, the modules of the commands that run
// without commander (list, info: src/cli/quick.ts) and the error printer. CommonJS, not an ES
// module: node runs a CommonJS main without starting its ES module loader, which reads sources on
// the libuv thread pool (4 threads started), builds an ESM facade of each builtin imported (that of
// node:fs loads node:stream) and links modules asynchronously; for a plain `xk list` that loader was
// more than a third of what xk adds to `node -e 0` (bench/run.ts, README Benchmarks). Every other
// dynamic import() stays the ES module tsc built in dist/ (its path rewritten relative to dist/cli/),
// so `xk create` or `xk serve` load what they load today, and `xk list` parses nothing of theirs.
// Packages stay packages. Those modules hold their own copies of what the bundle holds:
// XenkitError's instanceof holds across copies (src/errors.ts); nothing else is compared by identity.
import { build } from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = join(root, 'src');
const outdir = join(root, 'dist/cli');
/** The dynamic imports taken into the file (paths under src/). */
const INLINE = new Set(['cli/list.ts', 'cli/info.ts', 'cli/quick.ts', 'cli/io.ts']);
/**
 * Dynamic imports built as CommonJS files of their own beside it (src path -> file in dist/cli/),
 * loaded by require() when first used: the simulated Xen, which a plain `xk list` loads only when
 * there is no state file yet (it lists the host the sim boots). Kept out of xk.cjs, whose every
 * run would otherwise compile its 150 KiB; not left to the ES module tsc built, whose import()
 * would start the ES module loader.
 */
const REQUIRED = new Map([['sim/store.ts', 'xk-store.cjs']]);

const lazyModules = {
  name: 'lazy-modules-stay-in-dist',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (a) => {
      if (a.kind !== 'dynamic-import') return undefined;
      const file = resolve(a.resolveDir, a.path.replace(/\.js$/, '.ts'));
      const under = relative(src, file);
      if (under.startsWith('..')) throw new Error(`build-cli: a dynamic import outside src/: ${a.path} in ${a.importer}`);
      if (INLINE.has(under)) return { path: file };
      if (REQUIRED.has(under)) return { path: REQUIRED.get(under), namespace: 'required' };
      const built = join(root, 'dist', under.replace(/\.ts$/, '.js'));
      return { path: `./${relative(outdir, built)}`, external: true };
    });
    b.onLoad({ filter: /.*/, namespace: 'required' }, (a) => ({ contents: `module.exports = require(${JSON.stringify(`./${a.path}`)});`, loader: 'js' }));
    b.onResolve({ filter: /^\.\/xk-[\w-]+\.cjs$/ }, (a) => ({ path: a.path, external: true }));
  },
};

// What an earlier build left (the ES module chunks of earlier builds carried a hash in their names).
for (const f of readdirSync(outdir)) if (/^xk(-.*)?\.c?js$/.test(f)) rmSync(join(outdir, f));
const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  plugins: [lazyModules],
  // The sources are ES modules: their import.meta.url is this file's URL.
  define: { 'import.meta.url': '__xk_url' },
  banner: { js: '"use strict";\nvar __xk_url = require("node:url").pathToFileURL(__filename).href;' },
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
};
const built = [await build({ ...common, entryPoints: [join(src, 'cli/main.ts')], outfile: join(outdir, 'xk.cjs') })];
for (const [from, to] of REQUIRED) built.push(await build({ ...common, entryPoints: [join(src, from)], outfile: join(outdir, to) }));
const outs = built.flatMap((r) => Object.values(r.metafile.outputs));
const modules = outs.reduce((n, o) => n + Object.keys(o.inputs).length, 0);
const kib = outs.reduce((n, o) => n + o.bytes, 0) / 1024;
console.log(`cli: dist/cli/xk.cjs and ${[...REQUIRED.values()].join(', ')}, ${kib.toFixed(1)} KiB from ${modules} modules`);
