import type { ErrnoName } from './errno.js';
import type { HostCaps } from './host.js';
import type { CreateDomainArgs } from './domain-args.js';
import { inRange, type ReleaseId } from './releases.js';

/** What a createdomain check sees: the release, the host, the request, and whether it is the hardware domain. */
export interface RuleContext {
  release: ReleaseId;
  host: HostCaps;
  args: CreateDomainArgs;
  hwdom: boolean;
}

/** A refusal, in Xen's terms (errno) and in words. */
export interface RuleFailure {
  rule: string;
  errno: ErrnoName;
  field: string;
  value: unknown;
  /** What is wrong, in words. */
  reason: string;
  /** What to pass instead. */
  hint?: string;
  /** The Xen file, function and release the rule comes from. */
  source: string;
  /** Xen's own log line for it, where it prints one. */
  xenLog?: string;
  details?: Record<string, unknown>;
}

/**
 * One createdomain check, in the order Xen applies it (domctl.c -> sanitise_domain_config() ->
 * arch_sanitise_domain_config() -> domain_create() -> arch_domain_create()). `from`/`to` bound the
 * releases that have it; `check` returns undefined when the request passes.
 */
export interface CreateRule {
  id: string;
  from: ReleaseId;
  to?: ReleaseId;
  arch?: 'x86_64' | 'arm64';
  /** Where it lives (file and function); the release tag is appended per release. */
  where: string;
  check(ctx: RuleContext): Omit<RuleFailure, 'rule' | 'source'> | undefined;
}

export function ruleApplies(rule: CreateRule, r: ReleaseId, arch: string): boolean {
  return inRange(r, rule.from, rule.to) && (rule.arch === undefined || rule.arch === arch);
}

export function citation(rule: CreateRule, r: ReleaseId): string {
  return `${rule.where} @RELEASE-${r}.0`;
}


/** The stable error code of a rule, the same whether pre-flight or the hypercall finds it: 'emulation-not-allowed' -> 'EMULATION_NOT_ALLOWED'. */
export function ruleCode(rule: string): string {
  return rule.toUpperCase().replace(/-/g, '_');
}
