import { inRange, type ReleaseId } from './releases.js';
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
  return inRange(r, '4.22');
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

export function domidRule(r: ReleaseId): DomidRule {
  const tag = `@RELEASE-${r}.0`;
  if (inRange(r, '4.6', '4.13'))
    return { kind: 'rover', inUse: 'EINVAL', exhausted: 'ENOMEM', source: `xen/common/domctl.c XEN_DOMCTL_createdomain ${tag}` };
  if (inRange(r, '4.14', '4.20'))
    return { kind: 'rover', inUse: 'EEXIST', exhausted: 'ENOMEM', source: `xen/common/domctl.c XEN_DOMCTL_createdomain ${tag}` };
  if (r === '4.21') return { kind: 'bitmap', inUse: 'EEXIST', exhausted: 'EEXIST', source: `xen/common/domid.c domid_alloc() ${tag}` };
  return { kind: 'bitmap-any', inUse: 'EEXIST', exhausted: 'EEXIST', invalid: 'EEXIST', source: `xen/common/domid.c domid_alloc() ${tag}` };
}

/** The id a toolstack should send to mean "pick one" on release r. */
export function anyDomid(r: ReleaseId): number {
  return hasDomidAny(r) ? DOMID_ANY : 0;
}
