// node --import tsx --import ./test/helpers/record-loads.mjs ...: every module URL the process
// loads is appended, one per line, to the file named by XK_LOADS_FILE (module.register hooks), and
// at exit every file CommonJS require() loaded (require.cache: the installed bin is CommonJS, and
// its require()s pass no loader hook) to the file named by XK_REQUIRES_FILE, as file URLs.
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';

const hooks = `
import { appendFileSync } from 'node:fs';
let file;
export function initialize(data) { file = data.file; }
export async function load(url, context, next) {
  appendFileSync(file, url + '\\n');
  return next(url, context);
}
`;
if (process.env.XK_LOADS_FILE) register(`data:text/javascript,${encodeURIComponent(hooks)}`, { data: { file: process.env.XK_LOADS_FILE } });
const requires = process.env.XK_REQUIRES_FILE;
if (requires) {
  const cache = createRequire(import.meta.url).cache;
  process.on('exit', () => appendFileSync(requires, Object.keys(cache).map((f) => `${pathToFileURL(f).href}\n`).join('')));
}
