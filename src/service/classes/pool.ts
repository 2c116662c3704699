import { NULL_REF } from '../failure.js';
import { fullRecord } from '../model.js';
import type { ClassImpl, Ctx, Rec } from '../context.js';
import type { Service } from '../service.js';

export function poolClass(svc: Service): ClassImpl {
  const ids = svc.host.ids;
  const rec = (): Rec => {
    const f = JSON.parse(svc.store.meta('pool') ?? '{}') as Rec;
    return fullRecord('pool', {
      uuid: ids.poolUuid, name_label: f.name_label ?? '', name_description: f.name_description ?? '', master: ids.host, default_SR: ids.sr,
      suspend_image_SR: ids.sr, crash_dump_SR: ids.sr, other_config: f.other_config ?? {}, ha_enabled: false, gui_config: {}, restrictions: {},
      tags: [], allowed_operations: [], current_operations: {}, cpu_info: {}, metadata_VDIs: [], redo_log_vdi: NULL_REF,
    });
  };
  const set = (patch: Rec) => {
    const f = { ...(JSON.parse(svc.store.meta('pool') ?? '{}') as Rec), ...patch };
    svc.store.tx(() => {
      svc.store.setMeta('pool', JSON.stringify(f));
      svc.events.emit('pool', ids.pool, 'mod', rec());
    });
    return '';
  };
  const conf = () => (rec().other_config as Record<string, string>) ?? {};
  return {
    cls: 'pool',
    records: () => new Map([[ids.pool, rec()]]),
    actions: {
      set_name_label: (_c: Ctx, _r: string, v: string) => set({ name_label: v }),
      set_name_description: (_c: Ctx, _r: string, v: string) => set({ name_description: v }),
      add_to_other_config: (_c: Ctx, _r: string, k: string, v: string) => set({ other_config: { ...conf(), [k]: v } }),
      remove_from_other_config: (_c: Ctx, _r: string, k: string) => {
        const m = { ...conf() };
        delete m[k];
        return set({ other_config: m });
      },
    },
  };
}
