import { createRequire } from 'node:module';
import type * as Z from 'zod';

/**
 * zod, loaded on first use: it costs ~60 ms to import, and commands that read only trusted state
 * (`xk list`, `xk info`) never need it. Schemas are built lazily by their modules through this.
 */
let mod: typeof Z | undefined;
export function zod(): typeof Z {
  return (mod ??= createRequire(import.meta.url)('zod') as typeof Z);
}

/** A schema built on first use. */
export function lazySchema<T>(build: (z: typeof Z.z) => T): () => T {
  let s: T | undefined;
  return () => (s ??= build(zod().z));
}
