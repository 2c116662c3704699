import type { HostInfo } from '../../toolstack/toolstack.js';
import type { Service } from '../service.js';
import type { HostRec } from './member.js';

/** This member's host record, from its own toolstack (release, capabilities, room). */
export function host(svc: Service, info: HostInfo, address: string, port: number, name: string): HostRec {
  const ids = svc.host.ids;
  return {
    ref: ids.host, uuid: ids.hostUuid, metrics: ids.host_metrics, dom0: ids.dom0, dom0Uuid: ids.dom0Uuid, address, port, name,
    release: info.release, version: info.version, caps: { ...info.host }, cpus: info.physinfo.nr_cpus, total_mib: info.total_memory_mib, free_mib: info.free_memory_mib, enabled: true,
  };
}
