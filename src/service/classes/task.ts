import { ApiFailure } from '../failure.js';
import type { ClassImpl, Ctx } from '../context.js';
import type { Service } from '../service.js';

const caller = (c: Ctx) => ({ user: c.session?.user ?? '', role: c.session?.role ?? '' });

export function taskClass(svc: Service): ClassImpl {
  return {
    cls: 'task',
    records: () => svc.tasks.all(),
    record: (_c, ref) => svc.tasks.get(ref),
    actions: {
      cancel: (c: Ctx, ref: string) => (svc.tasks.cancel(ref, caller(c)), ''),
      destroy: (c: Ctx, ref: string) => (svc.tasks.destroy(ref, caller(c)), ''),
      set_progress: (_c: Ctx, ref: string, p: number) => {
        if (!(p >= 0 && p <= 1)) throw new ApiFailure('VALUE_NOT_SUPPORTED', ['progress', String(p), 'between 0 and 1']);
        svc.tasks.update(ref, { progress: p });
        return '';
      },
    },
  };
}
