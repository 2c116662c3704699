import type { XlCfg } from '../xlcfg/ast.js';
import { isXlKey, xlReadsFor } from '../xlcfg/keys.js';
import { where } from '../xlcfg/syntax-error.js';
import { cpuSet } from '../xlcfg/cpus.js';
import { isLibxlDefault, type CpuAffinity, type DiskSpec, type DomainSpec, type NicSpec, type ShutdownAction } from '../domain/domain-spec.js';
import { isModelled } from '../xlcfg/modelled-keys.js';
import { NIC_COLO_FIELDS } from '../xlcfg/vif.js';
import { libxlIdl } from '../../xen/libxl-idl.js';
import type { ReleaseId } from '../../xen/releases.js';
import { LIBXL_JSON_RELEASES } from '../../xen/xl-parse.js';
import { XenkitError } from '../../errors.js';

import { genJson, type LibxlObject } from './gen-json.js';
import { CfgReader } from '../xlcfg/reader.js';
import { applyXlKeys } from '../xlcfg/to-config.js';
import type { XlHost } from '../xlcfg/dev/vnuma.js';

type Json = Record<string, unknown>;

/**
 * The libxl_domain_config `xl create -n` prints for a spec (tools/xl/xl_vmcontrol.c create_domain()
 * @RELEASE-4.17.0: libxl_domain_config_to_json() right after parse_config_data(), before any libxl
 * default). Field order is libxl_types.idl's; a field is left out when it equals its IDL default,
 * as gentypes.py's generator does (Structs and KeyedUnions are always printed, empty or not);
 * defbools print as "True"/"False", enums by their lower-case names. Defaults that libxl only
 * applies at create (spec.defaulted, by: 'libxl') are therefore absent.
 *
 * With `cfg`, every key xl reads for this guest type that DomainSpec does not carry is named in a
 * warning: it would be in xl's output and is not in this one.
 */
export function toLibxlJson(spec: DomainSpec, cfg?: XlCfg, release: ReleaseId = '4.17', host?: XlHost): { json: Json; warnings: string[] } {
  if (!LIBXL_JSON_RELEASES.includes(release))
    throw new XenkitError('BAD_INPUT', `libxl JSON for Xen ${release}: xenkit maps xl.cfg onto the libxl_domain_config of Xen ${LIBXL_JSON_RELEASES[0]} and later (${release}'s lacks members the mapping sets, such as disk "specification")`, { field: 'release', value: release, hint: `one of ${LIBXL_JSON_RELEASES.join(', ')}` });
  const warnings: string[] = [];
  const idl = libxlIdl(release);
  const config = domainConfigOf(spec, warnings);
  const read = cfg ? applyXlKeys(new CfgReader(cfg), idl, spec.type, config, warnings, host) : new Set<string>();
  for (const s of cfg?.settings.values() ?? [])
    if (isXlKey(s.key) && xlReadsFor(s.key, spec.type) && !isModelled(s.key, spec.type) && !read.has(s.key))
      warnings.push(`${where(s.file, s)}: ${s.key} is read by xl but not modelled by xenkit: it is missing from this JSON`);
  return { json: genJson(idl, 'libxl_domain_config', config) as Json, warnings };
}

/** The libxl_domain_config xl fills from the spec: members libxl chose (spec.defaulted, by: 'libxl') stay at their init value. */
export function domainConfigOf(spec: DomainSpec, warnings: string[]): LibxlObject {
  const given = (f: keyof DomainSpec) => !isLibxlDefault(spec, f);
  const hvm = spec.type === 'hvm';
  const c_info = {
    type: spec.type,
    hap: typeof spec.hap === 'boolean' ? spec.hap : undefined,
    oos: given('oos') ? spec.oos : undefined,
    name: spec.name,
    uuid: spec.uuid,
    pool_name: spec.pool,
    run_hotplug_scripts: true, // xl.conf run_hotplug_scripts, default 1 (tools/xl/xl.c)
    passthrough: spec.passthrough === 'default' ? undefined : spec.passthrough,
  };
  // parse_vcpu_affinity() runs with xl's max_vcpus: 0 when neither vcpus nor maxvcpus was given.
  const xlMaxVcpus = given('maxVcpus') ? spec.maxVcpus : 0;
  const b_info: LibxlObject = {
    type: spec.type,
    max_vcpus: given('maxVcpus') ? spec.maxVcpus : undefined,
    avail_vcpus: given('vcpus') ? [...Array(spec.vcpus).keys()] : undefined,
    vcpu_hard_affinity: affinity(spec.cpus, 'cpus', xlMaxVcpus, warnings),
    vcpu_soft_affinity: affinity(spec.cpusSoft, 'cpus_soft', xlMaxVcpus, warnings),
    numa_placement: spec.cpus?.form === 'per-vcpu' || spec.cpusSoft ? false : undefined,
    max_memkb: given('maxMemoryMiB') ? spec.maxMemoryMiB * 1024 : undefined,
    target_memkb: given('memoryMiB') ? spec.memoryMiB * 1024 : undefined,
    claim_mode: true, // xl.conf claim_mode, default 1 (tools/xl/xl.c)
    kernel: spec.kernel,
    cmdline: spec.cmdline,
    ramdisk: spec.ramdisk,
    acpi: given('acpi') ? spec.acpi : undefined,
    bootloader: spec.bootloader,
    nested_hvm: spec.nestedHvm !== undefined && given('nestedHvm') ? spec.nestedHvm : undefined,
    apic: spec.apic !== undefined && given('apic') ? spec.apic : undefined,
    u: hvm
      ? {
          pae: given('pae') ? spec.pae : undefined,
          vnc: { enable: given('vnc') ? spec.vnc : undefined },
          sdl: { enable: given('sdl') ? spec.sdl : undefined },
        }
      : {},
    vpmu: given('vpmu') ? spec.vpmu : undefined,
  };
  return {
    c_info,
    b_info,
    disks: spec.disks.map(disk),
    nics: spec.nics.map(nic),
    on_poweroff: action(spec.onPoweroff),
    on_reboot: action(spec.onReboot),
    on_watchdog: action(spec.onWatchdog),
    on_crash: action(spec.onCrash),
    on_soft_reset: action(spec.onSoftReset),
  };
}

function disk(d: DiskSpec): LibxlObject {
  return {
    backend_domname: d.backend,
    pdev_path: d.target,
    vdev: d.vdev,
    backend: d.backendtype,
    format: d.format,
    script: d.script,
    removable: d.removable ? 1 : 0,
    readwrite: d.readwrite ? 1 : 0,
    is_cdrom: d.cdrom ? 1 : 0,
    direct_io_safe: d.directIoSafe,
    discard_enable: d.discard,
    specification: d.specification,
    colo_enable: d.colo,
    colo_host: d.coloHost,
    colo_port: d.coloPort,
    colo_export: d.coloExport,
    active_disk: d.activeDisk,
    hidden_disk: d.hiddenDisk,
    trusted: d.trusted,
  };
}

function nic(n: NicSpec): LibxlObject {
  return {
    backend_domname: n.backend,
    devid: n.devid,
    mtu: n.mtu,
    model: n.model,
    mac: n.mac,
    ip: n.ip,
    bridge: n.bridge,
    ifname: n.vifname,
    script: n.script,
    nictype: n.type === 'ioemu' ? 'vif_ioemu' : n.type,
    rate_bytes_per_interval: n.rate?.bytesPerInterval,
    rate_interval_usecs: n.rate?.intervalUsecs,
    gatewaydev: n.gatewaydev,
    ...Object.fromEntries(NIC_COLO_FIELDS.map((f) => [f, n.colo?.[f]])),
    trusted: n.trusted,
  };
}

/** vcpu_hard/soft_affinity: one bitmap (its set bits) per vCPU, as parse_vcpu_affinity() fills them. */
function affinity(a: CpuAffinity | undefined, key: string, xlMaxVcpus: number, warnings: string[]): number[][] | undefined {
  if (!a) return undefined;
  const sets = a.ranges.map(cpuSet);
  if (sets.some((s) => s === undefined)) {
    warnings.push(`${key}: "all" and "nodes:" depend on the host's CPUs and NUMA nodes; the affinity is missing from this JSON`);
    return undefined;
  }
  const n = a.form === 'all-vcpus' ? xlMaxVcpus : Math.min(sets.length, xlMaxVcpus);
  return n ? [...Array(n).keys()].map((i) => (a.form === 'all-vcpus' ? sets[0]! : sets[i]!)) : undefined;
}

/** libxl_action_on_shutdown by its IDL name (xl's "rename-restart" is RESTART_RENAME); DESTROY is the default. */
function action(a: ShutdownAction): string | undefined {
  return a === 'destroy' ? undefined : a === 'rename-restart' ? 'restart_rename' : a.replace('-', '_');
}

