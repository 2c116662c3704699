import { perRelease, releaseTag, type ReleaseId } from './releases.js';
import type { ErrnoName } from './errno.js';

/** Reserved domain ids, xen/include/public/xen.h. DOMID_ANY is new in 4.22. */
export const DOMID_FIRST_RESERVED = 0x7ff0;
export const DOMID_SELF = 0x7ff0;
export const DOMID_IO = 0x7ff1;
export const DOMID_XEN = 0x7ff2;
export const DOMID_COW = 0x7ff3;
export const DOMID_INVALID = 0x7ff4;
export const DOMID_ANY = 0x7ff5;
export const DOMID_IDLE = 0x7fff;
/** Highest id a guest can have. */
export const DOMID_MAX_GUEST = DOMID_FIRST_RESERVED - 1;

export function hasDomidAny(r: ReleaseId): boolean {
  return DOMID_RULES[r].kind === 'bitmap-any';
}

/**
 * How XEN_DOMCTL_createdomain turns the requested id into a domain id.
 * - 'rover' (4.6 .. 4.20, xen/common/domctl.c): 1..0x7FEF is taken exactly; 0 or >= DOMID_FIRST_RESERVED
 *   means "any": the first free id after a static `rover` (the last id picked), wrapping to 1.
 * - 'bitmap' (4.21, xen/common/domid.c domid_alloc()): same meaning, kept in a bitmap.
 * - 'bitmap-any' (4.22, domid_alloc(op->domain)): 0 is an exact request for id 0; DOMID_ANY picks one;
 *   any other id >= DOMID_FIRST_RESERVED is refused.
 */
export interface DomidRule {
  kind: 'rover' | 'bitmap' | 'bitmap-any';
  /** errno when the requested id is in use. */
  inUse: ErrnoName;
  /** errno when no id is free. */
  exhausted: ErrnoName;
  /** errno for an id that cannot be asked for (4.22: >= DOMID_FIRST_RESERVED but not DOMID_ANY). */
  invalid?: ErrnoName;
  source: string;
}

type DomidRow = Omit<DomidRule, 'source'> & { where: string };

const DOMID_RULES = perRelease<DomidRow>('domid', [
  { from: '4.6', to: '4.13', row: { kind: 'rover', inUse: 'EINVAL', exhausted: 'ENOMEM', where: 'xen/common/domctl.c XEN_DOMCTL_createdomain' } },
  { from: '4.14', to: '4.20', row: { kind: 'rover', inUse: 'EEXIST', exhausted: 'ENOMEM', where: 'xen/common/domctl.c XEN_DOMCTL_createdomain' } },
  { from: '4.21', to: '4.21', row: { kind: 'bitmap', inUse: 'EEXIST', exhausted: 'EEXIST', where: 'xen/common/domid.c domid_alloc()' } },
  { from: '4.22', to: '4.22', row: { kind: 'bitmap-any', inUse: 'EEXIST', exhausted: 'EEXIST', invalid: 'EEXIST', where: 'xen/common/domid.c domid_alloc()' } },
]);

export function domidRule(r: ReleaseId): DomidRule {
  const { where, ...rule } = DOMID_RULES[r];
  return { ...rule, source: `${where} @${releaseTag(r)}` };
}

/** The id a toolstack should send to mean "pick one" on release r. */
export function anyDomid(r: ReleaseId): number {
  return hasDomidAny(r) ? DOMID_ANY : 0;
}
