import { XenkitError } from '../errors.js';
import type { Hypervisor } from '../hv/hypervisor.js';
import type { HostCaps } from '../xen/host.js';

/**
 * The backends, by name (libvirt's driver table): how to open each, and who builds its guests
 * (xenkit over the Hypervisor, or libxl). This table is the only place that knows backends by name.
 * Each backend's module is loaded only when it is opened (koffi and libxenctrl are not touched otherwise).
 */
export interface BackendEntry {
  describe: string;
  /** 'xenkit': the toolstack plays libxl over the Hypervisor; 'libxl': libxl builds guests. */
  guests: 'xenkit' | 'libxl';
  /** A Hypervisor: a fresh host of the description (sim), or this machine's Xen. */
  open(opts?: { host?: Partial<HostCaps> }): Promise<Hypervisor>;
}

export const BACKENDS = {
  sim: {
    describe: 'the embedded simulated Xen',
    guests: 'xenkit',
    open: async (opts = {}) => new (await import('../sim/sim.js')).SimXen(opts.host ?? {}),
  },
  xen: {
    describe: "this host's Xen, through libxenctrl (guests through libxl)",
    guests: 'libxl',
    open: async () => new (await import('./xen.js')).XenBackend(),
  },
} satisfies Record<string, BackendEntry>;

export type BackendName = keyof typeof BACKENDS;
export const BACKEND_NAMES = Object.keys(BACKENDS) as BackendName[];

/** --backend, else $XENKIT_BACKEND, else the simulated Xen. */
export function backendName(flag?: unknown): BackendName {
  const v = flag ?? process.env.XENKIT_BACKEND ?? 'sim';
  if (typeof v === 'string' && Object.prototype.hasOwnProperty.call(BACKENDS, v)) return v as BackendName;
  throw new XenkitError('BAD_INPUT', `--backend: ${JSON.stringify(v)} is not a backend`, {
    field: '--backend',
    value: v,
    hint: BACKEND_NAMES.map((n) => `${n} (${BACKENDS[n].describe})`).join(' or '),
  });
}

export function backendEntry(name: BackendName): BackendEntry {
  return BACKENDS[name];
}
