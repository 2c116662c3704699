import { parseRelease, RELEASE_IDS, type ReleaseId } from '../xen/releases.js';

/** `--xen VER|LIST|all`. */
export function releasesArg(v: string): ReleaseId[] {
  return v === 'all' ? [...RELEASE_IDS] : v.split(',').map((x) => parseRelease(x, '--xen'));
}
