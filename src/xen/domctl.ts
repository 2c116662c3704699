import type { ErrnoName } from './errno.js';
import { perRelease, releaseTag, type ReleaseId } from './releases.js';

/**
 * How domctls other than createdomain answer, per release (the sim plays them; the xen backend
 * reads them to know what the hypervisor will say).
 */

/**
 * XEN_DOMCTL_getdomaininfo for an id (xen/common/domctl.c):
 * - 'next' (4.6 .. 4.17): the first domain whose id is >= the one asked for (ESRCH when none);
 *   from 4.8 an id >= DOMID_FIRST_RESERVED is EINVAL first.
 * - 'exact' (4.18+): only that domain (ESRCH otherwise).
 */
export interface GetdomaininfoRule {
  match: 'next' | 'exact';
  /** errno for an id >= DOMID_FIRST_RESERVED, where the release checks it before the search. */
  reserved?: ErrnoName;
}

const GETDOMAININFO = perRelease<GetdomaininfoRule>('getdomaininfo', [
  { from: '4.6', to: '4.7', row: { match: 'next' } },
  { from: '4.8', to: '4.17', row: { match: 'next', reserved: 'EINVAL' } },
  { from: '4.18', to: '4.22', row: { match: 'exact' } },
]);

export function getdomaininfoRule(r: ReleaseId): GetdomaininfoRule & { source: string } {
  return { ...GETDOMAININFO[r], source: `xen/common/domctl.c XEN_DOMCTL_getdomaininfo @${releaseTag(r)}` };
}

/**
 * XEN_DOMCTL_max_vcpus (xen/common/domctl.c):
 * - 'allocate' (4.6 .. 4.11): the vCPUs are allocated here: EINVAL above the limit or when shrinking,
 *   EBUSY when growing from a non-zero count.
 * - 'confirm' (4.12+): createdomain's max_vcpus allocated them; the domctl only accepts that same
 *   count (EINVAL otherwise).
 */
export type MaxVcpusRule = 'allocate' | 'confirm';

const MAX_VCPUS = perRelease<MaxVcpusRule>('max_vcpus', [
  { from: '4.6', to: '4.11', row: 'allocate' },
  { from: '4.12', to: '4.22', row: 'confirm' },
]);

export function maxVcpusRule(r: ReleaseId): MaxVcpusRule {
  return MAX_VCPUS[r];
}

/**
 * domain_pause_by_systemcontroller() caps the toolstack's pause count at 255 and answers EOVERFLOW
 * beyond (xen/common/domain.c @RELEASE-4.6.0 .. @RELEASE-4.22.0); unpausing a domain the toolstack
 * has not paused is EINVAL.
 */
export const CONTROLLER_PAUSE_MAX = 255;
export const PAUSE_OVERFLOW: ErrnoName = 'EOVERFLOW';
