import type { LibxlObject } from '../../libxl/gen-json.js';
import type { CfgReader } from '../reader.js';
import type { XlKey } from '../keys.js';

export const PV_VNC_SOURCE = 'tools/xl/xl_parse.c:2575-2596, parse_top_level_vnc_options() and parse_top_level_sdl_options() @RELEASE-4.17.0';

/** The top-level display keys and their place in libxl_device_vfb. */
const KEYS: [XlKey, 'vnc' | 'sdl' | '', string, 'bool' | 'long' | 'string'][] = [
  ['vnc', 'vnc', 'enable', 'bool'], ['vnclisten', 'vnc', 'listen', 'string'], ['vncpasswd', 'vnc', 'passwd', 'string'],
  ['vncdisplay', 'vnc', 'display', 'long'], ['vncunused', 'vnc', 'findunused', 'bool'],
  ['sdl', 'sdl', 'enable', 'bool'], ['opengl', 'sdl', 'opengl', 'bool'], ['display', 'sdl', 'display', 'string'],
  ['xauthority', 'sdl', 'xauthority', 'string'], ['keymap', '', 'keymap', 'string'],
];
export const PV_DISPLAY_KEYS: readonly XlKey[] = KEYS.map(([k]) => k);

/**
 * A PV guest without `vfb = [...]` and with a non-zero `vnc` gets one vfb (and its vkb) built from
 * the top-level vnc*, sdl, opengl, display, xauthority and keymap keys; otherwise xl reads none of
 * them for PV. Returns the vfb, or undefined.
 */
export function pvTopLevelVfb(r: CfgReader): LibxlObject | undefined {
  if (!r.get('vnc') || !r.number('vnc', '0 or 1, e.g. vnc = 1')) return undefined;
  const vfb: LibxlObject = { devid: 0, vnc: {}, sdl: {} };
  for (const [key, path, member, kind] of KEYS) {
    if (!r.get(key)) continue;
    const v = kind === 'string' ? r.string(key) : kind === 'bool' ? r.bool(key) : r.number(key, `a number, e.g. ${key} = 1`);
    (path ? (vfb[path] as LibxlObject) : vfb)[member] = v;
  }
  return vfb;
}
