import type { Hypervisor } from '../hv/hypervisor.js';
import { nameTableOf, openSimState, type NameTable, type StoredList } from '../sim/store.js';
import type { SimXen } from '../sim/sim.js';

/**
 * A host the toolstack drives operation by operation: each run is one transaction (all or nothing);
 * `write: false` never writes. In memory (a library user's SimXen) or in a state file that several
 * processes share (the CLI).
 */
export interface HostSession {
  readonly where: string;
  run<T>(write: boolean, fn: (hv: Hypervisor, names: NameTable) => T): T;
  /** Every domain and its name read straight from where they are kept, where that is cheaper than run(); undefined: use run(). */
  listDomains?(): StoredList | undefined;
  close(): void;
}

/** A Hypervisor in this process, with the names kept beside it. */
export function memorySession(hv: Hypervisor, names: NameTable = nameTableOf()): HostSession {
  return { where: 'in memory', run: (_w, fn) => fn(hv, names), close: () => {} };
}

/** The simulated host in a state file (src/sim/store.ts). */
export function stateSession(path: string): HostSession {
  const st = openSimState(path);
  return {
    where: st.path,
    run: <T>(write: boolean, fn: (hv: SimXen, names: NameTable) => T): T => (write ? st.run(fn) : st.read(fn)),
    listDomains: () => st.listDomains(),
    close: () => st.close(),
  };
}
