import type { z } from 'zod';
import { lazySchema } from '../validate.js';
import { XenkitError } from '../errors.js';
import { ARCHES, type Arch } from './arch.js';
import { parseRelease, RELEASE_IDS, type ReleaseId } from './releases.js';
import { abi } from './abi.js';
import { pagesToMiB } from './pages.js';
import { xenGrantDefaults } from './limits.js';
import type { TeeName } from './arm.js';

/**
 * What a Xen host is and can do: Xen's createdomain answers depend on it (HVM needs VT-x/SVM,
 * HAP needs EPT/NPT, HVM without HAP needs shadow paging compiled in, iommu needs an IOMMU...).
 * Default: a typical modern x86 server running the newest release.
 */
export interface HostCaps {
  release: ReleaseId;
  arch: Arch;
  /** Host RAM in MiB. */
  memoryMiB: number;
  /** Memory given to dom0 in MiB (dom0_mem). */
  dom0MemoryMiB: number;
  /** Physical CPUs (dom0 gets this many vCPUs, as Xen's default dom0_max_vcpus). */
  cpus: number;
  /** VT-x/SVM present and enabled (hvm_enabled). */
  hvm: boolean;
  /** EPT/NPT (hvm_hap_supported()). */
  hap: boolean;
  /** Shadow paging compiled in (CONFIG_SHADOW_PAGING); Debian's 4.17 build has none. */
  shadow: boolean;
  /** An IOMMU is enabled (iommu_enabled). */
  iommu: boolean;
  /** vPMU available (4.16+ XEN_DOMCTL_CDF_vpmu is refused without it). */
  vpmu: boolean;
  /** Processor trace available for vmtrace_size (4.15+). */
  vmtrace: boolean;
  /** ARM: the host's GIC (what XEN_DOMCTL_CONFIG_GIC_NATIVE resolves to). */
  gic: 'v2' | 'v3';
  /*
   * Facts a backend may be unable to read (undefined = unknown: the pre-flight rules then leave the
   * verdict to Xen). A described host (makeHost(), the sim) always has them.
   */
  /** Ids of the host's cpupools (createdomain's cpupool_id must name one, 4.17+). */
  cpupools?: number[];
  /** ARM: the TEE mediator Xen runs (tee_get_type()); a guest may ask for none or this one. */
  tee?: TeeName;
  /** Xen's gnttab_max_frames (a domain's max_grant_frames is capped by it up to 4.17; -1 means it). */
  maxGrantFrames?: number;
  /** Xen's gnttab_max_maptrack_frames. */
  maxMaptrackFrames?: number;
  /**
   * hvm_funcs.caps.nested_virt (4.19+ refuses XEN_DOMCTL_CDF_nested_virt without it). VMX: HAP;
   * SVM: HAP with LBRV, NRIPS, FlushByASID and DecodeAssists (start_nested_svm(),
   * xen/arch/x86/hvm/svm/nestedsvm.c @RELEASE-4.20.0). Undefined: taken as hvm && hap. Physinfo
   * does not report it; Xen's boot log does (test/xen-qemu/compare.mjs reads it there).
   */
  nestedVirt?: boolean;
  /**
   * ARM: the clock-frequency property of the host device tree's timer node (timer_dt_clock_frequency,
   * xen/arch/arm/time.c), 0 when absent (firmware set CNTFRQ). Xen writes it into every new domain's
   * arch config (domain_vtimer_init(), xen/arch/arm/vtimer.c @RELEASE-4.17.0). Undefined: taken as 0.
   */
  armClockFrequency?: number;
}

/** The facts of HostCaps a backend may not know. */
export const OPTIONAL_HOST_FACTS = ['cpupools', 'tee', 'maxGrantFrames', 'maxMaptrackFrames'] as const;

/**
 * xenkit's model of dom0's memory on a described host: a quarter of the RAM, at most 4 GiB (a host
 * description may give dom0MemoryMiB, as Xen's dom0_mem= does).
 */
export function defaultDom0MemoryMiB(memoryMiB: number): number {
  return Math.min(4096, Math.max(1, Math.floor(memoryMiB / 4)));
}

export const DEFAULT_HOST: HostCaps = {
  release: '4.22',
  arch: 'x86_64',
  memoryMiB: 65536,
  dom0MemoryMiB: defaultDom0MemoryMiB(65536),
  cpus: 16,
  hvm: true,
  hap: true,
  shadow: true,
  iommu: true,
  vpmu: false,
  vmtrace: false,
  gic: 'v3',
  cpupools: [0],
  tee: 'none',
  maxGrantFrames: xenGrantDefaults('4.22').grantFrames,
  maxMaptrackFrames: xenGrantDefaults('4.22').maptrackFrames,
};

/**
 * The described host in full: what it leaves out is the simulated host's (one cpupool, Pool-0; no TEE
 * mediator; Xen's default grant limits for the release, facts limits.ts).
 */
export function completeHost(h: HostCaps): HostCaps {
  const g = xenGrantDefaults(h.release);
  return { ...h, cpupools: h.cpupools ?? [0], tee: h.tee ?? 'none', maxGrantFrames: h.maxGrantFrames ?? g.grantFrames, maxMaptrackFrames: h.maxMaptrackFrames ?? g.maptrackFrames };
}

const hostSchema = lazySchema((z) =>
  z
    .object({
      release: z.union([z.string(), z.number()]).optional(),
      arch: z.enum(ARCHES).optional(),
      memoryMiB: z.number().int().positive().max(1 << 30).optional(),
      dom0MemoryMiB: z.number().int().positive().optional(),
      cpus: z.number().int().min(1).max(4096).optional(),
      hvm: z.boolean().optional(),
      hap: z.boolean().optional(),
      shadow: z.boolean().optional(),
      iommu: z.boolean().optional(),
      vpmu: z.boolean().optional(),
      vmtrace: z.boolean().optional(),
      gic: z.enum(['v2', 'v3']).optional(),
      cpupools: z.array(z.number().int().min(0).max(0xffffffff)).min(1).max(4096).optional(),
      tee: z.enum(['none', 'optee', 'ffa']).optional(),
      maxGrantFrames: z.number().int().min(1).max(0x7fffffff).optional(),
      maxMaptrackFrames: z.number().int().min(0).max(0x7fffffff).optional(),
      nestedVirt: z.boolean().optional(),
      armClockFrequency: z.number().int().min(0).max(0xffffffff).optional(),
    })
  .strict(),
);

/**
 * A complete, valid host description, checked by hand: the same acceptance as the schema below for
 * descriptions that give every field, without loading zod (a stored host is checked on every open).
 */
export function checkedFullHost(h: Record<string, unknown>): HostCaps | undefined {
  const keys = Object.keys(h);
  if (keys.length !== HOST_KEYS.length || !keys.every((k) => k in DEFAULT_HOST)) return undefined;
  const int = (v: unknown, lo: number, hi: number) => Number.isSafeInteger(v) && (v as number) >= lo && (v as number) <= hi;
  const ok =
    (RELEASE_IDS as readonly unknown[]).includes(h.release) &&
    (ARCHES as readonly unknown[]).includes(h.arch) &&
    int(h.memoryMiB, 1, 1 << 30) &&
    int(h.dom0MemoryMiB, 1, (h.memoryMiB as number) - 1) &&
    int(h.cpus, 1, 4096) &&
    BOOL_KEYS.every((k) => typeof h[k] === 'boolean') &&
    (h.gic === 'v2' || h.gic === 'v3') &&
    Array.isArray(h.cpupools) && h.cpupools.length >= 1 && h.cpupools.length <= 4096 && h.cpupools.every((c) => int(c, 0, 0xffffffff)) &&
    (h.tee === 'none' || h.tee === 'optee' || h.tee === 'ffa') &&
    int(h.maxGrantFrames, 1, 0x7fffffff) &&
    int(h.maxMaptrackFrames, 0, 0x7fffffff);
  return ok ? ({ ...h } as unknown as HostCaps) : undefined;
}
const HOST_KEYS = Object.keys(DEFAULT_HOST);
const BOOL_KEYS = ['hvm', 'hap', 'shadow', 'iommu', 'vpmu', 'vmtrace'] as const;

/** Fill in and check a host description; bad fields get an error naming field, value and what is accepted. */
export function makeHost(partial: Record<string, unknown> = {}, field = 'host'): HostCaps {
  return checkedFullHost(partial) ?? hostBySchema(partial, field);
}

/** makeHost() through the schema (zod): defaults filled in, every error in words. */
export function hostBySchema(partial: Record<string, unknown>, field = 'host'): HostCaps {
  const parsed = hostSchema().safeParse(partial);
  if (!parsed.success) throw zodToError(parsed.error, partial, field);
  const p = parsed.data;
  const release = p.release === undefined ? DEFAULT_HOST.release : parseRelease(p.release, `${field}.release`);
  const { cpupools: _c, tee: _t, maxGrantFrames: _g, maxMaptrackFrames: _m, ...known } = DEFAULT_HOST;
  const host: HostCaps = completeHost({ ...known, ...stripUndefined(p), release } as HostCaps);
  if (host.arch === 'arm64' && partial.hvm === undefined) {
    // ARM guests are all "HVM" in Xen's sense (XEN_DOMCTL_CDF_hvm is required there from 4.13).
    host.hvm = true;
  }
  if (host.dom0MemoryMiB >= host.memoryMiB)
    throw new XenkitError('BAD_HOST', `${field}.dom0MemoryMiB: ${host.dom0MemoryMiB} must be less than memoryMiB (${host.memoryMiB})`, {
      field: `${field}.dom0MemoryMiB`,
      value: host.dom0MemoryMiB,
      hint: `a number of MiB below ${host.memoryMiB}`,
    });
  return host;
}

/**
 * Describe a host from a real host's physinfo (as `xk info --json` or a replay `physinfo` line
 * prints it). A sim built on it (makeHost()/new SimXen()) fills in the facts physinfo lacks.
 */
export function hostFromPhysinfo(pi: Record<string, unknown>, release: ReleaseId | string | undefined): HostCaps {
  const caps = Array.isArray(pi.capabilities) ? (pi.capabilities as unknown[]).map(String) : [];
  const pages = Number(pi.total_pages);
  if (!Number.isFinite(pages) || pages <= 0)
    throw new XenkitError('BAD_HOST', `physinfo.total_pages: ${JSON.stringify(pi.total_pages)} is not a page count`, {
      field: 'physinfo.total_pages',
      value: pi.total_pages,
      hint: 'a positive number of 4 KiB pages',
    });
  const memoryMiB = pagesToMiB(pages);
  const rel = release ?? (pi.release as string | undefined);
  // XEN_SYSCTL_PHYSCAP_hap/shadow exist from 4.13 only (and the IOMMU bit was hvm_directio up to
  // 4.11): a physinfo that cannot say keeps the default host's answer.
  const says = (bit: string) => (rel === undefined || bit in abi(parseRelease(rel)).physcap ? caps.includes(bit) : undefined);
  // What physinfo cannot say (cpupools, TEE, grant limits) stays unknown: Xen decides those.
  const described = makeHost({
    release: rel,
    arch: (pi.arch as string) ?? 'x86_64',
    memoryMiB,
    dom0MemoryMiB: defaultDom0MemoryMiB(memoryMiB),
    cpus: Number(pi.nr_cpus) || 1,
    hvm: caps.includes('hvm'),
    hap: says('hap') ?? DEFAULT_HOST.hap,
    shadow: says('shadow') ?? DEFAULT_HOST.shadow,
    iommu: caps.includes('directio') || caps.includes('hvm_directio') || caps.includes('iommu'),
    vpmu: caps.includes('vpmu'),
    vmtrace: caps.includes('vmtrace'),
  });
  for (const k of OPTIONAL_HOST_FACTS) delete described[k];
  // (not a physinfo field: a recorded host may add it, read off Xen's boot log)
  if (typeof pi.nested_virt === 'boolean') described.nestedVirt = pi.nested_virt;
  // (Arm: the GIC of dom0's device tree, which physinfo does not give either)
  if (pi.gic === 'v2' || pi.gic === 'v3') described.gic = pi.gic;
  return described;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Turn a zod failure into the project's error: field path, value given, what is accepted. */
export function zodToError(err: z.ZodError, input: unknown, prefix: string): XenkitError {
  const issue = err.issues[0]!;
  const path = issue.path.map(String);
  const field = [prefix, ...path].filter(Boolean).join('.');
  let value: unknown = input;
  for (const k of path) value = value && typeof value === 'object' ? (value as Record<string, unknown>)[k] : undefined;
  let accepted: string;
  switch (issue.code) {
    case 'unrecognized_keys':
      return new XenkitError('UNKNOWN_KEY', `${field}: unknown key ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`, {
        field: [field, issue.keys[0]].join('.'),
        value: issue.keys[0],
        hint: 'check the spelling; accepted keys are documented in the README',
      });
    case 'invalid_value':
      accepted = `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
      break;
    default:
      accepted = issue.message.replace(/^Invalid input: /, '');
  }
  return new XenkitError('BAD_INPUT', `${field}: ${JSON.stringify(value)} is not accepted (${accepted})`, { field, value, hint: accepted });
}

export const KNOWN_RELEASES = RELEASE_IDS;
