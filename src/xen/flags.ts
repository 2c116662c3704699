import { badInput } from '../errors.js';
import { RELEASE_IDS, type ReleaseId } from './releases.js';
import { abi } from './abi.js';

/**
 * XEN_DOMCTL_CDF_* flags of struct xen_domctl_createdomain, xen/include/public/domctl.h. Which flags a
 * release has, and their bits, are the release's own (abi-data.ts `cdf`, read off each tag's header):
 * xs_domain moved from bit 5 to 4 when pvh_guest was dropped in 4.9, and hvm_guest was renamed hvm
 * in 4.13 (same bit 0). Here: what each flag means, and the rename.
 */
const CDF_WHAT: Record<string, string> = {
  hvm_guest: 'HVM (or PVH) guest, rather than PV',
  hvm: 'HVM (or PVH) guest, rather than PV',
  hap: 'use hardware-assisted paging',
  s3_integrity: 'tboot verifies memory integrity across S3',
  oos_off: 'disable out-of-sync shadow page tables',
  pvh_guest: 'classic PVH (PVHv1) guest; removed in 4.9',
  xs_domain: 'xenstore domain',
  iommu: 'domain may use the IOMMU (passthrough)',
  nested_virt: 'nested virtualisation',
  vpmu: 'virtual performance monitoring unit',
  trap_unmapped_accesses: 'trap accesses to unmapped guest memory (ARM only)',
};

/** Old name -> today's name of the same bit (XEN_DOMCTL_CDF_hvm_guest became XEN_DOMCTL_CDF_hvm in 4.13). */
const CDF_RENAMED: Record<string, string> = { hvm_guest: 'hvm' };

export interface CdfFlag {
  name: string;
  bit: number;
  value: number;
  what: string;
}

const cache = new Map<ReleaseId, CdfFlag[]>();

/** The release's XEN_DOMCTL_CDF_* flags, by its own names, in bit order. */
export function cdfFlags(r: ReleaseId): CdfFlag[] {
  let f = cache.get(r);
  if (!f) {
    f = Object.entries(abi(r).cdf)
      .sort((a, b) => a[1] - b[1])
      .map(([name, bit]) => ({ name, bit, value: 1 << bit, what: CDF_WHAT[name] ?? name }));
    cache.set(r, f);
  }
  return f;
}

/** All bits the release defines (the mask sanitise_domain_config()/domctl.c check against). */
export function cdfMask(r: ReleaseId): number {
  return cdfFlags(r).reduce((m, f) => m | f.value, 0);
}

const tables = new Map<ReleaseId, Record<string, number | undefined>>();

/** Flag name (every spelling: own, today's, older) -> bit value in release r. Cached: the sim's hot path reads it. */
export function cdfTable(r: ReleaseId): Record<string, number | undefined> {
  let t = tables.get(r);
  if (!t) {
    t = Object.create(null) as Record<string, number | undefined>;
    for (const n of allCdfNames()) t[n] = lookupCdf(r, n);
    tables.set(r, t);
  }
  return t;
}

/** The bit value of a flag in release r, by the release's own name or today's/older name. */
export function cdfValue(r: ReleaseId, name: string): number | undefined {
  const t = cdfTable(r);
  return name in t ? t[name] : lookupCdf(r, name);
}

function lookupCdf(r: ReleaseId, name: string): number | undefined {
  const n = name.trim().toLowerCase().replace(/^xen_domctl_cdf_/, '');
  const own = cdfFlags(r).find((f) => f.name === n);
  if (own) return own.value;
  // Across the rename both spellings name bit 0 in every release.
  for (const [old, today] of Object.entries(CDF_RENAMED)) {
    const other = n === old ? today : n === today ? old : undefined;
    const hit = other && cdfFlags(r).find((f) => f.name === other);
    if (hit) return hit.value;
  }
  return undefined;
}

/** Every name accepted anywhere (for messages). */
export function allCdfNames(): string[] {
  return [...new Set([...RELEASE_IDS.flatMap((r) => cdfFlags(r).map((f) => f.name)), ...Object.values(CDF_RENAMED)])];
}

/** Flags given as a number, a "0x.." string, or a list of names -> the release's bits. */
export function parseCdf(r: ReleaseId, input: unknown, field = 'flags'): number {
  if (typeof input === 'number' || typeof input === 'string') {
    if (typeof input === 'string' && !/^(0x[0-9a-f]+|\d+)$/i.test(input.trim())) {
      return parseCdf(r, input.split(/[\s,|]+/).filter(Boolean), field);
    }
    const n = typeof input === 'number' ? input : Number(input.trim());
    if (!Number.isSafeInteger(n) || n < 0 || n > 0xffffffff) {
      throw badInput(field, input, 'a 32-bit unsigned XEN_DOMCTL_CDF_* bitmap or a list of flag names');
    }
    return n >>> 0;
  }
  if (Array.isArray(input)) {
    let v = 0;
    input.forEach((name, i) => {
      if (typeof name !== 'string') throw badInput(`${field}[${i}]`, name, 'a flag name string');
      const bit = cdfValue(r, name);
      if (bit === undefined) {
        const known = cdfFlags(r).map((f) => f.name);
        throw badInput(
          `${field}[${i}]`,
          name,
          `one of Xen ${r}'s XEN_DOMCTL_CDF_* flags: ${known.join(', ')}` + (known.includes('hvm') ? '' : ' (or "hvm")'),
          'UNKNOWN_FLAG',
        );
      }
      v |= bit;
    });
    return v >>> 0;
  }
  throw badInput(field, input, 'a number, a "0x..." string or a list of XEN_DOMCTL_CDF_* names');
}

/** Names of the set bits, by the release's own names; unknown bits as "bitN". */
export function cdfNames(r: ReleaseId, bits: number): string[] {
  const out: string[] = [];
  for (let b = 0; b < 32; b++) {
    if (!(bits & (1 << b))) continue;
    const f = cdfFlags(r).find((x) => x.bit === b);
    out.push(f ? f.name : `bit${b}`);
  }
  return out;
}

