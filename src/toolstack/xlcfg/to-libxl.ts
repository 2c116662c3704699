import type { LibxlIdl } from '../../xen/libxl-idl.js';
import type { LibxlObject, LibxlValue } from '../libxl/gen-json.js';
import type { GuestType, XlKey } from './keys.js';
import { cLong, type CfgReader } from './reader.js';
import { where } from './syntax-error.js';

const XL = 'tools/xl/xl_parse.c parse_config_data() @RELEASE-4.17.0';

/** Where a key lands: c_info, b_info, or b_info's keyed union arm (u = u.hvm / u.pv / u.pvh). */
type Path = `c.${string}` | `b.${string}` | `u.${string}`;
type Kind = 'defbool' | 'string' | 'long' | 'kb' | `enum:${string}`;
/** [key, how xl reads it, where it goes, the guest types xl reads it for (all when absent), xl's source line @RELEASE-4.17.0]. */
type Simple = [XlKey, Kind, Path, GuestType[] | undefined, number];

const HVM: GuestType[] = ['hvm'];
const PVH: GuestType[] = ['pvh'];

/**
 * The keys parse_config_data() reads with one xlu_cfg_get_defbool / replace_string / get_long
 * (times 1024 for the MiB ones) / <enum>_from_string into one libxl_domain_config member.
 * Line numbers are tools/xl/xl_parse.c @RELEASE-4.17.0.
 */
export const SIMPLE_KEYS: Simple[] = [
  ['pvshim', 'defbool', 'u.pvshim', PVH, 1337], ['pvshim_path', 'string', 'u.pvshim_path', PVH, 1338],
  ['pvshim_cmdline', 'string', 'u.pvshim_cmdline', PVH, 1341], ['pvshim_extra', 'string', 'u.pvshim_extra', PVH, 1344],
  ['cpu_weight', 'long', 'b.sched_params.weight', undefined, 1354], ['cap', 'long', 'b.sched_params.cap', undefined, 1356],
  ['period', 'long', 'b.sched_params.period', undefined, 1358], ['slice', 'long', 'b.sched_params.slice', undefined, 1360],
  ['latency', 'long', 'b.sched_params.latency', undefined, 1362], ['extratime', 'long', 'b.sched_params.extratime', undefined, 1364],
  ['vuart', 'enum:libxl_vuart_type', 'b.arch_arm.vuart', undefined, 1387],
  ['e820_host', 'defbool', 'u.e820_host', ['pv'], 1488],
  ['shadow_memory', 'kb', 'b.shadow_memkb', undefined, 1568], ['nomigrate', 'defbool', 'b.disable_migrate', undefined, 1571],
  ['rtc_timeoffset', 'long', 'b.rtc_timeoffset', undefined, 1596], ['localtime', 'defbool', 'b.localtime', undefined, 1603],
  ['videoram', 'kb', 'b.video_memkb', undefined, 1605], ['max_event_channels', 'long', 'b.event_channels', undefined, 1608],
  ['device_tree', 'string', 'b.device_tree', undefined, 1613], ['driver_domain', 'defbool', 'c.driver_domain', undefined, 1616],
  ['firmware_override', 'string', 'u.firmware', HVM, 1691], ['bios_path_override', 'string', 'u.system_firmware', HVM, 1693],
  ['bios', 'enum:libxl_bios_type', 'u.bios', HVM, 1695],
  ['acpi_s3', 'defbool', 'u.acpi_s3', HVM, 1706], ['acpi_s4', 'defbool', 'u.acpi_s4', HVM, 1707],
  ['acpi_laptop_slate', 'defbool', 'u.acpi_laptop_slate', HVM, 1708], ['nx', 'defbool', 'u.nx', HVM, 1709],
  ['hpet', 'defbool', 'u.hpet', HVM, 1710], ['vpt_align', 'defbool', 'u.vpt_align', HVM, 1711],
  ['smbios_firmware', 'string', 'u.smbios_firmware', HVM, 1781], ['acpi_firmware', 'string', 'u.acpi_firmware', HVM, 1783],
  ['rdm_mem_boundary', 'kb', 'u.rdm_mem_boundary_memkb', HVM, 1801],
  ['vmtrace_buf_kb', 'long', 'b.vmtrace_buf_kb', undefined, 1905],
  ['device_model_override', 'string', 'b.device_model', undefined, 2520],
  ['device_model_stubdomain_override', 'defbool', 'b.device_model_stubdomain', undefined, 2536],
  ['device_model_stubdomain_seclabel', 'string', 'b.device_model_ssid_label', undefined, 2539],
  ['device_model_user', 'string', 'b.device_model_user', undefined, 2544],
  ['stubdomain_kernel', 'string', 'b.stubdomain_kernel', undefined, 2547], ['stubdomain_cmdline', 'string', 'b.stubdomain_cmdline', undefined, 2549],
  ['stubdomain_ramdisk', 'string', 'b.stubdomain_ramdisk', undefined, 2551], ['stubdomain_memory', 'kb', 'b.stubdomain_memkb', undefined, 2553],
  ['vnclisten', 'string', 'u.vnc.listen', HVM, 264], ['vncpasswd', 'string', 'u.vnc.passwd', HVM, 265],
  ['vncdisplay', 'long', 'u.vnc.display', HVM, 266], ['vncunused', 'defbool', 'u.vnc.findunused', HVM, 268],
  ['opengl', 'defbool', 'u.sdl.opengl', HVM, 275], ['display', 'string', 'u.sdl.display', HVM, 276],
  ['xauthority', 'string', 'u.sdl.xauthority', HVM, 277],
  ['dm_restrict', 'defbool', 'b.dm_restrict', undefined, 2602],
  ['hdtype', 'enum:libxl_hdtype', 'u.hdtype', HVM, 2622], ['keymap', 'string', 'u.keymap', HVM, 2595],
  ['spice', 'defbool', 'u.spice.enable', HVM, 2630], ['spiceport', 'long', 'u.spice.port', HVM, 2631],
  ['spicetls_port', 'long', 'u.spice.tls_port', HVM, 2633], ['spicehost', 'string', 'u.spice.host', HVM, 2635],
  ['spicedisable_ticketing', 'defbool', 'u.spice.disable_ticketing', HVM, 2637], ['spicepasswd', 'string', 'u.spice.passwd', HVM, 2639],
  ['spiceagent_mouse', 'defbool', 'u.spice.agent_mouse', HVM, 2641], ['spicevdagent', 'defbool', 'u.spice.vdagent', HVM, 2643],
  ['spice_clipboard_sharing', 'defbool', 'u.spice.clipboard_sharing', HVM, 2645],
  ['spiceusbredirection', 'long', 'u.spice.usbredirection', HVM, 2647],
  ['spice_image_compression', 'string', 'u.spice.image_compression', HVM, 2649],
  ['spice_streaming_video', 'string', 'u.spice.streaming_video', HVM, 2651],
  ['nographic', 'defbool', 'u.nographic', HVM, 2653],
  ['boot', 'string', 'u.boot', HVM, 2684], ['usb', 'defbool', 'u.usb', HVM, 2685], ['usbversion', 'long', 'u.usbversion', HVM, 2686],
  ['vkb_device', 'defbool', 'u.vkb_device', HVM, 2706], ['soundhw', 'string', 'u.soundhw', HVM, 2707],
  ['xen_platform_pci', 'defbool', 'u.xen_platform_pci', HVM, 2708], ['vendor_device', 'enum:libxl_vendor_device', 'u.vendor_device', HVM, 2721],
  ['gic_version', 'enum:libxl_gic_version', 'b.arch_arm.gic_version', undefined, 2736],
  ['tee', 'enum:libxl_tee_type', 'b.tee', undefined, 2745],
  ['xend_suspend_evtchn_compat', 'defbool', 'c.xend_suspend_evtchn_compat', undefined, 2756],
  ['msr_relaxed', 'defbool', 'b.arch_x86.msr_relaxed', undefined, 2759],
];

/** The member a path names, created on the way (u is b_info's union arm). */
export function setPath(config: LibxlObject, path: Path, v: LibxlValue): void {
  const [head, ...rest] = path.split('.');
  let o = head === 'c' ? obj(config, 'c_info') : obj(config, 'b_info');
  if (head === 'u') o = obj(o, 'u');
  for (const k of rest.slice(0, -1)) o = obj(o, k);
  o[rest[rest.length - 1]!] = v;
}
function obj(o: LibxlObject, k: string): LibxlObject {
  const v = o[k];
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v;
  return (o[k] = {});
}

/** <enum>_from_string(): libxl__enum_from_string() compares with strcasecmp (libxl_utils.c @RELEASE-4.17.0). */
export function enumFromString(idl: LibxlIdl, type: string, s: string): string | undefined {
  return idl.enums[type]?.values.find(([, n]) => n === s.toLowerCase())?.[1];
}

/** Reads every SIMPLE_KEYS key the guest type is read for into `config`. */
export function applySimpleKeys(r: CfgReader, idl: LibxlIdl, type: GuestType, config: LibxlObject): Set<XlKey> {
  const done = new Set<XlKey>();
  for (const [key, kind, path, types, line] of SIMPLE_KEYS) {
    if (!r.get(key) || (types && !types.includes(type))) continue;
    const v = simpleValue(r, idl, key, kind, line);
    if (v !== undefined) setPath(config, path, v);
    done.add(key);
  }
  return done;
}

function simpleValue(r: CfgReader, idl: LibxlIdl, key: XlKey, kind: Kind, line: number): LibxlValue {
  const src = `tools/xl/xl_parse.c:${line} @RELEASE-4.17.0`;
  if (kind === 'defbool') return r.bool(key);
  if (kind === 'string') return r.string(key);
  if (kind === 'long') return r.number(key, `a number, e.g. ${key} = 1`);
  if (kind === 'kb') {
    const mib = r.number(key, `a whole number of MiB, e.g. ${key} = 8`, 0, Math.floor(Number.MAX_SAFE_INTEGER / 1024));
    return mib === undefined ? undefined : mib * 1024;
  }
  const type = kind.slice(5);
  const s = r.string(key);
  if (s === undefined) return undefined;
  const v = enumFromString(idl, type, s);
  if (v === undefined) r.fail(key, `xl: invalid value "${s}" for "${key}"`, enumNames(idl, type), src);
  return v;
}

export function enumNames(idl: LibxlIdl, type: string): string {
  return idl.enums[type]!.values.map(([, n]) => `"${n}"`).join(', ');
}

/** A key given as a C number or as an enum name (tsc_mode, timer_mode, altp2m): xl tries the number first. */
export function numberOrEnum(r: CfgReader, idl: LibxlIdl, key: XlKey, type: string, range: [number, number], line: number, warnings: string[]): string | undefined {
  const s = r.get(key);
  if (!s || s.value.kind !== 'string') return s ? r.string(key) : undefined;
  const text = s.value.value;
  const src = `tools/xl/xl_parse.c:${line} @RELEASE-4.17.0`;
  const n = cLong(text); // libxlu keeps a quoted "1" and a bare 1 alike: xlu_cfg_get_long reads both
  if (n !== undefined) {
    if (n < range[0] || n > range[1]) r.fail(key, `xl: invalid value ${n} for "${key}"`, `${range[0]} .. ${range[1]}, or ${enumNames(idl, type)}`, src);
    const name = idl.enums[type]!.values.find(([v]) => v === n)?.[1];
    if (key !== 'altp2m') warnings.push(`${where(s.file, s.value)}: ${key} as an integer is deprecated (xl warns); write ${key} = "${name}"`);
    return name;
  }
  const v = enumFromString(idl, type, text);
  if (v === undefined) r.fail(key, `xl: invalid value "${text}" for "${key}"`, enumNames(idl, type), src);
  return v;
}

export { XL };
