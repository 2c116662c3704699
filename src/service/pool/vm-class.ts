import { createHash } from 'node:crypto';
import { ApiFailure, NULL_REF } from '../failure.js';
import { checkedFields, createArgs, newVmRow, vmSetters, type ApplyFields } from '../classes/vm.js';
import { vmRecord } from '../classes/vm-record.js';
import type { ClassImpl, Ctx, Rec } from '../context.js';
import type { VmView } from '../host-state.js';
import type { HostRec, PoolMember } from './member.js';
import type { PoolOps } from './ops.js';
import type { LocalOp } from './local.js';
import { rowOf, type PoolVm } from './placement.js';

/** A pool VM's record: the single host's record of it, resident_on the member the pool says. */
export function poolVmRecord(m: PoolMember, v: PoolVm): Rec {
  const row = rowOf(v);
  let spec;
  try {
    spec = m.svc.host.specOf(row);
  } catch {
    spec = undefined;
  }
  const view: VmView = { ref: v.ref, uuid: v.uuid, row, power: v.power, domid: v.host ? v.domid : -1, spec };
  const host = v.host ? (m.state.get(`host/${v.host}`) as HostRec | undefined) : undefined;
  return { ...vmRecord(m.svc, view), resident_on: host?.ref ?? NULL_REF, ha_restart_priority: String(v.fields.ha_restart_priority ?? '') };
}

/** Each member's control domain (never managed through the pool). */
function dom0Record(m: PoolMember, h: HostRec): Rec {
  const view: VmView = { ref: h.dom0, uuid: h.dom0Uuid, row: null, power: 'Running', domid: 0 };
  return { ...vmRecord(m.svc, view), name_label: `Control domain on host: ${h.name}`, resident_on: h.ref };
}

/**
 * A halted pool VM from xl.cfg text, with `fields` set on it (checked as the single host checks
 * them): its record in etcd in one transaction, create-if-absent.
 */
export async function createPoolVm(m: PoolMember, text: string, name: string, fields: Rec = {}): Promise<string> {
  const v = newPoolVm(m, text, name, fields);
  if (!(await m.state.cas(`vm/${v.ref}`, 0, v))) throw new ApiFailure('OTHER_OPERATION_IN_PROGRESS', ['VM', v.ref]);
  return v.ref;
}

function newPoolVm(m: PoolMember, text: string, name: string, fields: Rec = {}): PoolVm {
  const { ref, uuid, cfg, fields: checked } = newVmRow(m.svc, text, name, fields);
  return { ref, uuid, cfg, fields: checked, host: null, power: 'Halted', domid: -1 };
}

/**
 * `xk serve --pool --import DIR`: one xl.cfg file as a halted pool VM, once in the whole pool: the
 * VM and `import/<sha256 of the file's name and text>` in one etcd transaction, so members given the
 * same directory (or one restarted) make each file's VM once. The VM's ref, or undefined when the
 * pool has imported this file already.
 */
export async function importPoolVm(m: PoolMember, text: string, file: string): Promise<string | undefined> {
  const id = createHash('sha256').update(file).update('\0').update(text).digest('hex');
  const key = `import/${id}`;
  if (m.state.get(key) !== undefined) return undefined;
  const v = newPoolVm(m, text, file);
  if (await m.state.createAll([[key, { file, vm: v.ref, by: m.uuid }], [`vm/${v.ref}`, v]])) return v.ref;
  await m.state.refresh(key);
  if (m.state.get(key) !== undefined) return undefined;
  throw new ApiFailure('OTHER_OPERATION_IN_PROGRESS', ['VM', v.ref]);
}

/** The pool's way to change a VM's fields: compare-and-swap on its record in etcd (retried while others win). */
function applyInPool(m: PoolMember): ApplyFields {
  return async (_ctx, ref, patch, halted) => {
    await m.state.update(`vm/${ref}`, (cur) => {
      if (!cur) throw new ApiFailure('HANDLE_INVALID', ['VM', ref]);
      const v = cur as PoolVm;
      if (halted && v.power !== 'Halted') throw new ApiFailure('VM_BAD_POWER_STATE', [ref, 'halted', v.power.toLowerCase()]);
      return { ...v, fields: checkedFields(m.svc, rowOf(v), poolVmRecord(m, v), patch({ ...v.fields })) };
    });
    return '';
  };
}

export function poolVmClass(m: PoolMember, ops: PoolOps): ClassImpl {
  const vms = () => [...m.state.list('vm/').values()] as PoolVm[];
  const power = (op: LocalOp) => async (ctx: Ctx, ref: string) => (await ops.power(ctx, ref, op), '');
  const apply = applyInPool(m);
  const haPriorities = ['', 'restart', 'best-effort'];
  return {
    cls: 'VM',
    records: () => new Map([...ops.hosts().map((h): [string, Rec] => [h.dom0, dom0Record(m, h)]), ...vms().map((v): [string, Rec] => [v.ref, poolVmRecord(m, v)])]),
    record: (_c, ref) => {
      const v = m.state.get(`vm/${ref}`) as PoolVm | undefined;
      if (v) return poolVmRecord(m, v);
      const h = ops.hosts().find((x) => x.dom0 === ref);
      return h && dom0Record(m, h);
    },
    count: () => m.state.list('vm/').size + ops.hosts().length,
    actions: {
      create: (ctx: Ctx, args: Rec) => {
        const { text, pick } = createArgs(args);
        return createPoolVm(m, text, 'VM.create', pick);
      },
      start: async (ctx: Ctx, ref: string, paused: boolean) => (await ops.startOn(ctx, ref, undefined, paused), ''),
      start_on: async (ctx: Ctx, ref: string, host: string, paused: boolean) => (await ops.startOn(ctx, ref, ops.host(host), paused), ''),
      hard_shutdown: power('hard_shutdown'),
      clean_shutdown: power('clean_shutdown'),
      pause: power('pause'),
      unpause: power('unpause'),
      clean_reboot: power('clean_reboot'),
      hard_reboot: power('hard_reboot'),
      destroy: async (_c: Ctx, ref: string) => {
        await m.state.update(`vm/${ref}`, (cur) => {
          if (cur && cur.power !== 'Halted') throw new ApiFailure('VM_BAD_POWER_STATE', [ref, 'halted', String(cur.power).toLowerCase()]);
          return null;
        });
        return '';
      },
      get_possible_hosts: async (_c: Ctx, ref: string) => ops.fits(await ops.vm(ref)).filter((f) => !f.refusal).map((f) => f.host.ref),
      ...vmSetters(apply),
      set_ha_restart_priority: (ctx: Ctx, ref: string, v: string) => {
        if (!haPriorities.includes(v)) throw new ApiFailure('INVALID_VALUE', ['ha_restart_priority', v, `one of ${haPriorities.map((x) => JSON.stringify(x)).join(', ')}`]);
        return apply(ctx, ref, () => ({ ha_restart_priority: v }), false);
      },
    },
  };
}
