import { XenkitError, isHypercallError, show } from '../errors.js';
import { parseJsonBounded } from '../input.js';
import { SHUTDOWN_REASONS, requireExtra, type ArchConfig, type CreateDomainArgs, type DomainInfo, type Hypervisor, type ShutdownReason } from '../hv/hypervisor.js';
import { SIM_OPS } from '../sim/sim.js';
import { createdomainFields, releaseAddingArchField, releaseAddingField, x86ArchFields, armArchFields } from '../xen/abi.js';
import { parseEmulationFlags } from '../xen/emulation.js';
import { parseCdf } from '../xen/flags.js';
import type { ReleaseId } from '../xen/releases.js';

/**
 * `xk replay`: a script of raw Hypervisor operations, one JSON object per line, named after Xen's
 * domctls. Each line gives one result line; a malformed line gives an error line and the script goes on.
 * Output keeps to what every backend can report (ok, domid, errno, state), so the outputs of two
 * backends can be compared line by line; `explain` adds the sim's reason in words.
 */
export const REPLAY_OPS = [...SIM_OPS, 'inject'] as const;

export type ReplayResult = Record<string, unknown>;

export function replayLine(hv: Hypervisor, release: ReleaseId, text: string, lineNo: number, explain = false): ReplayResult | undefined {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith('//')) return undefined;
  let obj: unknown;
  try {
    obj = parseJsonBounded(trimmed, `line ${lineNo}`, 'line');
  } catch (e) {
    if (!(e instanceof XenkitError)) throw e;
    return { line: lineNo, ok: false, error: e.code, field: 'line', message: e.message };
  }
  if (!obj || typeof obj !== 'object' || Array.isArray(obj))
    return { line: lineNo, ok: false, error: 'BAD_INPUT', field: 'line', message: `line ${lineNo}: expected a JSON object such as {"op": "createdomain"}` };
  const o = obj as Record<string, unknown>;
  const op = o.op;
  try {
    if (typeof op !== 'string' || !(REPLAY_OPS as readonly string[]).includes(op))
      throw new XenkitError('BAD_INPUT', `op: ${show(op)} is not an operation`, { field: 'op', value: op, hint: `one of ${REPLAY_OPS.join(', ')}` });
    const res = run(hv, release, op, o);
    return { line: lineNo, op, ok: true, ...res };
  } catch (e) {
    if (!(e instanceof XenkitError)) throw e;
    if (isHypercallError(e)) {
      const r: ReplayResult = { line: lineNo, op, ok: false, errno: e.errno };
      if (explain) r.reason = e.message;
      return r;
    }
    return { line: lineNo, ...(typeof op === 'string' ? { op } : {}), ok: false, error: e.code, field: e.field, message: `line ${lineNo}: ${e.message}`, ...(e.hint ? { hint: e.hint } : {}) };
  }
}

function domidOf(o: Record<string, unknown>, field = 'domid'): number {
  const v = o[field];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffff)
    throw new XenkitError('BAD_INPUT', `${field}: ${show(v)} is not a domain id`, { field, value: v, hint: 'an integer 0..65535' });
  return v;
}

function uint(o: Record<string, unknown>, field: string, max = 0xffffffff): number {
  const v = o[field];
  const n = typeof v === 'string' && /^\s*(0x[0-9a-f]+|\d+)\s*$/i.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > max)
    throw new XenkitError('BAD_INPUT', `${field}: ${show(v)} is not accepted`, { field, value: v, hint: `an integer 0..${max}` });
  return n;
}

function int32(o: Record<string, unknown>, field: string): number {
  const v = o[field];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < -0x80000000 || v > 0xffffffff)
    throw new XenkitError('BAD_INPUT', `${field}: ${show(v)} is not accepted`, { field, value: v, hint: 'a 32-bit integer (-1 means "Xen\'s default" for the grant limits)' });
  return v | 0;
}

/** Build the raw createdomain struct: absent keys are zero, exactly as in a zeroed struct. */
export function rawCreateArgs(release: ReleaseId, arch: 'x86_64' | 'arm64', o: Record<string, unknown>): CreateDomainArgs {
  const structFields = createdomainFields(release);
  const archFields = arch === 'x86_64' ? x86ArchFields(release).filter((f) => f !== 'dummy') : armArchFields(release);
  const allowed = new Set(['op', 'domid', 'handle', ...structFields, ...archFields]);
  for (const k of Object.keys(o)) {
    if (allowed.has(k)) continue;
    const when = releaseAddingField(k) ?? releaseAddingArchField(arch, k);
    throw new XenkitError('FIELD_NOT_IN_RELEASE', `${k}: Xen ${release}'s createdomain has no ${k}${when ? ` (added in ${when})` : ''}`, {
      field: k,
      value: o[k],
      hint: `fields of Xen ${release}: ${[...allowed].filter((x) => x !== 'op').join(', ')}`,
    });
  }
  const archCfg: ArchConfig =
    arch === 'x86_64'
      ? { emulation_flags: o.emulation_flags === undefined ? 0 : parseEmulationFlags(o.emulation_flags), ...(o.misc_flags !== undefined ? { misc_flags: uint(o, 'misc_flags') } : {}) }
      : { gic_version: o.gic_version === undefined ? 0 : uint(o, 'gic_version', 255), nr_spis: o.nr_spis === undefined ? 0 : uint(o, 'nr_spis'), ...(o.tee_type !== undefined ? { tee_type: uint(o, 'tee_type', 0xffff) } : {}), ...(o.clock_frequency !== undefined ? { clock_frequency: uint(o, 'clock_frequency') } : {}) };
  const args: CreateDomainArgs = {
    domid: o.domid === undefined ? 0 : domidOf(o),
    ssidref: o.ssidref === undefined ? 0 : uint(o, 'ssidref'),
    handle: new Uint8Array(16),
    flags: o.flags === undefined ? 0 : parseCdf(release, o.flags),
    arch: archCfg,
  };
  for (const f of ['iommu_opts', 'max_vcpus', 'max_evtchn_port', 'grant_opts', 'altp2m_opts', 'vmtrace_size', 'cpupool_id'] as const)
    if (structFields.includes(f)) args[f] = o[f] === undefined ? 0 : uint(o, f);
  for (const f of ['max_grant_frames', 'max_maptrack_frames'] as const) if (structFields.includes(f)) args[f] = o[f] === undefined ? 0 : int32(o, f);
  return args;
}

export function infoOut(i: DomainInfo): Record<string, unknown> {
  return {
    domid: i.domid,
    state: {
      dying: i.dying,
      hvm: i.hvm,
      shutdown: i.shutdown,
      paused: i.paused,
      blocked: i.blocked,
      running: i.running,
      hap: i.hap,
    },
    shutdown_reason: i.shutdown_reason,
    tot_pages: i.tot_pages,
    max_pages: i.max_pages,
    max_vcpu_id: i.max_vcpu_id,
  };
}

function run(hv: Hypervisor, release: ReleaseId, op: string, o: Record<string, unknown>): Record<string, unknown> {
  switch (op) {
    case 'physinfo': {
      const p = hv.physinfo();
      return { nr_cpus: p.nr_cpus, total_pages: p.total_pages, free_pages: p.free_pages, capabilities: p.capabilities };
    }
    case 'createdomain': {
      const arch = hv.describeHost().arch;
      const args = rawCreateArgs(release, arch, o);
      const domid = hv.createDomain(args);
      if (arch === 'x86_64') return { domid };
      // Arm: the arch config Xen wrote back (the GIC it chose, the timer's clock-frequency), in the struct's order.
      const a = args.arch as unknown as Record<string, number | undefined>;
      return { domid, arch: Object.fromEntries(armArchFields(release).map((f) => [f, a[f] ?? 0])) };
    }
    case 'destroydomain':
      hv.destroyDomain(domidOf(o));
      return {};
    case 'pausedomain':
      hv.pauseDomain(domidOf(o));
      return {};
    case 'unpausedomain':
      hv.unpauseDomain(domidOf(o));
      return {};
    case 'getdomaininfo':
      return infoOut(hv.getDomainInfo(domidOf(o)));
    case 'max_vcpus':
      hv.setMaxVcpus(domidOf(o), uint(o, 'max'));
      return {};
    case 'max_mem':
      hv.setMaxMem(domidOf(o), uint(o, 'max_memkb', Number.MAX_SAFE_INTEGER));
      return {};
    case 'populate_physmap':
      hv.populatePhysmap(domidOf(o), uint(o, 'kib', Number.MAX_SAFE_INTEGER));
      return {};
    case 'shutdown': {
      const reason = o.reason ?? 'poweroff';
      if (typeof reason !== 'string' || !(SHUTDOWN_REASONS as readonly string[]).includes(reason))
        throw new XenkitError('BAD_INPUT', `reason: ${show(reason)} is not a shutdown reason`, { field: 'reason', value: reason, hint: `one of ${SHUTDOWN_REASONS.join(', ')}` });
      hv.shutdown(domidOf(o), reason as ShutdownReason);
      return {};
    }
    case 'inject': {
      const inject = requireExtra(hv, 'inject', 'inject');
      inject(String(o.target), String(o.errno), (o.count === undefined ? 1 : o.count) as number);
      return {};
    }
  }
  throw new Error('unreachable');
}
