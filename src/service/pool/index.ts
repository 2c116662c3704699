import { hostname } from 'node:os';
import { MESSAGES } from '../model.js';
import { parseType } from '../types.js';
import { ApiFailure } from '../failure.js';
import type { Served } from '../dispatch.js';
import type { ClassImpl, Ctx } from '../context.js';
import type { Service } from '../service.js';
import { ensureSession } from './auth-mirror.js';
import { watchForDead } from './ha.js';
import type { PoolHooks } from './hooks.js';
import { host as hostIds } from './ids.js';
import { poolHostClasses } from './host-classes.js';
import { bootHere, LOCAL_OPS, opHere, reconcileHere, type LocalOp } from './local.js';
import { PoolEventCursor } from './event-cursor.js';
import { ELECTION_DIR, PoolMember, type MemberOptions } from './member.js';
import { PoolOps } from './ops.js';
import type { PoolVm } from './placement.js';
import { createPoolVm, poolVmClass, poolVmRecord } from './vm-class.js';

/** Calls that change nothing: served by any member (XAPI's supporters refuse them; xenkit's serve reads and events). */
function isRead(wire: string): boolean {
  const name = wire.slice(wire.lastIndexOf('.') + 1);
  return /^get(_|$)/.test(name) || wire.startsWith('event.') || wire === 'session.logout' || wire === 'xenkit.pool.check' || wire.startsWith('task.');
}

function ext(base: string, wire: string, params: [string, string][], fn: Served['fn']): Served {
  const b = MESSAGES.get(base)!;
  const [cls, ...rest] = wire.split('.');
  return { sig: { ...b, cls: cls!, name: rest.join('.'), wire, implicit: false, errors: [], params: [b.params[0]!, ...params.map(([name, raw]) => ({ name, raw, type: parseType(raw) }))] }, fn, async: false };
}

export interface Pool extends PoolHooks {
  member: PoolMember;
  ops: PoolOps;
  /** After the service started: join, reconcile this host's domains, follow the pool. */
  start(): Promise<void>;
}

/** `xk serve --pool`: the service's pool hooks over etcd. */
export function createPool(opts: MemberOptions & { name?: string }): (svc: Service) => Pool {
  return (svc) => {
    const member = new PoolMember(svc, opts);
    const ops = new PoolOps(member);
    const checkAll = () => Object.fromEntries(([...member.state.list('vm/').values()] as PoolVm[]).map((v) => [v.ref, Object.fromEntries(ops.fits(v).map((f) => [f.host.ref, f.refusal ? `${f.refusal.code}: ${f.refusal.params.join(' ')}` : 'ok']))]));
    let served: ClassImpl[] = [];
    let cursor: PoolEventCursor | undefined;
    /** Events with their snapshots, as XAPI sends them (the xen-api client builds its objects from them), for the change at `rev`. */
    const emit = (rev: number, objs: [string, string][], first?: Promise<void>) =>
      cursor!.emitLater(rev, async () => {
        await first;
        const out: [string, string, Record<string, unknown>][] = [];
        for (const [cls, ref] of objs) {
          const rec = (await served.find((c) => c.cls === cls)?.records({ svc, client: 'pool' }))?.get(ref);
          if (rec) out.push([cls, ref, rec]);
        }
        return out;
      });
    return {
      member,
      ops,
      classes: (base) => (served = [poolVmClass(member, ops), ...poolHostClasses(member, ops, base)]),
      extensions: () => [
        ext('VM.start', 'xenkit.pool.boot_here', [['vm', 'VM ref'], ['start_paused', 'bool']], async (_c: Ctx, ref: string, paused: boolean) => (await bootHere(member, ref, paused), '')),
        ext('VM.hard_shutdown', 'xenkit.pool.op_here', [['vm', 'VM ref'], ['operation', 'string']], async (_c: Ctx, ref: string, op: string) => {
          if (!(LOCAL_OPS as readonly string[]).includes(op)) throw new ApiFailure('INVALID_VALUE', ['operation', op, `one of ${LOCAL_OPS.join(', ')}`]);
          await opHere(member, ref, op as LocalOp);
          return '';
        }),
        { ...ext('VM.get_all_records', 'xenkit.pool.check', [], () => checkAll()), sig: { ...ext('VM.get_all_records', 'xenkit.pool.check', [], () => 0).sig, result: parseType('(string -> (string -> string) map) map') } },
        { ...ext('VM.create', 'xenkit.VM.create_from_xlcfg', [['config', 'string']], (_c: Ctx, text: string) => createPoolVm(member, text, 'xenkit.VM.create_from_xlcfg')), async: true },
      ],
      async gate(wire, sid) {
        if (wire === 'session.login_with_password') return member.assertCoordinator();
        await ensureSession(member, sid);
        if (wire.startsWith('xenkit.pool.') && wire.endsWith('_here')) return member.whenUp();
        if (!isRead(wire)) await member.assertCoordinator();
      },
      async start() {
        const info = await svc.ts.info();
        await member.join({ ...hostIds(svc, info, opts.address, opts.port, opts.name ?? `${hostname()}-${opts.address}:${opts.port}`), ...(opts.tlsCert ? { cert: opts.tlsCert } : {}) });
        await reconcileHere(member);
        // the event log follows the pool's history from here: its rows stamped with etcd revisions
        const cur = (cursor = svc.events.cursor = new PoolEventCursor(member.state, svc.events));
        member.state.onChange((c) => {
          const [dir, id] = [c.key.slice(0, c.key.indexOf('/') + 1) || c.key, c.key.slice(c.key.indexOf('/') + 1)];
          if (dir === 'vm/') cur.emit('VM', id, c.value ? 'mod' : 'del', c.value ? poolVmRecord(member, c.value as PoolVm) : null, c.rev);
          else if (dir === 'host/' || dir === 'live/') {
            const h = member.state.get(`host/${id}`);
            if (h) void emit(c.rev, [['host', String(h.ref)], ['host_metrics', String(h.metrics)]]);
          } else if (c.key === 'pool') void emit(c.rev, [['pool', String(c.value?.ref ?? '')]]);
          // a campaign key came or went: the pool's master, once this member has read the coordinator
          // again (the row held as pending meanwhile, so no token claims the change without it)
          else if (c.key.startsWith(ELECTION_DIR)) void emit(c.rev, [['pool', String(member.state.get('pool')?.ref ?? '')]], member.nextLeader(5000));
        });
        // the coordinator changed: a change under the election prefix this member has seen
        member.onRoleChange(() => void emit(member.state.seenRev, [['pool', String(member.state.get('pool')?.ref ?? '')]]));
        watchForDead(member, ops);
      },
      close: () => member.close(),
    };
  };
}
