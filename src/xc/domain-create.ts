import { XenkitError } from '../errors.js';
import type { CreateDomainArgs, Hypervisor } from '../hv/hypervisor.js';
import type { HostCaps } from '../xen/host.js';
import { resolveCreate, type DomainConfig } from './config.js';
import { verdictError, verdictOf, type Verdict } from './check.js';

export interface CreateResult {
  domid: number;
  /** The exact createdomain arguments passed to the hypervisor. */
  args: CreateDomainArgs;
  /** Defaults xenkit filled in, in words; empty when the config was complete. */
  defaults: string[];
  verdict: Verdict;
}

/** What the hypervisor's host can do: exact for the sim, read from physinfo for a real Xen. */
export function hostOf(hv: Hypervisor): HostCaps {
  return hv.describeHost();
}

/**
 * The settled API (xen-devel, 2015): create a domain from a full config, or from none.
 * - No `config.arch`: the release's per-arch defaults are filled in locally (x86 HVM: every emulated
 *   device the release allows an HVM domU; PV: none; Arm: the host's native GIC), and listed in `defaults`.
 * - A config: passed as given.
 * Before the hypercall the release's rules run (facts); a refusal throws XenkitError with a stable
 * `code`, the `field`/`value`, the `errno` Xen would return, and in words what is wrong and what to pass.
 */
export function domainCreate(hv: Hypervisor, config?: DomainConfig | null): CreateResult {
  const release = hv.version().release;
  const host = hostOf(hv);
  const resolved = resolveCreate(release, host, config);
  const verdict = verdictOf(release, host, resolved);
  if (!verdict.accept) throw verdictError(verdict);
  const domid = hv.createDomain(resolved.args);
  return { domid, args: resolved.args, defaults: resolved.defaults, verdict };
}

export { XenkitError };
