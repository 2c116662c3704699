import type { LibxlIdl } from '../../../xen/libxl-idl.js';
import type { LibxlObject } from '../../libxl/gen-json.js';
import type { Fail } from '../reader.js';
import { enumFromString, enumNames } from '../to-libxl.js';
import { pairOf, strtoul } from './tokens.js';

export const P9_418_SOURCE = 'tools/xl/xl_parse.c parse_config_data() "p9" @RELEASE-4.20.0 (the per-entry form of src/xen/xl-parse.ts: "tools/xl: rework p9 config parsing")';
/** XEN_LOG_DIR, configure's default (/var/log/xen): xen_9pfsd's default path is XEN_LOG_DIR/guests/NAME. */
const XEN_LOG_DIR = '/var/log/xen';

/**
 * One `p9 = [ "..." ]` entry as xl 4.18 and later read it: KEY=VALUE pairs (trimmed), each entry on
 * its own (no fields carried over), none required; type=xen_9pfsd without path= logs to
 * XEN_LOG_DIR/guests/NAME. Only the keys the release's libxl_device_p9 has are accepted.
 */
export function parseP9From418(spec: string, idl: LibxlIdl, guest: string, fail: Fail): LibxlObject {
  const p9: LibxlObject = {};
  const has = (m: string) => idl.structs.libxl_device_p9!.some((f) => f.name === m);
  const keys = ['security_model', 'path', 'tag', 'backend', ...(has('type') ? ['type', 'max-files', 'max-open-files', 'max-space', 'auto-delete'] : [])];
  for (const item of spec.split(',').filter((x) => x !== '')) {
    const kv = pairOf(idl.release, item, '=');
    if (!kv) fail(`xl: failed to parse 9pfs configuration: ${item}`, 'KEY=VALUE');
    const [k, v] = kv;
    if (k === 'backend') p9.backend_domname = v;
    else if (k === 'security_model' || k === 'path' || k === 'tag') p9[k] = v;
    else if (k === 'type' && has('type')) p9.type = enumFromString(idl, 'libxl_p9_type', v) ?? fail(`xl: failed to parse 9pfs type: ${v}`, `type=${enumNames(idl, 'libxl_p9_type')}`);
    else if ((k === 'max-files' || k === 'max-open-files' || k === 'max-space') && has('type')) p9[k.replace(/-/g, '_')] = strtoul(v, fail, k, 10, 2147483647); // parse_ulong into an int
    else if (k === 'auto-delete' && has('type')) p9.auto_delete = strtoul(v, fail, k) !== 0;
    else fail(`xl: Unknown 9pfs parameter '${k}'`, keys.map((x) => `${x}=`).join(', '));
  }
  if (p9.type === 'xen_9pfsd' && p9.path === undefined) p9.path = `${XEN_LOG_DIR}/guests/${guest}`;
  return p9;
}
