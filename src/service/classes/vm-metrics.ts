import { fullRecord } from '../model.js';
import { derivedUuid } from '../host-state.js';
import { xapiTime } from '../events.js';
import type { ClassImpl } from '../context.js';
import type { Service } from '../service.js';
import { vmRefs } from './vm-record.js';
import { pagesToBytes } from '../../xen/pages.js';

/** VM_metrics: what the backend says of each VM's domain (memory held, vCPUs online). */
export function vmMetricsClass(svc: Service): ClassImpl {
  return {
    cls: 'VM_metrics',
    records: async () => new Map((await svc.host.vms()).map((v) => {
      const i = v.live?.info;
      return [vmRefs(v.uuid).metrics, fullRecord('VM_metrics', { uuid: derivedUuid(`${v.uuid}/VM_metrics`), memory_actual: i ? pagesToBytes(i.tot_pages) : 0, VCPUs_number: i ? i.nr_online_vcpus : 0, VCPUs_utilisation: {}, VCPUs_CPU: {}, VCPUs_params: {}, VCPUs_flags: {}, state: [], start_time: xapiTime(0), install_time: xapiTime(0), last_updated: xapiTime(Date.now()), other_config: {}, hvm: !!i?.hvm, nested_virt: false, nomigrate: false, current_domain_type: v.spec?.type ?? (v.row ? 'unspecified' : 'pv') })];
    })),
    actions: {},
  };
}

/** VM_guest_metrics: filled by guest agents; xenkit runs none, so there are none (as XAPI without tools). */
export function vmGuestMetricsClass(): ClassImpl {
  return { cls: 'VM_guest_metrics', records: () => new Map(), actions: {} };
}

export function consoleClass(svc: Service): ClassImpl {
  return {
    cls: 'console',
    records: async () => new Map((await svc.host.vms()).filter((v) => v.row).map((v) => [vmRefs(v.uuid).console, fullRecord('console', { uuid: derivedUuid(`${v.uuid}/console`), protocol: 'vt100', location: v.power !== 'Halted' ? `xk console ${v.domid}` : '', VM: v.ref, other_config: {} })])),
    actions: {},
  };
}
