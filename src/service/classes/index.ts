import { withPool, type PoolHooks } from '../pool/hooks.js';
import { MESSAGES } from '../model.js';
import { parseType } from '../types.js';
import type { Served } from '../dispatch.js';
import type { ClassImpl, Ctx } from '../context.js';
import type { Service } from '../service.js';
import { consoleClass, vmGuestMetricsClass, vmMetricsClass } from './vm-metrics.js';
import { eventClass } from './event.js';
import { hostClass, hostCpuClass, hostMetricsClass } from './host.js';
import { messageClass } from './message.js';
import { networkClass, pifClass, vifClass } from './network.js';
import { poolClass } from './pool.js';
import { roleClass, subjectClass, userClass } from './role.js';
import { sessionClass } from './session.js';
import { pbdClass, srClass, vbdClass, vdiClass } from './storage.js';
import { taskClass } from './task.js';
import { createFromXlcfg, vmClass } from './vm.js';
import { consoleExtensions } from './console-extensions.js';

/** Every class the service serves. */
export function allClasses(svc: Service, pool?: PoolHooks): ClassImpl[] {
  const byName = new Map<string, ClassImpl>();
  const base: ClassImpl[] = [
    sessionClass(svc), poolClass(svc), hostClass(svc), hostMetricsClass(svc), hostCpuClass(svc), vmClass(svc), vmMetricsClass(svc), vmGuestMetricsClass(),
    vbdClass(svc), vdiClass(svc), srClass(svc), pbdClass(svc), vifClass(svc), networkClass(svc), pifClass(svc), consoleClass(svc), taskClass(svc),
    messageClass(svc), roleClass(), subjectClass(), userClass(svc),
  ];
  // a pool's classes in place of the host's, for the calls and for event.from's snapshots and counts alike
  const list = withPool(base, pool);
  list.push(eventClass(svc, () => byName));
  for (const c of list) byName.set(c.cls, c);
  return list;
}

/** xenkit's extensions, namespaced `xenkit.`: a halted VM from xl.cfg text (VM.create's roles). */
export function extensions(svc: Service): Served[] {
  const create = MESSAGES.get('VM.create')!;
  return [
    {
      sig: { ...create, cls: 'xenkit', name: 'VM.create_from_xlcfg', wire: 'xenkit.VM.create_from_xlcfg', implicit: false, errors: ['XENKIT_BAD_INPUT'], params: [create.params[0]!, { name: 'config', type: parseType('string'), raw: 'string' }] },
      fn: (_ctx: Ctx, text: string) => createFromXlcfg(svc, text, 'xenkit.VM.create_from_xlcfg'),
      async: true,
    },
    ...consoleExtensions(),
  ];
}
