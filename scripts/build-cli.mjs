// Builds the installed `xk` (package.json "bin"), dist/cli/xk.js, for its cold start (issue 8
// item 11): node resolves, reads and compiles each ES module on its own, so `xk list` as the 37
// modules tsc emits costs more than the same code in a few files. Run by `npm run build` and
// `prepare`, after tsc. Bundled (esbuild, code splitting): src/cli/main.ts with what it imports
// statically (`xk --help` reads only that file), and, as chunks loaded on use, the modules of the
// commands that run without commander (list, info: src/cli/quick.ts) and the error printer. Every
// other dynamic import() stays the module tsc built in dist/ (its path rewritten relative to
// dist/cli/), so `xk create` or `xk serve` load what they load today, and `xk list` parses nothing
// of theirs. Packages stay packages. Those modules hold their own copies of what the chunks hold:
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

const lazyModules = {
  name: 'lazy-modules-stay-in-dist',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (a) => {
      if (a.kind !== 'dynamic-import') return undefined;
      const file = resolve(a.resolveDir, a.path.replace(/\.js$/, '.ts'));
      const under = relative(src, file);
      if (under.startsWith('..')) throw new Error(`build-cli: a dynamic import outside src/: ${a.path} in ${a.importer}`);
      if (INLINE.has(under)) return { path: file };
      const built = join(root, 'dist', under.replace(/\.ts$/, '.js'));
      return { path: `./${relative(outdir, built)}`, external: true };
    });
  },
};

// The chunks of an earlier build (their names carry a hash) go first.
for (const f of readdirSync(outdir)) if (/^xk(-.*)?\.js$/.test(f)) rmSync(join(outdir, f));
const r = await build({
  entryPoints: { xk: join(src, 'cli/main.ts') },
  outdir,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  splitting: true,
  chunkNames: 'xk-[name]-[hash]',
  plugins: [lazyModules],
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
});
const outs = Object.values(r.metafile.outputs);
const modules = outs.reduce((n, o) => n + Object.keys(o.inputs).length, 0);
const kib = outs.reduce((n, o) => n + o.bytes, 0) / 1024;
console.log(`cli: dist/cli/xk.js and ${outs.length - 1} chunks, ${kib.toFixed(1)} KiB from ${modules} modules`);
