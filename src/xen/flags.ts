import { badInput } from '../errors.js';
import { inRange, type ReleaseId } from './releases.js';

/**
 * XEN_DOMCTL_CDF_* flags of struct xen_domctl_createdomain, xen/include/public/domctl.h.
 * One row per (name, bit, releases): xs_domain moved from bit 5 to 4 when pvh_guest was
 * dropped in 4.9, and hvm_guest was renamed hvm in 4.13 (same bit 0).
 */
interface CdfRow {
  name: string;
  bit: number;
  from: ReleaseId;
  to?: ReleaseId;
  /** Today's name where the release's own name differs (hvm_guest -> hvm). */
  today?: string;
  what: string;
}

const CDF_ROWS: readonly CdfRow[] = [
  { name: 'hvm_guest', bit: 0, from: '4.6', to: '4.12', today: 'hvm', what: 'HVM (or PVH) guest, rather than PV' },
  { name: 'hvm', bit: 0, from: '4.13', what: 'HVM (or PVH) guest, rather than PV' },
  { name: 'hap', bit: 1, from: '4.6', what: 'use hardware-assisted paging' },
  { name: 's3_integrity', bit: 2, from: '4.6', what: 'tboot verifies memory integrity across S3' },
  { name: 'oos_off', bit: 3, from: '4.6', what: 'disable out-of-sync shadow page tables' },
  { name: 'pvh_guest', bit: 4, from: '4.6', to: '4.8', what: 'classic PVH (PVHv1) guest; removed in 4.9' },
  { name: 'xs_domain', bit: 5, from: '4.7', to: '4.8', what: 'xenstore domain' },
  { name: 'xs_domain', bit: 4, from: '4.9', what: 'xenstore domain' },
  { name: 'iommu', bit: 5, from: '4.13', what: 'domain may use the IOMMU (passthrough)' },
  { name: 'nested_virt', bit: 6, from: '4.15', what: 'nested virtualisation' },
  { name: 'vpmu', bit: 7, from: '4.16', what: 'virtual performance monitoring unit' },
  { name: 'trap_unmapped_accesses', bit: 8, from: '4.21', what: 'trap accesses to unmapped guest memory (ARM only)' },
];

export interface CdfFlag {
  name: string;
  bit: number;
  value: number;
  what: string;
}

const cache = new Map<ReleaseId, CdfFlag[]>();

/** The release's XEN_DOMCTL_CDF_* flags, by its own names. */
export function cdfFlags(r: ReleaseId): CdfFlag[] {
  let f = cache.get(r);
  if (!f) {
    f = CDF_ROWS.filter((x) => inRange(r, x.from, x.to)).map((x) => ({
      name: x.name,
      bit: x.bit,
      value: 1 << x.bit,
      what: x.what,
    }));
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
  // Aliases across the rename: accept both hvm_guest and hvm in every release that has bit 0.
  for (const row of CDF_ROWS) {
    if ((row.name === n && row.today) || row.today === n) {
      const target = row.today === n ? row.name : row.today!;
      const hit = cdfFlags(r).find((f) => f.name === target || f.name === row.name);
      if (hit && hit.bit === row.bit) return hit.value;
    }
  }
  return undefined;
}

/** Every name accepted anywhere (for messages). */
export function allCdfNames(): string[] {
  return [...new Set(CDF_ROWS.flatMap((x) => [x.name, ...(x.today ? [x.today] : [])]))];
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

