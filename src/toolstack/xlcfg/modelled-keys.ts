import type { GuestType, XlKey } from './keys.js';

const ALL: readonly GuestType[] = ['pv', 'pvh', 'hvm'];

/**
 * The xl keys DomainSpec carries into libxl's JSON, and for which guest types (xl reads `vnc`
 * for PV too, as a vfb device, which xenkit does not model). Any other key xl reads is reported
 * by toLibxlJson() as missing from its output.
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
