import { handleInvalid } from '../failure.js';
import type { VmView } from '../host-state.js';
import type { Ctx, Rec } from '../context.js';
import type { Service } from '../service.js';

/** The host release's verdict on a VM's domain (what VM.start would meet before the hypercall). */
async function verdictOf(svc: Service, v: VmView): Promise<Rec> {
  if (!v.row) return { xen: (await svc.host.info()).release, accept: true, code: '', reason: 'the control domain', hint: '', source: '', errno: '' };
  let spec;
  try {
    spec = svc.host.specOf(v.row);
  } catch (e) {
    const f = svc.failureOf(e);
    return { xen: (await svc.host.info()).release, accept: false, errno: '', code: f.params[0] ?? f.code, reason: f.params[2] ?? '', hint: f.params[3] ?? '', source: f.params[4] ?? '' };
  }
  const r = (await svc.ts.preview(spec)).verdict;
  return { xen: r.xen, accept: r.accept, errno: r.errno ?? '', code: r.code ?? '', reason: r.reason ?? '', hint: r.hint ?? '', source: r.source ?? '' };
}

export const vmVerdictActions = {
  /** xenkit.VM.get_verdict(session, vm) */
  get_verdict: async (ctx: Ctx, ref: string) => {
    const v = await ctx.svc.host.vm(ref);
    if (!v) throw handleInvalid('VM', ref);
    return verdictOf(ctx.svc, v);
  },
  /** xenkit.VM.get_all_verdicts(session): VM ref -> verdict, every VM in one call (the console's first load). */
  get_all_verdicts: async (ctx: Ctx) => {
    const out: Rec = {};
    for (const v of await ctx.svc.host.vms()) out[v.ref] = await verdictOf(ctx.svc, v);
    return out;
  },
};

/** xenkit.host.get_physinfo(session, host): what the backend reports (XEN_SYSCTL_physinfo, the release, memory). */
export async function physinfo(ctx: Ctx, ref: string): Promise<Rec> {
  if (ref !== ctx.svc.hostRef) throw handleInvalid('host', ref);
  const i = await ctx.svc.ts.info();
  return { release: i.release, version: i.version, backend: i.backend, where: i.where, ...i.physinfo, total_memory_mib: i.total_memory_mib, free_memory_mib: i.free_memory_mib, hvm: i.host.hvm, hap: i.host.hap, shadow: i.host.shadow, iommu: i.host.iommu };
}
