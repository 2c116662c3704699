import { nearest } from './nearest.js';
import { XL_KEYS_AT } from '../../xen/xl-keys-data.js';
import { ALL_XL_KEYS } from '../../xen/xl-keys.js';

/**
 * Every top-level key xl 4.17 reads (the release xenkit's libxl JSON is proven against), in xl's
 * order: from the generated per-release facts (src/xen/xl-keys-data.ts, tools/xl/xl_parse.c
 * parse_config_data() @RELEASE-4.17.0). xl itself never warns about any other key; xenkit does.
 * Other releases: xlKeysOf(release) in src/xen/xl-keys.ts.
 */
export const XL_KEYS = XL_KEYS_AT['4.17'].keys;

export type XlKey = (typeof XL_KEYS)[number];
export type GuestType = 'pv' | 'pvh' | 'hvm';

const KEY_SET: ReadonlySet<string> = new Set(XL_KEYS);

export function isXlKey(k: string): k is XlKey {
  return KEY_SET.has(k);
}

const HVM_ONLY = [
  // the `case LIBXL_DOMAIN_TYPE_HVM:` arm of parse_config_data()
  'firmware_override', 'bios_path_override', 'bios', 'pae', 'acpi_s3', 'acpi_s4', 'acpi_laptop_slate', 'nx', 'hpet',
  'vpt_align', 'apic', 'viridian', 'mmio_hole', 'altp2mhvm', 'smbios_firmware', 'acpi_firmware', 'ms_vm_genid',
  'rdm_mem_boundary', 'mca_caps',
  // the later `if (c_info->type == LIBXL_DOMAIN_TYPE_HVM)` block
  'vga', 'stdvga', 'hdtype', 'spice', 'spiceport', 'spicetls_port', 'spicehost', 'spicedisable_ticketing', 'spicepasswd',
  'spiceagent_mouse', 'spicevdagent', 'spice_clipboard_sharing', 'spiceusbredirection', 'spice_image_compression',
  'spice_streaming_video', 'nographic', 'gfx_passthru', 'serial', 'boot', 'usb', 'usbversion', 'usbdevice', 'vkb_device',
  'soundhw', 'xen_platform_pci', 'vendor_device',
] as const satisfies readonly XlKey[];

/**
 * Keys xl 4.17 reads only for some guest types (xl_parse.c parse_config_data() @RELEASE-4.17.0);
 * for the others it ignores them silently. Keys not listed are read for every type.
 * (`vnc`/`sdl` and friends are read for PVH too, but into the unused u.hvm arm: no effect.)
 */
export const XL_KEY_TYPES: Partial<Record<XlKey, readonly GuestType[]>> = {
  ...Object.fromEntries(HVM_ONLY.map((k) => [k, ['hvm'] as const])),
  pvshim: ['pvh'],
  pvshim_path: ['pvh'],
  pvshim_cmdline: ['pvh'],
  pvshim_extra: ['pvh'],
  e820_host: ['pv'],
  timer_mode: ['pvh', 'hvm'], // PV: "option is not supported for PV guests", exit 1
  keymap: ['pv', 'hvm'],
  ...Object.fromEntries(['vnc', 'vnclisten', 'vncpasswd', 'vncdisplay', 'vncunused', 'sdl', 'opengl', 'display', 'xauthority'].map((k) => [k, ['pv', 'hvm'] as const])),
};

export function xlReadsFor(key: XlKey, type: GuestType): boolean {
  return XL_KEY_TYPES[key]?.includes(type) ?? true;
}

/** The xl key an unknown key was probably meant to be ("maxmen" -> "maxmem"). */
export function suggestKey(unknown: string): string | undefined {
  return nearest(unknown, XL_KEYS);
}

/** A key some xl 4.6..4.22 reads (not necessarily 4.17's): `pvh`, `nr_spis`, ... */
export function isAnyXlKey(k: string): boolean {
  return ALL_XL_KEYS.has(k);
}
