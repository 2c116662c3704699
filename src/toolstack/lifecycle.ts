import { XenkitError } from '../errors.js';
import type { DomainInfo, Hypervisor, ShutdownReason } from '../hv/hypervisor.js';
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
 * unpause unless asked to stay paused. If any step after createdomain fails, the half-built domain is
 * destroyed, so nothing is left behind; the error says which step failed.
 */
export function buildDomain(hv: Hypervisor, names: NameTable | undefined, plan: BuildPlan): CreateResult {
  if (names) {
    const existing = names.byName(plan.name);
    if (existing !== undefined && alive(hv, existing))
      throw new XenkitError('NAME_IN_USE', `name: a domain named "${plan.name}" already exists (domain ${existing})`, {
        field: 'name',
        value: plan.name,
        hint: 'choose another name, or destroy the other domain first (libxl: "Domain with name ... already exists")',
      });
  }
  const created = domainCreate(hv, plan.config);
  const domid = created.domid;
  let step: BuildFailure['step'] = 'max_vcpus';
  try {
    hv.setMaxVcpus(domid, plan.maxVcpus);
    step = 'max_mem';
    hv.setMaxMem(domid, Math.max(plan.maxKiB, plan.targetKiB) + LIBXL_MAXMEM_CONSTANT_KIB);
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

function alive(hv: Hypervisor, domid: number): boolean {
  try {
    return hv.getDomainInfo(domid).domid === domid;
  } catch {
    return false;
  }
}

/** A domain named by name or id, as xl takes it; unknown ones are a clear error. */
export function resolveDomain(hv: Hypervisor, names: NameTable | undefined, ref: string): DomainInfo {
  const byName = names?.byName(ref);
  const id = byName ?? (/^\d+$/.test(ref) ? Number(ref) : ref === 'Domain-0' ? 0 : undefined);
  if (id !== undefined) {
    try {
      const info = hv.getDomainInfo(id);
      if (info.domid === id) return info;
    } catch (e) {
      if (!(e instanceof XenkitError) || !e.errno) throw e;
    }
  }
  throw new XenkitError('NO_DOMAIN', `domain ${JSON.stringify(ref)} does not exist`, {
    field: 'domain',
    value: ref,
    hint: 'give a name or id from `xk list`',
  });
}

export function pauseDomain(hv: Hypervisor, names: NameTable | undefined, ref: string): number {
  const d = resolveDomain(hv, names, ref);
  hv.pauseDomain(d.domid);
  return d.domid;
}

export function unpauseDomain(hv: Hypervisor, names: NameTable | undefined, ref: string): number {
  const d = resolveDomain(hv, names, ref);
  hv.unpauseDomain(d.domid);
  return d.domid;
}

export function shutdownDomain(hv: Hypervisor, names: NameTable | undefined, ref: string, reason: ShutdownReason): number {
  const d = resolveDomain(hv, names, ref);
  hv.shutdown(d.domid, reason);
  return d.domid;
}

export function destroyDomain(hv: Hypervisor, names: NameTable | undefined, ref: string): number {
  const d = resolveDomain(hv, names, ref);
  hv.destroyDomain(d.domid);
  names?.delete(d.domid);
  return d.domid;
}
