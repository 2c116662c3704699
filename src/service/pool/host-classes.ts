import { fullRecord } from '../model.js';
import { derivedUuid } from '../host-state.js';
import { xapiTime } from '../events.js';
import { NULL_REF } from '../failure.js';
import { API_VERSION } from '../classes/host.js';
import type { ClassImpl, Ctx, Rec } from '../context.js';
import { publishSession } from './auth-mirror.js';
import type { HostRec, PoolMember } from './member.js';
import type { PoolOps } from './ops.js';
import type { PoolVm } from './placement.js';

const MiB = 1048576;

function hostRecord(m: PoolMember, ops: PoolOps, h: HostRec): Rec {
  const resident = ([...m.state.list('vm/').values()] as PoolVm[]).filter((v) => v.host === h.uuid).map((v) => v.ref);
  return fullRecord('host', {
    uuid: h.uuid, name_label: h.name, name_description: `xenkit pool member (Xen ${h.release})`, hostname: h.name, address: h.address,
    API_version_major: API_VERSION.major, API_version_minor: API_VERSION.minor, API_version_vendor: 'xenkit', API_version_vendor_implementation: {},
    enabled: h.enabled, software_version: { product_brand: 'xenkit', product_version: '0.1.0', xen: h.version, xapi: '0.1.0', platform_name: 'xenkit' },
    cpu_info: { cpu_count: String(h.cpus), vendor: 'xenkit' }, resident_VMs: [h.dom0, ...resident], metrics: h.metrics, control_domain: h.dom0,
    allowed_operations: h.enabled && ops.live(h.uuid) ? ['vm_start', 'evacuate'] : [], current_operations: {}, other_config: { xenkit_pool_live: String(ops.live(h.uuid)) },
    memory_overhead: 0, sched_policy: 'credit', edition: 'xenkit', display: 'enabled', last_software_update: xapiTime(0),
  });
}

export function poolHostClasses(m: PoolMember, ops: PoolOps, base: ClassImpl[]): ClassImpl[] {
  const session = base.find((c) => c.cls === 'session')!;
  const setEnabled = (on: boolean) => async (_c: Ctx, ref: string) => {
    const h = ops.host(ref);
    await m.state.update(`host/${h.uuid}`, (cur) => (cur ? { ...cur, enabled: on } : null));
    return '';
  };
  const poolRec = (): Rec => {
    const p = m.state.get('pool') ?? {};
    const master = m.coordinator ? (m.state.get(`host/${m.coordinator.uuid}`) as HostRec | undefined)?.ref : undefined;
    return fullRecord('pool', { uuid: p.uuid, name_label: p.name_label ?? '', name_description: p.name_description ?? '', master: master ?? NULL_REF, other_config: p.other_config ?? {}, ha_enabled: false, tags: [], allowed_operations: [], current_operations: {} });
  };
  return [
    {
      cls: 'host',
      records: () => new Map(ops.hosts().map((h) => [h.ref, hostRecord(m, ops, h)])),
      actions: {
        disable: setEnabled(false),
        enable: setEnabled(true),
        evacuate: async (ctx: Ctx, ref: string) => (await ops.evacuate(ctx, ref), ''),
      },
    },
    {
      cls: 'host_metrics',
      records: () => new Map(ops.hosts().map((h) => [h.metrics, fullRecord('host_metrics', { uuid: derivedUuid(`${h.uuid}/host_metrics`), memory_total: h.total_mib * MiB, memory_free: h.free_mib * MiB, live: ops.live(h.uuid), last_updated: xapiTime(Date.now()), other_config: {} })])),
      actions: {},
    },
    {
      cls: 'pool',
      records: () => new Map([[String(m.state.get('pool')?.ref ?? m.svc.host.ids.pool), poolRec()]]),
      actions: {
        set_name_label: async (_c: Ctx, _r: string, v: string) => (await m.state.update('pool', (cur) => ({ ...(cur ?? {}), name_label: v })), ''),
        set_name_description: async (_c: Ctx, _r: string, v: string) => (await m.state.update('pool', (cur) => ({ ...(cur ?? {}), name_description: v })), ''),
      },
    },
    {
      ...session,
      actions: {
        ...session.actions,
        login_with_password: async (ctx: Ctx, uname: string, pwd: string, _v?: string, originator?: string) => {
          const s = await m.svc.auth.login(uname, pwd, originator ?? '', ctx.client);
          await publishSession(m, s);
          return s.ref;
        },
        logout: async (ctx: Ctx) => {
          m.svc.auth.logout(ctx.session!.ref);
          await m.state.update(`session/${ctx.session!.ref}`, () => null).catch(() => undefined);
          return '';
        },
      },
    },
  ];
}
