import { XenkitError } from '../errors.js';
import type { Hypervisor } from '../hv/hypervisor.js';
import type { NameTable } from '../sim/store.js';
import { domainCreate, type CreateResult } from '../xc/domain-create.js';
import type { DomainConfig } from '../xc/config.js';

/** What the toolstack builds: the createdomain config plus what libxl does after it. */
export interface BuildPlan {
  name: string;
  config: DomainConfig;
  /** b_info.max_vcpus, and the vCPUs online at boot (b_info.avail_vcpus) */
  maxVcpus: number;
  vcpus: number;
  /** b_info.target_memkb and max_memkb */
  targetKiB: number;
  maxKiB: number;
  paused: boolean;
  /** Stored beside the domain (what xl keeps in xenstore): the spec it was built from. */
  record?: unknown;
}

/** LIBXL_MAXMEM_CONSTANT: libxl__arch_extra_memory() on x86 (tools/libs/light/libxl_internal.h @RELEASE-4.17.0). */
export const LIBXL_MAXMEM_CONSTANT_KIB = 1024;

/** The step a failed build stopped at, and what it left behind. */
export interface BuildFailure {
  step: 'createdomain' | 'max_vcpus' | 'max_mem' | 'populate_physmap' | 'unpausedomain';
  rolledBack: boolean;
}

/**
 * Build a domain in the order libxl uses (libxl__domain_make, then libxl__build_pre in
 * tools/libs/light/libxl_dom.c @RELEASE-4.17.0): createdomain, max vCPUs, max memory, memory, and
 * unpause unless asked to stay paused. If any step after createdomain fails, the half-built domain
 * is destroyed, so nothing is left behind; the error says which step failed. Names are checked by
 * the toolstack (hv-toolstack.ts).
 */
export function buildDomain(hv: Hypervisor, names: NameTable | undefined, plan: BuildPlan): CreateResult {
  const created = domainCreate(hv, plan.config);
  const domid = created.domid;
  let step: BuildFailure['step'] = 'max_vcpus';
  try {
    hv.setMaxVcpus(domid, plan.maxVcpus);
    step = 'max_mem';
    // libxl__build_pre(): xc_domain_setmaxmem(target_memkb + libxl__arch_extra_memory()), not maxmem.
    hv.setMaxMem(domid, plan.targetKiB + LIBXL_MAXMEM_CONSTANT_KIB);
    step = 'populate_physmap';
    hv.populatePhysmap(domid, plan.targetKiB);
    // On the sim the toolstack plays libxl's domain builder: the boot vCPUs get their context.
    hv.extras.bootVcpus?.(domid, plan.vcpus);
    if (!plan.paused) {
      step = 'unpausedomain';
      hv.unpauseDomain(domid);
    }
  } catch (e) {
    let rolledBack = true;
    try {
      hv.destroyDomain(domid);
    } catch {
      rolledBack = false;
    }
    if (e instanceof XenkitError)
      throw new XenkitError(e.code, `building "${plan.name}" failed at ${step} (domain ${domid} ${rolledBack ? 'destroyed' : 'could NOT be destroyed'}): ${e.message}`, {
        field: e.field,
        value: e.value,
        hint: e.hint,
        errno: e.errno,
        source: e.source,
        details: { step, domid, rolledBack },
        cause: e,
      });
    throw e;
  }
  names?.set(domid, plan.name, plan.record ?? null);
  return created;
}
