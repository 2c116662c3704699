// node --import tsx --import ./test/helpers/record-loads.mjs ...: every module URL the process
// loads is appended, one per line, to the file named by XK_LOADS_FILE (module.register hooks).
import { register } from 'node:module';

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
