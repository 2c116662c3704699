/**
 * Xen's accept/reject rules at XEN_DOMCTL_createdomain, per release, in the order Xen applies them.
 *
 * Phases (they decide what happens to the domain id, see the sim):
 *  - 'domctl':   xen/common/domctl.c before the id is picked (4.6-4.11 flag check): nothing is spent.
 *  - 'sanitise': after the id is picked, before struct domain exists (4.12+ sanitise_domain_config() and
 *                arch_sanitise_domain_config()): 4.6-4.20's rover has moved; 4.21+'s domid bitmap keeps the
 *                id marked used (domid_free() is only reached from _domain_destroy()).
 *  - 'create':   inside domain_create()/arch_domain_create(): the id is free again afterwards.
 * Each rule names its Xen source; the release tag is appended per release (citation()).
 */
import { INITIAL_NR_GRANT_FRAMES, maxVcpusLimit } from './limits.js';
import { effectiveGic, gicChoices, gicName, gicValue, teeName, teeValue } from './arm.js';
import { acceptedValues, defaultEmulation, describeEmu, emuAll, emulationAccepted, emulationRule, emuNames, hex } from './emulation.js';
import { cdfMask, cdfNames, cdfTable, cdfValue } from './flags.js';
import { abi, createdomainFields } from './abi.js';

import { perRelease, releaseIndex, type ReleaseId } from './releases.js';
import { XenkitError } from '../errors.js';
import { isX86ArchConfig, type ArmArchConfig } from './domain-args.js';
import { citation, ruleApplies, type CreateRule, type RuleContext, type RuleFailure } from './rules.js';

export type Phase = 'domctl' | 'sanitise' | 'create';

interface PhasedRule extends CreateRule {
  phase: Phase;
}

const has = (ctx: RuleContext, name: string): boolean => {
  const v = cdfTable(ctx.release)[name];
  return v !== undefined && (ctx.args.flags & v) !== 0;
};
const hvm = (ctx: RuleContext) => has(ctx, 'hvm');
const num = (v: number | undefined) => v ?? 0;
/** int32 struct fields (4.13+ max_grant_frames/max_maptrack_frames): the bits as Xen reads them. */
const i32 = (v: number | undefined) => (num(v) | 0);

function emuFlags(ctx: RuleContext): number {
  return isX86ArchConfig(ctx.args.arch) ? ctx.args.arch.emulation_flags >>> 0 : 0;
}

/** x86 arch_sanitise_domain_config(): 4.19+ altp2m_opts low 16 bits are the mode (struct { u16 opts; u16 nr; } in 4.21+). */
const altp2mMode = (ctx: RuleContext) => num(ctx.args.altp2m_opts) & 0x3;

/** Unknown XEN_DOMCTL_CDF_* bits: checked in domctl.c up to 4.11 (silently), in sanitise_domain_config() from 4.12 (logged). */
function cdfUnknown(ctx: RuleContext, logged: boolean) {
  const extra = ctx.args.flags & ~cdfMask(ctx.release);
  if (!extra) return undefined;
  return {
    errno: 'EINVAL' as const,
    field: 'flags',
    value: ctx.args.flags,
    reason: `flags ${hex(ctx.args.flags)} has bits Xen ${ctx.release} does not define (${hex(extra)})`,
    hint: `use only XEN_DOMCTL_CDF_{${cdfNames(ctx.release, cdfMask(ctx.release)).join(',')}} (mask ${hex(cdfMask(ctx.release))})`,
    ...(logged ? { xenLog: `Unknown CDF flags ${hex(ctx.args.flags)}` } : {}),
  };
}

/** HVM asked of a host without VT-x/SVM: hvm_domain_initialise() up to 4.11, arch_sanitise_domain_config() from 4.12. */
function hvmUnavailable(ctx: RuleContext) {
  // 4.6-4.8's classic PVH also goes through hvm_domain_initialise(), which checks hvm_enabled first.
  if (!(hvm(ctx) || has(ctx, 'pvh_guest')) || ctx.host.hvm) return undefined;
  return { errno: 'EINVAL' as const, field: 'flags', value: ctx.args.flags, reason: 'an HVM/PVH guest was asked for but the host has no VT-x/SVM', hint: 'create a PV guest (no hvm flag) on this host' };
}

/**
 * Arm arch_sanitise_domain_config(): the flags a guest may add to the required hvm|hap
 * (xen/arch/arm/domain.c: none @RELEASE-4.12.0; `~XEN_DOMCTL_CDF_iommu` @RELEASE-4.13.0;
 * flags_optional iommu|vpmu @RELEASE-4.16.0, |xs_domain|trap_unmapped_accesses @RELEASE-4.21.0).
 */
const ARM_OPTIONAL_FLAGS = perRelease<readonly string[]>('arm-optional-flags', [
  { from: '4.6', to: '4.11', row: [] }, // no arch_sanitise_domain_config() (the rule starts at 4.12)
  { from: '4.12', to: '4.12', row: [] },
  { from: '4.13', to: '4.15', row: ['iommu'] },
  { from: '4.16', to: '4.20', row: ['iommu', 'vpmu'] },
  { from: '4.21', to: '4.22', row: ['iommu', 'vpmu', 'xs_domain', 'trap_unmapped_accesses'] },
]);

/** grant_table_init() refuses a domain's limits above the host's gnttab_max_* (4.12 .. 4.17); 4.18 dropped the caps (xen/common/grant_table.c). */
const GRANT_CAPPED = perRelease<boolean>('grant-capped', [
  { from: '4.6', to: '4.11', row: false }, // no per-domain limits in createdomain
  { from: '4.12', to: '4.17', row: true },
  { from: '4.18', to: '4.22', row: false },
]);

const RULES: PhasedRule[] = [
  // ---- domctl.c, before the id is picked (4.6 - 4.11) ----
  {
    id: 'cdf-unknown',
    phase: 'domctl',
    from: '4.6',
    to: '4.11',
    where: 'xen/common/domctl.c do_domctl() XEN_DOMCTL_createdomain',
    check: (ctx) => cdfUnknown(ctx, false),
  },
  {
    id: 'hvm-and-pvh',
    phase: 'sanitise', // after the rover moved, before domain_create()
    from: '4.6',
    to: '4.8',
    where: 'xen/common/domctl.c do_domctl() XEN_DOMCTL_createdomain',
    check(ctx) {
      if (has(ctx, 'hvm') && has(ctx, 'pvh_guest'))
        return {
          errno: 'EINVAL',
          field: 'flags',
          value: ctx.args.flags,
          reason: 'a guest cannot be both hvm_guest and pvh_guest',
          hint: 'pass hvm_guest for HVM, or pvh_guest alone for classic PVH',
        };
      return undefined;
    },
  },
  // ---- sanitise_domain_config(), xen/common/domain.c (4.12+) ----
  {
    id: 'cdf-unknown',
    phase: 'sanitise',
    from: '4.12',
    where: 'xen/common/domain.c sanitise_domain_config() "Unknown CDF flags"',
    check: (ctx) => cdfUnknown(ctx, true),
  },
  {
    id: 'grant-opts-unknown',
    phase: 'sanitise',
    from: '4.16',
    where: 'xen/common/domain.c sanitise_domain_config() "Unknown grant options"',
    check(ctx) {
      const g = num(ctx.args.grant_opts);
      if (g & ~0xf)
        return { errno: 'EINVAL', field: 'grant_opts', value: g, reason: `grant_opts ${hex(g)} has bits beyond XEN_DOMCTL_GRANT_version_mask (0xf)`, hint: 'grant_opts = XEN_DOMCTL_GRANT_version(1 or 2)' };
      return undefined;
    },
  },
  {
    id: 'iommu-opts-without-iommu',
    phase: 'sanitise',
    from: '4.13',
    to: '4.14',
    where: 'xen/common/domain.c sanitise_domain_config() "IOMMU options specified but IOMMU not enabled"',
    check(ctx) {
      if (!has(ctx, 'iommu') && num(ctx.args.iommu_opts))
        return { errno: 'EINVAL', field: 'iommu_opts', value: ctx.args.iommu_opts, reason: 'iommu_opts is set but the iommu flag is not', hint: 'add the iommu flag, or pass iommu_opts = 0' };
      return undefined;
    },
  },
  {
    id: 'no-vcpus',
    phase: 'sanitise',
    from: '4.12',
    where: 'xen/common/domain.c sanitise_domain_config() "No vCPUS"',
    check(ctx) {
      if (num(ctx.args.max_vcpus) < 1)
        return { errno: 'EINVAL', field: 'max_vcpus', value: num(ctx.args.max_vcpus), reason: 'max_vcpus is 0: a domain needs at least one vCPU', hint: 'max_vcpus >= 1' };
      return undefined;
    },
  },
  {
    id: 'hap-without-hvm',
    phase: 'sanitise',
    from: '4.13',
    where: 'xen/common/domain.c sanitise_domain_config() "HAP requested for non-HVM guest"',
    check(ctx) {
      if (has(ctx, 'hap') && !hvm(ctx))
        return { errno: 'EINVAL', field: 'flags', value: ctx.args.flags, reason: 'hap is set for a PV guest (HAP is for HVM/PVH guests only)', hint: 'drop hap, or add hvm' };
      return undefined;
    },
  },
  {
    id: 'iommu-unavailable',
    phase: 'sanitise',
    from: '4.13',
    to: '4.14',
    where: 'xen/common/domain.c sanitise_domain_config() "IOMMU is not enabled"',
    check(ctx) {
      if (has(ctx, 'iommu') && !ctx.host.iommu)
        return { errno: 'EINVAL', field: 'flags', value: ctx.args.flags, reason: 'the iommu flag is set but the host has no IOMMU enabled', hint: 'drop the iommu flag (no passthrough) on this host' };
      return undefined;
    },
  },
  {
    id: 'iommu-opts-unknown',
    phase: 'sanitise',
    from: '4.15',
    where: 'xen/common/domain.c sanitise_domain_config() "Unknown IOMMU options" / "IOMMU requested but not available" / "IOMMU options specified but IOMMU not requested"',
    check(ctx) {
      const o = num(ctx.args.iommu_opts);
      if (has(ctx, 'iommu')) {
        if (o & ~1) return { errno: 'EINVAL', field: 'iommu_opts', value: o, reason: `iommu_opts ${hex(o)} has bits beyond XEN_DOMCTL_IOMMU_no_sharept`, hint: 'iommu_opts = 0 or 1 (no_sharept)' };
        if (!ctx.host.iommu) return { errno: 'EINVAL', field: 'flags', value: ctx.args.flags, reason: 'the iommu flag is set but the host has no IOMMU enabled', hint: 'drop the iommu flag on this host' };
      } else if (o) return { errno: 'EINVAL', field: 'iommu_opts', value: o, reason: 'iommu_opts is set but the iommu flag is not', hint: 'add the iommu flag, or pass iommu_opts = 0' };
      return undefined;
    },
  },
  {
    id: 'vmtrace-unavailable',
    phase: 'sanitise',
    from: '4.15',
    where: 'xen/common/domain.c sanitise_domain_config() "vmtrace requested but not available"',
    check(ctx) {
      if (num(ctx.args.vmtrace_size) && !ctx.host.vmtrace)
        return { errno: 'EINVAL', field: 'vmtrace_size', value: ctx.args.vmtrace_size, reason: 'vmtrace_size is set but the host has no processor trace for VMs', hint: 'vmtrace_size = 0' };
      return undefined;
    },
  },
  {
    id: 'vpmu-unavailable',
    phase: 'sanitise',
    from: '4.16',
    where: 'xen/common/domain.c sanitise_domain_config() "vpmu requested but cannot be enabled this way"',
    check(ctx) {
      // vpmu_is_available is only ever set by Arm (xen/arch/arm/setup.c); on x86 the flag is always refused.
      if (has(ctx, 'vpmu') && (ctx.host.arch === 'x86_64' || !ctx.host.vpmu))
        return {
          errno: 'EINVAL',
          field: 'flags',
          value: ctx.args.flags,
          reason: ctx.host.arch === 'x86_64' ? 'the vpmu flag is never accepted on x86 (vpmu_is_available is set only on Arm)' : 'the vpmu flag is set but the host has no PMU',
          hint: 'drop the vpmu flag',
        };
      return undefined;
    },
  },
  // ---- x86 arch_sanitise_domain_config(), xen/arch/x86/domain.c (4.12+) ----
  {
    id: 'hvm-unavailable',
    phase: 'sanitise',
    from: '4.12',
    arch: 'x86_64',
    where: 'xen/arch/x86/domain.c arch_sanitise_domain_config() "HVM support not available"',
    check: hvmUnavailable,
  },
  {
    id: 'too-many-vcpus',
    phase: 'sanitise',
    from: '4.12',
    arch: 'x86_64',
    where: 'xen/arch/x86/domain.c arch_sanitise_domain_config() "Requested vCPUs exceeds max"',
    check(ctx) {
      const lim = maxVcpusLimit(ctx.release, hvm(ctx));
      if (num(ctx.args.max_vcpus) > lim)
        return { errno: 'EINVAL', field: 'max_vcpus', value: ctx.args.max_vcpus, reason: `max_vcpus ${ctx.args.max_vcpus} exceeds the ${hvm(ctx) ? 'HVM' : 'PV'} limit of ${lim}`, hint: `max_vcpus <= ${lim}` };
      return undefined;
    },
  },
  {
    id: 'hap-unavailable',
    phase: 'sanitise',
    from: '4.13',
    arch: 'x86_64',
    where: 'xen/arch/x86/domain.c arch_sanitise_domain_config() "HAP requested but not available"',
    check(ctx) {
      if (has(ctx, 'hap') && !ctx.host.hap)
        return { errno: 'EINVAL', field: 'flags', value: ctx.args.flags, reason: 'hap is set but the host has no EPT/NPT', hint: ctx.host.shadow ? 'drop hap (shadow paging will be used)' : 'this host has neither HAP nor shadow paging: only PV guests can run' };
      return undefined;
    },
  },
  {
    id: 'shadow-unavailable',
    phase: 'sanitise',
    from: '4.22',
    arch: 'x86_64',
    where: 'xen/arch/x86/domain.c arch_sanitise_domain_config() "Shadow paging requested but not available"',
    check(ctx) {
      if (hvm(ctx) && !has(ctx, 'hap') && !ctx.host.shadow)
        return { errno: 'EINVAL', field: 'flags', value: ctx.args.flags, reason: 'an HVM/PVH guest without hap needs shadow paging, which this Xen build lacks (CONFIG_SHADOW_PAGING=n)', hint: 'add the hap flag' };
      return undefined;
    },
  },
  {
    id: 'nested-virt-unavailable',
    phase: 'sanitise',
    from: '4.19',
    arch: 'x86_64',
    where: 'xen/arch/x86/domain.c arch_sanitise_domain_config() "Nested virt requested but not available"',
    check(ctx) {
      // hvm_nested_virt_supported(): VMX: HAP; SVM: HAP and four SVM features (HostCaps.nestedVirt;
      // real Xen 4.20 under QEMU's SVM without them refused it).
      if (has(ctx, 'nested_virt') && !(ctx.host.nestedVirt ?? (ctx.host.hvm && ctx.host.hap)))
        return { errno: 'EINVAL', field: 'flags', value: ctx.args.flags, reason: 'nested_virt is set but the host cannot run nested guests', hint: 'drop nested_virt' };
      return undefined;
    },
  },
  {
    id: 'nested-virt-without-hap',
    phase: 'sanitise',
    from: '4.15',
    arch: 'x86_64',
    where: 'xen/arch/x86/domain.c arch_sanitise_domain_config() "Nested virt not supported without HAP"',
    check(ctx) {
      if (has(ctx, 'nested_virt') && !has(ctx, 'hap'))
        return { errno: 'EINVAL', field: 'flags', value: ctx.args.flags, reason: 'nested_virt needs hap', hint: 'add hap (and hvm), or drop nested_virt' };
      return undefined;
    },
  },
  {
    id: 'vmtrace-bad',
    phase: 'sanitise',
    from: '4.15',
    arch: 'x86_64',
    where: 'xen/arch/x86/domain.c arch_sanitise_domain_config() "vmtrace not supported for PV" / "Unsupported vmtrace size"',
    check(ctx) {
      const s = num(ctx.args.vmtrace_size);
      if (!s) return undefined;
      if (!hvm(ctx)) return { errno: 'EINVAL', field: 'vmtrace_size', value: s, reason: 'vmtrace is not supported for PV guests', hint: 'vmtrace_size = 0' };
      if (s < 4096 || s > 64 << 20 || s & (s - 1))
        return { errno: 'EINVAL', field: 'vmtrace_size', value: s, reason: `vmtrace_size ${s} is not a power of two between 4 KiB and 64 MiB`, hint: 'a power of two from 4096 to 67108864' };
      return undefined;
    },
  },
  {
    id: 'trap-unmapped-x86',
    phase: 'sanitise',
    from: '4.21',
    arch: 'x86_64',
    where: 'xen/arch/x86/domain.c arch_sanitise_domain_config() "Unsupported trap_unmapped_accesses flag"',
    check(ctx) {
      if (has(ctx, 'trap_unmapped_accesses'))
        return { errno: 'EINVAL', field: 'flags', value: ctx.args.flags, reason: 'trap_unmapped_accesses is Arm-only; x86 always refuses it', hint: 'drop trap_unmapped_accesses' };
      return undefined;
    },
  },
  {
    id: 'misc-flags-unknown',
    phase: 'sanitise',
    from: '4.15',
    arch: 'x86_64',
    where: 'xen/arch/x86/domain.c arch_sanitise_domain_config() "Invalid arch misc flags"',
    check(ctx) {
      const m = isX86ArchConfig(ctx.args.arch) ? num(ctx.args.arch.misc_flags) : 0;
      if (m & ~1)
        return { errno: 'EINVAL', field: 'arch.misc_flags', value: m, reason: `misc_flags ${hex(m)} has bits beyond XEN_X86_MSR_RELAXED (0x1)`, hint: 'misc_flags = 0 or 1 (XEN_X86_MSR_RELAXED)' };
      return undefined;
    },
  },
  {
    id: 'altp2m-bad',
    phase: 'sanitise',
    from: '4.19',
    arch: 'x86_64',
    where: 'xen/arch/x86/domain.c arch_sanitise_domain_config() altp2m checks',
    check(ctx) {
      const raw = num(ctx.args.altp2m_opts);
      // 4.21 made altp2m a struct { u16 opts; u16 nr; } (the layout's `altp2m` field) and reworked these checks with it.
      const v421 = createdomainFields(ctx.release).includes('altp2m');
      const opts = v421 ? raw & 0xffff : raw;
      const nr = v421 ? raw >>> 16 : 0;
      const fail = (reason: string, hint: string) => ({ errno: 'EINVAL' as const, field: 'altp2m_opts', value: raw, reason, hint });
      if (opts & ~0x3) return fail(`altp2m options ${hex(opts)} have bits beyond XEN_DOMCTL_ALTP2M_mode_mask (0x3)`, 'mode 0 (off), 1 (mixed), 2 (external) or 3 (limited)');
      const mode = altp2mMode(ctx);
      if (mode) {
        // hvm_altp2m_supported() (4.21+) needs VMX with EPT; xenkit models it as the host's HAP.
        if (v421 && !ctx.host.hap) return fail('altp2m is not supported on this host', 'altp2m off');
        if (!v421 && has(ctx, 'nested_virt')) return fail('nested virt and altp2m are not supported together', 'drop nested_virt or altp2m');
        if (!has(ctx, 'hap')) return fail('altp2m is only supported with HAP', 'add hap');
        if (v421 && has(ctx, 'nested_virt')) return fail('nested virt and altp2m are not supported together', 'drop nested_virt or altp2m');
        if (v421 && nr === 0) return fail('altp2m must be requested with altp2m.nr > 0', 'altp2m.nr between 1 and 512');
        if (v421 && nr > 512) return fail(`altp2m.nr ${nr} exceeds MAX_NR_ALTP2M (512)`, 'altp2m.nr between 1 and 512');
      } else if (v421 && nr) return fail('altp2m.nr must be zero when altp2m is off', 'altp2m.nr = 0');
      return undefined;
    },
  },
  // ---- Arm arch_sanitise_domain_config(), xen/arch/arm/domain.c (4.12+) ----
  {
    id: 'arm-flags',
    phase: 'sanitise',
    from: '4.12',
    arch: 'arm64',
    where: 'xen/arch/arm/domain.c arch_sanitise_domain_config() "Unsupported configuration"',
    check(ctx) {
      const r = ctx.release;
      const required = cdfValue(r, 'hvm')! | cdfValue(r, 'hap')!;
      const optNames = ARM_OPTIONAL_FLAGS[r];
      const optional = optNames.reduce((m, n) => m | (cdfValue(r, n) ?? 0), 0);
      if ((ctx.args.flags & ~optional) !== required)
        return {
          errno: 'EINVAL',
          field: 'flags',
          value: ctx.args.flags,
          reason: `Arm guests must have exactly hvm|hap${optNames.length ? ` (optionally ${optNames.join(', ')})` : ''}; got ${cdfNames(r, ctx.args.flags).join('|') || '0'}`,
          hint: `flags = hvm|hap${optNames.length ? ` [| ${optNames.join(' | ')}]` : ''}`,
        };
      return undefined;
    },
  },
  {
    id: 'arm-iommu-opts',
    phase: 'sanitise',
    from: '4.13',
    arch: 'arm64',
    where: 'xen/arch/arm/domain.c arch_sanitise_domain_config() "Unsupported iommu option: XEN_DOMCTL_IOMMU_no_sharept"',
    check(ctx) {
      if (num(ctx.args.iommu_opts) & 1) return { errno: 'EINVAL', field: 'iommu_opts', value: ctx.args.iommu_opts, reason: 'Arm does not support XEN_DOMCTL_IOMMU_no_sharept', hint: 'iommu_opts = 0' };
      return undefined;
    },
  },
  {
    id: 'arm-gic-version',
    phase: 'sanitise',
    from: '4.12',
    arch: 'arm64',
    where: 'xen/arch/arm/domain.c arch_sanitise_domain_config() "Unsupported GIC version" / "Requested vCPUs exceeds max"',
    check(ctx) {
      const a = ctx.args.arch as ArmArchConfig;
      const gic = effectiveGic(ctx.release, a.gic_version, ctx.host.gic);
      if (!gic)
        return { errno: 'EINVAL', field: 'arch.gic_version', value: a.gic_version, reason: `gic_version ${a.gic_version} is not a GIC Xen emulates`, hint: gicChoices(ctx.release) };
      const lim = maxVcpusLimit(ctx.release, true, 'arm64', gic);
      if (num(ctx.args.max_vcpus) > lim)
        return { errno: 'EINVAL', field: 'max_vcpus', value: ctx.args.max_vcpus, reason: `max_vcpus ${ctx.args.max_vcpus} exceeds ${lim} for GIC${gic}`, hint: `max_vcpus <= ${lim}` };
      return undefined;
    },
  },
  {
    id: 'arm-tee',
    phase: 'sanitise',
    from: '4.13',
    arch: 'arm64',
    where: 'xen/arch/arm/domain.c arch_sanitise_domain_config() "Unsupported TEE type"',
    check(ctx) {
      // tee_type must be TEE_NONE or the host's mediator (tee_get_type()); unknown host: Xen decides.
      const t = num((ctx.args.arch as ArmArchConfig).tee_type);
      const r = ctx.release;
      const none = teeValue(r, 'none') ?? 0;
      const mediator = ctx.host.tee;
      if (t === none || mediator === undefined) return undefined;
      const hostValue = teeValue(r, mediator);
      if (t === hostValue) return undefined;
      const allowed = `${none} (XEN_DOMCTL_CONFIG_TEE_NONE)${mediator !== 'none' && hostValue !== undefined ? ` or ${hostValue} (TEE_${mediator.toUpperCase()}, the host's)` : ''}`;
      return { errno: 'EINVAL', field: 'arch.tee_type', value: t, reason: `tee_type ${t}${teeName(r, t) ? ` (${teeName(r, t)})` : ''} asked for but the host runs ${mediator === 'none' ? 'no TEE mediator' : `the ${mediator} mediator`}`, hint: `tee_type = ${allowed}` };
    },
  },
  {
    id: 'arm-altp2m',
    phase: 'sanitise',
    from: '4.19',
    arch: 'arm64',
    where: 'xen/arch/arm/domain.c arch_sanitise_domain_config() "Altp2m not supported"',
    check(ctx) {
      if (num(ctx.args.altp2m_opts)) return { errno: 'EINVAL', field: 'altp2m_opts', value: ctx.args.altp2m_opts, reason: 'Arm has no altp2m', hint: 'altp2m_opts = 0' };
      return undefined;
    },
  },
  // ---- domain_create() -> arch_domain_create(), x86 ----
  {
    id: 'emulation-bits-unknown',
    phase: 'create',
    from: '4.7',
    arch: 'x86_64',
    where: 'xen/arch/x86/domain.c arch_domain_create() "Invalid emulation bitmap"',
    check(ctx) {
      const f = emuFlags(ctx);
      const all = emuAll(ctx.release);
      if (f & ~all)
        return {
          errno: 'EINVAL',
          field: 'arch.emulation_flags',
          value: f,
          reason: `emulation_flags ${hex(f)} has bits beyond Xen ${ctx.release}'s XEN_X86_EMU_ALL (${hex(all)}): ${emuNames(f & ~all).join('|')} ${(f & ~all) >>> 11 ? 'do not exist' : `are not known to ${ctx.release}`}`,
          hint: acceptedHint(ctx),
          xenLog: `${emulationRule(ctx.release).bitmapLog}: ${hex(f)}`,
        };
      return undefined;
    },
  },
  {
    id: 'emulation-not-allowed',
    phase: 'create',
    from: '4.7',
    arch: 'x86_64',
    where: '', // per release: emulationRule(r).source
    check(ctx) {
      const f = emuFlags(ctx);
      const isHvm = hvm(ctx);
      if (emulationAccepted(ctx.release, isHvm, ctx.hwdom, f)) return undefined;
      const kind = isHvm ? 'HVM' : 'PV';
      const accepted = acceptedValues(ctx.release, isHvm, ctx.hwdom);
      // Say, against each accepted value, which devices are missing and which are not allowed.
      const diffs = accepted.map((a) => {
        const missing = a.value & ~f;
        const extra = f & ~a.value;
        const parts = [];
        if (missing) parts.push(`missing ${emuNames(missing).join('|')}`);
        if (extra) parts.push(`not allowed ${emuNames(extra).join('|')}`);
        return `${parts.join(', ')} for ${hex(a.value)} (${a.label})`;
      });
      const diff = diffs.length ? `: ${diffs.join('; ')}` : '';
      const rl = emulationRule(ctx.release);
      return {
        errno: 'EOPNOTSUPP',
        field: 'arch.emulation_flags',
        value: f,
        reason:
          `Xen ${ctx.release} does not allow ${kind === 'HVM' ? 'an' : 'a'} ${kind} domain with emulation_flags ${describeEmu(f)}${diff}` +
          (f === 0 && isHvm ? ' — a zeroed arch config, as libxc\'s old xc_domain_create() passed' : ''),
        hint: acceptedHint(ctx),
        xenLog: rl.message.replace('%s', kind) + `: ${hex(f)}`,
      };
    },
  },
  {
    id: 'shadow-missing',
    phase: 'create',
    from: '4.6',
    to: '4.21',
    arch: 'x86_64',
    where: 'xen/arch/x86/mm/paging.c paging_domain_init() -> mm/shadow/none.c shadow_domain_init()',
    check(ctx) {
      // Up to 4.12 a hap request on a host without HAP is silently dropped (hap_enabled = hap_supported && CDF_hap).
      const effectiveHap = has(ctx, 'hap') && ctx.host.hap;
      if ((hvm(ctx) || has(ctx, 'pvh_guest')) && !effectiveHap && !ctx.host.shadow)
        return {
          errno: 'EOPNOTSUPP',
          field: 'flags',
          value: ctx.args.flags,
          reason: `an HVM/PVH guest without ${has(ctx, 'hap') ? 'working ' : ''}HAP needs shadow paging, which this Xen build lacks (CONFIG_SHADOW_PAGING=n)`,
          hint: ctx.host.hap ? 'add the hap flag' : 'this host has neither HAP nor shadow paging: only PV guests can run',
        };
      return undefined;
    },
  },
  {
    id: 'hvm-unavailable',
    phase: 'create',
    from: '4.6',
    to: '4.11',
    arch: 'x86_64',
    where: 'xen/arch/x86/hvm/hvm.c hvm_domain_initialise() "Attempt to create a HVM guest on a non-VT/AMDV platform"',
    check: hvmUnavailable,
  },
  {
    id: 'pvh-classic-needs-hap',
    phase: 'create',
    from: '4.6',
    to: '4.8',
    arch: 'x86_64',
    where: 'xen/arch/x86/hvm/hvm.c hvm_domain_initialise() "PVH guest must have HAP on"',
    check(ctx) {
      if (has(ctx, 'pvh_guest') && !(has(ctx, 'hap') && ctx.host.hap && ctx.host.hvm))
        return { errno: 'EINVAL', field: 'flags', value: ctx.args.flags, reason: 'a classic PVH guest (pvh_guest) needs hap on a host with HAP', hint: 'add hap (pvh_guest|hap)' };
      return undefined;
    },
  },
  // ---- Arm arch_domain_create() / domain_vgic_init() ----
  {
    id: 'arm-gic-version',
    phase: 'create',
    from: '4.6',
    to: '4.11',
    arch: 'arm64',
    where: 'xen/arch/arm/domain.c arch_domain_create() GIC version switch',
    check(ctx) {
      const a = ctx.args.arch as ArmArchConfig;
      if (!gicName(ctx.release, a.gic_version))
        return { errno: 'EOPNOTSUPP', field: 'arch.gic_version', value: a.gic_version, reason: `gic_version ${a.gic_version} is not a GIC Xen emulates`, hint: gicChoices(ctx.release) };
      return undefined;
    },
  },
  {
    id: 'arm-spis',
    phase: 'create',
    from: '4.6',
    to: '4.7',
    arch: 'arm64',
    where: 'xen/arch/arm/vgic.c domain_vgic_init() nr_spis > 1020 - NR_LOCAL_IRQS',
    check: (ctx) => spisCheck(ctx, false),
  },
  {
    id: 'arm-gic-missing',
    phase: 'create',
    from: '4.6',
    arch: 'arm64',
    where: 'xen/arch/arm/vgic.c domain_vgic_register() -> vgic_vN_init() "vGICvN is not supported on this platform"',
    check(ctx) {
      const a = ctx.args.arch as ArmArchConfig;
      const want = effectiveGic(ctx.release, a.gic_version, ctx.host.gic);
      if (want && want !== ctx.host.gic)
        return { errno: 'ENODEV', field: 'arch.gic_version', value: a.gic_version, reason: `the host's GIC is ${ctx.host.gic}; it cannot emulate a GIC${want}`, hint: `gic_version ${gicValue(ctx.release, 'native')} (native) or ${gicValue(ctx.release, ctx.host.gic)}` };
      return undefined;
    },
  },
  {
    id: 'arm-spis',
    phase: 'create',
    from: '4.8',
    to: '4.10',
    arch: 'arm64',
    where: 'xen/arch/arm/vgic.c domain_vgic_init() nr_spis > 1020 - NR_LOCAL_IRQS',
    check: (ctx) => spisCheck(ctx, false),
  },
  {
    id: 'arm-spis',
    phase: 'create',
    from: '4.11',
    arch: 'arm64',
    where: 'xen/arch/arm/vgic.c domain_vgic_init() nr_spis rounded up to 32, > 1020 - NR_LOCAL_IRQS',
    check: (ctx) => spisCheck(ctx, true),
  },
  // ---- common, late in domain_create() ----
  {
    id: 'grant-table',
    phase: 'create',
    from: '4.12',
    where: 'xen/common/grant_table.c grant_table_init()',
    check(ctx) {
      const r = ctx.release;
      const fail = (field: string, value: unknown, reason: string, hint: string) => ({ errno: 'EINVAL' as const, field, value, reason, hint });
      if (createdomainFields(r).includes('grant_opts')) {
        const ver = num(ctx.args.grant_opts) & 0xf;
        const maxVer = ctx.host.arch === 'arm64' ? 1 : 2;
        if (ver === 0) return fail('grant_opts', ctx.args.grant_opts ?? 0, 'grant table version 0 requested (grant_opts must name version 1 or 2)', `grant_opts = XEN_DOMCTL_GRANT_version(${maxVer})`);
        if (ver > maxVer) return fail('grant_opts', ctx.args.grant_opts, `grant table version ${ver} is above the supported ${maxVer}`, `grant_opts = XEN_DOMCTL_GRANT_version(1${maxVer > 1 ? ' or 2' : ''})`);
      }
      // 4.12: uint32 fields, no "default" value; 4.13+: int32, negative means Xen's default.
      // The struct's C type: uint32_t in 4.12, int32_t from 4.13 (negative = Xen's default).
      const signed = fieldType(r, 'max_grant_frames') === 'int32_t';
      const given = (v: number | undefined) => (signed ? i32(v) : num(v));
      // The host's gnttab_max_frames / gnttab_max_maptrack_frames; unknown on a real host: Xen decides.
      const optG = ctx.host.maxGrantFrames;
      const optM = ctx.host.maxMaptrackFrames;
      const g = given(ctx.args.max_grant_frames) < 0 ? optG : given(ctx.args.max_grant_frames);
      const m = given(ctx.args.max_maptrack_frames) < 0 ? optM : given(ctx.args.max_maptrack_frames);
      const capped = GRANT_CAPPED[r];
      const range = capped && optG !== undefined ? `between ${INITIAL_NR_GRANT_FRAMES} and ${optG}` : `>= ${INITIAL_NR_GRANT_FRAMES}`;
      if (g !== undefined && g < INITIAL_NR_GRANT_FRAMES)
        return fail('max_grant_frames', ctx.args.max_grant_frames ?? 0, `max_grant_frames is ${g}: a domain needs at least INITIAL_NR_GRANT_FRAMES (${INITIAL_NR_GRANT_FRAMES})`, `max_grant_frames ${range}${signed ? ', or -1 for the default' : ''}`);
      if (capped) {
        if (g !== undefined && optG !== undefined && g > optG) return fail('max_grant_frames', g, `max_grant_frames ${g} is above the host's gnttab_max_frames (${optG})`, `max_grant_frames <= ${optG}${signed ? ', or -1 for the default' : ''}`);
        if (m !== undefined && optM !== undefined && m > optM) return fail('max_maptrack_frames', m, `max_maptrack_frames ${m} is above the host's gnttab_max_maptrack_frames (${optM})`, `max_maptrack_frames <= ${optM}${signed ? ', or -1 for the default' : ''}`);
      }
      return undefined;
    },
  },
  {
    id: 'cpupool-unknown',
    phase: 'create',
    from: '4.17',
    where: 'xen/common/sched/cpupool.c cpupool_add_domain() (cpupool_find_by_id() fails)',
    check(ctx) {
      // The host's cpupools; unknown (a real host whose list the backend cannot read): Xen decides.
      const pools = ctx.host.cpupools;
      const id = num(ctx.args.cpupool_id);
      if (pools && !pools.includes(id))
        return { errno: 'ESRCH', field: 'cpupool_id', value: ctx.args.cpupool_id, reason: `there is no cpupool ${id} (the host has ${pools.join(', ')})`, hint: `cpupool_id = one of ${pools.join(', ')} (0 is Pool-0)` };
      return undefined;
    },
  },
];

function fieldType(r: ReleaseId, field: string): string | undefined {
  return abi(r).createdomain.fields.find((f) => f[0] === field)?.[1];
}

function spisCheck(ctx: RuleContext, roundUp: boolean) {
  const n = (ctx.args.arch as ArmArchConfig).nr_spis >>> 0;
  // ROUNDUP(nr_spis, 32) on an unsigned int (xen/include/xen/lib.h): it wraps, 0xffffffe1.. become 0.
  const eff = roundUp ? (((n + 31) >>> 0) & ~31) >>> 0 : n;
  const max = roundUp ? 960 : 988;
  if (eff > 988)
    return { errno: 'EINVAL' as const, field: 'arch.nr_spis', value: n, reason: `nr_spis ${n}${roundUp ? ` (rounded up to ${eff})` : ''} exceeds 1020 - NR_LOCAL_IRQS (988)`, hint: `nr_spis <= ${max}` };
  return undefined;
}


function acceptedHint(ctx: RuleContext): string {
  const isHvm = hvm(ctx);
  const vals = acceptedValues(ctx.release, isHvm, ctx.hwdom);
  const list = vals.map((v) => `${hex(v.value)} = ${v.value ? emuNames(v.value).join('|') : 'none'} (${v.label})`).join('; ');
  const def = defaultEmulation(ctx.release, isHvm ? 'hvm' : 'pv').value;
  return `Xen ${ctx.release} accepts for ${isHvm ? 'HVM' : 'PV'}: ${list}. xenkit's default (pass no arch config) is ${describeEmu(def)}`;
}

const ruleCache = new Map<ReleaseId, Record<string, PhasedRule[]>>();

/**
 * The newest release whose createdomain rules were checked against its source. Rules are written
 * "from 4.N" (open-ended): a release added after this one would inherit them unchecked, so it is
 * refused until someone reads its domain.c/domctl.c and moves this mark (a test keeps it at the
 * newest release in RELEASE_IDS).
 */
export const RULES_CHECKED_THROUGH: ReleaseId = '4.22';

/** The ordered rules of release r on an arch (optionally one phase); cached, the sim runs them per create. */
export function createRules(r: ReleaseId, arch: string, phase?: Phase): PhasedRule[] {
  if (releaseIndex(r) > releaseIndex(RULES_CHECKED_THROUGH))
    throw new XenkitError('FACTS_INCOMPLETE', `facts: the createdomain rules of Xen ${r} were not checked (RULES_CHECKED_THROUGH is ${RULES_CHECKED_THROUGH})`, {
      field: 'release',
      value: r,
      hint: `read xen/common/domain.c, domctl.c and xen/arch/*/domain.c @RELEASE-${r}.0, add what changed to src/xen/createdomain.ts, then move RULES_CHECKED_THROUGH`,
    });
  let byKey = ruleCache.get(r);
  if (!byKey) ruleCache.set(r, (byKey = Object.create(null) as Record<string, PhasedRule[]>));
  const key = phase ? arch + phase : arch;
  return (byKey[key] ??= RULES.filter((x) => ruleApplies(x, r, arch) && (phase === undefined || x.phase === phase)));
}

export interface PhasedFailure extends RuleFailure {
  phase: Phase;
}

/** Run the release's checks in Xen's order; the first refusal wins. undefined = accepted. */
export function runCreateRules(ctx: RuleContext, phase?: Phase, rules = createRules(ctx.release, ctx.host.arch, phase)): PhasedFailure | undefined {
  for (const rule of rules) {
    const f = rule.check(ctx);
    if (f) {
      const source = rule.id === 'emulation-not-allowed' ? emulationRule(ctx.release).source : citation(rule, ctx.release);
      return { ...f, rule: rule.id, source, phase: rule.phase };
    }
  }
  return undefined;
}

/** For `xk releases`/docs: every rule of a release with its citation. */
export function describeRules(r: ReleaseId, arch: string): { id: string; phase: Phase; source: string }[] {
  return createRules(r, arch).map((x) => ({ id: x.id, phase: x.phase, source: x.id === 'emulation-not-allowed' ? emulationRule(r).source : citation(x, r) }));
}

