import type { LibxlObject } from '../../libxl/gen-json.js';
import type { Fail } from '../reader.js';
import { keyValue, tokens } from './tokens.js';

export const VTPM_SOURCE = 'tools/xl/xl_parse.c:2093-2135 parse_config_data() @RELEASE-4.17.0';
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** One `vtpm = [ "..." ]` entry: backend= (required) and uuid=; xl stops reading at an option without '='. */
export function parseVtpm(spec: string, devid: number, fail: Fail): LibxlObject {
  const vtpm: LibxlObject = { devid };
  for (const tok of tokens(spec)) {
    const kv = keyValue(tok);
    if (!kv) break;
    const [k, v] = kv;
    if (k === 'backend') vtpm.backend_domname = v;
    else if (k === 'uuid') {
      // libxl_uuid_from_string (libxl_uuid.c): 36 characters of 8-4-4-4-12 hex digits; printed in lower case
      if (!UUID.test(v)) fail(`xl: Failed to parse vtpm UUID: ${v}`, 'uuid=xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (hex digits)');
      vtpm.uuid = v.toLowerCase();
    } else fail(`xl: Unknown string \`${k}' in vtpm spec`, 'backend=DOMAIN and uuid=UUID');
  }
  if (vtpm.backend_domname === undefined) fail('xl: vtpm spec missing required backend field!', 'backend=DOMAIN (the vTPM stub domain)');
  return vtpm;
}
