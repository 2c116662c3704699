import { ApiFailure } from '../failure.js';
import type { ApiEvent } from '../events.js';
import type { ClassImpl, Ctx } from '../context.js';
import type { Service } from '../service.js';

/** event.*: from (with its timeout honoured), inject, and the legacy register/next/unregister. */
export function eventClass(svc: Service, classes: () => Map<string, ClassImpl>): ClassImpl {
  const pick = (names: string[]) => {
    const all = names.includes('*');
    return [...classes().values()].filter((c) => all || names.includes(c.cls.toLowerCase()));
  };
  const counts = async (ctx: Ctx, names: string[]) => Object.fromEntries(await Promise.all(pick(names).map(async (c) => [c.cls.toLowerCase(), c.count ? await c.count(ctx) : (await c.records(ctx)).size] as const)));
  const snapshot = async (ctx: Ctx, names: string[]): Promise<ApiEvent[]> => {
    const out: ApiEvent[] = [];
    for (const c of pick(names))
      for (const [ref, r] of await c.records(ctx)) out.push({ id: '0', timestamp: '', class: c.cls.toLowerCase(), operation: 'add', ref, obj_uuid: String(r.uuid ?? ''), snapshot: r });
    return out;
  };
  return {
    cls: 'event',
    records: () => new Map(),
    actions: {
      from: (ctx: Ctx, cls: string[], token: string, timeout: number) => svc.events.from(cls, token, timeout, (n) => counts(ctx, n), (n) => snapshot(ctx, n), ctx.signal),
      inject: async (ctx: Ctx, cls: string, ref: string) => {
        const impl = classes().get(cls) ?? [...classes().values()].find((c) => c.cls.toLowerCase() === cls.toLowerCase());
        const rec = impl && (impl.record ? await impl.record(ctx, ref) : (await impl.records(ctx)).get(ref));
        if (!impl || !rec) throw new ApiFailure('HANDLE_INVALID', [cls, ref]);
        return svc.events.token(svc.events.emit(impl.cls, ref, 'mod', rec));
      },
      get_current_id: () => svc.events.currentId(),
      register: (ctx: Ctx, cls: string[]) => (svc.events.register(ctx.session!.ref, cls), ''),
      unregister: (ctx: Ctx, cls: string[]) => (svc.events.unregister(ctx.session!.ref, cls), ''),
      next: (ctx: Ctx) => svc.events.next(ctx.session!.ref, ctx.signal),
    },
  };
}
