import type { LibxlObject } from '../../libxl/gen-json.js';
import type { Fail } from '../reader.js';
import { atoi, keyValue, tokens } from './tokens.js';

export const VFB_SOURCE = 'tools/xl/xl_parse.c:2315-2366 parse_config_data() @RELEASE-4.17.0';

/** The vfb options and where each lands in libxl_device_vfb (vnc.*, sdl.*, keymap). */
const OPTIONS: Record<string, [path: 'vnc' | 'sdl' | '', member: string, kind: 'bool' | 'int' | 'string']> = {
  vnc: ['vnc', 'enable', 'bool'],
  vnclisten: ['vnc', 'listen', 'string'],
  vncpasswd: ['vnc', 'passwd', 'string'],
  vncdisplay: ['vnc', 'display', 'int'],
  vncunused: ['vnc', 'findunused', 'bool'],
  keymap: ['', 'keymap', 'string'],
  sdl: ['sdl', 'enable', 'bool'],
  opengl: ['sdl', 'opengl', 'bool'],
  display: ['sdl', 'display', 'string'],
  xauthority: ['sdl', 'xauthority', 'string'],
};

/**
 * One `vfb = [ "..." ]` entry: comma-separated KEY=VALUE. xl ignores an unknown KEY silently and
 * stops reading the entry at an option without '=' (the rest is lost); xenkit does the same and
 * says so in `warn`. Each vfb also brings a vkb with the same devid.
 */
export function parseVfb(spec: string, devid: number, fail: Fail, warn: (msg: string) => void): LibxlObject {
  const vfb: LibxlObject = { devid, vnc: {}, sdl: {} };
  for (const tok of tokens(spec)) {
    const kv = keyValue(tok);
    if (!kv) {
      warn(`vfb: "${tok}" has no '=': xl stops reading this vfb entry there`);
      break;
    }
    const o = OPTIONS[kv[0]];
    if (!o) {
      warn(`vfb: unknown option "${kv[0]}": xl ignores it (accepted: ${Object.keys(OPTIONS).join(', ')})`);
      continue;
    }
    const [path, member, kind] = o;
    const target = path ? (vfb[path] as LibxlObject) : vfb;
    target[member] = kind === 'string' ? kv[1] : kind === 'int' ? atoi(kv[1], fail, kv[0]) : atoi(kv[1], fail, kv[0]) !== 0;
  }
  return vfb;
}
