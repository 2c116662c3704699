import { perRelease, releaseTag, type ReleaseId } from './releases.js';

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

/** Xen's boot-time grant limits (gnttab_max_frames= / gnttab_max_maptrack_frames=) when not set on its command line. */
export interface GrantLimits {
  grantFrames: number;
  maptrackFrames: number;
  source: string;
}

const GRANT_DEFAULTS = perRelease<GrantLimits>('grant-limits', [
  { from: '4.6', to: '4.9', row: { grantFrames: 32, maptrackFrames: 1024, source: 'xen/include/xen/grant_table.h DEFAULT_MAX_NR_GRANT_FRAMES, xen/common/grant_table.c DEFAULT_MAX_MAPTRACK_FRAMES' } },
  { from: '4.10', to: '4.11', row: { grantFrames: 64, maptrackFrames: 1024, source: 'xen/common/grant_table.c DEFAULT_MAX_NR_GRANT_FRAMES, DEFAULT_MAX_MAPTRACK_FRAMES' } },
  { from: '4.12', to: '4.22', row: { grantFrames: 64, maptrackFrames: 1024, source: 'xen/common/grant_table.c opt_max_grant_frames, opt_max_maptrack_frames' } },
]);

export function xenGrantDefaults(r: ReleaseId): GrantLimits {
  const g = GRANT_DEFAULTS[r];
  return { ...g, source: `${g.source} @${releaseTag(r)}` };
}

/** INITIAL_NR_GRANT_FRAMES (xen/arch/{x86,arm}/include/asm/grant_table.h @RELEASE-4.17.0; 1U in 4.12 .. 4.22): fewer is refused. */
export const INITIAL_NR_GRANT_FRAMES = 1;
