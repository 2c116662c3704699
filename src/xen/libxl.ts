import { perRelease, releaseTag, type ReleaseId } from './releases.js';

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
