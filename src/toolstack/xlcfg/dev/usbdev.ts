import type { LibxlIdl } from '../../../xen/libxl-idl.js';
import type { LibxlObject } from '../../libxl/gen-json.js';
import type { Fail } from '../reader.js';
import { enumFromString, enumNames } from '../to-libxl.js';
import { atoi, keyValue, strtoul, tokens } from './tokens.js';

export const USBDEV_SOURCE = 'tools/xl/xl_parse.c:792-815 parse_usbdev_config(), 2397-2421 @RELEASE-4.17.0';

/**
 * One `usbdev = [ "..." ]` entry: type=, hostbus=, hostaddr=, controller=, port=. xl never sets
 * the type itself, so without type=hostdev hostbus and hostaddr stay in a union libxl does not print.
 */
export function parseUsbdev(spec: string, idl: LibxlIdl, fail: Fail): LibxlObject {
  const dev: LibxlObject = {};
  const host: LibxlObject = {};
  for (const tok of tokens(spec)) {
    const [k, v] = keyValue(tok) ?? [tok, undefined];
    if (v === undefined) fail(`xl: Unknown string \`${tok}' in usbdev spec`, 'type=, hostbus=, hostaddr=, controller=, port=');
    else if (k === 'type') {
      const t = enumFromString(idl, 'libxl_usbdev_type', v);
      if (t === undefined) fail(`xl: Invalid usb device type: ${v}`, `type=${enumNames(idl, 'libxl_usbdev_type')}`);
      dev.type = t;
    } else if (k === 'hostbus' || k === 'hostaddr') host[k] = strtoul(v, fail, k, 0, 255); // uint8 in libxl_device_usbdev
    else if (k === 'controller') dev.ctrl = atoi(v, fail, k);
    else if (k === 'port') dev.port = atoi(v, fail, k);
    else fail(`xl: Unknown string \`${tok}' in usbdev spec`, 'type=, hostbus=, hostaddr=, controller=, port=');
  }
  if (Object.keys(host).length) dev.u = host;
  return dev;
}
