import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { lazySchema } from '../validate.js';
import { XenkitError, badInput } from '../errors.js';
import type { CreateDomainArgs } from '../xen/domain-args.js';
import { createdomainFields, releaseAddingArchField, releaseAddingField, x86ArchFields, armArchFields } from '../xen/abi.js';
import { gicValue } from '../xen/arm.js';
import { anyDomid } from '../xen/domid.js';
import { emuAll, describeEmu, defaultEmulation, parseEmulationFlags } from '../xen/emulation.js';
import { cdfValue, cdfNames, parseCdf } from '../xen/flags.js';
import { zodToError, type HostCaps } from '../xen/host.js';
import { libxlGrantDefault } from '../xen/libxl.js';
import type { ReleaseId } from '../xen/releases.js';


/**
 * What a caller of domainCreate() passes. Everything is optional: `arch` absent means "no arch
 * config", and the release's per-arch defaults are filled in locally (the settled libxc API).
 * Field names are Xen's (struct xen_domctl_createdomain), plus `type` as a shorthand for flags.
 */
export const domainConfigSchema = lazySchema((z) => {
  const u32 = z.number().int().min(0).max(0xffffffff);
  const i32 = z.number().int().min(-0x80000000).max(0x7fffffff);
  const bitmap = z.union([u32, z.string(), z.array(z.string())]);
  return z
    .object({
      type: z.enum(['pv', 'pvh', 'hvm']).optional(),
      flags: z.union([u32, z.string(), z.array(z.string())]).optional(),
      domid: z.number().int().min(0).max(0x7fff).optional(),
      ssidref: u32.optional(),
      handle: z.union([z.string(), z.instanceof(Uint8Array)]).optional(),
      iommu_opts: u32.optional(),
      max_vcpus: u32.optional(),
      max_evtchn_port: u32.optional(),
      max_grant_frames: i32.optional(),
      max_maptrack_frames: i32.optional(),
      grant_opts: u32.optional(),
      altp2m_opts: u32.optional(),
      vmtrace_size: u32.optional(),
      cpupool_id: u32.optional(),
      arch: z
        .object({
          emulation_flags: bitmap.optional(),
          misc_flags: u32.optional(),
          gic_version: z.union([z.number().int().min(0).max(255), z.enum(['native', 'v2', 'v3'])]).optional(),
          nr_spis: u32.optional(),
          tee_type: z.number().int().min(0).max(0xffff).optional(),
          clock_frequency: u32.optional(),
        })
        .strict()
        .optional(),
    })
    .strict();
});

export type DomainConfig = z.input<ReturnType<typeof domainConfigSchema>>;

export interface ResolvedCreate {
  release: ReleaseId;
  args: CreateDomainArgs;
  /** The guest kind the flags (and `type`) describe. */
  kind: 'pv' | 'pvh' | 'hvm';
  /** Defaults xenkit filled in, in words (empty when the caller passed everything). */
  defaults: string[];
  /** True when no arch config was passed and the per-arch defaults were used. */
  archDefaulted: boolean;
}

type Parsed = z.output<ReturnType<typeof domainConfigSchema>>;
type Kind = 'pv' | 'pvh' | 'hvm';

/** Turn a caller's config into the exact createdomain arguments for release r, applying defaults. */
export function resolveCreate(r: ReleaseId, host: HostCaps, input?: DomainConfig | null): ResolvedCreate {
  const parsed = domainConfigSchema().safeParse(input ?? {});
  if (!parsed.success) throw zodToError(parsed.error, input, 'config');
  const c = parsed.data;
  const defaults: string[] = [];
  const { flags, kind } = resolveFlags(r, host, c, defaults);
  const args: CreateDomainArgs = {
    domid: c.domid ?? anyDomid(r),
    ssidref: c.ssidref ?? 0,
    handle: parseHandle(c.handle ?? randomUUID(), 'config.handle'),
    flags,
    arch: { emulation_flags: 0 },
  };
  structFields(r, host, c, args, defaults);
  const archDefaulted = host.arch === 'arm64' ? armArch(r, host, c, args, defaults) : x86Arch(r, kind, c, args, defaults);
  return { release: r, args, kind, defaults, archDefaulted };
}

/** Flags: given, or derived from `type` the way libxl derives them. */
function resolveFlags(r: ReleaseId, host: HostCaps, c: Parsed, defaults: string[]): { flags: number; kind: Kind } {
  const arm = host.arch === 'arm64';
  const hvmBit = cdfValue(r, 'hvm')!;
  const hapBit = cdfValue(r, 'hap')!;
  // Classic PVH (PVHv1) exists where the release has XEN_DOMCTL_CDF_pvh_guest (4.6 .. 4.8).
  const pvhBit = cdfValue(r, 'pvh_guest');
  if (c.flags !== undefined) {
    const flags = parseCdf(r, c.flags, 'config.flags');
    const hvm = (flags & hvmBit) !== 0;
    const kind = c.type ?? (hvm ? 'hvm' : 'pv');
    const classicPvh = c.type === 'pvh' && (flags & (pvhBit ?? 0)) !== 0;
    const consistent = c.type === undefined || (c.type === 'pv' ? !hvm : hvm || classicPvh);
    if (!consistent)
      throw new XenkitError('BAD_INPUT', `config.type: "${c.type}" contradicts config.flags ${cdfNames(r, flags).join('|') || '0'}`, {
        field: 'config.type',
        value: c.type,
        hint: `flags for a ${c.type} guest ${c.type === 'pv' ? 'must not' : 'must'} include hvm; or leave one of the two out`,
      });
    return { flags, kind };
  }
  const kind = c.type ?? (arm ? 'hvm' : 'pv');
  if (arm && kind === 'pv') throw badInput('config.type', kind, '"hvm" or "pvh" on ARM (ARM has no PV guests)');
  let flags: number;
  if (kind === 'pv') flags = 0;
  else if (kind === 'pvh' && pvhBit !== undefined) flags = pvhBit;
  else flags = hvmBit | (host.hap || arm ? hapBit : 0);
  defaults.push(`flags = ${cdfNames(r, flags).join('|') || '0'} (a ${kind} guest${kind !== 'pv' && !host.hap && !arm ? '; no hap: the host has none' : ''})`);
  return { flags, kind };
}

const OPTIONAL_FIELDS = ['iommu_opts', 'max_vcpus', 'max_evtchn_port', 'max_grant_frames', 'max_maptrack_frames', 'grant_opts', 'altp2m_opts', 'vmtrace_size', 'cpupool_id'] as const;

function notInRelease(field: string, r: ReleaseId, what: string, added: ReleaseId | undefined, hint: string, value: unknown): XenkitError {
  return new XenkitError('FIELD_NOT_IN_RELEASE', `${field}: Xen ${r}'s ${what}${added ? ` (added in ${added})` : ''}`, { field, value, hint });
}

/** The struct's own fields: as given (refused where the release lacks them), or what libxl fills. */
function structFields(r: ReleaseId, host: HostCaps, c: Parsed, args: CreateDomainArgs, defaults: string[]): void {
  const have = new Set(createdomainFields(r));
  for (const f of OPTIONAL_FIELDS) {
    const v = c[f];
    if (v === undefined) continue;
    if (!have.has(f))
      throw notInRelease(`config.${f}`, r, `struct xen_domctl_createdomain has no ${f}`, releaseAddingField(f), `leave ${f} out for Xen ${r}; its fields are ${[...have].join(', ')}`, v);
    args[f] = v;
  }
  // From 4.12 the whole struct is the caller's to fill (no NULL defaults in libxc): fill what libxl fills.
  if (have.has('max_vcpus') && args.max_vcpus === undefined) {
    args.max_vcpus = 1;
    defaults.push('max_vcpus = 1');
  }
  if (have.has('max_evtchn_port') && args.max_evtchn_port === undefined) {
    args.max_evtchn_port = 1023;
    defaults.push('max_evtchn_port = 1023 (libxl event_channels default)');
  }
  const grant = libxlGrantDefault(r);
  if (grant && have.has('max_grant_frames') && args.max_grant_frames === undefined) {
    args.max_grant_frames = grant.maxGrantFrames;
    defaults.push(`max_grant_frames = ${grant.maxGrantFrames} (${grant.why})`);
  }
  if (grant && have.has('max_maptrack_frames') && args.max_maptrack_frames === undefined) {
    args.max_maptrack_frames = grant.maxMaptrackFrames;
    defaults.push(`max_maptrack_frames = ${grant.maxMaptrackFrames} (${grant.why})`);
  }
  if (have.has('grant_opts') && args.grant_opts === undefined) {
    args.grant_opts = host.arch === 'arm64' ? 1 : 2;
    defaults.push(`grant_opts = XEN_DOMCTL_GRANT_version(${args.grant_opts}) (libxl's max_grant_version default on ${host.arch})`);
  }
}

/** The Arm arch config: as given, or libxc's default (the native GIC, no SPIs). Returns true when defaulted. */
function armArch(r: ReleaseId, host: HostCaps, c: Parsed, args: CreateDomainArgs, defaults: string[]): boolean {
  const a = c.arch ?? {};
  if (a.emulation_flags !== undefined || a.misc_flags !== undefined)
    throw badInput('config.arch', a, 'ARM arch fields (gic_version, nr_spis, tee_type, clock_frequency): emulation_flags and misc_flags are x86');
  if (a.tee_type !== undefined && !armArchFields(r).includes('tee_type'))
    throw notInRelease('config.arch.tee_type', r, 'ARM arch config has no tee_type', releaseAddingArchField('arm64', 'tee_type'), 'leave tee_type out for this release', a.tee_type);
  args.arch = {
    gic_version: typeof a.gic_version === 'string' ? gicValue(r, a.gic_version) : (a.gic_version ?? gicValue(r, 'native')),
    nr_spis: a.nr_spis ?? 0,
    ...(a.tee_type !== undefined ? { tee_type: a.tee_type } : {}),
    ...(a.clock_frequency !== undefined ? { clock_frequency: a.clock_frequency } : {}),
  };
  if (c.arch !== undefined) return false;
  defaults.push(`arch = { gic_version: NATIVE (the host's GIC${host.gic}), nr_spis: 0 } (libxc's ARM default)`);
  return true;
}

/** The x86 arch config: as given, or the release's default emulation bitmap. Returns true when defaulted. */
function x86Arch(r: ReleaseId, kind: Kind, c: Parsed, args: CreateDomainArgs, defaults: string[]): boolean {
  const a = c.arch;
  if (a && (a.gic_version !== undefined || a.nr_spis !== undefined || a.tee_type !== undefined || a.clock_frequency !== undefined))
    throw badInput('config.arch', a, 'x86 arch fields (emulation_flags, misc_flags): gic_version, nr_spis, tee_type and clock_frequency are ARM');
  if (a === undefined || a.emulation_flags === undefined) {
    const d = defaultEmulation(r, kind);
    args.arch = { emulation_flags: d.value };
    defaults.push(`arch.emulation_flags = ${describeEmu(d.value)}: ${d.why}`);
  } else {
    const emu = parseEmulationFlags(a.emulation_flags, 'config.arch.emulation_flags');
    if (emuAll(r) === 0 && emu !== 0)
      throw notInRelease('config.arch.emulation_flags', r, 'x86 arch config has no emulation bitmap (struct xen_arch_domainconfig is { char dummy; })', releaseAddingArchField('x86_64', 'emulation_flags'), `leave arch out for Xen ${r}, or pass 0`, a.emulation_flags);
    args.arch = { emulation_flags: emu };
  }
  if (a?.misc_flags !== undefined) {
    if (!x86ArchFields(r).includes('misc_flags'))
      throw notInRelease('config.arch.misc_flags', r, 'x86 arch config has no misc_flags', releaseAddingArchField('x86_64', 'misc_flags'), 'leave misc_flags out for this release', a.misc_flags);
    (args.arch as { misc_flags?: number }).misc_flags = a.misc_flags;
  }
  return a === undefined;
}

/** A UUID string (with or without dashes) or 16 raw bytes -> xen_domain_handle_t. */
export function parseHandle(h: string | Uint8Array, field: string): Uint8Array {
  if (h instanceof Uint8Array) {
    if (h.length !== 16) throw badInput(field, `${h.length} bytes`, '16 bytes (xen_domain_handle_t)');
    return h;
  }
  const hexs = h.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hexs)) throw badInput(field, h, 'a UUID such as "5f0e7a7c-3c3a-4d8e-9b1e-0a7c2d4e6f80"');
  return Uint8Array.from(Buffer.from(hexs, 'hex'));
}

export { formatHandle } from '../xen/handle.js';

export { defaultEmulation };
