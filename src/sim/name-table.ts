import type { NameTable } from './store.js';

/** A NameTable over a map (the demo and library users keep one in memory). */
export function nameTableOf(names: Map<number, { name: string; config: unknown }> = new Map()): NameTable {
  return {
    get: (domid) => names.get(domid),
    byName: (name) => {
      for (const [id, n] of names) if (n.name === name) return id;
      return undefined;
    },
    set: (domid, name, config) => void names.set(domid, { name, config }),
    delete: (domid) => void names.delete(domid),
    all: () => names,
  };
}
