import { basename } from 'node:path';
import { NULL_REF } from '../failure.js';
import { fullRecord } from '../model.js';
import { derivedUuid } from '../host-state.js';
import type { ClassImpl, Rec } from '../context.js';
import type { Service } from '../service.js';
import { vmRefs } from './vm-record.js';

/** The xl.cfg disks as XenAPI storage: one local SR (with its PBD), a VDI and a VBD per disk. */
async function storage(svc: Service): Promise<{ vbd: Map<string, Rec>; vdi: Map<string, Rec> }> {
  const vbd = new Map<string, Rec>();
  const vdi = new Map<string, Rec>();
  for (const v of await svc.host.vms()) {
    const refs = vmRefs(v.uuid);
    (v.spec?.disks ?? []).forEach((d, i) => {
      const empty = d.target === undefined || d.target === '';
      if (!empty)
        vdi.set(refs.vdi(i), fullRecord('VDI', {
          uuid: derivedUuid(`${v.uuid}/VDI/${i}`), name_label: basename(d.target!), name_description: d.target, SR: svc.host.ids.sr, VBDs: [refs.vbd(i)],
          virtual_size: 0, physical_utilisation: 0, type: 'user', sharable: false, read_only: !d.readwrite, managed: true, missing: false, location: d.target,
          other_config: {}, sm_config: { format: d.format }, xenstore_data: {}, allowed_operations: [], current_operations: {}, tags: [], snapshot_of: NULL_REF, snapshots: [],
        }));
      vbd.set(refs.vbd(i), fullRecord('VBD', {
        uuid: derivedUuid(`${v.uuid}/VBD/${i}`), VM: v.ref, VDI: empty ? NULL_REF : refs.vdi(i), device: d.vdev, userdevice: String(i), bootable: i === 0,
        mode: d.readwrite ? 'RW' : 'RO', type: d.cdrom ? 'CD' : 'Disk', empty, unpluggable: d.removable, currently_attached: v.power !== 'Halted',
        other_config: {}, qos_algorithm_params: {}, allowed_operations: [], current_operations: {}, metrics: NULL_REF,
      }));
    });
  }
  return { vbd, vdi };
}

export function srClass(svc: Service): ClassImpl {
  return {
    cls: 'SR',
    records: async () => {
      const { vdi } = await storage(svc);
      return new Map([[svc.host.ids.sr, fullRecord('SR', { uuid: svc.host.ids.srUuid, name_label: 'xenkit local storage', name_description: "the disks of xenkit's xl.cfg files", type: 'xenkit', content_type: 'user', shared: false, VDIs: [...vdi.keys()], PBDs: [svc.host.ids.pbd], physical_size: 0, physical_utilisation: 0, virtual_allocation: 0, other_config: {}, sm_config: {}, allowed_operations: [], current_operations: {}, tags: [], blobs: {} })]]);
    },
    actions: {},
  };
}

export function pbdClass(svc: Service): ClassImpl {
  return {
    cls: 'PBD',
    records: () => new Map([[svc.host.ids.pbd, fullRecord('PBD', { uuid: svc.host.ids.pbdUuid, host: svc.host.ids.host, SR: svc.host.ids.sr, device_config: {}, currently_attached: true, other_config: {} })]]),
    actions: {},
  };
}

export function vdiClass(svc: Service): ClassImpl {
  return { cls: 'VDI', records: async () => (await storage(svc)).vdi, actions: {} };
}

export function vbdClass(svc: Service): ClassImpl {
  return { cls: 'VBD', records: async () => (await storage(svc)).vbd, actions: {} };
}
