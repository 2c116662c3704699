import { NULL_REF } from '../failure.js';
import { fullRecord } from '../model.js';
import { derivedRef, derivedUuid } from '../host-state.js';
import type { ClassImpl, Rec } from '../context.js';
import type { Service } from '../service.js';
import { vmRefs } from './vm-record.js';

/** The vif bridges of the xl.cfg files as networks, each with the host's PIF on it; a VIF per vif. */
export async function bridgesOf(svc: Service): Promise<{ bridge: string; net: string; pif: string; vifs: string[] }[]> {
  return (await networks(svc)).list;
}

async function networks(svc: Service) {
  const byBridge = new Map<string, { bridge: string; net: string; pif: string; vifs: string[] }>();
  const vifs = new Map<string, Rec>();
  const hostUuid = svc.host.ids.hostUuid;
  for (const v of await svc.host.vms()) {
    (v.spec?.nics ?? []).forEach((n, i) => {
      const bridge = n.bridge ?? 'xenbr0';
      let b = byBridge.get(bridge);
      if (!b) byBridge.set(bridge, (b = { bridge, net: derivedRef(`${hostUuid}/network/${bridge}`), pif: derivedRef(`${hostUuid}/PIF/${bridge}`), vifs: [] }));
      const ref = vmRefs(v.uuid).vif(i);
      b.vifs.push(ref);
      vifs.set(ref, fullRecord('VIF', { uuid: derivedUuid(`${v.uuid}/VIF/${i}`), VM: v.ref, network: b.net, device: String(n.devid), MAC: n.mac ?? '', MTU: 1500, currently_attached: v.power !== 'Halted', other_config: {}, qos_algorithm_params: {}, allowed_operations: [], current_operations: {}, metrics: NULL_REF, locking_mode: 'network_default', ipv4_allowed: n.ip ? [n.ip] : [], ipv6_allowed: [] }));
    });
  }
  return { list: [...byBridge.values()], vifs };
}

export function networkClass(svc: Service): ClassImpl {
  return {
    cls: 'network',
    records: async () => new Map((await networks(svc)).list.map((b) => [b.net, fullRecord('network', { uuid: derivedUuid(`${svc.host.ids.hostUuid}/network/${b.bridge}`), name_label: b.bridge, name_description: `bridge ${b.bridge}`, bridge: b.bridge, VIFs: b.vifs, PIFs: [b.pif], MTU: 1500, managed: true, other_config: {}, blobs: {}, tags: [], allowed_operations: [], current_operations: {}, default_locking_mode: 'unlocked', purpose: [] })])),
    actions: {},
  };
}

export function pifClass(svc: Service): ClassImpl {
  return {
    cls: 'PIF',
    records: async () => new Map((await networks(svc)).list.map((b) => [b.pif, fullRecord('PIF', { uuid: derivedUuid(`${svc.host.ids.hostUuid}/PIF/${b.bridge}`), device: b.bridge, network: b.net, host: svc.host.ids.host, MAC: '', MTU: 1500, VLAN: -1, physical: false, currently_attached: true, management: b.bridge === 'xenbr0', ip_configuration_mode: 'None', other_config: {}, metrics: NULL_REF, managed: true })])),
    actions: {},
  };
}

export function vifClass(svc: Service): ClassImpl {
  return { cls: 'VIF', records: async () => (await networks(svc)).vifs, actions: {} };
}
