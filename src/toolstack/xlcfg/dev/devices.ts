import type { LibxlIdl } from '../../../xen/libxl-idl.js';
import type { LibxlObject } from '../../libxl/gen-json.js';
import type { GuestType, XlKey } from '../keys.js';
import type { CfgReader, Fail } from '../reader.js';
import { where } from '../syntax-error.js';
import { CHANNEL_SOURCE, parseChannel } from './channel.js';
import { P9_SOURCE, parseP9 } from './p9.js';
import { P9_418_SOURCE, parseP9From418 } from './p9-4.18.js';
import type { ReleaseId } from '../../../xen/releases.js';
import { xlParseRules } from '../../../xen/xl-parse.js';
import { PV_DISPLAY_KEYS, pvTopLevelVfb } from './pv-vnc.js';
import { parsePvcalls, PVCALLS_SOURCE } from './pvcalls.js';
import { parseUsbctrl, USBCTRL_SOURCE } from './usbctrl.js';
import { parseUsbdev, USBDEV_SOURCE } from './usbdev.js';
import { parseVdispl, VDISPL_SOURCE } from './vdispl.js';
import { parseVfb, VFB_SOURCE } from './vfb.js';
import { parseVkb, VKB_SOURCE } from './vkb.js';
import { parseVsndCard, VSND_SOURCE } from './vsnd.js';
import { parseVtpm, VTPM_SOURCE } from './vtpm.js';

type Each = (spec: string, index: number, fail: Fail) => LibxlObject;

/**
 * The device lists of parse_config_data() @RELEASE-4.17.0 other than disk, vif and pci, in xl's
 * order, into libxl_domain_config's arrays: p9, vtpm, vdispl, pvcalls, vsnd, channel, vif2 (xl
 * only warns), vfb (each with a vkb), usbctrl, usbdev, the PV top-level vnc/sdl vfb, vkb.
 * Returns the keys it read.
 */
export function applyDevices(r: CfgReader, idl: LibxlIdl, type: GuestType, config: LibxlObject, warnings: string[]): XlKey[] {
  const list = (key: XlKey, source: string, each: Each): LibxlObject[] | undefined => {
    const l = r.get(key) ? r.list(key)! : undefined;
    if (!l) return undefined;
    return l.items.map((item, i) => each(item.value, i, r.failer(l.s, item, source)));
  };
  const warnAt = (key: XlKey) => (msg: string) => warnings.push(`${where(r.get(key)!.file, r.get(key)!)}: ${msg}`);
  const set = (member: string, v: LibxlObject[] | undefined) => v && (config[member] = v);
  set('p9s', p9s(r, idl, list));
  set('vtpms', list('vtpm', VTPM_SOURCE, parseVtpm));
  set('vdispls', list('vdispl', VDISPL_SOURCE, (s, i, fail) => parseVdispl(s, i, fail, warnAt('vdispl'))));
  set('pvcallsifs', list('pvcalls', PVCALLS_SOURCE, parsePvcalls));
  set('vsnds', vsnds(r, idl));
  set('channels', list('channel', CHANNEL_SOURCE, (s, i, fail) => parseChannel(s, i, idl.release, fail, warnAt('channel'))));
  if (r.get('vif2')?.value.kind === 'list') warnAt('vif2')('WARNING: vif2: netchannel2 is deprecated and not supported by xl (it sets nothing)');
  const vfbs = list('vfb', VFB_SOURCE, (s, i, fail) => parseVfb(s, i, fail, warnAt('vfb'))) ?? [];
  set('usbctrls', list('usbctrl', USBCTRL_SOURCE, (s, i, fail) => parseUsbctrl(s, i, idl, fail)));
  set('usbdevs', list('usbdev', USBDEV_SOURCE, (s, _i, fail) => parseUsbdev(s, idl, fail)));
  const keys: XlKey[] = ['p9', 'vtpm', 'vdispl', 'pvcalls', 'vsnd', 'channel', 'vif2', 'vfb', 'usbctrl', 'usbdev', 'vkb'];
  if (type === 'pv') {
    const top = vfbs.length ? undefined : pvTopLevelVfb(r);
    if (top) vfbs.push(top);
    keys.push(...PV_DISPLAY_KEYS); // read into the vfb, or (vfb given, or vnc off) not read at all
  }
  const vkbs = vfbs.map((_, devid): LibxlObject => ({ devid }));
  vkbs.push(...(list('vkb', VKB_SOURCE, (s, i, fail) => parseVkb(s, vkbs.length + i, idl, fail)) ?? []));
  set('vfbs', vfbs.length ? vfbs : undefined);
  set('vkbs', vkbs.length ? vkbs : undefined);
  return keys.filter((k) => r.get(k));
}

/** p9: xl 4.18 reworked its parsing (p9-4.18.ts); before, each entry inherits the fields of the ones before it. */
function p9s(r: CfgReader, idl: LibxlIdl, list: (key: XlKey, source: string, each: Each) => LibxlObject[] | undefined): LibxlObject[] | undefined {
  if (xlParseRules(idl.release as ReleaseId).p9 === 'per-entry') return list('p9', P9_418_SOURCE, (s, _i, fail) => parseP9From418(s, idl, r.get('name') ? r.string('name')! : '', fail));
  const carried = {};
  return list('p9', P9_SOURCE, (s, _i, fail) => parseP9(s, carried, fail));
}

/** vsnd: a list of cards, each a list of strings (xl: "Failed to get vsnd card list" for a card given as a string). */
function vsnds(r: CfgReader, idl: LibxlIdl): LibxlObject[] | undefined {
  const s = r.get('vsnd');
  if (!s) return undefined;
  if (s.value.kind !== 'list') r.fail('vsnd', 'xl reads vsnd as a list of cards (xl ignores a single value)', 'vsnd = [ [ "CARD, short-name=...", "PCM, name=...", "STREAM, unique-id=..., type=p" ] ]');
  return s.value.items.map((card, i) => {
    const fail: Fail = r.failer(s, card, VSND_SOURCE);
    if (card.kind !== 'list') fail('xl: Failed to get vsnd card list: Invalid argument', 'each card a list of strings: [ "CARD, ...", "PCM, ...", "STREAM, ..." ]');
    const items = card.items.map((it) => (it.kind === 'string' ? it.value : fail('a vsnd card item is a string', '"CARD, ...", "PCM, ..." or "STREAM, ..."')));
    return parseVsndCard(items, i, idl, fail);
  });
}
