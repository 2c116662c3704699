import { abi } from './abi.js';
import type { ReleaseId } from './releases.js';
import type { ArmArchConfig } from './domain-args.js';

/**
 * Arm's XEN_DOMCTL_CONFIG_GIC_* and XEN_DOMCTL_CONFIG_TEE_* values (xen/include/public/arch-arm.h),
 * read from the release's constants in abi-data.ts (`armConfig`): GIC_NATIVE 0, GIC_V2 1, GIC_V3 2 in
 * every release; TEE_NONE/TEE_OPTEE from 4.13, TEE_FFA from 4.18.
 */
export type GicName = 'native' | 'v2' | 'v3';
export const GIC_NAMES: readonly GicName[] = ['native', 'v2', 'v3'];
const GIC_KEY: Record<GicName, string> = { native: 'GIC_NATIVE', v2: 'GIC_V2', v3: 'GIC_V3' };

export function gicValue(r: ReleaseId, name: GicName): number {
  return abi(r).armConfig[GIC_KEY[name]]!;
}

/** The GIC a gic_version value names in release r, or undefined for a value Xen does not define. */
export function gicName(r: ReleaseId, value: number): GicName | undefined {
  return GIC_NAMES.find((n) => gicValue(r, n) === value);
}

/** The GIC a guest gets: its own request, or the host's for GIC_NATIVE; undefined for an unknown value. */
export function effectiveGic(r: ReleaseId, value: number, hostGic: 'v2' | 'v3'): 'v2' | 'v3' | undefined {
  const n = gicName(r, value);
  return n === 'native' ? hostGic : n;
}

/** "gic_version 0 (native), 1 (GICv2) or 2 (GICv3)", in the release's numbers. */
export function gicChoices(r: ReleaseId): string {
  return `gic_version ${gicValue(r, 'native')} (native), ${gicValue(r, 'v2')} (GICv2) or ${gicValue(r, 'v3')} (GICv3)`;
}

export type TeeName = 'none' | 'optee' | 'ffa';
const TEE_KEY: Record<TeeName, string> = { none: 'TEE_NONE', optee: 'TEE_OPTEE', ffa: 'TEE_FFA' };

/** XEN_DOMCTL_CONFIG_TEE_<name> in release r, or undefined where the release has no such value. */
export function teeValue(r: ReleaseId, name: TeeName): number | undefined {
  return abi(r).armConfig[TEE_KEY[name]];
}

/** The TEE mediator a tee_type value names in release r. */
export function teeName(r: ReleaseId, value: number): TeeName | undefined {
  return (Object.keys(TEE_KEY) as TeeName[]).find((n) => teeValue(r, n) === value);
}

/**
 * What Xen writes back into an Arm domain's arch config when createdomain succeeds (the domctl is
 * copied back and xc_domain_create() copies it into the caller's struct, tools/libs/ctrl/xc_domain.c):
 * GIC_NATIVE becomes the host's version (arch_sanitise_domain_config(), xen/arch/arm/domain.c), and
 * clock_frequency the host DT timer's clock-frequency, 0 without one (domain_vtimer_init(),
 * xen/arch/arm/vtimer.c); the same from 4.6 to 4.20. The rest is as given.
 */
export function armWrittenBack(r: ReleaseId, a: ArmArchConfig, hostGic: 'v2' | 'v3', clockFrequency: number | undefined): ArmArchConfig {
  const gic = effectiveGic(r, a.gic_version, hostGic);
  return { ...a, gic_version: gic ? gicValue(r, gic) : a.gic_version, clock_frequency: clockFrequency ?? 0 };
}
