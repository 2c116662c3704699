import type { ReleaseId } from './releases.js';

/**
 * Most vCPUs a domain may have.
 * x86: HVM_MAX_VCPUS = 128 (xen/include/public/hvm/hvm_info_table.h, 4.6 .. 4.22); PV: MAX_VIRT_CPUS =
 * GDT_LDT_MBYTES << (20 - GDT_LDT_VCPU_VA_SHIFT) = 8192 (xen/include/asm-x86/config.h, arch/x86/include/asm/config.h).
 * ARM: MAX_VIRT_CPUS 128 on arm64 (arch/arm/include/asm/config.h), and a GICv2 only routes 8 CPUs
 * (vgic_max_vcpus(), xen/arch/arm/vgic.c).
 */
export function maxVcpusLimit(_r: ReleaseId, hvm: boolean, arch: 'x86_64' | 'arm64' = 'x86_64', gic: 'v2' | 'v3' = 'v3'): number {
  if (arch === 'arm64') return gic === 'v2' ? 8 : 128;
  return hvm ? 128 : 8192;
}

/** opt_max_grant_frames / opt_max_maptrack_frames defaults (xen/common/grant_table.c, 4.12+). */
export const DEFAULT_MAX_GRANT_FRAMES = 64;
export const DEFAULT_MAX_MAPTRACK_FRAMES = 1024;
/** INITIAL_NR_GRANT_FRAMES (xen/common/grant_table.c): 4.18+ refuses fewer grant frames than this. */
export const INITIAL_NR_GRANT_FRAMES = 1;
