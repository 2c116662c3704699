import type { DomainInfo } from '../hv/hypervisor.js';
import type { DomainRecord } from '../toolstack/toolstack.js';
import { formatHandle } from '../xen/handle.js';
import { pagesToMiB } from '../xen/pages.js';
import { isShutdownReason, shutdownCode } from '../xen/shutdown.js';

export interface ListRow {
  name: string;
  id: number;
  mem: number;
  vcpus: number;
  state: string;
  time: number;
  hvm: boolean;
  handle: string;
}

type StateBits = Pick<DomainInfo, 'running' | 'blocked' | 'paused' | 'shutdown' | 'shutdown_reason' | 'dying'>;

/**
 * xl's fifth state letter, indexed by libxl_shutdown_reason (the SHUTDOWN_* code, 0 when not shut
 * down): `shutdown_reason_letters[] = "-rscwS"` in tools/xl/xl_info.c list_domains() @RELEASE-4.17.0.
 */
const LETTERS = '-rscwS';

/** Every state column, by (the r b p s d bits) * 6 + the reason's index. */
const STATES: readonly string[] = Array.from({ length: 32 * 6 }, (_, x) => {
  const b = Math.floor(x / 6);
  const bit = (k: number, c: string) => (b & (1 << k) ? c : '-');
  return bit(0, 'r') + bit(1, 'b') + bit(2, 'p') + bit(3, 's') + LETTERS[x % 6] + bit(4, 'd');
});

/**
 * `xl list` state column, as xl_info.c list_domains() @RELEASE-4.17.0 prints it: r running,
 * b blocked, p paused, s shut down, then the shutdown reason's letter, d dying.
 */
export function stateString(i: StateBits): string {
  const reason = i.shutdown ? (isShutdownReason(i.shutdown_reason) ? shutdownCode(i.shutdown_reason) : -1) : 0;
  if (reason < 0 || reason >= LETTERS.length) return stateSlow(i);
  const b = (i.running ? 1 : 0) | (i.blocked ? 2 : 0) | (i.paused ? 4 : 0) | (i.shutdown ? 8 : 0) | (i.dying ? 16 : 0);
  return STATES[b * 6 + reason]!;
}

/** A reason xl has no letter for: '?', as xl prints one outside its table. */
function stateSlow(i: StateBits): string {
  const c = (on: boolean, l: string) => (on ? l : '-');
  return c(i.running, 'r') + c(i.blocked, 'b') + c(i.paused, 'p') + c(i.shutdown, 's') + '?' + c(i.dying, 'd');
}

export function listRows(records: DomainRecord[]): ListRow[] {
  return records.map(({ info: i, name }) => ({
    name,
    id: i.domid,
    mem: pagesToMiB(i.tot_pages),
    vcpus: i.nr_online_vcpus,
    state: stateString(i),
    time: i.cpu_time_ns / 1e9,
    hvm: i.hvm,
    handle: formatHandle(i.handle),
  }));
}

/** `s` at buf[o]: byte by byte while it is ASCII (no call per field), else as UTF-8; returns the new offset. */
function putText(buf: Buffer, o: number, s: string): number {
  const n = s.length;
  for (let k = 0; k < n; k++) {
    const c = s.charCodeAt(k);
    if (c > 0x7f) return o - k + buf.write(s, o - k);
    buf[o++] = c;
  }
  return o;
}

/** `n` right-aligned in `width` columns at buf[o] (printf's %5d), after a space if `sep`; returns the new offset. */
function putNum(buf: Buffer, o: number, n: number, width: number, sep: boolean): number {
  if (sep) buf[o++] = 0x20;
  if (!Number.isSafeInteger(n) || n < 0) return o + buf.write(String(n).padStart(width), o, 'latin1');
  let digits = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
  for (let k = digits; k < width; k++) buf[o++] = 0x20;
  for (let k = digits - 1, x = n; k >= 0; k--, x = Math.floor(x / 10)) buf[o + k] = 0x30 + (x % 10);
  return o + digits;
}

/** xl's header line (tools/xl/xl_info.c list_domains() @RELEASE-4.17.0), with xenkit's -v columns. */
/** The Time(s) column where the backend runs no guest code: "-" in xl's %8.1f width. */
const NO_TIME = `  ${'-'.padStart(8)}`;

const HEAD = 'Name                                        ID   Mem VCPUs\tState\tTime(s)';

/**
 * The `xl list` table, header first, one line per domain, in xl's columns: printf("%-40s %5d %5lu
 * %5d     %c%c%c%c%c%c  %8.1f") in tools/xl/xl_info.c list_domains() @RELEASE-4.17.0 (a longer
 * name pushes its own line, as there). Built as the bytes to write, in one buffer, so 20,000
 * domains cost no string per field. `cpuTime` false: the backend runs no guest code (the sim), so
 * Time(s) shows "-" rather than a made-up 0.0. `verbose` adds xenkit's type and UUID columns.
 */
export function formatList(records: DomainRecord[], verbose = false, cpuTime = true): Buffer {
  const head = HEAD + (verbose ? '\tType\tUUID' : '') + '\n';
  // At most 3 UTF-8 bytes per UTF-16 unit of a name, its padding, and under 120 bytes of columns.
  let size = head.length;
  for (const r of records) size += 3 * r.name.length + 160;
  const buf = Buffer.allocUnsafe(size);
  let o = buf.write(head, 0, 'latin1');
  for (const { name, info: i } of records) {
    const start = o;
    o = putText(buf, o, name);
    // %-40s pads to 40 bytes (C counts bytes, so a UTF-8 name gets fewer spaces than its characters).
    for (let k = o - start; k < 40; k++) buf[o++] = 0x20;
    o = putNum(buf, o, i.domid, 5, true);
    o = putNum(buf, o, pagesToMiB(i.tot_pages), 5, true);
    o = putNum(buf, o, i.nr_online_vcpus, 5, true);
    o = putText(buf, o, '     ');
    o = putText(buf, o, stateString(i));
    o = putText(buf, o, cpuTime ? `  ${(i.cpu_time_ns / 1e9).toFixed(1).padStart(8)}` : NO_TIME);
    if (verbose) o = putText(buf, o, `\t${i.hvm ? 'hvm' : 'pv'}\t${formatHandle(i.handle)}`);
    buf[o++] = 0x0a;
  }
  return buf.subarray(0, o);
}
