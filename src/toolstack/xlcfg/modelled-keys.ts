import type { GuestType, XlKey } from './keys.js';

const ALL: readonly GuestType[] = ['pv', 'pvh', 'hvm'];

/**
 * The xl keys DomainSpec carries into libxl's JSON, and for which guest types (for PV, `vnc` and
 * the other display keys become a vfb: dev/pv-vnc.ts). The other keys xl reads are mapped by
 * applyXlKeys() (to-config.ts); one neither carries is reported by toLibxlJson() as missing.
 */
export const MODELLED_KEYS: Partial<Record<XlKey, readonly GuestType[]>> = {
  ...Object.fromEntries(
    ([
      'name', 'type', 'builder', 'uuid', 'hap', 'oos', 'pool', 'memory', 'maxmem', 'vcpus', 'maxvcpus', 'cpus', 'cpus_soft',
      'on_poweroff', 'on_reboot', 'on_watchdog', 'on_crash', 'on_soft_reset', 'kernel', 'ramdisk', 'cmdline', 'root', 'extra',
      'bootloader', 'acpi', 'nestedhvm', 'vpmu', 'passthrough', 'disk', 'vif',
    ] as const).map((k) => [k, ALL]),
  ),
  apic: ['hvm'],
  pae: ['hvm'],
  vnc: ['hvm'],
  sdl: ['hvm'],
};

export function isModelled(key: XlKey, type: GuestType): boolean {
  return MODELLED_KEYS[key]?.includes(type) ?? false;
}
