import type { Hypervisor } from '../hv/hypervisor.js';
import { backendEntry, backendName } from '../backend/registry.js';
import type { HostCaps } from '../xen/host.js';
import type { NameTable } from '../sim/store.js';
import { HvToolstack } from './hv-toolstack.js';
import { memorySession, stateSession } from './session.js';
import type { Toolstack } from './toolstack.js';

export interface OpenOptions {
  /** A backend name (default: $XENKIT_BACKEND, else the sim). */
  backend?: string;
  /** A xenkit-built backend's state file (the CLI's simulated host); without it, a host in memory. */
  state?: string;
  /** The in-memory host's description. */
  host?: Partial<HostCaps>;
}

/** The toolstack for a backend: libxl's where libxl builds guests, xenkit's over the Hypervisor otherwise. */
export async function openToolstack(opts: OpenOptions = {}): Promise<Toolstack> {
  const name = backendName(opts.backend);
  const entry = backendEntry(name);
  if (entry.guests === 'libxl') {
    const hv = await entry.open();
    const { LibxlClient } = await import('../backend/libxl-client.js');
    const { LibxlToolstack } = await import('./libxl-toolstack.js');
    return new LibxlToolstack(hv, new LibxlClient(hv.version().release));
  }
  if (opts.state) return new HvToolstack(stateSession(opts.state), name);
  return new HvToolstack(memorySession(await entry.open({ host: opts.host })), name);
}

/** xenkit's toolstack over a Hypervisor you hold (a library user's SimXen), names kept in memory. */
export function toolstackOver(hv: Hypervisor, names?: NameTable): Toolstack {
  return new HvToolstack(memorySession(hv, names), hv.backend);
}
