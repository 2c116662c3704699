import { randomUUID } from 'node:crypto';
import { specFromText } from '../../toolstack/from-text.js';
import { ApiFailure, NULL_REF } from '../failure.js';
import { checkMemory, fieldsFromSpec } from '../classes/vm.js';
import { vmRecord } from '../classes/vm-record.js';
import type { ClassImpl, Ctx, Rec } from '../context.js';
import type { VmView } from '../host-state.js';
import type { HostRec, PoolMember } from './member.js';
import type { PoolOps } from './ops.js';
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

/** A halted pool VM from xl.cfg text: its record in etcd (create-if-absent). */
export async function createPoolVm(m: PoolMember, text: string, name: string): Promise<string> {
  const uuid = randomUUID();
  const loaded = specFromText(text, name, [`uuid="${uuid}"`]);
  const v: PoolVm = { ref: m.svc.newRef(), uuid, cfg: text, fields: fieldsFromSpec(loaded.spec), host: null, power: 'Halted', domid: -1 };
  m.svc.host.specOf(rowOf(v));
  if (!(await m.state.cas(`vm/${v.ref}`, 0, v))) throw new ApiFailure('OTHER_OPERATION_IN_PROGRESS', ['VM', v.ref]);
  return v.ref;
}

/** Change a VM's fields by compare-and-swap on its record (checked as the single host checks them). */
function setFields(m: PoolMember, ref: string, patch: (f: Rec) => Rec) {
  return async () => {
    await m.state.update(`vm/${ref}`, (cur) => {
      if (!cur) throw new ApiFailure('HANDLE_INVALID', ['VM', ref]);
      const fields = patch({ ...(cur.fields as Rec) });
      const g = (k: string) => Number(fields[k]);
      checkMemory({ static_min: g('memory_static_min'), dynamic_min: g('memory_dynamic_min'), dynamic_max: g('memory_dynamic_max'), static_max: g('memory_static_max') });
      return { ...cur, fields };
    });
    return '';
  };
}

export function poolVmClass(m: PoolMember, ops: PoolOps): ClassImpl {
  const vms = () => [...m.state.list('vm/').values()] as PoolVm[];
  const power = (op: 'hard_shutdown' | 'clean_shutdown' | 'pause' | 'unpause') => async (ctx: Ctx, ref: string) => (await ops.power(ctx, ref, op), '');
  const set = (ref: string, k: string, v: unknown) => setFields(m, ref, (f) => ({ ...f, [k]: v }))();
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
      start: async (ctx: Ctx, ref: string, paused: boolean) => (await ops.startOn(ctx, ref, undefined, paused), ''),
      start_on: async (ctx: Ctx, ref: string, host: string, paused: boolean) => (await ops.startOn(ctx, ref, ops.host(host), paused), ''),
      hard_shutdown: power('hard_shutdown'),
      clean_shutdown: power('clean_shutdown'),
      pause: power('pause'),
      unpause: power('unpause'),
      destroy: async (_c: Ctx, ref: string) => {
        await m.state.update(`vm/${ref}`, (cur) => {
          if (cur && cur.power !== 'Halted') throw new ApiFailure('VM_BAD_POWER_STATE', [ref, 'halted', String(cur.power).toLowerCase()]);
          return null;
        });
        return '';
      },
      get_possible_hosts: async (_c: Ctx, ref: string) => ops.fits(await ops.vm(ref)).filter((f) => !f.refusal).map((f) => f.host.ref),
      set_name_label: (_c: Ctx, ref: string, v: string) => set(ref, 'name_label', v),
      set_name_description: (_c: Ctx, ref: string, v: string) => set(ref, 'name_description', v),
      set_ha_restart_priority: (_c: Ctx, ref: string, v: string) => {
        if (!haPriorities.includes(v)) throw new ApiFailure('INVALID_VALUE', ['ha_restart_priority', v, `one of ${haPriorities.map((x) => JSON.stringify(x)).join(', ')}`]);
        return set(ref, 'ha_restart_priority', v);
      },
      add_to_other_config: (_c: Ctx, ref: string, k: string, v: string) => setFields(m, ref, (f) => ({ ...f, other_config: { ...((f.other_config as Rec) ?? {}), [k]: v } }))(),
      remove_from_other_config: (_c: Ctx, ref: string, k: string) => setFields(m, ref, (f) => {
        const o = { ...((f.other_config as Rec) ?? {}) };
        delete o[k];
        return { ...f, other_config: o };
      })(),
    },
  };
}
