import type { LibxlObject } from '../../libxl/gen-json.js';
import type { Fail } from '../reader.js';
import { keyValue, tokens } from './tokens.js';

export const P9_SOURCE = 'tools/xl/xl_parse.c:2040-2091 parse_config_data() @RELEASE-4.17.0';
const KEYS = ['security_model', 'path', 'tag', 'backend'] as const;
type P9Fields = Partial<Record<(typeof KEYS)[number], string>>;

/**
 * One `p9 = [ "..." ]` entry: tag=, security_model=, path= (all required) and backend=. xl keeps
 * these four in variables declared outside its loop, so an entry inherits the fields the entries
 * before it gave (`carried`, updated here). xl re-initialises each p9 after numbering it, so no devid.
 */
export function parseP9(spec: string, carried: P9Fields, fail: Fail): LibxlObject {
  for (const tok of tokens(spec)) {
    const kv = keyValue(tok);
    if (!kv) break;
    if (!(KEYS as readonly string[]).includes(kv[0])) fail(`xl: Unknown string \`${kv[0]}' in 9pfs spec`, 'tag=, security_model=, path= and backend=');
    carried[kv[0] as (typeof KEYS)[number]] = kv[1];
  }
  if (!carried.path || !carried.security_model || !carried.tag) fail('xl: 9pfs spec missing required field!', 'tag=, security_model= and path=');
  return { tag: carried.tag, security_model: carried.security_model, path: carried.path, backend_domname: carried.backend };
}
