import type { Command } from 'commander';
import type { Hypervisor } from '../hv/hypervisor.js';
import { backendName, openXen } from '../backend/select.js';
import { defaultStatePath, openSimState, type NameTable } from '../sim/store.js';
import type { SimXen } from '../sim/sim.js';

export function statePath(cmd: Command): string {
  const o = cmd.optsWithGlobals() as { state?: string };
  return o.state ?? defaultStatePath();
}

/**
 * Run fn against the host the command addresses: the simulated Xen in the state file, or this
 * machine's Xen with --backend xen / XENKIT_BACKEND=xen (names are kept by the sim only; on real
 * Xen domains are listed by id). On the sim, `write: false` is a read transaction that never
 * writes the file; `write: true` one write transaction (all or nothing, only changed rows written).
 */
export async function withHost<T>(
  cmd: Command,
  mode: { write: boolean },
  fn: (hv: Hypervisor, names: NameTable | undefined, where: string) => T | Promise<T>,
): Promise<T> {
  const o = cmd.optsWithGlobals() as { backend?: string };
  if (backendName(o.backend) === 'xen') {
    const hv = await openXen();
    try {
      return await fn(hv, undefined, `libxenctrl, Xen ${hv.release}`);
    } finally {
      hv.close();
    }
  }
  const st = openSimState(statePath(cmd));
  try {
    const step = (sim: SimXen, names: NameTable) => {
      const r = fn(sim, names, st.path);
      // The transaction ends when fn returns: work on the sim must not be left pending.
      if (r instanceof Promise) throw new Error('internal: an asynchronous step inside a state-file transaction');
      return r;
    };
    return mode.write ? st.run(step) : st.read(step);
  } finally {
    st.close();
  }
}
