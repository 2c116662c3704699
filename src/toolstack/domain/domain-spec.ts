import type { GuestType } from '../xlcfg/keys.js';

export type { GuestType } from '../xlcfg/keys.js';
export const GUEST_TYPES: readonly GuestType[] = ['pv', 'pvh', 'hvm'];

/** xl's names for libxl_action_on_shutdown (tools/xl/xl_parse.c action_on_shutdown_names[] @RELEASE-4.17.0). */
export const SHUTDOWN_ACTIONS = ['destroy', 'restart', 'rename-restart', 'preserve', 'coredump-destroy', 'coredump-restart', 'soft-reset'] as const;
export type ShutdownAction = (typeof SHUTDOWN_ACTIONS)[number];

/** libxl_passthrough (tools/libs/light/libxl_types.idl @RELEASE-4.17.0); `default` is resolved by libxl at create. */
export const PASSTHROUGH_MODES = ['default', 'disabled', 'enabled', 'sync_pt', 'share_pt'] as const;
export type Passthrough = (typeof PASSTHROUGH_MODES)[number];

export const DISK_FORMATS = ['raw', 'qcow', 'qcow2', 'vhd', 'empty', 'qed'] as const;
export type DiskFormat = (typeof DISK_FORMATS)[number];
export const DISK_BACKENDS = ['phy', 'tap', 'qdisk', 'standalone'] as const;
export type DiskBackend = (typeof DISK_BACKENDS)[number];

/** One `disk = [...]` entry, as xlu_disk_parse() leaves libxl_device_disk (docs/misc/xl-disk-configuration.txt). */
export interface DiskSpec {
  /** pdev_path; absent for a removable device with no medium, '' when written empty. */
  target?: string;
  vdev: string;
  format: DiskFormat;
  readwrite: boolean;
  cdrom: boolean;
  /** Set for a cdrom (xlu_disk_parse: is_cdrom implies removable). */
  removable: boolean;
  backendtype?: DiskBackend;
  /** Backend domain name (`backend=`). */
  backend?: string;
  script?: string;
  specification?: 'xen' | 'virtio';
  directIoSafe: boolean;
  discard?: boolean;
  trusted?: boolean;
  colo?: boolean;
  coloHost?: string;
  coloPort?: number;
  coloExport?: string;
  activeDisk?: string;
  hiddenDisk?: string;
}

/** One `vif = [...]` entry, as parse_nic_config() leaves libxl_device_nic (docs/misc/xl-network-configuration.markdown). */
export interface NicSpec {
  /** The list index unless `devid=` says otherwise (xl's ARRAY_EXTEND_INIT). */
  devid: number;
  /** Lower-case "xx:xx:xx:xx:xx:xx". */
  mac?: string;
  bridge?: string;
  ip?: string;
  model?: string;
  /** nictype: `vif` (PV only) or `ioemu` (emulated and PV). */
  type?: 'vif' | 'ioemu';
  /** libxl's ifname. */
  vifname?: string;
  script?: string;
  /** Backend domain name. */
  backend?: string;
  gatewaydev?: string;
  mtu?: number;
  rate?: { bytesPerInterval: number; intervalUsecs: number };
  trusted?: boolean;
  /** forwarddev= and colo_*= options, under their libxl field names (coloft_forwarddev, colo_sock_mirror_id, ...). */
  colo?: Record<string, string>;
}

/** `cpus`/`cpus_soft`: one cpu list for every vCPU (a string), or one per vCPU (a list). */
export interface CpuAffinity {
  form: 'all-vcpus' | 'per-vcpu';
  /** parse_cpurange() strings: "3", "0-3,^2", "all", "nodes:0-1". */
  ranges: string[];
}

/** A value xenkit chose because the config did not: who chooses it in Xen, and where. */
export interface DefaultNote {
  field: keyof DomainSpec;
  value: unknown;
  /** `xl`: xl sets it before printing `xl create -n`; `libxl`: libxl's *_setdefault at create (absent from that JSON). */
  by: 'xl' | 'libxl';
  source: string;
}

/**
 * A guest as xl 4.17 + libxl would build it, every default applied (see defaults.ts).
 * Fields that only mean something for some guest types are absent for the others.
 */
export interface DomainSpec {
  name: string;
  type: GuestType;
  /** Canonical lower case. */
  uuid: string;
  memoryMiB: number;
  maxMemoryMiB: number;
  vcpus: number;
  maxVcpus: number;
  cpus?: CpuAffinity;
  cpusSoft?: CpuAffinity;
  kernel?: string;
  ramdisk?: string;
  cmdline?: string;
  bootloader?: string;
  /** cpupool name. */
  pool?: string;
  onPoweroff: ShutdownAction;
  onReboot: ShutdownAction;
  onWatchdog: ShutdownAction;
  onCrash: ShutdownAction;
  onSoftReset: ShutdownAction;
  /** PVH/HVM: hardware-assisted paging; 'host' = libxl picks (the host's HAP from 4.13, always on before). */
  hap?: boolean | 'host';
  /** PVH/HVM: out-of-sync shadow page tables. */
  oos?: boolean;
  /** PVH/HVM. */
  nestedHvm?: boolean;
  /** PVH/HVM (xl 4.17 reads `apic` for HVM only; libxl defaults it for both). */
  apic?: boolean;
  /** HVM. */
  pae?: boolean;
  /** HVM: the device model's VNC and SDL consoles. */
  vnc?: boolean;
  sdl?: boolean;
  acpi: boolean;
  vpmu: boolean;
  passthrough: Passthrough;
  /** `pci = [...]` entries as written (BDF specs; not modelled further, but they turn the IOMMU on). */
  pci: string[];
  disks: DiskSpec[];
  nics: NicSpec[];
  defaulted: DefaultNote[];
}

/** True when libxl (not the config, not xl) chose the field: libxl's JSON generator then omits it from `xl create -n`. */
export function isLibxlDefault(spec: DomainSpec, field: keyof DomainSpec): boolean {
  return spec.defaulted.some((d) => d.field === field && d.by === 'libxl');
}
