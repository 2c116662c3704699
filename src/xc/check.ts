import { XenkitError } from '../errors.js';
import { isX86ArchConfig, type CreateDomainArgs } from '../hv/hypervisor.js';
import { runCreateRules } from '../xen/createdomain.js';
import { ruleCode } from '../xen/rules.js';
import type { ErrnoName } from '../xen/errno.js';
import { makeHost, type HostCaps } from '../xen/host.js';
import { parseRelease, type ReleaseId } from '../xen/releases.js';
import { resolveCreate, type DomainConfig } from './config.js';

/** The verdict of a release on a createdomain config, without a Hypervisor. */
export interface Verdict {
  xen: ReleaseId;
  accept: boolean;
  /** The emulation bitmap actually used (x86), after defaults. */
  emulation_flags?: number;
  flags: number;
  /** Defaults xenkit applied, in words; empty when the config was complete. */
  defaults: string[];
  errno?: ErrnoName;
  code?: string;
  field?: string;
  reason?: string;
  hint?: string;
  source?: string;
  xenLog?: string;
  args: CreateDomainArgs;
}

export { ruleCode };

/**
 * Would release `xen` accept this config? Pure: applies the same defaults domainCreate() applies and
 * runs the release's createdomain rules (facts), against `host` (default: a typical modern server).
 */
export function checkCreate(xen: ReleaseId | string, config?: DomainConfig | null, host?: Partial<HostCaps>): Verdict {
  const release = parseRelease(xen);
  const h = makeHost({ ...(host ?? {}), release });
  return verdictOf(release, h, resolveCreate(release, h, config));
}

export function verdictOf(release: ReleaseId, host: HostCaps, r: ReturnType<typeof resolveCreate>): Verdict {
  const v: Verdict = {
    xen: release,
    accept: true,
    flags: r.args.flags,
    defaults: r.defaults,
    args: r.args,
  };
  if (isX86ArchConfig(r.args.arch)) v.emulation_flags = r.args.arch.emulation_flags;
  const fail = runCreateRules({ release, host, args: r.args, hwdom: false });
  if (fail) {
    v.accept = false;
    v.errno = fail.errno;
    v.code = ruleCode(fail.rule);
    v.field = fail.field;
    v.reason = fail.reason;
    v.hint = fail.hint;
    v.source = fail.source;
    if (fail.xenLog) v.xenLog = fail.xenLog;
  }
  return v;
}

/** The rejection as the project's error (what domainCreate() throws before the hypercall). */
export function verdictError(v: Verdict): XenkitError {
  return new XenkitError(
    v.code!,
    `Xen ${v.xen} would refuse this domain with ${v.errno}: ${v.reason}` + (v.hint ? `. Instead: ${v.hint}` : '') + ` [${v.source}]`,
    { field: v.field, value: fieldValue(v), hint: v.hint, errno: v.errno, source: v.source, details: { defaults: v.defaults } },
  );
}

function fieldValue(v: Verdict): unknown {
  if (v.field === 'arch.emulation_flags') return v.emulation_flags;
  if (v.field === 'flags') return v.flags;
  const k = v.field?.replace(/^arch\./, '');
  if (!k) return undefined;
  return (v.args as unknown as Record<string, unknown>)[k] ?? (v.args.arch as unknown as Record<string, unknown>)[k];
}
