import { ApiFailure, handleInvalid } from '../failure.js';
import type { Ctx } from '../context.js';
import { callMember } from './forward.js';
import { internalSession } from './auth-mirror.js';
import { bootHere, opHere, type LocalOp } from './local.js';
import type { HostRec, PoolMember } from './member.js';
import { choose, fitOn, type Fit, type PoolVm } from './placement.js';

/** The coordinator's side of VM placement and power operations over the members. */
export class PoolOps {
  /** Memory (MiB) promised to starts in flight, per member, until that member publishes its room. */
  private reserved = new Map<string, number>();
  constructor(private readonly m: PoolMember) {}

  hosts(): HostRec[] {
    return [...this.m.state.list('host/').values()] as HostRec[];
  }
  live(uuid: string): boolean {
    return this.m.state.get(`live/${uuid}`) !== undefined;
  }
  host(ref: string): HostRec {
    const h = this.hosts().find((x) => x.ref === ref);
    if (!h) throw handleInvalid('host', ref);
    return h;
  }
  /** A VM's record read from etcd (not the cache: a change just acknowledged may not be watched yet). */
  async vm(ref: string): Promise<PoolVm> {
    const v = (await this.m.state.read(`vm/${ref}`)).value as PoolVm | undefined;
    if (!v) throw handleInvalid('VM', ref);
    return v;
  }

  /** For each member, whether it can run the VM now (and why not). */
  fits(vm: PoolVm, except?: string): Fit[] {
    return this.hosts().filter((h) => h.uuid !== except).map((h) => fitOn(this.m.svc, vm, h, this.live(h.uuid), this.reserved.get(h.uuid) ?? 0));
  }

  /** Run a member-local operation: here directly, elsewhere through that member's API. */
  private async onMember(ctx: Ctx | undefined, h: HostRec, what: 'boot' | LocalOp, ref: string, paused = false): Promise<void> {
    if (h.uuid === this.m.uuid) return what === 'boot' ? bootHere(this.m, ref, paused) : opHere(this.m, ref, what);
    const sid = ctx?.session?.ref ?? (await this.internalSession());
    try {
      await (what === 'boot' ? callMember(h, 'xenkit.pool.boot_here', [sid, ref, paused]) : callMember(h, 'xenkit.pool.op_here', [sid, ref, what]));
    } finally {
      // read-your-writes here for a change the other member made
      await this.m.state.refresh(`vm/${ref}`).catch(() => undefined);
    }
  }

  /** HA restarts have no caller: the coordinator's own session as root (pool-wide, like any). */
  private internalSession(): Promise<string> {
    return internalSession(this.m);
  }

  async startOn(ctx: Ctx | undefined, ref: string, target: HostRec | undefined, paused: boolean): Promise<HostRec> {
    const vm = await this.vm(ref);
    if (vm.power !== 'Halted') throw new ApiFailure('VM_BAD_POWER_STATE', [ref, 'halted', vm.power.toLowerCase()]);
    const fits = target ? [fitOn(this.m.svc, vm, target, this.live(target.uuid), this.reserved.get(target.uuid) ?? 0)] : this.fits(vm);
    if (target && fits[0]!.refusal) throw fits[0]!.refusal;
    const h = choose(fits);
    const mib = Math.ceil(Number(vm.fields.memory_static_max ?? 0) / 1048576);
    this.reserved.set(h.uuid, (this.reserved.get(h.uuid) ?? 0) + mib);
    try {
      await this.onMember(ctx, h, 'boot', ref, paused);
    } finally {
      this.reserved.set(h.uuid, (this.reserved.get(h.uuid) ?? mib) - mib);
    }
    return h;
  }

  async power(ctx: Ctx, ref: string, op: LocalOp): Promise<void> {
    const vm = await this.vm(ref);
    if (!vm.host) throw new ApiFailure('VM_BAD_POWER_STATE', [ref, 'running', 'halted']);
    const h = this.hosts().find((x) => x.uuid === vm.host);
    if (!h || !this.live(h.uuid)) throw new ApiFailure('HOST_NOT_LIVE', [`VM ${ref} is on member ${h?.name ?? vm.host}, which is not live`]);
    await this.onMember(ctx, h, op, ref);
  }

  /**
   * host.evacuate: every VM running on the member moves to one that accepts it: on the sim, destroy
   * there and build here from the same record (not a live migration: real Xen's migration is not
   * done). The plan is made for all VMs first; if one has nowhere to go nothing moves.
   */
  async evacuate(ctx: Ctx, hostRef: string): Promise<void> {
    const src = this.host(hostRef);
    const vms = ([...this.m.state.list('vm/').values()] as PoolVm[]).filter((v) => v.host === src.uuid && v.power !== 'Halted');
    const plan = new Map<string, HostRec>();
    const extra = new Map<string, number>();
    for (const v of vms) {
      const fits = this.hosts().filter((h) => h.uuid !== src.uuid).map((h) => fitOn(this.m.svc, v, h, this.live(h.uuid), (this.reserved.get(h.uuid) ?? 0) + (extra.get(h.uuid) ?? 0)));
      const h = choose(fits);
      plan.set(v.ref, h);
      extra.set(h.uuid, (extra.get(h.uuid) ?? 0) + Math.ceil(Number(v.fields.memory_static_max ?? 0) / 1048576));
    }
    for (const v of vms) {
      await this.onMember(ctx, src, 'hard_shutdown', v.ref);
      await this.startOn(ctx, v.ref, plan.get(v.ref), v.power === 'Paused');
    }
  }
}
