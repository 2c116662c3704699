import { XenkitError } from '../errors.js';
import { LIMITS, readBounded } from '../input.js';
import type { HostCaps } from '../xen/host.js';
import { gicValue } from '../xen/arm.js';
import type { ReleaseId } from '../xen/releases.js';
import type { DomainConfig } from '../xc/config.js';
import { parseXlCfg } from './xlcfg/parse.js';
import { specFromXlCfg, type SpecOptions } from './xlcfg/to-spec.js';
import { specCreateConfig } from './domain/emulation.js';
import type { DomainSpec } from './domain/domain-spec.js';
import type { XlCfg } from './xlcfg/ast.js';
import type { BuildPlan } from './lifecycle.js';

export interface LoadedSpec {
  file: string;
  cfg: XlCfg;
  spec: DomainSpec;
  warnings: string[];
}

/**
 * Read and parse an xl.cfg file ("-": standard input) into a DomainSpec (libxl's
 * defaults applied); `key=value` overrides as xl takes them. At most LIMITS.xlcfgBytes are read.
 */
export function loadSpec(file: string, overrides: string[] = [], opts: Omit<SpecOptions, 'overrides'> = {}): LoadedSpec {
  const text = readBounded(file, LIMITS.xlcfgBytes, { field: 'FILE', kind: 'an xl.cfg file', hint: 'give the path of an xl.cfg file, or - for standard input' });
  const cfg = parseXlCfg(text, file === '-' ? 'stdin' : file);
  const { spec, warnings } = specFromXlCfg(cfg, { ...opts, overrides });
  return { file, cfg, spec, warnings };
}

/** The createdomain config libxl of `release` would pass for the spec, with an optional emulation override. */
export function specConfig(release: ReleaseId, host: HostCaps, spec: DomainSpec, emulationFlags?: number): DomainConfig {
  const config = specCreateConfig(release, spec, host.hap);
  if (host.arch === 'arm64') {
    // libxl__arch_domain_prepare_config() on Arm (tools/libs/light/libxl_arm.c @RELEASE-4.17.0): the
    // native GIC, and SPIs only for passthrough/vuart/virtio devices, which xenkit does not model.
    if (emulationFlags !== undefined)
      throw new XenkitError('BAD_INPUT', '--emulation-flags: the XEN_X86_EMU_* bitmap is x86; this host is arm64', { field: '--emulation-flags', value: emulationFlags, hint: 'leave it out on Arm' });
    return { ...config, arch: { gic_version: gicValue(release, 'native'), nr_spis: 0 } };
  }
  if (emulationFlags !== undefined) config.arch = { ...(config.arch ?? {}), emulation_flags: emulationFlags };
  return config;
}

/** The lifecycle plan for a spec: createdomain, then max vCPUs, memory, unpause. */
export function planFor(release: ReleaseId, host: HostCaps, spec: DomainSpec, opts: { paused?: boolean; emulationFlags?: number } = {}): BuildPlan {
  return {
    name: spec.name,
    config: specConfig(release, host, spec, opts.emulationFlags),
    maxVcpus: spec.maxVcpus,
    vcpus: spec.vcpus,
    targetKiB: spec.memoryMiB * 1024,
    maxKiB: spec.maxMemoryMiB * 1024,
    paused: !!opts.paused,
    record: { spec, emulationFlags: opts.emulationFlags ?? null },
  };
}
