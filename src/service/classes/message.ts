import { fullRecord } from '../model.js';
import type { ClassImpl, Ctx } from '../context.js';
import type { Service } from '../service.js';

/** Messages the service posts (a VM halted by the start-up reconcile) and clients create. */
export function messageClass(svc: Service): ClassImpl {
  const all = () => new Map([...svc.store.objects('message')].map(([ref, r]) => [ref, fullRecord('message', r)]));
  return {
    cls: 'message',
    records: all,
    actions: {
      get_since: (_c: Ctx, since: string) => Object.fromEntries([...all()].filter(([, r]) => String(r.timestamp) > since)),
      destroy: (_c: Ctx, ref: string) => {
        svc.store.tx(() => {
          svc.store.deleteObject('message', ref);
          svc.events.emit('message', ref, 'del', null);
        });
        return '';
      },
    },
  };
}
