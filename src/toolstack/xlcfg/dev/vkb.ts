import type { LibxlIdl } from '../../../xen/libxl-idl.js';
import type { LibxlObject } from '../../libxl/gen-json.js';
import type { Fail } from '../reader.js';
import { enumFromString } from '../to-libxl.js';
import { keyValue, strtoul, tokens } from './tokens.js';

export const VKB_SOURCE = 'tools/xl/xl_parse.c:1107-1209 parse_vkb_config(), parse_vkb_list() @RELEASE-4.17.0; option names: xen/include/public/io/kbdif.h XENKBD_FIELD_*';

/** XENKBD_FIELD_* (kbdif.h) read with strtoul(), by libxl_device_vkb member. */
const NUMBERS: Record<string, string> = {
  'feature-disable-keyboard': 'feature_disable_keyboard', 'feature-disable-pointer': 'feature_disable_pointer',
  'feature-abs-pointer': 'feature_abs_pointer', 'feature-raw-pointer': 'feature_raw_pointer',
  'feature-multi-touch': 'feature_multi_touch', 'multi-touch-width': 'multi_touch_width',
  'multi-touch-height': 'multi_touch_height', 'multi-touch-num-contacts': 'multi_touch_num_contacts',
  width: 'width', height: 'height',
};
const BOOLS = new Set(['feature_disable_keyboard', 'feature_disable_pointer', 'feature_abs_pointer', 'feature_raw_pointer', 'feature_multi_touch']);
const ACCEPTED = `backend=, backend-type=, unique-id=, ${Object.keys(NUMBERS).map((k) => `${k}=`).join(', ')}`;

/** One `vkb = [ "..." ]` entry; xl refuses an unknown option, a missing backend-type, and multi-touch without its sizes. */
export function parseVkb(spec: string, devid: number, idl: LibxlIdl, fail: Fail): LibxlObject {
  const vkb: LibxlObject = { devid };
  for (const tok of tokens(spec)) {
    const [k, v] = keyValue(tok) ?? [tok, undefined];
    if (v === undefined) fail(`xl: Unknown string "${tok}" in vkb spec`, ACCEPTED);
    else if (k === 'backend') vkb.backend_domname = v;
    else if (k === 'backend-type') {
      const t = enumFromString(idl, 'libxl_vkb_backend', v);
      if (t === undefined) fail(`xl: Unknown backend_type "${v}" in vkb spec`, 'backend-type=qemu or backend-type=linux');
      vkb.backend_type = t;
    } else if (k === 'unique-id') vkb.unique_id = v;
    else if (NUMBERS[k]) {
      const m = NUMBERS[k]!;
      const n = strtoul(v, fail, k);
      vkb[m] = BOOLS.has(m) ? n !== 0 : n;
    } else fail(`xl: Unknown string "${tok}" in vkb spec`, ACCEPTED);
  }
  if (vkb.backend_type === undefined || vkb.backend_type === 'unknown') fail('xl: backend-type should be set in vkb spec', 'backend-type=qemu or backend-type=linux');
  const sized = Boolean(vkb.multi_touch_height || vkb.multi_touch_width || vkb.multi_touch_num_contacts);
  if (sized) vkb.feature_multi_touch = true;
  if (vkb.feature_multi_touch && !sized) fail('xl: multi-touch-width, multi-touch-height, multi-touch-num-contacts should be set for multi touch in vkb spec', 'feature-multi-touch=1 with multi-touch-width=, multi-touch-height= and multi-touch-num-contacts=');
  return vkb;
}
