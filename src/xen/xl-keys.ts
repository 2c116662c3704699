import { XL_KEYS_AT } from './xl-keys-data.js';
import { perRelease, RELEASE_IDS, releaseTag, type ReleaseId } from './releases.js';

/**
 * The top-level xl.cfg keys xl reads, per release: generated from parse_config_data() and the
 * functions it calls (tools/xl/xl_parse.c from 4.9, tools/libxl/xl_cmdimpl.c before) at each
 * RELEASE-4.N.0 tag by scripts/gen-xl-keys.ts. Reviewed by hand: 4.17's list is the hand-read list
 * keys.ts carried before (same 158 keys, same order); the only key dropped over 4.6..4.22 is `pvh`
 * (PVHv1, read 4.6..4.8); keys read elsewhere in those files are xl.conf's (tools/xl/xl.c) and
 * cpupool configs'.
 */
const ROWS = perRelease<{ file: string; keys: readonly string[] }>(
  'xl-keys',
  RELEASE_IDS.map((r) => ({ from: r, to: r, row: XL_KEYS_AT[r] })),
);
const SETS = new Map<ReleaseId, ReadonlySet<string>>(RELEASE_IDS.map((r) => [r, new Set(ROWS[r].keys)]));

/** Every key xl of `r` reads, in its reading order. */
export function xlKeysOf(r: ReleaseId): readonly string[] {
  return ROWS[r].keys;
}

export function xlReadsKeyAt(r: ReleaseId, key: string): boolean {
  return SETS.get(r)!.has(key);
}

/** The source the key list of `r` comes from: `tools/xl/xl_parse.c @RELEASE-4.17.0`. */
export function xlKeysSource(r: ReleaseId): string {
  return `${ROWS[r].file} parse_config_data() @${releaseTag(r)}`;
}

/** The releases whose xl reads `key` (empty: no xl from 4.6 to 4.22 does). */
export function releasesReading(key: string): ReleaseId[] {
  return RELEASE_IDS.filter((r) => SETS.get(r)!.has(key));
}

/** Every key any xl 4.6..4.22 reads. */
export const ALL_XL_KEYS: ReadonlySet<string> = new Set(RELEASE_IDS.flatMap((r) => ROWS[r].keys));
