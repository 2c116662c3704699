import type { LibxlObject } from '../../libxl/gen-json.js';
import type { Fail } from '../reader.js';
import { keyValue, tokens } from './tokens.js';

export const PVCALLS_SOURCE = 'tools/xl/xl_parse.c:2165-2198 parse_config_data() @RELEASE-4.17.0';

/** One `pvcalls = [ "..." ]` entry: backend= only; xl stops reading at an option without '='. */
export function parsePvcalls(spec: string, devid: number, fail: Fail): LibxlObject {
  const dev: LibxlObject = { devid };
  for (const tok of tokens(spec)) {
    const kv = keyValue(tok);
    if (!kv) break;
    if (kv[0] !== 'backend') fail(`xl: Unknown string \`${kv[0]}' in pvcalls spec`, 'backend=DOMAIN');
    dev.backend_domname = kv[1];
  }
  return dev;
}
