import { ABI } from './abi-data.js';
import { RELEASE_IDS, type ReleaseId } from './releases.js';

/** [name, C type, byte offset, size] */
export type FieldRow = [string, string, number, number];

export interface StructLayout {
  size: number;
  align: number;
  fields: FieldRow[];
}

/** A release's binary interface as its public headers define it (see abi-data.ts for provenance). */
export interface AbiFacts {
  domctlInterfaceVersion: number;
  sysctlInterfaceVersion: number;
  /** struct xen_domctl_createdomain on x86_64. */
  createdomain: StructLayout;
  /** struct xen_arch_domainconfig on x86_64. */
  x86Arch: StructLayout;
  arm64Createdomain: StructLayout;
  arm64Arch: StructLayout;
  /** struct xen_domctl_getdomaininfo on x86_64. */
  getdomaininfo: StructLayout;
  /** struct xen_sysctl_physinfo on x86_64. */
  physinfo: StructLayout;
  /** sizeof(struct xen_domctl). */
  domctlSize: number;
  /** XEN_DOMINF_* name -> bit. */
  dominf: Record<string, number>;
  /** XEN_SYSCTL_PHYSCAP_* name -> bit. */
  physcap: Record<string, number>;
  /** XEN_DOMCTL_CONFIG_* (GIC_*, TEE_*, ...) name -> value. */
  armConfig: Record<string, number>;
  /** XEN_DOMCTL_CDF_* name -> bit, as the header has them. */
  cdf: Record<string, number>;
  emuAll: number;
  /** libxenctrl's soname, e.g. libxenctrl.so.4.17. */
  soname: string;
  /** The libxenctrl prototypes xenkit uses, as the release's xenctrl.h declares them. */
  libxc: Record<string, string>;
}

export function abi(r: ReleaseId): AbiFacts {
  return ABI[r];
}

/** The createdomain fields a caller sets (the struct's, minus the arch config, by its release name). */
export function createdomainFields(r: ReleaseId): string[] {
  return ABI[r].createdomain.fields.map((f) => f[0]).filter((n) => n !== 'config' && n !== 'arch');
}

/** The first release whose struct xen_domctl_createdomain has `field` (for "added in 4.N" messages). */
export function releaseAddingField(field: string): ReleaseId | undefined {
  return RELEASE_IDS.find((r) => createdomainFields(r).includes(field));
}

/** The x86 xen_arch_domainconfig fields of release r (4.6: only `dummy`). */
export function x86ArchFields(r: ReleaseId): string[] {
  return ABI[r].x86Arch.fields.map((f) => f[0]);
}

export function armArchFields(r: ReleaseId): string[] {
  return ABI[r].arm64Arch.fields.map((f) => f[0]);
}

/** The first release whose arch config (x86 or Arm xen_arch_domainconfig) has `field`. */
export function releaseAddingArchField(arch: 'x86_64' | 'arm64', field: string): ReleaseId | undefined {
  return RELEASE_IDS.find((r) => (arch === 'x86_64' ? x86ArchFields(r) : armArchFields(r)).includes(field));
}

/**
 * struct xen_domctl_getdomaininfo on arm64: the x86_64 layout's members (the same LP64 types at the
 * same offsets) up to its last one, `arch_config`, which is Arm's xen_arch_domainconfig there; the
 * size rounded up to the struct's alignment (4.17 and 4.20: 120 bytes, arch_config 12 at 104;
 * test/xen-qemu/arm64-abi.ts checks it against the arm64 libxen-dev headers).
 */
export function arm64Getdomaininfo(r: ReleaseId): StructLayout {
  const x86 = ABI[r].getdomaininfo;
  const last = x86.fields.at(-1)!;
  if (last[0] !== 'arch_config') throw new Error(`facts: ${r}'s xen_domctl_getdomaininfo does not end with arch_config`);
  const arch = ABI[r].arm64Arch;
  const end = last[2] + arch.size;
  return { size: Math.ceil(end / x86.align) * x86.align, align: x86.align, fields: [...x86.fields.slice(0, -1), [last[0], last[1], last[2], arch.size]] };
}
