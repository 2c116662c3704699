import type { ClassImpl } from '../context.js';
import type { Served } from '../dispatch.js';

/**
 * What a pool adds to the single-host service (the only interface service.ts knows): classes that
 * replace the host's own (same `cls`), extension calls, and a gate every call passes first.
 */
export interface PoolHooks {
  /** Given the single host's classes, those the pool replaces (a replacement may extend its base). */
  classes(base: ClassImpl[]): ClassImpl[];
  extensions(): Served[];
  /** Before the session check: refuse (HOST_IS_SLAVE, pool unavailable) or make the session known. */
  gate(wire: string, sessionArg: unknown): Promise<void>;
  close(): Promise<void>;
}

/** The host's classes with the pool's in place of those of the same name. */
export function withPool(base: ClassImpl[], pool?: PoolHooks): ClassImpl[] {
  const by = new Map((pool?.classes(base) ?? []).map((c) => [c.cls, c]));
  return base.map((c) => by.get(c.cls) ?? c);
}
