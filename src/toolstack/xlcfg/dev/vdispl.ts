import type { LibxlObject } from '../../libxl/gen-json.js';
import type { Fail } from '../reader.js';
import { keyValue, pair, strtoul, tokens } from './tokens.js';

export const VDISPL_SOURCE = 'tools/xl/xl_parse.c:817-862 parse_vdispl_config(), 2137-2163 @RELEASE-4.17.0';
const ACCEPTED = 'backend=DOMAIN, be-alloc=0|1, connectors=ID:WxH;ID:WxH...';

/** One `vdispl = [ "..." ]` entry; at least one connector. */
export function parseVdispl(spec: string, devid: number, fail: Fail): LibxlObject {
  const d: LibxlObject = { devid };
  for (const tok of tokens(spec)) {
    const [k, v] = keyValue(tok) ?? [tok, undefined];
    if (v === undefined) fail(`xl: Unknown string "${tok}" in vdispl spec`, ACCEPTED);
    else if (k === 'backend') d.backend_domname = v;
    else if (k === 'be-alloc') d.be_alloc = strtoul(v, fail, k) !== 0;
    else if (k === 'connectors') d.connectors = v.split(';').filter((c) => c !== '').map((c) => connector(c, fail));
    else fail(`xl: Unknown string "${tok}" in vdispl spec`, ACCEPTED);
  }
  if (!Array.isArray(d.connectors) || d.connectors.length === 0) fail('xl: At least one connector should be specified.', ACCEPTED);
  return d;
}

/** "ID:WIDTHxHEIGHT" (sscanf "%ux%u"). */
function connector(c: string, fail: Fail): LibxlObject {
  const p = pair(c, ':');
  const m = p && /^\s*\+?(\d+)x\s*\+?(\d+)/.exec(p[1]);
  if (!p || !m || Number(m[1]) > 4294967295 || Number(m[2]) > 4294967295) fail(`xl: Can't parse connector resolution ("${c}")`, 'connectors=ID:WIDTHxHEIGHT, e.g. id0:1920x1080');
  return { unique_id: p[0], width: Number(m[1]), height: Number(m[2]) };
}
