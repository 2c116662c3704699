import { ENUMS } from '../model.gen.js';
import { NULL_REF } from '../failure.js';
import { fullRecord } from '../model.js';
import { derivedRef, type VmView } from '../host-state.js';
import type { Rec } from '../context.js';
import type { Service } from '../service.js';
import { BYTES_PER_MIB as MiB, pagesToBytes } from '../../xen/pages.js';

/** What XAPI allows in each power state (xapi_vm_lifecycle.ml's table, the operations xenkit serves). */
const ALLOWED: Record<string, string[]> = {
  Halted: ['start', 'start_on', 'destroy', 'changing_memory_limits', 'changing_VCPUs', 'metadata_export'],
  Running: ['clean_shutdown', 'hard_shutdown', 'clean_reboot', 'hard_reboot', 'pause'],
  Paused: ['unpause', 'hard_shutdown', 'hard_reboot'],
};

/** A foreign domain's description: built outside the service ("do no harm": shown, never driven). */
const FOREIGN = 'A domain this service did not create (e.g. by xk create): shown read-only, never changed through XenAPI';

const enumOr = (e: string, v: string | undefined, d: string) => (v !== undefined && ENUMS[e]?.includes(v) ? v : d);

export const vmRefs = (uuid: string) => ({
  metrics: derivedRef(`${uuid}/VM_metrics`),
  console: derivedRef(`${uuid}/console`),
  vbd: (i: number) => derivedRef(`${uuid}/VBD/${i}`),
  vdi: (i: number) => derivedRef(`${uuid}/VDI/${i}`),
  vif: (i: number) => derivedRef(`${uuid}/VIF/${i}`),
});

/** Memory (bytes) and vCPUs: the stored fields, else the spec, else what the live domain has. */
function sizing(v: VmView, running: boolean): Rec {
  const f = v.row?.fields ?? {};
  const s = v.spec;
  const info = v.live?.info;
  const mem = (k: string, d: number) => (typeof f[k] === 'number' ? (f[k] as number) : d);
  const staticMax = mem('memory_static_max', s?.maxMemoryMiB !== undefined ? s.maxMemoryMiB * MiB : info ? pagesToBytes(info.max_pages) : 0);
  const dynMax = mem('memory_dynamic_max', (s?.memoryMiB ?? staticMax / MiB) * MiB);
  return {
    memory_target: running && info ? pagesToBytes(info.tot_pages) : 0,
    memory_static_max: staticMax,
    memory_dynamic_max: dynMax,
    memory_dynamic_min: mem('memory_dynamic_min', dynMax),
    memory_static_min: mem('memory_static_min', Math.min(dynMax, staticMax)),
    VCPUs_max: (f.VCPUs_max as number | undefined) ?? s?.maxVcpus ?? (info ? info.max_vcpu_id + 1 : 0),
    VCPUs_at_startup: (f.VCPUs_at_startup as number | undefined) ?? s?.vcpus ?? (info ? info.nr_online_vcpus : 0),
  };
}

/** A VM's record: every field of the model; live fields (power_state, domid, resident_on) from the backend. */
export function vmRecord(svc: Service, v: VmView): Rec {
  const f = v.row?.fields ?? {};
  const s = v.spec;
  const refs = vmRefs(v.uuid);
  const running = v.power !== 'Halted';
  const isDom0 = v.row === null && !v.foreign;
  const hvm = s?.type === 'hvm';
  return fullRecord('VM', {
    uuid: v.uuid,
    name_label: isDom0 ? `Control domain on host: ${svc.host.ids.hostUuid.slice(0, 8)}` : f.name_label ?? v.live?.name ?? s?.name ?? '',
    name_description: isDom0 ? 'The domain which manages physical devices and manages other domains' : v.foreign ? FOREIGN : f.name_description ?? '',
    power_state: v.power,
    allowed_operations: v.row === null ? [] : ALLOWED[v.power],
    current_operations: {},
    user_version: 1,
    is_a_template: false,
    is_default_template: false,
    is_a_snapshot: false,
    is_control_domain: isDom0,
    domid: v.domid,
    domarch: running ? 'x64' : '',
    resident_on: running ? svc.hostRef : NULL_REF,
    affinity: NULL_REF,
    memory_overhead: 0,
    ...sizing(v, running),
    VCPUs_params: {},
    actions_after_shutdown: enumOr('on_normal_exit', s?.onPoweroff, 'destroy'),
    actions_after_reboot: enumOr('on_normal_exit', s?.onReboot, 'restart'),
    actions_after_crash: enumOr('on_crash_behaviour', s?.onCrash?.replace(/-/g, '_'), 'destroy'),
    domain_type: isDom0 ? 'pv' : s?.type ?? 'unspecified',
    HVM_boot_policy: hvm ? 'BIOS order' : '',
    HVM_boot_params: hvm ? { order: 'cd' } : {},
    PV_kernel: s?.kernel ?? '',
    PV_ramdisk: s?.ramdisk ?? '',
    PV_args: s?.cmdline ?? '',
    PV_bootloader: s?.bootloader ?? '',
    platform: f.platform ?? {},
    other_config: v.foreign ? { xenkit_foreign: 'true' } : f.other_config ?? {},
    xenstore_data: {},
    consoles: v.row ? [refs.console] : [],
    VIFs: (s?.nics ?? []).map((_, i) => refs.vif(i)),
    VBDs: (s?.disks ?? []).map((_, i) => refs.vbd(i)),
    metrics: refs.metrics,
    guest_metrics: NULL_REF,
    suspend_VDI: NULL_REF,
    suspend_SR: NULL_REF,
    snapshot_of: NULL_REF,
    parent: NULL_REF,
    appliance: NULL_REF,
    protection_policy: NULL_REF,
    snapshot_schedule: NULL_REF,
    scheduled_to_be_resident_on: NULL_REF,
    ha_restart_priority: '',
    tags: f.tags ?? [],
    blocked_operations: {},
    blobs: {},
    last_booted_record: '',
    recommendations: '',
    snapshot_time: '19700101T00:00:00Z',
    start_delay: 0,
    shutdown_delay: 0,
    order: 0,
    hardware_platform_version: 0,
    has_vendor_device: false,
    requires_reboot: false,
    reference_label: '',
    version: 0,
    generation_id: '',
    pending_guidances: [],
    pending_guidances_recommended: [],
    pending_guidances_full: [],
    groups: [],
  });
}
