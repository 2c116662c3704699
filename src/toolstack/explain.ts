import { ruleCode, verdictOf, type Verdict } from '../xc/check.js';
import { resolveCreate } from '../xc/config.js';
import { describeRules } from '../xen/createdomain.js';
import { describeEmu, hex } from '../xen/emulation.js';
import { cdfNames } from '../xen/flags.js';
import type { HostCaps } from '../xen/host.js';
import type { ReleaseId } from '../xen/releases.js';
import { planFor } from './load.js';
import { libxlEmulationFlags } from './domain/emulation.js';
import type { DomainSpec } from './domain/domain-spec.js';

export interface RuleStep {
  id: string;
  phase: string;
  source: string;
  /** 'ok' passed, 'fail' refused, 'not-reached' after a refusal. */
  result: 'ok' | 'fail' | 'not-reached';
}

export interface Explanation {
  accept: boolean;
  xen: ReleaseId;
  spec: DomainSpec;
  flags: string[];
  emulation: { value: number; devices: string; source: string };
  rules: RuleStep[];
  verdict: Verdict;
  text: string[];
}

/**
 * The derivation for a spec on a release: spec -> flags -> emulation bits -> each createdomain rule in
 * Xen's order -> verdict. The verdict names the refusing rule (its code); rule ids are unique per release.
 */
export function explainSpec(release: ReleaseId, host: HostCaps, spec: DomainSpec): Explanation {
  const resolved = resolveCreate(release, host, planFor(release, host, spec).config);
  const v = verdictOf(release, host, resolved);
  const emu = libxlEmulationFlags(release, spec.type, { apic: spec.apic });
  let reached = true;
  const rules = describeRules(release, host.arch).map((r): RuleStep => {
    if (!reached) return { ...r, result: 'not-reached' };
    const failed = !v.accept && ruleCode(r.id) === v.code;
    if (failed) reached = false;
    return { ...r, result: failed ? 'fail' : 'ok' };
  });
  const flags = cdfNames(release, resolved.args.flags);
  const text = [
    `spec      : ${spec.name}: type ${spec.type}, ${spec.memoryMiB} MiB (max ${spec.maxMemoryMiB}), ${spec.vcpus}/${spec.maxVcpus} vCPUs`,
    `flags     : ${flags.join('|') || '0 (PV)'} (libxl_create.c @RELEASE-${release}.0; host ${host.hap ? 'has' : 'lacks'} HAP)`,
    `emulation : ${describeEmu(emu.value)} [${emu.source}]`,
    `struct    : ${Object.entries(resolved.args).filter(([k]) => !['arch', 'handle', 'flags'].includes(k)).map(([k, x]) => `${k}=${x}`).join(' ')}`,
    `rules     : Xen ${release}, in order:`,
    ...rules.map((r) => (r.result === 'not-reached' ? `  -    ${r.id} (not reached)` : `  ${r.result === 'fail' ? 'FAIL' : 'ok  '} ${r.id.padEnd(26)} ${r.source}`)),
    v.accept ? `verdict   : Xen ${release} accepts it (emulation_flags ${hex(v.emulation_flags ?? 0)})` : `verdict   : Xen ${release} refuses it with ${v.errno}: ${v.reason}`,
    ...(v.accept ? [] : [`instead   : ${v.hint}`]),
  ];
  return { accept: v.accept, xen: release, spec, flags, emulation: { value: emu.value, devices: describeEmu(emu.value), source: emu.source }, rules, verdict: v, text };
}
