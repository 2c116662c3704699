import { randomUUID } from 'node:crypto';
import { LIBXL_HAP_HOST_FROM } from '../../xen/libxl.js';
import type { DefaultNote, DomainSpec, GuestType } from './domain-spec.js';

const XL = 'tools/xl/xl_parse.c parse_config_data() @RELEASE-4.17.0';
const C_INFO = 'tools/libs/light/libxl_create.c libxl__domain_create_info_setdefault() @RELEASE-4.17.0';
const B_INFO = 'tools/libs/light/libxl_create.c libxl__domain_build_info_setdefault() @RELEASE-4.17.0';
const X86 = 'tools/libs/light/libxl_x86.c libxl__arch_domain_build_info_setdefault() @RELEASE-4.17.0';
const CONFIG = 'tools/libs/light/libxl_create.c libxl__domain_config_setdefault() @RELEASE-4.17.0';

/** xl's guest type when the config names none (x86; ARM's xl picks PVH). */
export const DEFAULT_TYPE: GuestType = 'pv';

/** What a config said, before defaults: a name, and any subset of the rest. */
export type GivenSpec = Partial<Omit<DomainSpec, 'defaulted' | 'name'>> & { name: string };

/**
 * Every default, in one place: xl's own (parse_config_data(), they show in `xl create -n`) and
 * libxl's *_setdefault ones (applied at create, absent from that JSON). Each is recorded in
 * `defaulted` with who chooses it and where, so the JSON can leave libxl's out.
 */
export function applyDefaults(g: GivenSpec): DomainSpec {
  const defaulted: DefaultNote[] = [];
  const pick = <K extends keyof DomainSpec>(field: K, given: DomainSpec[K] | undefined, value: DomainSpec[K], by: 'xl' | 'libxl', source: string): DomainSpec[K] => {
    if (given !== undefined) return given;
    defaulted.push({ field, value, by, source });
    return value;
  };
  const type = pick('type', g.type, DEFAULT_TYPE, 'xl', `${XL}: no type or builder: PV (x86)`);
  const nonPv = type !== 'pv';
  const hvm = type === 'hvm';

  // xl: max_memkb := target_memkb when maxmem is unset; libxl: max_memkb := 32 MiB, then target := max.
  const maxMemoryMiB =
    g.memoryMiB !== undefined
      ? pick('maxMemoryMiB', g.maxMemoryMiB, g.memoryMiB, 'xl', `${XL}: max_memkb := target_memkb (maxmem unset)`)
      : pick('maxMemoryMiB', g.maxMemoryMiB, 32, 'libxl', `${B_INFO}: max_memkb := 32 MiB`);
  const memoryMiB = pick('memoryMiB', g.memoryMiB, maxMemoryMiB, 'libxl', `${B_INFO}: target_memkb := max_memkb`);
  // xl: max_vcpus := vcpus when maxvcpus is unset; libxl: max_vcpus := 1 if 0, avail_vcpus := {0} if empty.
  const maxVcpus =
    g.vcpus !== undefined
      ? pick('maxVcpus', g.maxVcpus, g.vcpus, 'xl', `${XL}: max_vcpus := vcpus (maxvcpus unset)`)
      : pick('maxVcpus', g.maxVcpus, 1, 'libxl', `${B_INFO}: max_vcpus := 1`);
  const vcpus = pick('vcpus', g.vcpus, 1, 'libxl', `${B_INFO}: avail_vcpus := {0}`);

  const spec: DomainSpec = {
    name: g.name,
    type,
    uuid: pick('uuid', g.uuid, randomUUID(), 'xl', `${XL}: libxl_uuid_generate() (a new random UUID)`),
    memoryMiB,
    maxMemoryMiB,
    vcpus,
    maxVcpus,
    ...given(g, ['cpus', 'cpusSoft', 'kernel', 'ramdisk', 'cmdline', 'bootloader', 'pool']),
    onPoweroff: pick('onPoweroff', g.onPoweroff, 'destroy', 'xl', XL),
    onReboot: pick('onReboot', g.onReboot, 'restart', 'xl', XL),
    onWatchdog: pick('onWatchdog', g.onWatchdog, 'destroy', 'xl', XL),
    onCrash: pick('onCrash', g.onCrash, 'destroy', 'xl', XL),
    onSoftReset: pick('onSoftReset', g.onSoftReset, 'soft-reset', 'xl', XL),
    ...given(g, ['hap', 'oos', 'nestedHvm']), // xl reads these for PV too (and prints them)
    acpi: pick('acpi', g.acpi, true, 'libxl', X86),
    vpmu: pick('vpmu', g.vpmu, false, 'libxl', B_INFO),
    passthrough: pick('passthrough', g.passthrough, 'default', 'libxl', `${CONFIG}: enabled when pci/dtdev devices are given, else disabled; then sync_pt or share_pt`),
    pci: g.pci ?? [],
    disks: g.disks ?? [],
    nics: g.nics ?? [],
    defaulted,
  };
  if (nonPv) {
    spec.hap = pick('hap', g.hap, 'host', 'libxl', `${C_INFO}: the host's HAP (from ${LIBXL_HAP_HOST_FROM}; always on before)`);
    spec.oos = pick('oos', g.oos, true, 'libxl', C_INFO);
    spec.nestedHvm = pick('nestedHvm', g.nestedHvm, false, 'libxl', B_INFO);
    spec.apic = pick('apic', g.apic, true, 'libxl', B_INFO);
  }
  if (hvm) {
    spec.pae = pick('pae', g.pae, true, 'libxl', B_INFO);
    spec.vnc = pick('vnc', g.vnc, true, 'libxl', B_INFO);
    spec.sdl = pick('sdl', g.sdl, false, 'libxl', B_INFO);
  }
  return spec;
}

/** The listed fields of g that are set (no `undefined` keys in a spec). */
function given<K extends keyof GivenSpec>(g: GivenSpec, keys: K[]): Pick<GivenSpec, K> {
  return Object.fromEntries(keys.filter((k) => g[k] !== undefined).map((k) => [k, g[k]])) as Pick<GivenSpec, K>;
}
