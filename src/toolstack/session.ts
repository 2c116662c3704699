import type { Hypervisor } from '../hv/hypervisor.js';
import { nameTableOf } from '../sim/name-table.js';
import { Connection, linesIn, listIn, type StoredList } from '../sim/state-file.js';
import type { NameTable, SimState } from '../sim/store.js';
import type { SimXen } from '../sim/sim.js';

/**
 * A host the toolstack drives operation by operation: each run is one transaction (all or nothing);
 * `write: false` never writes. In memory (a library user's SimXen) or in a state file that several
 * processes share (the CLI).
 */
export interface HostSession {
  readonly where: string;
  /** Await before the first run() (a state file's sim is loaded only then: `xk list` never needs it). */
  ready?(): Promise<void>;
  run<T>(write: boolean, fn: (hv: Hypervisor, names: NameTable) => T): T;
  /** Every domain and its name read straight from where they are kept, where that is cheaper than run(); undefined: use run(). */
  listDomains?(): StoredList | undefined;
  /** The `xl list` lines of every domain (no header, no Time(s)), where they are kept rendered; undefined: use listDomains() or run(). */
  listLines?(): Buffer | undefined;
  close(): void;
}

/** A Hypervisor in this process, with the names kept beside it. */
export function memorySession(hv: Hypervisor, names: NameTable = nameTableOf()): HostSession {
  return { where: 'in memory', run: (_w, fn) => fn(hv, names), close: () => {} };
}

/**
 * The simulated host in a state file (src/sim/store.ts): the file opened (and its schema checked) at
 * once, the sim's modules loaded by ready(), so a plain `xk list` (listDomains) starts without them.
 */
export function stateSession(path: string): HostSession {
  const conn = new Connection(path, 10_000, false);
  let st: SimState | undefined;
  return {
    where: path,
    ready: async () => void (st ??= (await import('../sim/store.js')).simStateOn(conn)),
    run: <T>(write: boolean, fn: (hv: SimXen, names: NameTable) => T): T => {
      if (!st) throw new Error(`the state session for ${path} was run before ready()`);
      return write ? st.run(fn) : st.read(fn);
    },
    listDomains: () => conn.read((db) => listIn(db, path)),
    listLines: () => conn.read((db) => linesIn(db, path)),
    close: () => conn.close(),
  };
}
