import { XenkitError } from '../errors.js';
import type { Hypervisor } from '../hv/hypervisor.js';

export const BACKENDS = ['sim', 'xen'] as const;
export type BackendName = (typeof BACKENDS)[number];

/** --backend, else $XENKIT_BACKEND, else the simulated Xen. */
export function backendName(flag?: unknown): BackendName {
  const v = flag ?? process.env.XENKIT_BACKEND ?? 'sim';
  if (v === 'sim' || v === 'xen') return v;
  throw new XenkitError('BAD_INPUT', `--backend: ${JSON.stringify(v)} is not a backend`, { field: '--backend', value: v, hint: 'sim (the embedded simulated Xen) or xen (this host\'s Xen, through libxenctrl)' });
}

/** The real-Xen backend, loaded only when asked for (koffi and libxenctrl are not touched otherwise). */
export async function openXen(): Promise<Hypervisor & { release: string }> {
  const { XenBackend } = await import('./xen.js');
  return new XenBackend();
}
