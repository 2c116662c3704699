import { randomBytes } from 'node:crypto';
import { ApiFailure } from './failure.js';
import type { EventRow, Store } from './store.js';

/** An event as XAPI sends it: lowercase class, add/mod/del, the ref, the snapshot. */
export interface ApiEvent {
  id: string;
  timestamp: string;
  class: string;
  operation: string;
  ref: string;
  obj_uuid: string;
  snapshot?: Record<string, unknown>;
}

const MAX_TIMEOUT_S = 3600;

export function xapiTime(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

function toApi(e: EventRow): ApiEvent {
  return { id: String(e.id), timestamp: xapiTime(e.ts), class: e.cls, operation: e.op, ref: e.ref, obj_uuid: String(e.snapshot?.uuid ?? ''), ...(e.snapshot ? { snapshot: e.snapshot } : {}) };
}

/**
 * Token format: the id of the last event seen, zero-padded, then this event log's identity
 * (opaque to clients, ordered for us). Each store keeps its own log. A token of another log (a
 * host's store made again) answers EVENTS_LOST, on which XAPI clients fetch everything again (the
 * xen-api client's _watchEvents does). In a pool every member has its own log of the pool's one
 * history, and the token carries a third part, the pool's position (EventCursor): a token brought
 * from another member (a client that followed a new coordinator) continues from there. A token
 * without the identity (the bare number) is read as this log's.
 */
const LOG_ID_KEY = 'event_log_id';

/** A position in a history shared by several event logs (a pool's: etcd revisions). */
export interface EventCursor {
  /** The last row made before this log followed the history: a token up to it is located by its position. */
  readonly since: number;
  /** The position up to which this log's rows up to `id` show every change (letters, digits, '-'). */
  position(id: number): string;
  /** The row id after which this log shows every change after `position`; undefined: it cannot (EVENTS_LOST). */
  locate(position: string): Promise<number | undefined>;
}

/**
 * The event log: every change is a row in the store (durable, ordered); waiters of event.from and
 * event.next wake when a row arrives, or when their timeout passes.
 */
export class Events {
  private waiters = new Set<() => void>();
  /** event.register's classes per session (the legacy API). */
  private registered = new Map<string, { classes: Set<string>; last: number }>();
  /** This event log's identity: made once per store, kept in its meta table. */
  readonly logId: string;
  /** Set in a pool: tokens carry the pool's position, and one of another member's log is continued. */
  cursor?: EventCursor;
  constructor(private readonly store: Store) {
    let id = store.meta(LOG_ID_KEY);
    if (!id) store.setMeta(LOG_ID_KEY, (id = randomBytes(8).toString('hex')));
    this.logId = id;
  }

  /** The token for "after event `id`" of this log. */
  token(id: number): string {
    return `${String(id).padStart(16, '0')},${this.logId}${this.cursor ? `,${this.cursor.position(id)}` : ''}`;
  }

  emit(cls: string, ref: string, op: EventRow['op'], snapshot: Record<string, unknown> | null): number {
    const id = this.store.addEvent(cls.toLowerCase(), ref, op, snapshot);
    const ws = [...this.waiters];
    this.waiters.clear();
    for (const w of ws) w();
    return id;
  }

  currentId(): number {
    return this.store.lastEventId();
  }
  /** The oldest row kept. */
  firstId(): number {
    return this.store.firstEventId();
  }
  currentToken(): string {
    return this.token(this.currentId());
  }

  private async parseToken(t: string): Promise<number> {
    if (t === '') return -1;
    if (!/^\d{1,20}(,.*)?$/.test(t)) throw new ApiFailure('EVENT_FROM_TOKEN_PARSE_FAILURE', [t]);
    const [num, log, pos] = t.split(',', 3);
    let n = Number(num);
    // another log's token, or this log's from before it followed the pool (a member restarted: the
    // changes while it was away have no rows here): continued from its position, if this log can
    if ((log !== undefined && log !== this.logId) || (this.cursor && n <= this.cursor.since)) {
      const at = pos !== undefined && /^[0-9a-z-]{1,64}$/.test(pos) && this.cursor ? await this.cursor.locate(pos) : undefined;
      if (at === undefined) throw new ApiFailure('EVENTS_LOST', []);
      n = at;
    }
    if (n + 1 < this.store.firstEventId() && n < this.currentId()) throw new ApiFailure('EVENTS_LOST', []);
    return n;
  }

  /** Wait until an event after `after` matches, or until the deadline; bounded by the signal. */
  private wait(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /**
   * event.from: the events of `classes` after `token`, as soon as there is one, else an empty list
   * when the timeout passes. An empty token: the current state comes from `snapshotAll`.
   */
  async from(classes: string[], tok: string, timeoutS: number, counts: (cls: string[]) => Promise<Record<string, number>>, snapshotAll: (cls: string[]) => Promise<ApiEvent[]>, signal?: AbortSignal): Promise<{ events: ApiEvent[]; valid_ref_counts: Record<string, number>; token: string }> {
    const want = new Set(classes.map((c) => c.toLowerCase()));
    const all = want.has('*');
    const match = (e: EventRow) => all || want.has(e.cls);
    const wantList = [...want];
    if (tok === '') {
      const token = this.currentToken();
      return { events: await snapshotAll(wantList), valid_ref_counts: await counts(wantList), token };
    }
    let after = await this.parseToken(tok);
    const deadline = Date.now() + Math.min(Math.max(0, timeoutS), MAX_TIMEOUT_S) * 1000;
    for (;;) {
      const rows = this.store.eventsAfter(after);
      const hits = rows.filter(match);
      if (rows.length) after = rows[rows.length - 1]!.id;
      const left = deadline - Date.now();
      // the token is made with the rows read (a row added while the counts are read comes next time)
      const token = this.token(after);
      if (hits.length || left <= 0 || signal?.aborted) return { events: hits.map(toApi), valid_ref_counts: await counts(wantList), token };
      await this.wait(left, signal);
    }
  }

  register(session: string, classes: string[]): void {
    const r = this.registered.get(session) ?? { classes: new Set<string>(), last: this.currentId() };
    for (const c of classes) r.classes.add(c.toLowerCase());
    this.registered.set(session, r);
  }
  unregister(session: string, classes: string[]): void {
    const r = this.registered.get(session);
    if (!r) return;
    for (const c of classes) r.classes.delete(c.toLowerCase());
    if (r.classes.size === 0) this.registered.delete(session);
  }

  /** event.next (legacy): blocks until an event of the registered classes (SESSION_NOT_REGISTERED without). */
  async next(session: string, signal?: AbortSignal, maxMs = 30000): Promise<ApiEvent[]> {
    const r = this.registered.get(session);
    if (!r) throw new ApiFailure('SESSION_NOT_REGISTERED', [session]);
    if (r.last + 1 < this.store.firstEventId() && r.last < this.currentId()) throw new ApiFailure('EVENTS_LOST', []);
    const deadline = Date.now() + maxMs;
    for (;;) {
      const rows = this.store.eventsAfter(r.last);
      if (rows.length) r.last = rows[rows.length - 1]!.id;
      const hits = rows.filter((e) => r.classes.has('*') || r.classes.has(e.cls));
      if (hits.length || Date.now() >= deadline || signal?.aborted) return hits.map(toApi);
      await this.wait(deadline - Date.now(), signal);
    }
  }

  /** Wake every waiter (shutdown). */
  wakeAll(): void {
    for (const w of [...this.waiters]) w();
  }
}
