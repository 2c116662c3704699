import { ApiFailure } from '../failure.js';
import type { Service } from '../service.js';
import type { VmRow } from '../store.js';
import { verdictOf, verdictError } from '../../xc/check.js';
import { resolveCreate } from '../../xc/config.js';
import { planFor } from '../../toolstack/load.js';
import { makeHost } from '../../xen/host.js';
import { parseRelease } from '../../xen/releases.js';
import { BYTES_PER_MIB as MiB } from '../../xen/pages.js';
import type { HostRec } from './member.js';
import type { Json } from './state.js';

/** A VM as the pool keeps it (vm/<ref>): the single host's row, and the member it runs on. */
export interface PoolVm extends Json {
  ref: string; uuid: string; cfg: string; fields: Record<string, unknown>; host: string | null; power: 'Halted' | 'Running' | 'Paused'; domid: number;
}

export const rowOf = (v: PoolVm): VmRow => ({ ref: v.ref, uuid: v.uuid, cfg: v.cfg, fields: v.fields, domid: v.domid >= 0 ? v.domid : null, power: v.power });

export interface Fit {
  host: HostRec;
  /** Why this member cannot run the VM (XAPI's error where XAPI has one), or undefined: it can. */
  refusal?: ApiFailure;
}

/**
 * Can `host` run `vm` now? In XAPI's order (xapi_vm_helpers.ml assert_can_boot_here): live, enabled,
 * then the host's Xen release's createdomain verdict on the VM's config (the same rules and the same
 * defaults that member's toolstack would apply: planFor + verdictOf, src/xc/check.ts), then room.
 */
export function fitOn(svc: Service, vm: PoolVm, host: HostRec, live: boolean, reservedMib = 0): Fit {
  if (!live) return { host, refusal: new ApiFailure('HOST_NOT_LIVE', [`host ${host.name} (${host.ref}) is not live: its lease in the pool store expired`]) };
  if (!host.enabled) return { host, refusal: new ApiFailure('HOST_DISABLED', [host.ref]) };
  const release = parseRelease(host.release);
  const caps = makeHost({ ...(host.caps as object), release });
  const spec = svc.host.specOf(rowOf(vm));
  const v = verdictOf(release, caps, resolveCreate(release, caps, planFor(release, caps, spec).config));
  if (!v.accept) {
    const e = verdictError(v);
    return { host, refusal: new ApiFailure('XENKIT_XEN_REFUSED', [e.code, e.errno ?? '', `host ${host.name} runs Xen ${release}, which would refuse VM ${String(vm.fields.name_label)}: ${e.message}`, e.hint ?? '', e.source ?? '']) };
  }
  const needMib = Math.ceil(Number(vm.fields.memory_static_max ?? spec.maxMemoryMiB * MiB) / MiB);
  const freeMib = host.free_mib - reservedMib;
  if (needMib > freeMib) return { host, refusal: new ApiFailure('HOST_NOT_ENOUGH_FREE_MEMORY', [String(needMib * MiB), String(Math.max(0, freeMib) * MiB)]) };
  const vcpus = Number(vm.fields.VCPUs_at_startup ?? spec.vcpus);
  if (vcpus > host.cpus) return { host, refusal: new ApiFailure('HOST_NOT_ENOUGH_PCPUS', [String(vcpus), String(host.cpus)]) };
  return { host };
}

/** The member to start `vm` on: of those that can, the one with the most free memory; else every reason. */
export function choose(fits: Fit[]): HostRec {
  const ok = fits.filter((f) => !f.refusal).sort((a, b) => b.host.free_mib - a.host.free_mib);
  if (ok[0]) return ok[0].host;
  const why = fits.map((f) => `${f.host.name}: ${f.refusal!.code} ${f.refusal!.params.join(' ')}`).join('; ');
  throw new ApiFailure('NO_HOSTS_AVAILABLE', [why || 'the pool has no member']);
}
