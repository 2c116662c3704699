import type { ReleaseId } from '../xen/releases.js';
import type { Arch } from '../xen/arch.js';
import type { HostCaps } from '../xen/host.js';
import { XenkitError } from '../errors.js';
import type { DominfState } from '../xen/dominfo.js';
import type { ShutdownReason } from '../xen/shutdown.js';
import type { CreateDomainArgs } from '../xen/domain-args.js';

// Xen-shaped types live in facts (src/xen/); re-exported here so existing imports keep working.
export { SHUTDOWN_REASONS, type ShutdownReason } from '../xen/shutdown.js';
export { isX86ArchConfig, type ArchConfig, type ArmArchConfig, type CreateDomainArgs, type X86ArchConfig } from '../xen/domain-args.js';

/**
 * The raw operations a toolstack needs from Xen, Xen-shaped in and out (DESIGN.md: "Hypervisor").
 * Every backend (the simulated Xen, real Xen through libxenctrl) implements this; failures throw
 * XenkitError carrying Xen's errno. Synchronous on purpose: libxenctrl's calls are synchronous
 * ioctls, and the simulated Xen must do ~1M create+destroy cycles a second in-process.
 */
export interface Hypervisor {
  /** The backend's name ('sim', 'xen'), for messages only: ask `extras` what it can do. */
  readonly backend: string;
  /**
   * Optional operations, present only where the backend can do them (libvirt's driver table):
   * callers test for the operation, never for the backend.
   */
  readonly extras: HypervisorExtras;
  /**
   * The host as the release's createdomain rules see it: exact on the sim; read from physinfo (and
   * whatever else the backend can read) on real Xen. A fact the backend cannot read is left
   * undefined, and the pre-flight rules then leave that verdict to Xen.
   */
  describeHost(): HostCaps;
  /** xc_version(XENVER_version) plus the extra string. */
  version(): XenVersion;
  /** XEN_SYSCTL_physinfo. */
  physinfo(): PhysInfo;
  /**
   * XEN_DOMCTL_createdomain: returns the new domain's id. The domain starts paused. On success
   * `args.arch` is replaced by the arch config as Xen wrote it back, as xc_domain_create() copies it
   * into the caller's struct (Arm: GIC_NATIVE becomes the GIC version Xen chose).
   */
  createDomain(args: CreateDomainArgs): number;
  /** XEN_DOMCTL_getdomaininfo for exactly this id (ESRCH when there is none). */
  getDomainInfo(domid: number): DomainInfo;
  /** Every domain, ascending id (xc_domain_getinfolist from 0). */
  listDomains(): DomainInfo[];
  /** XEN_DOMCTL_pausedomain. */
  pauseDomain(domid: number): void;
  /** XEN_DOMCTL_unpausedomain. */
  unpauseDomain(domid: number): void;
  /** XEN_DOMCTL_destroydomain. */
  destroyDomain(domid: number): void;
  /** XEN_DOMCTL_max_mem (KiB). */
  setMaxMem(domid: number, maxKiB: number): void;
  /** XEN_DOMCTL_max_vcpus (folded into createdomain from 4.12, where it only checks the count). */
  setMaxVcpus(domid: number, maxVcpus: number): void;
  /** XENMEM_populate_physmap on the domain's behalf: give it `kib` more memory. */
  populatePhysmap(domid: number, kib: number): void;
  /** SCHEDOP_remote_shutdown (xc_domain_shutdown). */
  shutdown(domid: number, reason: ShutdownReason): void;
  /** Release resources (the state file of a persistent sim, a libxenctrl handle). */
  close(): void;
}

/** A domain's death or shutdown, as Xen announces it (VIRQ_DOM_EXC; libxl's domain-death event). */
export interface DomainEvent {
  domid: number;
  kind: 'shutdown' | 'destroyed';
  reason?: ShutdownReason;
}

export interface HypervisorExtras {
  /**
   * Play libxl's domain builder: give the first `n` vCPUs a context so they run (on real Xen libxl's
   * builder does this itself, with the kernel it loads).
   */
  bootVcpus?(domid: number, n: number): void;
  /** Make the next `count` calls of operation `op` fail with `errno` (test error paths). */
  inject?(op: string, errno: string, count: number): void;
  /** Subscribe to domain events (shutdown, destroyed); returns the unsubscribe function. */
  onDomainEvent?(listener: (e: DomainEvent) => void): () => void;
}

/** The optional operation `name`, or one clear error naming the backend that lacks it. */
export function requireExtra<K extends keyof HypervisorExtras>(hv: Hypervisor, name: K, what: string): NonNullable<HypervisorExtras[K]> {
  const op = hv.extras[name];
  if (!op)
    throw new XenkitError('NOT_ON_BACKEND', `${what}: the ${hv.backend} backend cannot do this (it has no ${name} operation)`, {
      field: 'backend',
      value: hv.backend,
      hint: `backends with ${name}: the simulated Xen (--backend sim)`,
    });
  return op as NonNullable<HypervisorExtras[K]>;
}

export interface XenVersion {
  major: number;
  minor: number;
  extra: string;
  release: ReleaseId;
}


export interface PhysInfo {
  arch: Arch;
  nr_cpus: number;
  threads_per_core: number;
  cores_per_socket: number;
  nr_nodes: number;
  cpu_khz: number;
  total_pages: number;
  free_pages: number;
  /** XEN_SYSCTL_PHYSCAP_* names present: hvm, pv, hap, shadow, iommu_hap_pt_share, vmtrace, vpmu, gnttab_v1, gnttab_v2 ... */
  capabilities: string[];
  /** Raw capability bitmap as this release numbers it. */
  capabilities_bits: number;
}

/** XEN_DOMCTL_getdomaininfo: the decoded XEN_DOMINF_* state (facts dominfo.ts) plus the counts. */
export interface DomainInfo extends DominfState {
  domid: number;
  /** Pages the domain holds, and its limit (XEN_DOMCTL_max_mem, in pages). */
  tot_pages: number;
  max_pages: number;
  nr_online_vcpus: number;
  max_vcpu_id: number;
  cpu_time_ns: number;
  ssidref: number;
  handle: Uint8Array;
  cpupool: number;
}
