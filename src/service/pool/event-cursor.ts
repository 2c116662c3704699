import type { EventCursor, Events } from '../events.js';
import type { EventRow } from '../store.js';
import type { PoolState } from './state.js';

/** How many stamps are kept past the event log's own trimming before they are trimmed too. */
const TRIM_EVERY = 1000;

/**
 * The pool's event log is etcd's history: each member turns the changes its watch brings into rows
 * of its own event log, each row stamped with the etcd revision of the change it shows. A token
 * carries, beside the member's row id, the revision up to which its rows show every change, so a
 * token taken on one member continues on any other (a client that followed a new coordinator):
 * there it means "every row for a change after that revision", the same changes in that member's
 * log. XAPI's tokens are likewise positions in the pool's one database (its generation count).
 */
export class PoolEventCursor implements EventCursor {
  /** (row id, revision of the change it shows), in row order. */
  private stamps: { id: number; rev: number }[] = [];
  /** Revisions whose rows are still being made (a record read asynchronously). */
  private pending = new Map<number, number>();
  /** The revision from which this log has every change: the state held when it began following. */
  private coverFrom: number;
  readonly since: number;

  constructor(private readonly state: PoolState, private readonly events: Events) {
    this.coverFrom = state.seenRev;
    this.since = events.currentId();
  }

  /** A row for the change at `rev` (the pool's rows: VM, host, host_metrics, pool records). */
  emit(cls: string, ref: string, op: EventRow['op'], snapshot: Record<string, unknown> | null, rev: number): number {
    const id = this.events.emit(cls, ref, op, snapshot);
    this.stamps.push({ id, rev });
    if (this.stamps.length % TRIM_EVERY === 0) this.trim();
    return id;
  }

  /** Rows ('mod') for the change at `rev` once `make` answers (records built asynchronously), in order. */
  async emitLater(rev: number, make: () => Promise<[string, string, Record<string, unknown>][]>): Promise<void> {
    this.pending.set(rev, (this.pending.get(rev) ?? 0) + 1);
    try {
      for (const [cls, ref, rec] of await make()) this.emit(cls, ref, 'mod', rec, rev);
    } catch {
      // a record that could not be read makes no row (the next change to it makes one)
    } finally {
      const n = this.pending.get(rev)! - 1;
      if (n) this.pending.set(rev, n);
      else this.pending.delete(rev);
    }
  }

  /**
   * `REVISION-CLUSTER`: every change up to the revision has its row at or before row `id` (none
   * still being made); the etcd cluster's id, since revisions mean nothing in another cluster (one
   * made again from scratch counts from 1 again).
   */
  position(id: number): string {
    return `${this.revisionAt(id)}-${this.state.clusterId}`;
  }

  private revisionAt(id: number): number {
    let r = this.state.seenRev;
    for (const p of this.pending.keys()) r = Math.min(r, p - 1);
    for (let i = this.stamps.length - 1; i >= 0 && this.stamps[i]!.id > id; i--) r = Math.min(r, this.stamps[i]!.rev - 1);
    return r;
  }

  /**
   * The row id after which this log shows every change after revision `rev` (another member's token);
   * undefined when it cannot: a revision before this log began following the pool (a change then,
   * a deletion say, has no row here) or one etcd has not reached.
   */
  async locate(position: string): Promise<number | undefined> {
    const m = /^(\d{1,20})-([0-9a-z]{1,40})$/.exec(position);
    if (!m || m[2] !== this.state.clusterId) return undefined;
    const rev = Number(m[1]);
    if (rev < this.coverFrom) return undefined;
    // a member whose watch has not brought that revision yet reads it now (a range read)
    if (this.state.seenRev < rev && (await this.state.sync()) < rev) return undefined;
    // rows still being made come after the answer, whatever their revision
    const first = this.stamps.find((s) => s.rev > rev);
    return first ? first.id - 1 : this.events.currentId();
  }

  /** Stamps of rows the event log no longer keeps go; a revision before them is not covered any more. */
  private trim(): void {
    const first = this.events.firstId();
    const gone = this.stamps.findIndex((s) => s.id >= first);
    const n = gone < 0 ? this.stamps.length : gone;
    for (const s of this.stamps.slice(0, n)) this.coverFrom = Math.max(this.coverFrom, s.rev);
    this.stamps.splice(0, n);
  }
}
