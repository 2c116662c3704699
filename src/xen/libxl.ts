import { perRelease, RELEASE_IDS, releaseTag, type ReleaseId } from './releases.js';

/**
 * libxl's own constants that decide what xenkit passes by default (as libxl would for a guest that
 * does not say). Kept apart from Xen's facts: these are the toolstack's choices, not the hypervisor's.
 */

/** libxl's path in xen.git: tools/libxl/ up to 4.14, tools/libs/light/ from 4.15. */
export function libxlDir(r: ReleaseId): string {
  return LIBXL_DIR[r];
}
const LIBXL_DIR = perRelease<string>('libxl-dir', [
  { from: '4.6', to: '4.14', row: 'tools/libxl' },
  { from: '4.15', to: '4.22', row: 'tools/libs/light' },
]);

/**
 * b_info->max_grant_frames / max_maptrack_frames when the guest config says nothing, as passed to
 * XEN_DOMCTL_createdomain (libxl__domain_make(), libxl_create.c); undefined before the struct had them.
 * - 4.12: LIBXL_MAX_GRANT_FRAMES_DEFAULT 32 and LIBXL_MAX_MAPTRACK_FRAMES_DEFAULT 1024 (libxl.h, the IDL's
 *   init_val); xl passes 32 too unless the host has frames above 2^32 (tools/xl/xl.c @RELEASE-4.12.0).
 * - 4.13+: LIBXL_MAX_GRANT_DEFAULT, (~(uint32_t)0), i.e. -1 in the int32 struct field: "Xen's boot-time
 *   default" (grant_table_init()); xl's own default is -1 as well (tools/xl/xl.c).
 */
export interface LibxlGrantDefault {
  maxGrantFrames: number;
  maxMaptrackFrames: number;
  why: string;
}

const GRANT = perRelease<Omit<LibxlGrantDefault, 'why'> & { macro: string; header: string } | undefined>('libxl-grant-defaults', [
  { from: '4.6', to: '4.11', row: undefined },
  { from: '4.12', to: '4.12', row: { maxGrantFrames: 32, maxMaptrackFrames: 1024, macro: 'LIBXL_MAX_GRANT_FRAMES_DEFAULT/LIBXL_MAX_MAPTRACK_FRAMES_DEFAULT', header: 'tools/libxl/libxl.h' } },
  { from: '4.13', to: '4.14', row: { maxGrantFrames: -1, maxMaptrackFrames: -1, macro: 'LIBXL_MAX_GRANT_DEFAULT', header: 'tools/libxl/libxl.h' } },
  { from: '4.15', to: '4.22', row: { maxGrantFrames: -1, maxMaptrackFrames: -1, macro: 'LIBXL_MAX_GRANT_DEFAULT', header: 'tools/include/libxl.h' } },
]);

export function libxlGrantDefault(r: ReleaseId): LibxlGrantDefault | undefined {
  const g = GRANT[r];
  if (!g) return undefined;
  const meaning = g.maxGrantFrames < 0 ? ": Xen's boot-time default" : '';
  return { maxGrantFrames: g.maxGrantFrames, maxMaptrackFrames: g.maxMaptrackFrames, why: `libxl's ${g.macro}${meaning} (${g.header} @${releaseTag(r)})` };
}

/**
 * How libxl__arch_domain_prepare_config() (libxl_x86.c, in libxlDir(r)) fills emulation_flags for a
 * new guest, one policy per span of releases (research in emulation.md section 5):
 * - `none` 4.6: "No specific configuration right now" (no emulation_flags field);
 * - `hvm-dm` 4.7: HVM with a device model XEN_X86_EMU_ALL, without one none; classic PVH none;
 * - `lapic-no-dm` 4.8-4.9: as 4.7, but an HVM domain without a device model (4.9's PVH) gets
 *   XEN_X86_EMU_LAPIC when apic is on; 4.8's PVH is still classic PVH;
 * - `pvh-type` 4.10: libxl's PVH type: XEN_X86_EMU_LAPIC (apic on) or none; HVM XEN_X86_EMU_ALL;
 * - `no-vpci` 4.11-4.18: PVH XEN_X86_EMU_LAPIC; HVM XEN_X86_EMU_ALL & ~XEN_X86_EMU_VPCI;
 * - `no-pirq` 4.19-4.22: as 4.11, and HVM also drops XEN_X86_EMU_USE_PIRQ unless hvm_pirq is set.
 */
export type LibxlEmulationPolicy = 'none' | 'hvm-dm' | 'lapic-no-dm' | 'pvh-type' | 'no-vpci' | 'no-pirq';
export function libxlEmulationPolicy(r: ReleaseId): LibxlEmulationPolicy {
  return LIBXL_EMULATION[r];
}
const LIBXL_EMULATION = perRelease<LibxlEmulationPolicy>('libxl-emulation', [
  { from: '4.6', to: '4.6', row: 'none' },
  { from: '4.7', to: '4.7', row: 'hvm-dm' },
  { from: '4.8', to: '4.9', row: 'lapic-no-dm' },
  { from: '4.10', to: '4.10', row: 'pvh-type' },
  { from: '4.11', to: '4.18', row: 'no-vpci' },
  { from: '4.19', to: '4.22', row: 'no-pirq' },
]);

/**
 * What libxl calls PVH (libxl__domain_make(), libxl_create.c): up to 4.8 classic PVH, a PV domain
 * with XEN_DOMCTL_CDF_pvh_guest|hap that libxl refuses without HAP; from 4.9 an HVM domain.
 */
export function libxlClassicPvh(r: ReleaseId): boolean {
  return LIBXL_CLASSIC_PVH[r];
}
const LIBXL_CLASSIC_PVH = perRelease<boolean>('libxl-classic-pvh', [
  { from: '4.6', to: '4.8', row: true },
  { from: '4.9', to: '4.22', row: false },
]);
/** The first release whose libxl builds PVH as an HVM domain (for messages). */
export const LIBXL_HVM_PVH_FROM: ReleaseId = RELEASE_IDS.find((r) => !LIBXL_CLASSIC_PVH[r])!;

/**
 * c_info->hap when the config does not say (libxl__domain_create_info_setdefault(), libxl_create.c):
 * on, up to 4.12; from 4.13 the host's (physinfo's XEN_SYSCTL_PHYSCAP_hap).
 */
export function libxlHapDefault(r: ReleaseId): 'on' | 'host' {
  return LIBXL_HAP_DEFAULT[r];
}
const LIBXL_HAP_DEFAULT = perRelease<'on' | 'host'>('libxl-hap-default', [
  { from: '4.6', to: '4.12', row: 'on' },
  { from: '4.13', to: '4.22', row: 'host' },
]);
/** The first release whose libxl defaults hap to the host's (for messages). */
export const LIBXL_HAP_HOST_FROM: ReleaseId = RELEASE_IDS.find((r) => LIBXL_HAP_DEFAULT[r] === 'host')!;
