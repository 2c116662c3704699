import { ApiFailure, handleInvalid } from '../failure.js';
import { uuidOf } from '../host-state.js';
import type { HostRec, PoolMember } from './member.js';
import { fitOn, rowOf, type PoolVm } from './placement.js';

/** This member's free memory and vCPUs published after each change of its domains. */
export async function publishRoom(m: PoolMember): Promise<void> {
  const info = await m.svc.ts.info();
  await m.state.update(`host/${m.uuid}`, (cur) => (cur ? { ...cur, free_mib: info.free_memory_mib } : null));
}

async function current(m: PoolMember, ref: string): Promise<{ vm: PoolVm; rev: number }> {
  const r = await m.state.read(`vm/${ref}`);
  if (!r.value) throw handleInvalid('VM', ref);
  return { vm: r.value as PoolVm, rev: r.rev };
}

/**
 * Build the VM's domain here, then record it as resident here only if its record has not changed
 * since it was read (etcd compare on mod revision); if another change won, the domain is destroyed
 * and the caller told: no VM ever runs on two members.
 */
export async function bootHere(m: PoolMember, ref: string, paused: boolean): Promise<void> {
  const { vm, rev } = await current(m, ref);
  if (vm.power !== 'Halted') throw new ApiFailure('VM_BAD_POWER_STATE', [ref, 'halted', vm.power.toLowerCase()]);
  // The coordinator placed it here (fitOn with its reservations); a client calling this member
  // directly is held to the same rules: enabled, its release's verdict, room.
  const here = m.state.get(`host/${m.uuid}`) as HostRec | undefined;
  if (!here) throw new ApiFailure('HOST_NOT_LIVE', [`this member (${m.uuid}) has no host record in the pool store`]);
  const fit = fitOn(m.svc, vm, here, true);
  if (fit.refusal) throw fit.refusal;
  const c = await m.svc.ts.create(m.svc.host.specOf(rowOf(vm)), { paused });
  let won = false;
  try {
    won = await m.state.cas(`vm/${ref}`, rev, { ...vm, host: m.uuid, power: paused ? 'Paused' : 'Running', domid: c.domid });
  } finally {
    if (!won) await m.svc.ts.destroy(c.domid).catch(() => undefined);
  }
  if (!won) throw new ApiFailure('OTHER_OPERATION_IN_PROGRESS', ['VM', ref]);
  await publishRoom(m);
}

export const LOCAL_OPS = ['hard_shutdown', 'clean_shutdown', 'pause', 'unpause', 'clean_reboot', 'hard_reboot'] as const;
export type LocalOp = (typeof LOCAL_OPS)[number];

/** The power state each operation needs (XAPI: clean_* and pause need Running, unpause Paused, hard_* either). */
const NEEDS: Record<LocalOp, PoolVm['power'] | undefined> = { pause: 'Running', clean_shutdown: 'Running', clean_reboot: 'Running', unpause: 'Paused', hard_shutdown: undefined, hard_reboot: undefined };

/** The VM's domain here gone: shut down cleanly first if asked (and still the VM's), destroyed if it stays. */
async function haltHere(m: PoolMember, vm: PoolVm, clean: boolean): Promise<void> {
  const ts = m.svc.ts;
  const ours = () => ts.get(vm.domid).then((d) => uuidOf(d.info.handle) === vm.uuid).catch(() => false);
  if (clean && (await ours())) await ts.shutdown(vm.domid, 'poweroff');
  if (await ours()) await ts.destroy(vm.domid);
}

/**
 * A power operation on a VM resident here, recorded (compare on revision) once done. A reboot
 * halts the domain and builds a new one here from the same record, as the single host does; if
 * the record changed meanwhile the new domain is destroyed and the caller told.
 */
export async function opHere(m: PoolMember, ref: string, op: LocalOp): Promise<void> {
  const { vm, rev } = await current(m, ref);
  if (vm.host !== m.uuid || vm.power === 'Halted') throw new ApiFailure('VM_BAD_POWER_STATE', [ref, 'running', vm.power.toLowerCase()]);
  const want = NEEDS[op] ?? vm.power;
  if (vm.power !== want) throw new ApiFailure('VM_BAD_POWER_STATE', [ref, want.toLowerCase(), vm.power.toLowerCase()]);
  const ts = m.svc.ts;
  let next: PoolVm;
  let built: number | undefined;
  if (op === 'pause' || op === 'unpause') {
    await (op === 'pause' ? ts.pause(vm.domid) : ts.unpause(vm.domid));
    next = { ...vm, power: op === 'pause' ? 'Paused' : 'Running' };
  } else {
    await haltHere(m, vm, op.startsWith('clean_'));
    next = { ...vm, host: null, power: 'Halted', domid: -1 };
    if (op.endsWith('_reboot')) {
      try {
        built = (await ts.create(m.svc.host.specOf(rowOf(vm)), { paused: false })).domid;
      } catch (e) {
        // halted and not built again: the record says so before the caller hears why
        await m.state.cas(`vm/${ref}`, rev, next).catch(() => undefined);
        throw e;
      }
      next = { ...vm, power: 'Running', domid: built };
    }
  }
  let won = false;
  try {
    won = await m.state.cas(`vm/${ref}`, rev, next);
  } finally {
    if (!won && built !== undefined) await ts.destroy(built).catch(() => undefined);
  }
  if (!won) throw new ApiFailure('OTHER_OPERATION_IN_PROGRESS', ['VM', ref]);
  await publishRoom(m);
}

/**
 * On joining: this member's domains against the pool's records. A domain of a pool VM recorded on
 * another member (moved while this one was away) is destroyed; a VM recorded here whose domain is
 * gone is Halted. Domains the pool does not know are never touched.
 */
export async function reconcileHere(m: PoolMember): Promise<void> {
  const vms = [...m.state.list('vm/').values()] as PoolVm[];
  const byUuid = new Map(vms.map((v) => [v.uuid, v]));
  const doms = (await m.svc.ts.list()).filter((d) => d.domid !== 0);
  const mine = new Set<string>();
  for (const d of doms) {
    const v = byUuid.get(uuidOf(d.info.handle));
    if (!v) continue;
    if (v.host === m.uuid && v.domid === d.domid) mine.add(v.ref);
    else await m.svc.ts.destroy(d.domid);
  }
  for (const v of vms) if (v.host === m.uuid && !mine.has(v.ref)) await m.state.update(`vm/${v.ref}`, (cur) => (cur && cur.host === m.uuid ? { ...cur, host: null, power: 'Halted', domid: -1 } : (cur ?? null)));
}
