import { XenkitError, show } from '../errors.js';
import { SHUTDOWN_REASONS, type ShutdownReason } from '../xen/shutdown.js';
import { isErrnoName } from '../xen/errno.js';
import { DOMID_FIRST_RESERVED } from '../xen/domid.js';
import { makeHost, type HostCaps } from '../xen/host.js';
import { SIM_OPS, type Fault } from './ops.js';
import type { SimDomain } from './sim.js';

/**
 * The state file's rows <-> the sim's snapshot, checked on the way in: a value that is not what
 * xenkit writes (the file was edited, or damaged) is STATE_CORRUPT naming the key or row and value.
 */

/** Column order of schema version 2's domains table (one row per domain; read to migrate). */
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

/** A schema 2 row (one SQL row per domain). */
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

/**
 * Schema 3: domains are stored in blocks of BLOCK_DOMAINS ids, one SQL row per block, each holding
 * fixed-size little-endian records (and the domains' names beside them), so loading 20,000 domains
 * is a few hundred rows, not 20,000 (better-sqlite3 costs about a microsecond a value). A write
 * rewrites only the blocks whose records or names changed.
 *   0 u16 domid | 2 u8 bits: 1 hvm, 2 hap, 4 xs_domain, 8 vcpus created | 3 u8 pause count
 *   4 u8 shutdown reason (0 none, else 1 + its index in REASONS) | 5..7 zero
 *   8 u32 flags | 12 u32 emulation_flags | 16 u32 ssidref | 20 u32 max_vcpus | 24 u32 online vcpus
 *   28 u32 cpupool | 32 f64 tot_pages | 40 f64 max_pages | 48 f64 created_at | 56 handle (16 bytes)
 */
export const BLOCK_DOMAINS = 64;
export const RECORD_BYTES = 72;
/** The stored codes of the shutdown reasons: fixed here (the file's format), not SHUTDOWN_REASONS' order. */
const REASONS: readonly ShutdownReason[] = ['poweroff', 'reboot', 'suspend', 'crash', 'watchdog', 'soft_reset'];

export interface Block {
  domains: SimDomain[];
  names: (string | null)[];
}

export function encodeBlock(domains: SimDomain[]): Buffer {
  for (const d of domains) checkFits(d);
  const buf = Buffer.alloc(domains.length * RECORD_BYTES);
  const v = new DataView(buf.buffer, buf.byteOffset, buf.length);
  let o = 0;
  for (const d of domains) {
    v.setUint16(o, d.domid, true);
    v.setUint8(o + 2, (d.hvm ? 1 : 0) | (d.hap ? 2 : 0) | (d.xsDomain ? 4 : 0) | (d.vcpusCreated ? 8 : 0));
    v.setUint8(o + 3, d.pauseCount);
    v.setUint8(o + 4, d.shutdownReason === null ? 0 : 1 + REASONS.indexOf(d.shutdownReason));
    v.setUint32(o + 8, d.flags, true);
    v.setUint32(o + 12, d.emulationFlags, true);
    v.setUint32(o + 16, d.ssidref, true);
    v.setUint32(o + 20, d.maxVcpus, true);
    v.setUint32(o + 24, d.onlineVcpus, true);
    v.setUint32(o + 28, d.cpupool, true);
    v.setFloat64(o + 32, d.totPages, true);
    v.setFloat64(o + 40, d.maxPages, true);
    v.setFloat64(o + 48, d.createdAt, true);
    buf.set(d.handle, o + 56);
    o += RECORD_BYTES;
  }
  return buf;
}

/** A stored block, checked: every record's fields, ids in the block's range and ascending, names aligned. */
export function decodeBlock(path: string, block: unknown, blob: unknown, namesText: unknown): Block {
  const names = checkBlock(path, block, blob, namesText);
  const b = blob as Uint8Array;
  const v = new DataView(b.buffer, b.byteOffset, b.length);
  const domains: SimDomain[] = new Array(names.length);
  for (let i = 0, o = 0; i < names.length; i++, o += RECORD_BYTES) {
    const bits = v.getUint8(o + 2);
    domains[i] = {
      domid: v.getUint16(o, true),
      hvm: (bits & 1) !== 0,
      hap: (bits & 2) !== 0,
      xsDomain: (bits & 4) !== 0,
      flags: v.getUint32(o + 8, true),
      emulationFlags: v.getUint32(o + 12, true),
      ssidref: v.getUint32(o + 16, true),
      // A plain view (Buffer's subarray costs twice as much, 20,000 times for `xk list`).
      handle: new Uint8Array(b.buffer, b.byteOffset + o + 56, 16),
      pauseCount: v.getUint8(o + 3),
      shutdownReason: storedReason(v.getUint8(o + 4)),
      totPages: v.getFloat64(o + 32, true),
      maxPages: v.getFloat64(o + 40, true),
      maxVcpus: v.getUint32(o + 20, true),
      vcpusCreated: (bits & 8) !== 0,
      onlineVcpus: v.getUint32(o + 24, true),
      createdAt: v.getFloat64(o + 48, true),
      cpupool: v.getUint32(o + 28, true),
    };
  }
  return { domains, names };
}

/** The reason a stored code (record byte 4) stands for; 0 is none. */
export function storedReason(code: number): ShutdownReason | null {
  return code === 0 ? null : REASONS[code - 1]!;
}

/**
 * A stored block checked without decoding it (every record's fields, ids in the block's range and
 * ascending, names aligned): its names, one per record.
 */
export function checkBlock(path: string, block: unknown, blob: unknown, namesText: unknown): (string | null)[] {
  const where = `blocks[${block}]`;
  if (!Number.isSafeInteger(block) || (block as number) < 0 || (block as number) * BLOCK_DOMAINS >= DOMID_FIRST_RESERVED) throw corrupt(path, 'blocks.block', block, 'not a block number');
  if (!(blob instanceof Uint8Array) || blob.length % RECORD_BYTES !== 0) throw corrupt(path, `${where}.domains`, describeBlob(blob), `not a whole number of ${RECORD_BYTES}-byte domain records`);
  const n = blob.length / RECORD_BYTES;
  const names = blockNames(path, where, namesText, n);
  const lo = (block as number) * BLOCK_DOMAINS;
  const v = new DataView(blob.buffer, blob.byteOffset, blob.length);
  const bad = LITTLE_ENDIAN && blob.byteOffset % 8 === 0 ? firstBadRecordLE(blob, lo) : firstBadRecord(v, lo);
  if (bad >= 0) throw recordError(path, where, v, bad * RECORD_BYTES, lo);
  return names;
}

/** Typed arrays read the host's byte order; the records are little-endian. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Every record field in range, in one test for the common case: the index of the first record that is not, or -1. */
function firstBadRecord(v: DataView, lo: number): number {
  let prev = lo - 1;
  for (let i = 0, o = 0; o < v.byteLength; i++, o += RECORD_BYTES) {
    const domid = v.getUint16(o, true);
    if (domid <= prev || domid >= lo + BLOCK_DOMAINS || domid >= DOMID_FIRST_RESERVED) return i;
    prev = domid;
    if (v.getUint8(o + 2) > 15 || v.getUint8(o + 4) > REASONS.length || v.getUint8(o + 5) | v.getUint16(o + 6, true) || !whole(v.getFloat64(o + 32, true)) || !whole(v.getFloat64(o + 40, true)) || !whole(v.getFloat64(o + 48, true)))
      return i;
  }
  return -1;
}

/**
 * firstBadRecord() through typed arrays over the records (8-byte aligned, little-endian host): an
 * element read instead of a DataView call, for a process that has just started (`xk list` checks
 * 20,000 records before its JIT has warmed up).
 */
function firstBadRecordLE(b: Uint8Array, lo: number): number {
  const n = b.length / RECORD_BYTES;
  const u16 = new Uint16Array(b.buffer, b.byteOffset, b.length / 2);
  const u32 = new Uint32Array(b.buffer, b.byteOffset, b.length / 4);
  const f64 = new Float64Array(b.buffer, b.byteOffset, b.length / 8);
  const end = Math.min(lo + BLOCK_DOMAINS, DOMID_FIRST_RESERVED);
  const [per16, per32, per64] = [RECORD_BYTES / 2, RECORD_BYTES / 4, RECORD_BYTES / 8];
  let prev = lo - 1;
  for (let i = 0; i < n; i++) {
    const domid = u16[i * per16]!;
    if (domid <= prev || domid >= end) return i;
    prev = domid;
    // Bytes 4..7: the reason code, then three zero bytes.
    const w = u32[i * per32 + 1]!;
    // bytes 32, 40, 48: the three whole-number doubles firstBadRecord() checks
    const a = f64[i * per64 + 4]!;
    const m = f64[i * per64 + 5]!;
    const c = f64[i * per64 + 6]!;
    if (b[i * RECORD_BYTES + 2]! > 15 || w > REASONS.length || !(a >= 0 && a <= MAX && Math.floor(a) === a) || !(m >= 0 && m <= MAX && Math.floor(m) === m) || !(c >= 0 && c <= MAX && Math.floor(c) === c)) return i;
  }
  return -1;
}

/** The error for the record at `o` that firstBadRecord() stopped at: which field, and its value. */
function recordError(path: string, where: string, v: DataView, o: number, lo: number): XenkitError {
  const domid = v.getUint16(o, true);
  const prev = o === 0 ? lo - 1 : v.getUint16(o - RECORD_BYTES, true);
  if (domid <= prev || domid >= lo + BLOCK_DOMAINS || domid >= DOMID_FIRST_RESERVED) return corrupt(path, `${where}.domid`, domid, `not an id in ${lo}..${lo + BLOCK_DOMAINS - 1} after ${prev}`);
  return badRecord(path, domid, v, o);
}

/** A value the record cannot hold exactly is refused, never stored changed. */
function checkFits(d: SimDomain): void {
  const fields: [string, number, number][] = [
    ['flags', d.flags, U32], ['emulationFlags', d.emulationFlags, U32], ['ssidref', d.ssidref, U32], ['maxVcpus', d.maxVcpus, U32],
    ['onlineVcpus', d.onlineVcpus, U32], ['cpupool', d.cpupool, U32], ['pauseCount', d.pauseCount, 255],
    ['totPages', d.totPages, MAX], ['maxPages', d.maxPages, MAX], ['createdAt', d.createdAt, MAX],
  ];
  for (const [field, x, hi] of fields)
    if (!Number.isSafeInteger(x) || x < 0 || x > hi)
      throw new XenkitError('BAD_INPUT', `domain ${d.domid}: ${field} ${show(x)} does not fit the state file (a whole number in 0..${hi})`, { field, value: x, hint: `a whole number in 0..${hi}` });
  if (d.handle.length !== 16) throw new XenkitError('BAD_INPUT', `domain ${d.domid}: the handle is ${d.handle.length} bytes, not 16`, { field: 'handle', value: d.handle.length, hint: '16 bytes (a UUID)' });
  if (d.shutdownReason !== null && !REASONS.includes(d.shutdownReason)) throw new XenkitError('BAD_INPUT', `domain ${d.domid}: shutdown reason ${show(d.shutdownReason)} has no stored code`, { field: 'shutdownReason', value: d.shutdownReason });
}

function whole(x: number): boolean {
  return Number.isSafeInteger(x) && x >= 0;
}

function badRecord(path: string, domid: number, v: DataView, o: number): XenkitError {
  const bad = (field: string, value: unknown, what: string) => corrupt(path, `domains[${domid}].${field}`, value, what);
  const bits = v.getUint8(o + 2);
  if (bits > 15) return bad('bits', bits, 'not a combination of hvm 1, hap 2, xs_domain 4, vcpus created 8');
  const reason = v.getUint8(o + 4);
  if (reason > REASONS.length) return bad('shutdown_reason', reason, `not a stored reason (0 none, 1..${REASONS.length})`);
  for (const [at, field] of [[32, 'tot_pages'], [40, 'max_pages'], [48, 'created_at']] as const) {
    const x = v.getFloat64(o + at, true);
    if (!whole(x)) return bad(field, x, 'not a whole number of 0 or more');
  }
  return bad('padding', v.getUint8(o + 5) | v.getUint16(o + 6, true), 'not zero');
}

function blockNames(path: string, where: string, text: unknown, n: number): (string | null)[] {
  let names: unknown;
  try {
    names = typeof text === 'string' ? JSON.parse(text) : undefined;
  } catch {
    names = undefined;
  }
  if (!Array.isArray(names) || names.length !== n || !allNames(names))
    throw corrupt(path, `${where}.names`, typeof text === 'string' ? text.slice(0, 80) : (text ?? null), `not a list of ${n} names (text or null), one per domain`);
  return names as (string | null)[];
}

/** Each a name (non-empty text) or null: a plain loop (one call per block, not per name: `xk list` reads 20,000). */
function allNames(xs: unknown[]): boolean {
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    if (x !== null && (typeof x !== 'string' || x === '')) return false;
  }
  return true;
}

function describeBlob(b: unknown): unknown {
  return b instanceof Uint8Array ? `${b.length} bytes` : (b ?? null);
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
