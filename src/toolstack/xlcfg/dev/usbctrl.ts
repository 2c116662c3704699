import type { LibxlIdl } from '../../../xen/libxl-idl.js';
import type { LibxlObject } from '../../libxl/gen-json.js';
import type { Fail } from '../reader.js';
import { enumFromString, enumNames } from '../to-libxl.js';
import { atoi, keyValue, tokens } from './tokens.js';

export const USBCTRL_SOURCE = 'tools/xl/xl_parse.c:768-790 parse_usbctrl_config(), 2371-2395 @RELEASE-4.17.0';

/** One `usbctrl = [ "..." ]` entry: type=, version=, ports=; anything else xl refuses. */
export function parseUsbctrl(spec: string, devid: number, idl: LibxlIdl, fail: Fail): LibxlObject {
  const ctrl: LibxlObject = { devid };
  for (const tok of tokens(spec)) {
    const [k, v] = keyValue(tok) ?? [tok, undefined];
    if (k === 'type' && v !== undefined) {
      const t = enumFromString(idl, 'libxl_usbctrl_type', v);
      if (t === undefined) fail(`xl: Invalid usb controller type '${v}'`, `type=${enumNames(idl, 'libxl_usbctrl_type')}`);
      ctrl.type = t;
    } else if ((k === 'version' || k === 'ports') && v !== undefined) ctrl[k] = atoi(v, fail, k);
    else fail(`xl: Unknown string \`${tok}' in usbctrl spec`, 'type=, version=, ports=');
  }
  return ctrl;
}
