import { XenkitError } from '../../errors.js';
import type { DomainConfig } from '../../xc/config.js';
import { createdomainFields } from '../../xen/abi.js';
import { EMU, emuAll } from '../../xen/emulation.js';
import { cdfNames, cdfValue } from '../../xen/flags.js';
import { LIBXL_HVM_PVH_FROM, libxlClassicPvh, libxlDir, libxlEmulationPolicy, libxlHapDefault } from '../../xen/libxl.js';
import type { ReleaseId } from '../../xen/releases.js';
import type { DomainSpec, GuestType } from './domain-spec.js';

export interface EmulationOpts {
  /** 4.19+: xl's `hvm_pirq` (libxl b_info.u.hvm.pirq); off for a new domain. */
  hvmPirq?: boolean;
  /** libxl's `apic` defbool; on unless the config says apic = 0. */
  apic?: boolean;
  /** 4.7 .. 4.9: device_model_version = "none" (an HVM guest without QEMU: early PVHv2). */
  deviceModelNone?: boolean;
}

function x86c(r: ReleaseId): string {
  return `${libxlDir(r)}/libxl_x86.c libxl__arch_domain_prepare_config() @RELEASE-${r}.0`;
}

/**
 * The XEN_X86_EMU_* bitmap libxl of release r puts in the createdomain config for a new guest
 * (libxl__arch_domain_prepare_config(); research in emulation.md section 5). Before 4.10 libxl has
 * no PVH type: `pvh` here is what such a libxl called PVH: in 4.7/4.8 classic PVH (a PV domain with
 * XEN_DOMCTL_CDF_pvh_guest, no emulation); in 4.9 an HVM domain without a device model.
 */
export function libxlEmulationFlags(r: ReleaseId, type: GuestType, opts: EmulationOpts = {}): { value: number; source: string } {
  const apic = opts.apic ?? true;
  const all = emuAll(r);
  const at = (value: number, why: string) => ({ value, source: `${x86c(r)}: ${why}` });
  const policy = libxlEmulationPolicy(r);
  if (policy === 'none') return { value: 0, source: `${x86c(r)}: "No specific configuration right now" (no emulation_flags field)` };
  if (type === 'pv') return at(0, 'PV: no emulated devices');
  if (type === 'pvh' && libxlClassicPvh(r)) return at(0, 'classic PVH is a PV domain: no emulated devices');
  switch (policy) {
    case 'hvm-dm':
      return opts.deviceModelNone ? at(0, 'HVM without a device model: none') : at(all, 'HVM with a device model: XEN_X86_EMU_ALL');
    case 'lapic-no-dm':
      if (type !== 'pvh' && !opts.deviceModelNone) return at(all, 'HVM with a device model: XEN_X86_EMU_ALL');
      return apic ? at(EMU.LAPIC, 'HVM without a device model, apic on: XEN_X86_EMU_LAPIC') : at(0, 'HVM without a device model, apic off: none (field left zero)');
    case 'pvh-type':
      if (type === 'hvm') return at(all, 'HVM: XEN_X86_EMU_ALL');
      return apic ? at(EMU.LAPIC, 'PVH, apic on: XEN_X86_EMU_LAPIC') : at(0, 'PVH, apic off: none');
    case 'no-vpci':
      return type === 'pvh' ? at(EMU.LAPIC, 'PVH: XEN_X86_EMU_LAPIC') : at(all & ~EMU.VPCI, 'HVM: XEN_X86_EMU_ALL & ~XEN_X86_EMU_VPCI');
    case 'no-pirq':
      if (type === 'pvh') return at(EMU.LAPIC, 'PVH: XEN_X86_EMU_LAPIC');
      return opts.hvmPirq
        ? at(all & ~EMU.VPCI, 'HVM, hvm_pirq on: XEN_X86_EMU_ALL & ~XEN_X86_EMU_VPCI')
        : at(all & ~EMU.VPCI & ~EMU.USE_PIRQ, 'HVM, hvm_pirq off (the default): XEN_X86_EMU_ALL & ~(VPCI | USE_PIRQ)');
  }
}

/** Does libxl turn the IOMMU on? libxl__domain_config_setdefault(): `default` means "when devices are passed through". */
export function wantsIommu(spec: DomainSpec): boolean {
  return spec.passthrough === 'default' ? spec.pci.length > 0 : spec.passthrough !== 'disabled';
}

/**
 * The XEN_DOMCTL_CDF_* flags libxl of release r sets for the spec, by the release's names, in bit
 * order; a flag the release lacks is simply not set, as that release's libxl does not know it
 * (libxl__domain_make(), tools/libxl/libxl_create.c 4.6 .. 4.14, tools/libs/light 4.15+):
 *  - PVH/HVM: hvm(_guest); hap as given, else the host's (4.13+) or always (4.6 .. 4.12);
 *    oos_off when oos = 0; nested_virt for nestedhvm (4.15+; a HVM param before);
 *  - 4.6 .. 4.8 PVH is classic PVH: pvh_guest|hap, and libxl refuses it without HAP;
 *  - vpmu (4.16+) and iommu (4.13+, when passthrough is on) for every type.
 */
export function specCreateFlags(r: ReleaseId, spec: DomainSpec, hostHasHap: boolean): string[] {
  const src = `${libxlDir(r)}/libxl_create.c @RELEASE-${r}.0`;
  const hap = spec.hap === 'host' || spec.hap === undefined ? (libxlHapDefault(r) === 'host' ? hostHasHap : true) : spec.hap;
  const set: string[] = [];
  if (spec.type === 'pvh' && libxlClassicPvh(r)) {
    if (!hap) throw new XenkitError('XLCFG_INVALID', `hap: a PVH guest on Xen ${r} is classic PVH, and libxl refuses it without HAP ("HAP must be on for PVH")`, { field: 'hap', value: spec.hap, hint: `hap = 1, a host with HAP, or Xen ${LIBXL_HVM_PVH_FROM}+`, source: src });
    set.push('pvh_guest', 'hap');
  } else if (spec.type !== 'pv') {
    set.push('hvm');
    if (hap) set.push('hap');
    if (spec.oos === false) set.push('oos_off');
    if (spec.nestedHvm) set.push('nested_virt');
  }
  if (spec.vpmu) set.push('vpmu');
  if (wantsIommu(spec)) set.push('iommu');
  return cdfNames(r, set.reduce((bits, f) => bits | (cdfValue(r, f) ?? 0), 0));
}

/**
 * The createdomain config libxl would pass for the spec, in xc's DomainConfig form (for
 * domainCreate()): flags, handle, max_vcpus where the release's struct has it (4.12+; before,
 * XEN_DOMCTL_max_vcpus follows the create), and the emulation bitmap. The rest is xc's defaults.
 */
export function specCreateConfig(r: ReleaseId, spec: DomainSpec, hostHasHap: boolean): DomainConfig {
  const config: DomainConfig = {
    type: spec.type,
    flags: specCreateFlags(r, spec, hostHasHap),
    handle: spec.uuid,
    arch: { emulation_flags: libxlEmulationFlags(r, spec.type, { apic: spec.apic }).value },
  };
  if (createdomainFields(r).includes('max_vcpus')) config.max_vcpus = spec.maxVcpus;
  return config;
}
