// Builds the web console (src/console/) into dist/console/: one ES module for the first load (app.js),
// the editor and matrix pages as chunks loaded on first use, the HTML and CSS copied. Run by
// `npm run build` and by `prepare` (so `npm ci` on a fresh clone builds it). Prints the sizes.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = `${root}src/console/`;
const out = `${root}dist/console/`;
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const r = await build({
  entryPoints: { app: `${src}main.tsx` },
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  minify: true,
  target: 'es2020',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  chunkNames: 'chunks/[name]-[hash]',
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
});
for (const f of ['index.html', 'style.css']) copyFileSync(src + f, out + f);

const gz = (p) => gzipSync(readFileSync(p), { level: 9 }).length;
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
const outputs = r.metafile.outputs;
const [appPath, app] = Object.entries(outputs).find(([k]) => k.endsWith('/app.js'));
// The first load: the page, its CSS, app.js and the chunks app.js imports statically (not the lazy pages).
const firstLoad = [`${out}index.html`, `${out}style.css`, ...[appPath, ...app.imports.filter((i) => i.kind === 'import-statement').map((i) => i.path)].map((p) => `${root}${p}`)];
const total = Object.keys(outputs).reduce((n, p) => n + gz(`${root}${p}`), 0);
console.log(`console: first load ${kib(firstLoad.reduce((n, p) => n + gz(p), 0))} gzipped (${firstLoad.length} files); all scripts ${kib(total)} gzipped -> dist/console/`);
