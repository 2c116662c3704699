/**
 * The arguments of XEN_DOMCTL_createdomain, Xen-shaped: the fields of struct xen_domctl_createdomain
 * (xen/include/public/domctl.h) and of struct xen_arch_domainconfig (arch-x86/xen.h, arch-arm.h).
 * Which fields a release has is in its layouts (abi-data.ts); a field the release lacks is absent or 0.
 */
export interface X86ArchConfig {
  emulation_flags: number;
  misc_flags?: number;
}

export interface ArmArchConfig {
  gic_version: number;
  nr_spis: number;
  tee_type?: number;
  clock_frequency?: number;
}

export type ArchConfig = X86ArchConfig | ArmArchConfig;

export function isX86ArchConfig(a: ArchConfig): a is X86ArchConfig {
  return (a as X86ArchConfig).emulation_flags !== undefined;
}

/**
 * The fields of struct xen_domctl_createdomain plus the domctl's `domain` (the requested id).
 * A field the release's struct lacks must be absent (or zero); see facts' layouts.
 */
export interface CreateDomainArgs {
  domid: number;
  ssidref: number;
  /** xen_domain_handle_t: 16 bytes, usually a UUID. */
  handle: Uint8Array;
  /** XEN_DOMCTL_CDF_* bits as numbered in the running release. */
  flags: number;
  iommu_opts?: number;
  max_vcpus?: number;
  max_evtchn_port?: number;
  max_grant_frames?: number;
  max_maptrack_frames?: number;
  grant_opts?: number;
  altp2m_opts?: number;
  vmtrace_size?: number;
  cpupool_id?: number;
  arch: ArchConfig;
}
