import { randomUUID } from 'node:crypto';
import { specFromText } from '../../toolstack/from-text.js';
import { ApiFailure, handleInvalid } from '../failure.js';
import { uuidOf, type VmView } from '../host-state.js';
import type { ClassImpl, Ctx, Rec } from '../context.js';
import type { Service } from '../service.js';
import type { VmRow } from '../store.js';
import { vmRecord } from './vm-record.js';
import { step } from '../tasks.js';
import { BYTES_PER_MIB as MiB } from '../../xen/pages.js';


/** A VM the service manages (dom0 and other domains are never touched: "do no harm"). */
async function owned(ctx: Ctx, ref: string): Promise<VmView & { row: VmRow }> {
  const v = await ctx.svc.host.vm(ref);
  if (!v) throw handleInvalid('VM', ref);
  if (!v.row) throw new ApiFailure('OPERATION_NOT_ALLOWED', [v.foreign ? 'a domain this service did not create is read-only here (manage it with the tool that built it)' : 'the control domain is not managed through this call']);
  return v as VmView & { row: VmRow };
}

function needPower(v: VmView, ...want: VmView['power'][]): void {
  if (!want.includes(v.power)) throw new ApiFailure('VM_BAD_POWER_STATE', [v.ref, want[0]!.toLowerCase(), v.power.toLowerCase()]);
}

export async function emitVm(svc: Service, ref: string, op: 'add' | 'mod' = 'mod'): Promise<void> {
  const v = await svc.host.vm(ref);
  if (!v) return;
  svc.events.emit('VM', ref, op, vmRecord(svc, v));
  svc.domains.note(v);
}

function save(svc: Service, row: VmRow, domid: number | null, power: string): void {
  row.domid = domid;
  row.power = power;
  svc.store.putVm(row);
}

/** Build and start the domain from the VM's xl.cfg and fields; Xen's refusal comes back before the hypercall. */
async function boot(ctx: Ctx, v: VmView & { row: VmRow }, paused: boolean): Promise<void> {
  const spec = ctx.svc.host.specOf(v.row);
  step(ctx, 0.2);
  const c = await ctx.svc.ts.create(spec, { paused });
  try {
    step(ctx, 0.9);
  } catch (e) {
    // Cancelled while the domain was being built: the VM stays Halted, its domain does not outlive the task.
    await ctx.svc.ts.destroy(c.domid);
    throw e;
  }
  save(ctx.svc, v.row, c.domid, paused ? 'Paused' : 'Running');
}

/** The domain is ours only while its handle is the VM's uuid. */
async function stillOurs(svc: Service, domid: number, uuid: string): Promise<boolean> {
  try {
    return uuidOf((await svc.ts.get(domid)).info.handle) === uuid;
  } catch {
    return false;
  }
}

function op(name: string, fn: (ctx: Ctx, v: VmView & { row: VmRow }, ...a: any[]) => Promise<void>) {
  return async (ctx: Ctx, ref: string, ...a: unknown[]) => {
    await ctx.svc.exclusive('VM', ref, async () => {
      const v = await owned(ctx, ref);
      step(ctx, 0.1);
      await fn(ctx, v, ...a);
    });
    await emitVm(ctx.svc, ref);
    void name;
    return '';
  };
}

async function halt(ctx: Ctx, v: VmView & { row: VmRow }, clean: boolean): Promise<void> {
  if (clean) {
    await ctx.svc.ts.shutdown(v.domid, 'poweroff');
    if (await stillOurs(ctx.svc, v.domid, v.uuid)) await ctx.svc.ts.destroy(v.domid);
  } else await ctx.svc.ts.destroy(v.domid);
  save(ctx.svc, v.row, null, 'Halted');
}

/** The memory order XAPI enforces (xapi_vm_memory_constraints.ml). */
export function checkMemory(m: { static_min: number; dynamic_min: number; dynamic_max: number; static_max: number }): void {
  if (!(m.static_min <= m.dynamic_min && m.dynamic_min <= m.dynamic_max && m.dynamic_max <= m.static_max))
    throw new ApiFailure('MEMORY_CONSTRAINT_VIOLATION', [`Memory limits must satisfy: static_min <= dynamic_min <= dynamic_max <= static_max (got static_min=${m.static_min}, dynamic_min=${m.dynamic_min}, dynamic_max=${m.dynamic_max}, static_max=${m.static_max})`]);
}

/**
 * A VM's fields after a change, checked as XAPI checks them: the memory order, 1 <= VCPUs_at_startup
 * <= VCPUs_max, and the xl.cfg with these settings must still read. `rec` gives fields not set yet.
 */
export function checkedFields(svc: Service, row: VmRow, rec: Rec, patch: Rec): Rec {
  const next = { ...row.fields, ...patch };
  const g = (k: string) => Number(next[k] ?? rec[k]);
  checkMemory({ static_min: g('memory_static_min'), dynamic_min: g('memory_dynamic_min'), dynamic_max: g('memory_dynamic_max'), static_max: g('memory_static_max') });
  if (g('VCPUs_at_startup') < 1 || g('VCPUs_at_startup') > g('VCPUs_max')) throw new ApiFailure('VALUE_NOT_SUPPORTED', ['VCPUs_at_startup', String(g('VCPUs_at_startup')), `must be between 1 and VCPUs_max (${g('VCPUs_max')})`]);
  svc.host.specOf({ ...row, fields: next });
  return next;
}

/** A change of a VM's fields, as a function of its current fields (pure: a pool may run it again after losing a race). */
export type FieldPatch = (fields: Rec) => Rec;
/** How a VM's fields change where it lives (this host's store, or the pool's etcd); `halted`: only while Halted. */
export type ApplyFields = (ctx: Ctx, ref: string, patch: FieldPatch, halted: boolean) => Promise<string>;

function mapField(apply: ApplyFields, field: 'other_config' | 'platform') {
  const map = (f: Rec) => ({ ...((f[field] as Rec | undefined) ?? {}) });
  return {
    [`add_to_${field}`]: (ctx: Ctx, ref: string, key: string, value: string) =>
      apply(ctx, ref, (f) => {
        const m = map(f);
        if (key in m) throw new ApiFailure('MAP_DUPLICATE_KEY', ['VM', field, ref, key]);
        return { [field]: { ...m, [key]: value } };
      }, false),
    [`remove_from_${field}`]: (ctx: Ctx, ref: string, key: string) =>
      apply(ctx, ref, (f) => {
        const m = map(f);
        delete m[key];
        return { [field]: m };
      }, false),
    [`set_${field}`]: (ctx: Ctx, ref: string, value: Rec) => apply(ctx, ref, () => ({ [field]: value }), false),
  };
}

/** VM's setters (XAPI's: memory and vCPU limits only while Halted), over where the VM's fields live. */
export function vmSetters(apply: ApplyFields): Record<string, (ctx: Ctx, ...a: any[]) => Promise<string>> {
  const set = (halted: boolean, fn: (...a: any[]) => Rec) => (ctx: Ctx, ref: string, ...a: unknown[]) => apply(ctx, ref, () => fn(...a), halted);
  return {
    set_name_label: set(false, (v: string) => ({ name_label: v })),
    set_name_description: set(false, (v: string) => ({ name_description: v })),
    set_memory_limits: set(true, (smin: number, smax: number, dmin: number, dmax: number) => ({ memory_static_min: smin, memory_static_max: smax, memory_dynamic_min: dmin, memory_dynamic_max: dmax })),
    set_memory: set(true, (v: number) => ({ memory_static_max: v, memory_dynamic_max: v, memory_dynamic_min: v })),
    set_memory_static_max: set(true, (v: number) => ({ memory_static_max: v })),
    set_memory_static_min: set(true, (v: number) => ({ memory_static_min: v })),
    set_memory_dynamic_max: set(true, (v: number) => ({ memory_dynamic_max: v })),
    set_memory_dynamic_min: set(true, (v: number) => ({ memory_dynamic_min: v })),
    set_memory_dynamic_range: set(true, (min: number, max: number) => ({ memory_dynamic_min: min, memory_dynamic_max: max })),
    set_VCPUs_max: set(true, (v: number) => ({ VCPUs_max: v })),
    set_VCPUs_at_startup: set(true, (v: number) => ({ VCPUs_at_startup: v })),
    ...mapField(apply, 'other_config'),
    ...mapField(apply, 'platform'),
  };
}

/** This host's way: under the VM's lock, in the store, then the event. */
const applyHere: ApplyFields = async (ctx, ref, patch, halted) => {
  await ctx.svc.exclusive('VM', ref, async () => {
    const v = await owned(ctx, ref);
    if (halted) needPower(v, 'Halted');
    const fields = checkedFields(ctx.svc, v.row, vmRecord(ctx.svc, v), patch(v.row.fields));
    ctx.svc.store.putVm({ ...v.row, fields });
  });
  await emitVm(ctx.svc, ref);
  return '';
};

/** The fields a new VM takes from its spec (XenAPI's units: bytes). */
export function fieldsFromSpec(spec: { name: string; memoryMiB: number; maxMemoryMiB: number; vcpus: number; maxVcpus: number }, extra: Rec = {}): Rec {
  return { name_label: spec.name, name_description: '', memory_static_min: spec.memoryMiB * MiB, memory_dynamic_min: spec.memoryMiB * MiB, memory_dynamic_max: spec.memoryMiB * MiB, memory_static_max: spec.maxMemoryMiB * MiB, VCPUs_max: spec.maxVcpus, VCPUs_at_startup: spec.vcpus, other_config: {}, platform: {}, ...extra };
}

/** A new halted VM's row from xl.cfg text (a fresh uuid in the config), with `patch` on its fields, checked; stored by the caller (this host's store, or the pool's etcd). */
export function newVmRow(svc: Service, text: string, name: string, patch: Rec = {}): VmRow {
  const uuid = randomUUID();
  const loaded = specFromText(text, name, [`uuid="${uuid}"`]);
  const row: VmRow = { ref: svc.newRef(), uuid, cfg: text, fields: fieldsFromSpec(loaded.spec), domid: null, power: 'Halted' };
  row.fields = checkedFields(svc, row, {}, patch);
  return row;
}

/**
 * A halted VM from xl.cfg text (the xenkit.VM.create_from_xlcfg extension, `--import`, VM.create),
 * with `patch` set on its fields, all checked before anything is stored.
 */
export async function createFromXlcfg(svc: Service, text: string, name = 'config', patch: Rec = {}): Promise<string> {
  const row = newVmRow(svc, text, name, patch);
  svc.store.putVm(row);
  await emitVm(svc, row.ref, 'add');
  return row.ref;
}

const q = (s: unknown) => JSON.stringify(String(s ?? '')).replace(/\\u[0-9a-f]{4}/gi, '');

/**
 * VM.create's record as xenkit keeps a VM: its boot settings as an xl.cfg (libxl's defaults then fill
 * the rest) and the record's fields to set on it.
 */
export function createArgs(args: Rec): { text: string; pick: Rec } {
  const hvm = typeof args.HVM_boot_policy === 'string' && args.HVM_boot_policy !== '';
  const type = typeof args.domain_type === 'string' && ['pv', 'pvh', 'hvm'].includes(args.domain_type) ? args.domain_type : hvm ? 'hvm' : 'pv';
  // xl needs a name (tools/xl/xl_parse.c parse_config_data() @RELEASE-4.17.0, "Domain name must be specified."); XAPI's name_label may be empty
  const lines = [`name = ${q(typeof args.name_label === 'string' && args.name_label !== '' ? args.name_label : 'vm')}`, `type = ${q(type)}`, 'memory = 1'];
  if (args.PV_kernel) lines.push(`kernel = ${q(args.PV_kernel)}`);
  if (args.PV_ramdisk) lines.push(`ramdisk = ${q(args.PV_ramdisk)}`);
  if (args.PV_args) lines.push(`extra = ${q(args.PV_args)}`);
  if (args.PV_bootloader) lines.push(`bootloader = ${q(args.PV_bootloader)}`);
  const pick: Rec = {};
  for (const k of ['name_label', 'name_description', 'memory_static_min', 'memory_static_max', 'memory_dynamic_min', 'memory_dynamic_max', 'VCPUs_max', 'VCPUs_at_startup', 'other_config', 'platform', 'tags'])
    if (args[k] !== undefined) pick[k] = typeof args[k] === 'string' && /^\d+$/.test(args[k] as string) && k.match(/memory|VCPUs/) ? Number(args[k]) : args[k];
  return { text: lines.join('\n') + '\n', pick };
}

async function create(ctx: Ctx, args: Rec): Promise<string> {
  const { text, pick } = createArgs(args);
  return createFromXlcfg(ctx.svc, text, 'VM.create', pick);
}

export function vmClass(svc: Service): ClassImpl {
  return {
    cls: 'VM',
    async records() {
      return new Map((await svc.host.vms()).map((v) => [v.ref, vmRecord(svc, v)]));
    },
    count: () => svc.host.vmCount(),
    async record(_ctx, ref) {
      const v = await svc.host.vm(ref);
      return v && vmRecord(svc, v);
    },
    actions: {
      create,
      destroy: async (ctx: Ctx, ref: string) => {
        await ctx.svc.exclusive('VM', ref, async () => {
          const v = await owned(ctx, ref);
          needPower(v, 'Halted');
          svc.store.tx(() => {
            svc.store.deleteVm(ref);
            svc.events.emit('VM', ref, 'del', null);
          });
        });
        return '';
      },
      start: op('start', async (ctx, v, paused: boolean) => (needPower(v, 'Halted'), boot(ctx, v, paused))),
      start_on: op('start_on', async (ctx, v, host: string, paused: boolean) => {
        if (host !== svc.hostRef) throw handleInvalid('host', host);
        needPower(v, 'Halted');
        await boot(ctx, v, paused);
      }),
      pause: op('pause', async (ctx, v) => (needPower(v, 'Running'), void (await svc.ts.pause(v.domid)), save(svc, v.row, v.domid, 'Paused'))),
      unpause: op('unpause', async (ctx, v) => (needPower(v, 'Paused'), void (await svc.ts.unpause(v.domid)), save(svc, v.row, v.domid, 'Running'))),
      clean_shutdown: op('clean_shutdown', async (ctx, v) => (needPower(v, 'Running'), halt(ctx, v, true))),
      hard_shutdown: op('hard_shutdown', async (ctx, v) => (needPower(v, 'Running', 'Paused'), halt(ctx, v, false))),
      clean_reboot: op('clean_reboot', async (ctx, v) => {
        needPower(v, 'Running');
        await halt(ctx, v, true);
        step(ctx, 0.5);
        await boot(ctx, v, false);
      }),
      hard_reboot: op('hard_reboot', async (ctx, v) => {
        needPower(v, 'Running', 'Paused');
        await halt(ctx, v, false);
        step(ctx, 0.5);
        await boot(ctx, v, false);
      }),
      ...vmSetters(applyHere),
    },
  };
}
