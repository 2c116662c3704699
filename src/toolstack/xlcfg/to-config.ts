import type { LibxlIdl } from '../../xen/libxl-idl.js';
import type { LibxlObject } from '../libxl/gen-json.js';
import type { GuestType, XlKey } from './keys.js';
import type { CfgReader, Fail } from './reader.js';
import { where } from './syntax-error.js';
import { applyPassthrough } from './passthrough.js';
import { applyDevices } from './dev/devices.js';
import { applyVnuma, type XlHost } from './dev/vnuma.js';
import { applyCpuid } from './dev/cpuid.js';
import { applySimpleKeys, enumFromString, enumNames, numberOrEnum, setPath } from './to-libxl.js';

const at = (line: number) => `tools/xl/xl_parse.c:${line} @RELEASE-4.17.0`;

/** libxl's XENFIRMWAREDIR for `firmware = "pvgrub64"` (configure's default $libexecdir/xen/boot; distributions move it). */
export const XENFIRMWAREDIR = '/usr/lib/xen/boot';

/**
 * The keys of parse_config_data() @RELEASE-4.17.0 that DomainSpec does not carry, read into the
 * libxl_domain_config as xl does. Returns the keys it read (the rest are reported as not modelled).
 */
export function applyXlKeys(r: CfgReader, idl: LibxlIdl, type: GuestType, config: LibxlObject, warnings: string[], host?: XlHost): Set<XlKey> {
  const done = applySimpleKeys(r, idl, type, config);
  const mark = (k: XlKey) => r.get(k) && done.add(k);
  applyVnuma(r, idl.release, config.b_info as LibxlObject, host, warnings);
  mark('vnuma');
  applyCpuid(r, config.b_info as LibxlObject, warnings);
  mark('cpuid');
  applyDevices(r, idl, type, config, warnings).forEach((k) => done.add(k));
  seclabel(r, config);
  (['init_seclabel', 'seclabel'] as const).forEach(mark);
  grants(r, config);
  (['max_grant_frames', 'max_maptrack_frames', 'max_grant_version'] as const).forEach(mark);
  const tsc = numberOrEnum(r, idl, 'tsc_mode', 'libxl_tsc_mode', [0, 3], 1573, warnings);
  if (tsc !== undefined) setPath(config, 'b.tsc_mode', tsc);
  if (type !== 'pv') {
    const timer = numberOrEnum(r, idl, 'timer_mode', 'libxl_timer_mode', [0, 3], 1640, warnings);
    if (timer !== undefined) setPath(config, 'b.timer_mode', timer);
  }
  const altp2m = numberOrEnum(r, idl, 'altp2m', 'libxl_altp2m_mode', [0, 3], 1889, warnings);
  if (altp2m !== undefined) setPath(config, 'b.altp2m', altp2m);
  (['tsc_mode', 'timer_mode', 'altp2m', 'vncviewer', 'device_model'] as const).forEach(mark); // the last two: xl warns, sets nothing
  stringLists(r, config, warnings);
  (['device_model_args', 'device_model_args_pv', 'device_model_args_hvm', 'bootloader_args'] as const).forEach(mark);
  dmVersion(r, config);
  mark('device_model_version');
  applyPassthrough(r, idl, type, config, warnings).forEach((k) => done.add(k));
  if (type === 'hvm') hvmKeys(r, idl, config, warnings).forEach((k) => done.add(k));
  else if (r.get('firmware')) done.add('firmware'); // pvgrub: into the kernel (to-spec.ts)
  return done;
}

function seclabel(r: CfgReader, config: LibxlObject): void {
  const init = r.string('init_seclabel');
  if (init !== undefined) setPath(config, 'c.ssid_label', init);
  const sec = r.string('seclabel');
  if (sec !== undefined) setPath(config, init !== undefined ? 'b.exec_ssid_label' : 'c.ssid_label', sec);
}

/** xlu_cfg_get_bounded_long(0, INT_MAX); unset: xl.conf's value, whose default equals libxl's init (left out). */
function grants(r: CfgReader, config: LibxlObject): void {
  for (const k of ['max_grant_frames', 'max_maptrack_frames', 'max_grant_version'] as const) {
    const n = r.number(k, `a number of frames 0 .. 2147483647, e.g. ${k} = 64`, 0, 2147483647);
    if (n !== undefined) setPath(config, `b.${k}`, n);
  }
}

function stringLists(r: CfgReader, config: LibxlObject, warnings: string[]): void {
  for (const [k, m] of [['device_model_args', 'extra'], ['device_model_args_pv', 'extra_pv'], ['device_model_args_hvm', 'extra_hvm']] as const) {
    const s = r.get(k);
    if (!s) continue;
    if (s.value.kind !== 'list') r.fail(k, `xl: "Unable to parse ${k}." (a list is required)`, `${k} = [ "-arg", ... ]`, at(2557));
    setPath(config, `b.${m}`, r.list(k)!.items.map((i) => i.value));
  }
  const b = r.get('bootloader_args');
  if (b?.value.kind === 'list') setPath(config, 'b.bootloader_args', r.list('bootloader_args')!.items.map((i) => i.value));
  else if (b) {
    warnings.push(`${where(b.file, b)}: bootloader_args as a string is deprecated (xl warns and splits it at blanks); write a list`);
    setPath(config, 'b.bootloader_args', r.string('bootloader_args')!.split(/[ \t\n]+/).filter(Boolean));
  }
}

function dmVersion(r: CfgReader, config: LibxlObject): void {
  const v = r.string('device_model_version');
  if (v === undefined) return;
  const m = { 'qemu-xen-traditional': 'qemu_xen_traditional', 'qemu-xen': 'qemu_xen' }[v];
  if (!m) r.fail('device_model_version', `xl: Unknown device_model_version "${v}" specified`, '"qemu-xen" or "qemu-xen-traditional"', at(2522));
  setPath(config, 'b.device_model_version', m);
}

/** The HVM-only keys that are not one plain member. */
function hvmKeys(r: CfgReader, idl: LibxlIdl, config: LibxlObject, warnings: string[]): XlKey[] {
  const keys: XlKey[] = [];
  const vga = r.string('vga');
  if (vga !== undefined) {
    const kind = { stdvga: 'std', cirrus: 'cirrus', none: 'none', qxl: 'qxl' }[vga];
    if (!kind) r.fail('vga', `xl: Unknown vga "${vga}" specified`, '"stdvga", "cirrus", "none" or "qxl"', at(2605));
    setPath(config, 'u.vga.kind', kind);
  } else if (r.get('stdvga')) setPath(config, 'u.vga.kind', r.bool('stdvga') ? 'std' : 'cirrus');
  keys.push('vga', 'stdvga');
  // serial / usbdevice: a list into serial_list / usbdevice_list, else one string (xl_parse.c:2666, 2688)
  for (const [k, list] of [['serial', 'serial_list'], ['usbdevice', 'usbdevice_list']] as const) {
    const s = r.get(k);
    if (s?.value.kind === 'list') setPath(config, `u.${list}`, r.list(k)!.items.map((i) => i.value));
    else if (s) setPath(config, `u.${k}`, r.string(k)!);
    keys.push(k);
  }
  gfx(r, idl, config);
  viridian(r, idl, config);
  mca(r, config);
  mmio(r, config);
  const old = r.get('altp2mhvm');
  if (old) {
    setPath(config, 'u.altp2m', r.bool('altp2mhvm'));
    warnings.push(`${where(old.file, old)}: altp2mhvm is deprecated (xl warns); write altp2m`);
  }
  firmware(r, idl, config);
  keys.push('gfx_passthru', 'viridian', 'mca_caps', 'mmio_hole', 'altp2mhvm', 'firmware', 'ms_vm_genid');
  msVmGenid(r, config);
  return keys.filter((k) => r.get(k));
}

function gfx(r: CfgReader, idl: LibxlIdl, config: LibxlObject): void {
  const s = r.get('gfx_passthru');
  if (!s || s.value.kind !== 'string') return;
  if (/^\s*[-+]?(0x[0-9a-f]+|\d+)$/i.test(s.value.value)) return setPath(config, 'u.gfx_passthru', r.bool('gfx_passthru'));
  const kind = enumFromString(idl, 'libxl_gfx_passthru_kind', s.value.value);
  if (!kind) r.fail('gfx_passthru', `xl: invalid value "${s.value.value}" for "gfx_passthru"`, `a number, or ${enumNames(idl, 'libxl_gfx_passthru_kind')}`, at(2654));
  setPath(config, 'u.gfx_passthru_kind', kind);
  setPath(config, 'u.gfx_passthru', true);
}

/** viridian: a boolean, or a list of groups: "all", "defaults", NAME, "!NAME" (xl_parse.c:1714-1764). */
function viridian(r: CfgReader, idl: LibxlIdl, config: LibxlObject): void {
  const s = r.get('viridian');
  if (!s) return;
  if (s.value.kind !== 'list') return setPath(config, 'u.viridian', r.bool('viridian'));
  const on = new Set<number>();
  const off = new Set<number>();
  const values = idl.enums.libxl_viridian_enlightenment!.values;
  for (const item of r.list('viridian')!.items) {
    const v = item.value;
    if (v === 'all') for (let i = 0; i < 64; i++) on.add(i); // libxl_bitmap_set_any over LIBXL_BUILDINFO_HVM_VIRIDIAN_ENABLE_DISABLE_WIDTH (64)
    else if (v === 'defaults') setPath(config, 'u.viridian', true);
    else {
      const neg = v.startsWith('!');
      const hit = values.find(([, n]) => n === (neg ? v.slice(1) : v).toLowerCase());
      const fail: Fail = r.failer(s, item, at(1745));
      if (!hit) fail(`xl: unknown viridian enlightenment '${neg ? v.slice(1) : v}'`, `"all", "defaults", or a group (! to disable): ${values.map(([, n]) => n).join(', ')}`);
      (neg ? off : on).add(hit[0]);
      (neg ? on : off).delete(hit[0]);
    }
  }
  setPath(config, 'u.viridian_enable', [...on].sort((a, b) => a - b));
  setPath(config, 'u.viridian_disable', [...off].sort((a, b) => a - b));
}

function mca(r: CfgReader, config: LibxlObject): void {
  const l = r.get('mca_caps') ? r.list('mca_caps')! : undefined;
  if (!l) return;
  for (const i of l.items) if (i.value !== 'lmce') r.failer(l.s, i, at(1813))(`xl: unrecognized MCA capability '${i.value}'`, '"lmce"');
  if (l.items.length) setPath(config, 'u.mca_caps', 1); // XEN_HVM_MCA_CAP_LMCE (1 << 0), xen/include/public/hvm/params.h
}

/** mmio_hole MiB: xl refuses a hole outside HVM_BELOW_4G_MMIO_LENGTH (256 MiB) .. HVM_BELOW_4G_MMIO_START (0xF0000000 = 3840 MiB). */
function mmio(r: CfgReader, config: LibxlObject): void {
  const n = r.number('mmio_hole', 'MiB of MMIO hole, 256 .. 3840', 256, 3840);
  if (n !== undefined) setPath(config, 'u.mmio_hole_memkb', n * 1024);
}

/** firmware for HVM: a bios name (seabios, rombios, ovmf), a prefix of "uefi" (ovmf), of "bios" (nothing), or a path (xl_parse.c:1840-1852). */
function firmware(r: CfgReader, idl: LibxlIdl, config: LibxlObject): void {
  const f = r.string('firmware');
  if (f === undefined) return;
  const bios = enumFromString(idl, 'libxl_bios_type', f);
  if (bios) return setPath(config, 'u.bios', bios);
  if ('uefi'.startsWith(f)) return setPath(config, 'u.bios', 'ovmf');
  if (!'bios'.startsWith(f)) setPath(config, 'u.firmware', f);
}

function msVmGenid(r: CfgReader, config: LibxlObject): void {
  const v = r.string('ms_vm_genid');
  if (v === undefined || v === 'none') return;
  if (v !== 'generate') r.fail('ms_vm_genid', 'xl: "ms_vm_genid" option must be "generate" or "none"', '"generate" or "none"', at(1786));
  const bytes = [...crypto.getRandomValues(new Uint8Array(16))];
  setPath(config, 'u.ms_vm_genid', bytes);
}
