import type { LibxlObject } from '../../libxl/gen-json.js';
import type { Fail } from '../reader.js';
import { keyValue, pair, strtoul, tokens } from './tokens.js';

export const VDISPL_SOURCE = 'tools/xl/xl_parse.c:817-862 parse_vdispl_config(), 2137-2163 @RELEASE-4.17.0';
const ACCEPTED = 'backend=DOMAIN, be-alloc=0|1, connectors=ID:WxH;ID:WxH...';

/**
 * One `vdispl = [ "..." ]` entry; at least one connector. A resolution whose width does not even
 * start is only a message to xl (sscanf() returns 0, which parse_vdispl_config() returns as
 * success): the connector keeps 0x0, with a warning.
 */
export function parseVdispl(spec: string, devid: number, fail: Fail, warn: (msg: string) => void): LibxlObject {
  const d: LibxlObject = { devid };
  for (const tok of tokens(spec)) {
    const [k, v] = keyValue(tok) ?? [tok, undefined];
    if (v === undefined) fail(`xl: Unknown string "${tok}" in vdispl spec`, ACCEPTED);
    else if (k === 'backend') d.backend_domname = v;
    else if (k === 'be-alloc') d.be_alloc = strtoul(v, fail, k) !== 0;
    else if (k === 'connectors') d.connectors = v.split(';').filter((c) => c !== '').map((c) => connector(c, fail, warn));
    else fail(`xl: Unknown string "${tok}" in vdispl spec`, ACCEPTED);
  }
  if (!Array.isArray(d.connectors) || d.connectors.length === 0) fail('xl: At least one connector should be specified.', ACCEPTED);
  return d;
}

/** "ID:WIDTHxHEIGHT" read by sscanf("%ux%u"): 2 fields read, or 0 (xl goes on), else xl refuses. */
function connector(c: string, fail: Fail, warn: (msg: string) => void): LibxlObject {
  const p = pair(c, ':');
  const res = p?.[1] ?? '';
  const full = /^\s*\+?(\d+)x\s*\+?(\d+)/.exec(res);
  const none = /^\s*[^\s\d+]/.test(res) || /^\s*\+(?!\d)/.test(res);
  const refuse = () => fail(`xl: Can't parse connector resolution ("${c}")`, 'connectors=ID:WIDTHxHEIGHT, e.g. id0:1920x1080');
  if (!p) refuse();
  if (full) {
    if (Number(full[1]) > 4294967295 || Number(full[2]) > 4294967295) refuse();
    return { unique_id: p![0], width: Number(full[1]), height: Number(full[2]) };
  }
  if (!none) refuse();
  warn(`vdispl: xl: Can't parse connector resolution ("${c}"): xl prints this and goes on with a 0x0 connector (sscanf() read nothing)`);
  return { unique_id: p![0] };
}
