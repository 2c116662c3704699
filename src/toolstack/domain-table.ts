import type { DomainInfo, ShutdownReason } from '../hv/hypervisor.js';
import type { DomainRecord } from './toolstack.js';

/** The state bits of xl's state column, as `xl list` prints them: r b p s d. */
export const RUNNING = 1;
export const BLOCKED = 2;
export const PAUSED = 4;
export const SHUTDOWN = 8;
export const DYING = 16;

/**
 * Every domain's `xl list` columns, read by row index: what `xk list` prints, without a record object
 * per domain (a backend that keeps its domains packed, the sim's state file, answers from the bytes).
 */
export interface DomainTable {
  readonly length: number;
  domid(i: number): number;
  name(i: number): string;
  totPages(i: number): number;
  onlineVcpus(i: number): number;
  /** RUNNING | BLOCKED | PAUSED | SHUTDOWN | DYING. */
  stateBits(i: number): number;
  shutdownReason(i: number): ShutdownReason | null;
  cpuTimeNs(i: number): number;
  hvm(i: number): boolean;
  handle(i: number): Uint8Array;
}

export function stateBitsOf(i: Pick<DomainInfo, 'running' | 'blocked' | 'paused' | 'shutdown' | 'dying'>): number {
  return (i.running ? RUNNING : 0) | (i.blocked ? BLOCKED : 0) | (i.paused ? PAUSED : 0) | (i.shutdown ? SHUTDOWN : 0) | (i.dying ? DYING : 0);
}

/** Records read as a table. */
export function recordsTable(records: DomainRecord[]): DomainTable {
  const info = (i: number) => records[i]!.info;
  return {
    length: records.length,
    domid: (i) => records[i]!.domid,
    name: (i) => records[i]!.name,
    totPages: (i) => info(i).tot_pages,
    onlineVcpus: (i) => info(i).nr_online_vcpus,
    stateBits: (i) => stateBitsOf(info(i)),
    shutdownReason: (i) => (info(i).shutdown ? info(i).shutdown_reason : null),
    cpuTimeNs: (i) => info(i).cpu_time_ns,
    hvm: (i) => info(i).hvm,
    handle: (i) => info(i).handle,
  };
}
