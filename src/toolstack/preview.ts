import type { Hypervisor } from '../hv/hypervisor.js';
import { verdictOf } from '../xc/check.js';
import { resolveCreate } from '../xc/config.js';
import type { DomainSpec } from './domain/domain-spec.js';
import { planFor } from './load.js';
import type { CreateOptions, Preview } from './toolstack.js';

/** The createdomain config and verdict of the hypervisor's release for a spec. */
export function previewOn(hv: Hypervisor, spec: DomainSpec, opts: CreateOptions = {}): Preview {
  const host = hv.describeHost();
  const release = hv.version().release;
  const plan = planFor(release, host, spec, { paused: opts.paused, emulationFlags: opts.emulationFlags });
  const verdict = verdictOf(release, host, resolveCreate(release, host, plan.config));
  return { name: spec.name, xen: release, args: verdict.args, defaults: verdict.defaults, verdict };
}
