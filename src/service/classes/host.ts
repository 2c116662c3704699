import { hostname } from 'node:os';
import { fullRecord } from '../model.js';
import { derivedRef, derivedUuid } from '../host-state.js';
import { xapiTime } from '../events.js';
import type { ClassImpl, Rec } from '../context.js';
import type { Service } from '../service.js';
import { bridgesOf } from './network.js';
import { BYTES_PER_MIB as MiB } from '../../xen/pages.js';

/** XenAPI 2.21 (XAPI's api_version_major/minor in ocaml/idl/datamodel_common.ml). */
export const API_VERSION = { major: 2, minor: 21 } as const;


export function hostCpuRefs(svc: Service, n: number): string[] {
  return Array.from({ length: n }, (_, i) => derivedRef(`${svc.host.ids.hostUuid}/host_cpu/${i}`));
}

export function hostClass(svc: Service): ClassImpl {
  const ids = svc.host.ids;
  const rec = async (): Promise<Rec> => {
    const info = await svc.host.info();
    const vms = await svc.host.vms();
    const bridges = await bridgesOf(svc);
    return fullRecord('host', {
      uuid: ids.hostUuid, name_label: hostname(), name_description: `xenkit on ${info.where}`, hostname: hostname(), address: '127.0.0.1',
      API_version_major: API_VERSION.major, API_version_minor: API_VERSION.minor, API_version_vendor: 'xenkit', API_version_vendor_implementation: {},
      enabled: true, software_version: { product_brand: 'xenkit', product_version: '0.1.0', xen: info.version, xapi: '0.1.0', platform_name: 'xenkit', backend: info.backend },
      capabilities: [], other_config: {}, cpu_info: { cpu_count: String(info.physinfo.nr_cpus), vendor: 'xenkit', modelname: `${info.backend} ${info.release}` },
      resident_VMs: vms.filter((v) => v.power !== 'Halted').map((v) => v.ref), PBDs: [ids.pbd], PIFs: bridges.map((b) => b.pif), host_CPUs: hostCpuRefs(svc, info.physinfo.nr_cpus),
      metrics: ids.host_metrics, control_domain: ids.dom0, allowed_operations: ['vm_start', 'provision'], current_operations: {},
      memory_overhead: 0, sched_policy: 'credit', supported_bootloaders: ['pygrub'], license_params: {}, edition: 'xenkit', bios_strings: {},
      local_cache_sr: ids.sr, suspend_image_sr: ids.sr, crash_dump_sr: ids.sr, chipset_info: {}, guest_VCPUs_params: {}, display: 'enabled', last_software_update: xapiTime(0),
    });
  };
  return {
    cls: 'host',
    records: async () => new Map([[ids.host, await rec()]]),
    actions: {},
  };
}

export function hostMetricsClass(svc: Service): ClassImpl {
  const rec = async (): Promise<Rec> => {
    const info = await svc.host.info();
    return fullRecord('host_metrics', { uuid: svc.host.ids.metricsUuid, memory_total: info.total_memory_mib * MiB, memory_free: info.free_memory_mib * MiB, live: true, last_updated: xapiTime(Date.now()), other_config: {} });
  };
  return { cls: 'host_metrics', records: async () => new Map([[svc.host.ids.host_metrics, await rec()]]), actions: {} };
}

export function hostCpuClass(svc: Service): ClassImpl {
  return {
    cls: 'host_cpu',
    records: async () => {
      const info = await svc.host.info();
      return new Map(hostCpuRefs(svc, info.physinfo.nr_cpus).map((ref, i) => [ref, fullRecord('host_cpu', { uuid: derivedUuid(`${svc.host.ids.hostUuid}/host_cpu/${i}`), host: svc.host.ids.host, number: i, vendor: 'xenkit', speed: 0, modelname: `${info.backend} ${info.release}`, family: 0, model: 0, stepping: '', flags: '', features: '', utilisation: 0, other_config: {} })]));
    },
    actions: {},
  };
}
