import { XenkitError, show } from '../errors.js';
import { SHUTDOWN_REASONS, type ShutdownReason } from '../hv/hypervisor.js';
import { isErrnoName } from '../xen/errno.js';
import { DOMID_FIRST_RESERVED } from '../xen/domid.js';
import { makeHost, type HostCaps } from '../xen/host.js';
import { SIM_OPS, type Fault, type SimDomain } from './sim.js';

/**
 * The state file's rows <-> the sim's snapshot, checked on the way in: a value that is not what
 * xenkit writes (the file was edited, or damaged) is STATE_CORRUPT naming the key or row and value.
 */

/** Column order of the domains table as read and written (raw rows, no per-row objects). */
export const DOMAIN_COLUMNS = [
  'domid', 'hvm', 'hap', 'xs_domain', 'flags', 'emulation_flags', 'ssidref', 'handle', 'pause_count', 'shutdown_reason',
  'tot_pages', 'max_pages', 'max_vcpus', 'vcpus_created', 'online_vcpus', 'created_at', 'cpupool',
] as const;
export type DomainRow = unknown[];

const U32 = 0xffff_ffff;
const MAX = Number.MAX_SAFE_INTEGER;
const HINT = 'the file was changed outside xenkit: restore a copy, or run `xk sim reset --force` (keeps a valid host, drops every domain)';

export function corrupt(path: string, field: string, value: unknown, what: string): XenkitError {
  return new XenkitError('STATE_CORRUPT', `state file ${path}: ${field} holds ${show(value)}, ${what}`, { field, value, hint: HINT, details: { path } });
}

/** [column, lowest, highest] for the integer columns; 0/1 columns are [.., 0, 1]. */
const INT_COLUMNS: [number, number, number][] = [
  [1, 0, 1], [2, 0, 1], [3, 0, 1], [4, 0, U32], [5, 0, U32], [6, 0, U32], [8, 0, 255],
  [10, 0, MAX], [11, 0, MAX], [12, 0, U32], [13, 0, 1], [14, 0, U32], [15, 0, MAX], [16, 0, U32],
];

export function rowToDomain(path: string, r: DomainRow): SimDomain {
  const domid = r[0] as number;
  const bad = (i: number, what: string) => corrupt(path, `domains[${domid}].${DOMAIN_COLUMNS[i]}`, r[i], what);
  if (!Number.isSafeInteger(domid) || domid < 0 || domid >= DOMID_FIRST_RESERVED) throw corrupt(path, 'domains.domid', domid, 'not a domain id');
  for (const [i, lo, hi] of INT_COLUMNS) {
    const v = r[i];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < lo || v > hi) throw bad(i, `not an integer in ${lo}..${hi}`);
  }
  const handle = r[7];
  if (!(handle instanceof Uint8Array) || handle.length !== 16) throw bad(7, 'not a 16-byte domain handle');
  const reason = r[9];
  if (reason !== null && !(SHUTDOWN_REASONS as readonly unknown[]).includes(reason)) throw bad(9, `neither NULL nor one of ${SHUTDOWN_REASONS.join(', ')}`);
  return {
    domid,
    hvm: r[1] === 1,
    hap: r[2] === 1,
    xsDomain: r[3] === 1,
    flags: r[4] as number,
    emulationFlags: r[5] as number,
    ssidref: r[6] as number,
    handle: new Uint8Array(handle),
    pauseCount: r[8] as number,
    shutdownReason: reason as ShutdownReason | null,
    totPages: r[10] as number,
    maxPages: r[11] as number,
    maxVcpus: r[12] as number,
    vcpusCreated: r[13] === 1,
    onlineVcpus: r[14] as number,
    createdAt: r[15] as number,
    cpupool: r[16] as number,
  };
}

export function domainToRow(d: SimDomain): DomainRow {
  return [
    d.domid, d.hvm ? 1 : 0, d.hap ? 1 : 0, d.xsDomain ? 1 : 0, d.flags, d.emulationFlags, d.ssidref, Buffer.from(d.handle), d.pauseCount, d.shutdownReason,
    d.totPages, d.maxPages, d.maxVcpus, d.vcpusCreated ? 1 : 0, d.onlineVcpus, d.createdAt, d.cpupool,
  ];
}

export function sameRow(a: DomainRow, b: DomainRow): boolean {
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x instanceof Uint8Array) {
      if (!(y instanceof Uint8Array) || !Buffer.from(x.buffer, x.byteOffset, x.length).equals(y)) return false;
    } else if (x !== y) return false;
  }
  return true;
}

/** The stored host, through makeHost() (a hand-checked fast path there; zod only for a bad one). */
export function storedHost(path: string, text: string): HostCaps {
  let h: unknown;
  try {
    h = JSON.parse(text);
  } catch {
    throw corrupt(path, 'host', text, 'not JSON');
  }
  if (!h || typeof h !== 'object' || Array.isArray(h)) throw corrupt(path, 'host', h, 'not a host description');
  try {
    return makeHost(h as Record<string, unknown>, 'host');
  } catch (e) {
    if (!(e instanceof XenkitError)) throw e;
    const field = e.field ?? 'host';
    throw new XenkitError('STATE_CORRUPT', `state file ${path}: the stored host is not valid: ${e.message}`, { field, value: e.value, hint: HINT, details: { path }, cause: e });
  }
}

/** A meta value that must be a whole number in lo..hi (stored as its decimal text). */
export function metaInt(path: string, key: string, text: string | undefined, lo: number, hi: number, dflt?: number): number {
  if (text === undefined && dflt !== undefined) return dflt;
  const n = typeof text === 'string' && /^\d{1,16}$/.test(text) ? Number(text) : NaN;
  if (!(n >= lo && n <= hi)) throw corrupt(path, `meta.${key}`, text ?? null, `not a whole number in ${lo}..${hi}`);
  return n;
}

export function metaFaults(path: string, text: string | undefined): Record<string, Fault> {
  if (text === undefined || text === '{}') return {};
  const v = metaJson(path, 'faults', text);
  const ok = v && typeof v === 'object' && !Array.isArray(v) &&
    Object.entries(v).every(([op, f]) => (SIM_OPS as readonly string[]).includes(op) && f && isErrnoName((f as Fault).errno) && Number.isSafeInteger((f as Fault).count) && (f as Fault).count > 0);
  if (!ok) throw corrupt(path, 'meta.faults', text, 'not a table of pending faults ({"op": {"errno": "E..", "count": n}})');
  return v as Record<string, Fault>;
}

export function metaLeaked(path: string, text: string | undefined): number[] {
  if (text === undefined || text === '[]') return [];
  const v = metaJson(path, 'leaked', text);
  if (!Array.isArray(v) || !v.every((x) => Number.isSafeInteger(x) && x > 0 && x < DOMID_FIRST_RESERVED))
    throw corrupt(path, 'meta.leaked', text, 'not a list of domain ids');
  return v as number[];
}

function metaJson(path: string, key: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw corrupt(path, `meta.${key}`, text, 'not JSON');
  }
}
