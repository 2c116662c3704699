import type { ErrnoName } from '../xen/errno.js';

/** The simulated hypercalls a fault can be injected into (`xk sim inject --op`). */
export const SIM_OPS = [
  'createdomain',
  'destroydomain',
  'pausedomain',
  'unpausedomain',
  'getdomaininfo',
  'max_vcpus',
  'max_mem',
  'populate_physmap',
  'shutdown',
  'physinfo',
] as const;
export type SimOp = (typeof SIM_OPS)[number];

/** A pending injected fault: the errno the next `count` calls of an op fail with. */
export interface Fault {
  errno: ErrnoName;
  count: number;
}
