import { nearest } from './nearest.js';

/**
 * Every top-level key xl 4.17 reads: each xlu_cfg_get_* / xlu_cfg_replace_string /
 * parse_extra_args call of tools/xl/xl_parse.c parse_config_data() @RELEASE-4.17.0, in its order.
 * xl itself never warns about any other key; xenkit does.
 */
export const XL_KEYS = [
  'init_seclabel', 'seclabel', 'type', 'builder', 'hap', 'name', 'uuid', 'oos', 'pool',
  'pvshim', 'pvshim_path', 'pvshim_cmdline', 'pvshim_extra',
  'cpu_weight', 'cap', 'period', 'slice', 'latency', 'extratime',
  'memory', 'maxmem', 'vcpus', 'maxvcpus', 'vuart', 'vnuma', 'cpus', 'cpus_soft',
  'max_grant_frames', 'max_maptrack_frames', 'max_grant_version',
  'on_poweroff', 'on_reboot', 'on_watchdog', 'on_crash', 'on_soft_reset',
  'e820_host', 'pci_msitranslate', 'pci_power_mgmt', 'pci_permissive', 'pci_seize', 'rdm', 'pci', 'dtdev',
  'passthrough', 'shadow_memory', 'nomigrate', 'tsc_mode', 'rtc_timeoffset', 'vncviewer', 'localtime',
  'videoram', 'max_event_channels', 'kernel', 'ramdisk', 'device_tree', 'cmdline', 'root', 'extra',
  'driver_domain', 'acpi', 'bootloader', 'bootloader_args', 'timer_mode', 'nestedhvm',
  'firmware_override', 'bios_path_override', 'bios', 'pae', 'acpi_s3', 'acpi_s4', 'acpi_laptop_slate',
  'nx', 'hpet', 'vpt_align', 'apic', 'viridian', 'mmio_hole', 'altp2mhvm', 'smbios_firmware',
  'acpi_firmware', 'ms_vm_genid', 'rdm_mem_boundary', 'mca_caps', 'firmware', 'altp2m', 'vmtrace_buf_kb',
  'ioports', 'irqs', 'iomem', 'disk', 'p9', 'vtpm', 'vdispl', 'pvcalls', 'vsnd', 'channel', 'vif', 'vif2',
  'vfb', 'usbctrl', 'usbdev', 'cpuid', 'device_model', 'device_model_override', 'device_model_version',
  'device_model_stubdomain_override', 'device_model_stubdomain_seclabel', 'device_model_user',
  'stubdomain_kernel', 'stubdomain_cmdline', 'stubdomain_ramdisk', 'stubdomain_memory',
  'device_model_args', 'device_model_args_pv', 'device_model_args_hvm',
  'vnc', 'vnclisten', 'vncpasswd', 'vncdisplay', 'vncunused', 'sdl', 'opengl', 'display', 'xauthority',
  'keymap', 'dm_restrict', 'vga', 'stdvga', 'hdtype', 'spice', 'spiceport', 'spicetls_port', 'spicehost',
  'spicedisable_ticketing', 'spicepasswd', 'spiceagent_mouse', 'spicevdagent', 'spice_clipboard_sharing',
  'spiceusbredirection', 'spice_image_compression', 'spice_streaming_video', 'nographic', 'gfx_passthru',
  'serial', 'boot', 'usb', 'usbversion', 'usbdevice', 'vkb_device', 'soundhw', 'xen_platform_pci',
  'vendor_device', 'gic_version', 'tee', 'vkb', 'xend_suspend_evtchn_compat', 'msr_relaxed', 'vpmu',
] as const;

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
