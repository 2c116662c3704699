import type { ShutdownReason } from '../hv/hypervisor.js';
import { PAUSED, RUNNING, SHUTDOWN, type DomainTable } from '../toolstack/domain-table.js';
import { isRunning } from './dominfo.js';
import { RECORD_BYTES, storedReason } from './state-rows.js';

/**
 * The domains of a state file as `xk list` reads them: the stored records (state-rows.ts, already
 * checked) side by side in one buffer, read in place by row; no object per domain. A record's
 * fields mean what domainInfo() (dominfo.ts) makes of them.
 */
export class StoredTable implements DomainTable {
  readonly length: number;
  private readonly v: DataView;

  constructor(
    private readonly recs: Uint8Array,
    private readonly names: (string | null)[],
    /** The name a row shows, from its id and the stored name. */
    private readonly nameFor: (domid: number, name: string | undefined) => string,
  ) {
    this.length = names.length;
    this.v = new DataView(recs.buffer, recs.byteOffset, recs.length);
  }

  domid(i: number): number {
    return this.v.getUint16(i * RECORD_BYTES, true);
  }
  name(i: number): string {
    return this.nameFor(this.domid(i), this.names[i] ?? undefined);
  }
  totPages(i: number): number {
    return this.v.getFloat64(i * RECORD_BYTES + 32, true);
  }
  onlineVcpus(i: number): number {
    return this.v.getUint32(i * RECORD_BYTES + 24, true);
  }
  stateBits(i: number): number {
    const paused = this.v.getUint8(i * RECORD_BYTES + 3) > 0;
    const shutdown = this.v.getUint8(i * RECORD_BYTES + 4) !== 0;
    return (isRunning(paused, shutdown, this.onlineVcpus(i)) ? RUNNING : 0) | (paused ? PAUSED : 0) | (shutdown ? SHUTDOWN : 0);
  }
  shutdownReason(i: number): ShutdownReason | null {
    return storedReason(this.v.getUint8(i * RECORD_BYTES + 4));
  }
  cpuTimeNs(): number {
    return 0;
  }
  hvm(i: number): boolean {
    return (this.v.getUint8(i * RECORD_BYTES + 2) & 1) !== 0;
  }
  handle(i: number): Uint8Array {
    // A plain view, as the sim's own records hold (not a Buffer).
    return new Uint8Array(this.recs.buffer, this.recs.byteOffset + i * RECORD_BYTES + 56, 16);
  }
}
