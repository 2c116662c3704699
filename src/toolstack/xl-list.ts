import { SHUTDOWN, type DomainTable } from './domain-table.js';
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
 * `xl list` state column of row i, as xl_info.c list_domains() @RELEASE-4.17.0 prints it: r running,
 * b blocked, p paused, s shut down, then the shutdown reason's letter, d dying.
 */
export function stateString(t: DomainTable, i: number): string {
  const bits = t.stateBits(i);
  const r = bits & SHUTDOWN ? t.shutdownReason(i) : null;
  const reason = r === null ? 0 : isShutdownReason(r) ? shutdownCode(r) : -1;
  if (reason < 0 || reason >= LETTERS.length) return stateSlow(bits);
  return STATES[bits * 6 + reason]!;
}

/** A reason xl has no letter for: '?', as xl prints one outside its table. */
function stateSlow(bits: number): string {
  return STATES[bits * 6]!.slice(0, 4) + '?' + STATES[bits * 6]!.slice(5);
}

export function listRows(t: DomainTable): ListRow[] {
  const rows: ListRow[] = new Array(t.length);
  for (let i = 0; i < t.length; i++)
    rows[i] = { name: t.name(i), id: t.domid(i), mem: pagesToMiB(t.totPages(i)), vcpus: t.onlineVcpus(i), state: stateString(t, i), time: t.cpuTimeNs(i) / 1e9, hvm: t.hvm(i), handle: formatHandle(t.handle(i)) };
  return rows;
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
export function formatList(t: DomainTable, verbose = false, cpuTime = true): Buffer {
  return Buffer.concat([listHead(verbose), formatLines(t, verbose, cpuTime)]);
}

/** The header line of formatList(). */
export function listHead(verbose = false): Buffer {
  return Buffer.from(HEAD + (verbose ? '\tType\tUUID' : '') + '\n', 'latin1');
}

/**
 * formatList() without its header: the lines of rows `from` to `to` (every row by default). The
 * simulated Xen's store keeps these lines of each block it writes (src/sim/store.ts), for `xk list`.
 */
export function formatLines(t: DomainTable, verbose = false, cpuTime = true, from = 0, to = t.length): Buffer {
  // At most 3 UTF-8 bytes per UTF-16 unit of a name, its padding, and under 120 bytes of columns.
  const names: string[] = new Array(to - from);
  let size = 0;
  for (let i = from; i < to; i++) size += 3 * (names[i - from] = t.name(i)).length + 160;
  const buf = Buffer.allocUnsafe(size);
  let o = 0;
  for (let i = from; i < to; i++) {
    const start = o;
    o = putText(buf, o, names[i - from]!);
    // %-40s pads to 40 bytes (C counts bytes, so a UTF-8 name gets fewer spaces than its characters).
    for (let k = o - start; k < 40; k++) buf[o++] = 0x20;
    o = putNum(buf, o, t.domid(i), 5, true);
    o = putNum(buf, o, pagesToMiB(t.totPages(i)), 5, true);
    o = putNum(buf, o, t.onlineVcpus(i), 5, true);
    o = putText(buf, o, '     ');
    o = putText(buf, o, stateString(t, i));
    o = putText(buf, o, cpuTime ? `  ${(t.cpuTimeNs(i) / 1e9).toFixed(1).padStart(8)}` : NO_TIME);
    if (verbose) o = putText(buf, o, `\t${t.hvm(i) ? 'hvm' : 'pv'}\t${formatHandle(t.handle(i))}`);
    buf[o++] = 0x0a;
  }
  return buf.subarray(0, o);
}
