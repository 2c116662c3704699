import { circuitBreaker, ConsecutiveBreaker, ExponentialBackoff, handleWhen } from 'cockatiel';
import { Etcd3, isRecoverableError, type IKeyValue, type IOptions, type Watcher } from 'etcd3';
import { ApiFailure } from '../failure.js';
import type { EtcdTls } from './url.js';

export type Json = Record<string, any>;
export type Change = { key: string; value: Json | null; rev: number };

/** Tries of one etcd call while a killed member leaves the client's rotation, and the pause between them. */
const CALL_TRIES = 4;
const CALL_PAUSE_MS = 500;

/**
 * etcd3's per-member circuit breaker, with a pause that fits a member coming back. etcd3's default
 * (node_modules/etcd3/lib/connection-pool.js, 1.1.2: ConsecutiveBreaker(3), halfOpenAfter 5000)
 * keeps a killed member out of rotation for 5 s after it opened, however soon the member answers
 * again: an etcd member killed and restarted, then another killed within those 5 s, left this
 * client no member at all ("Execution prevented because the circuit breaker is open") on every
 * call and every lease keepalive, while two of three etcd members served. Here a member is tried
 * again 100 ms after its breaker opened, then at growing pauses up to 1 s while it stays away
 * (one probe call a second to a dead member; on loopback it fails at once).
 */
export const memberBreaker = () => circuitBreaker(handleWhen(isRecoverableError), { halfOpenAfter: new ExponentialBackoff({ initialDelay: 100, maxDelay: 1000 }), breaker: new ConsecutiveBreaker(3) });

/**
 * Each etcd member's channel gets its own gRPC subchannel, reconnecting within 1 s. When a call to
 * a member fails, etcd3 closes that member's client and makes a new one; on grpc-js's shared
 * subchannel, still in its reconnect backoff (1 s growing to 120 s), the new client's calls and
 * streams were queued rather than failed: a put after one etcd follower was killed answered only at
 * its 3 s deadline, and a lease keepalive stream stalled until etcd3's TTL-long debounce (the member
 * then refused changes). Measured on a 3-member cluster, follower killed: 3028 ms before, 10-80 ms after.
 */
const GRPC_OPTIONS = { 'grpc.use_local_subchannel_pool': 1, 'grpc.initial_reconnect_backoff_ms': 100, 'grpc.max_reconnect_backoff_ms': 1000 };

/** Why a change could not be made: the pool store is unreachable (answered, never a stack trace). */
export function unavailable(e: unknown): ApiFailure {
  if (e instanceof ApiFailure) return e;
  return new ApiFailure('XENKIT_POOL_UNAVAILABLE', [`the pool store (etcd) did not answer: ${e instanceof Error ? e.message.slice(0, 200) : String(e)}; no change was made`]);
}

const parse = (kv: IKeyValue): Json | null => {
  try {
    return JSON.parse(kv.value.toString()) as Json;
  } catch {
    return null;
  }
};

/**
 * The pool's shared state in etcd under `xenkit/<pool>/`: a cache of every key, filled by one range
 * read and then kept by one watch from the next revision (etcd's revisions order every change), and
 * changes as transactions that compare a key's mod revision, so of two conflicting changes exactly
 * one wins (etcd's Txn: compare, then put or fail).
 */
export class PoolState {
  readonly client: Etcd3;
  readonly prefix: string;
  /** Every key's value and mod revision; `mine`: written by this member, its change not yet come back by the watch or a read. */
  readonly cache = new Map<string, { value: Json; rev: number; mine?: true }>();
  private closed = false;
  private watcher?: Watcher;
  private opening?: Promise<void>;
  private listeners: ((c: Change) => void)[] = [];
  /**
   * The etcd revision up to which every change under the prefix has reached the listeners (the
   * watch delivers changes in revision order; a range read brings all of them up to its revision).
   */
  seenRev = 0;
  /** The etcd cluster's id, as its answers name it (known after the first range read). */
  clusterId = '';
  /** Keys this member deleted (cas()), with the delete's revision, until the watch or a read brings it. */
  private ownDeletes = new Map<string, number>();
  /** The revision of the last range read (the watch's changes up to it are not applied again). */
  private syncedAt = 0;
  /** Breaks of the watch so far, those it had come back from at its last 'connected', those a range read begun after that covered. */
  private breaks = 0;
  private resumed = 0;
  private covered = 0;
  private get inGap(): boolean {
    return this.covered < this.breaks;
  }
  private syncing?: Promise<number>;

  constructor(hosts: string[], pool: string, opts: { callMs?: number; tls?: EtcdTls } = {}) {
    const ms = opts.callMs ?? 3000;
    // the watch reconnects within 1 s once a member answers (etcd3's default backoff grows to 30 s);
    // dialTimeout is not passed: etcd3 1.1.2 reads no such option
    const faultHandling = { host: memberBreaker, watchBackoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 1000 }).next() };
    // TLS (etcds://): grpc's createSsl(CA or null for the system's, key, certificate), as etcd3 passes it.
    const credentials = opts.tls as IOptions['credentials'];
    this.client = new Etcd3({ hosts, credentials, faultHandling, grpcOptions: GRPC_OPTIONS, defaultCallOptions: (c) => (c.isStream ? {} : { deadline: Date.now() + ms }) });
    this.prefix = `xenkit/${pool}/`;
  }

  onChange(fn: (c: Change) => void): void {
    this.listeners.push(fn);
  }

  /**
   * Fill the cache and follow every later change; again after an outage (the cache is brought up to
   * date from one read, each difference reported as a change).
   */
  open(): Promise<void> {
    // one at a time: two overlapping catch-ups would leave two watches
    return (this.opening ??= this.openOnce().finally(() => (this.opening = undefined)));
  }

  private async openOnce(): Promise<void> {
    await this.watcher?.cancel().catch(() => undefined);
    this.watcher = undefined;
    // a new watch from the read's revision: the breaks of the old one are covered by that read
    const b = this.breaks;
    const at = await this.readAll();
    this.resumed = this.covered = Math.max(this.covered, b);
    this.watcher = await this.client.watch().prefix(this.prefix).startRevision(String(at + 1)).create();
    this.watcher.on('put', (kv) => this.fromWatch(kv, false));
    this.watcher.on('delete', (kv) => this.fromWatch(kv, true));
    // etcd3 resumes a broken watch after the last revision it was told of, which can be past changes
    // it never delivered (the 'created' answer's revision, before the catch-up events): until a range
    // read has covered the break, the watch's changes no longer count as seen in order
    this.watcher.on('disconnected', () => this.breaks++);
    this.watcher.on('connected', () => {
      this.resumed = this.breaks;
      if (this.inGap) void this.readAll().catch(() => undefined);
    });
  }

  /** A change the watch brought: one a range read covered already is dropped (it would undo a later change). */
  private fromWatch(kv: IKeyValue, del: boolean): void {
    if (Number(kv.mod_revision) <= this.syncedAt) return;
    this.apply(kv, del, !this.inGap);
  }

  /**
   * The cache brought up to etcd's current revision from one range read, each difference reported
   * as a change (a key gone: a delete at the read's revision); the read's revision. A key this
   * member wrote after that revision (cas(), read-your-writes) is not taken for deleted.
   */
  private async readAll(): Promise<number> {
    const back = this.resumed;
    const r = await this.call(() => this.client.getAll().prefix(this.prefix).exec());
    const at = Number(r.header.revision);
    this.clusterId = String(r.header.cluster_id);
    // changes up to `known` reached the listeners in order while the read was on its way: a key
    // absent here but in the read at or below it was deleted since (the read is older), not new
    const known = this.inGap ? 0 : this.seenRev;
    const seen = new Set<string>();
    for (const kv of r.kvs) {
      const key = kv.key.toString().slice(this.prefix.length);
      const rev = Number(kv.mod_revision);
      seen.add(key);
      const had = this.cache.get(key);
      if (!had && rev <= known) continue;
      // a key this member wrote goes to the listeners too: they have not seen it yet (the event log's rows)
      if (had?.rev !== rev || had.mine) this.apply(kv, false);
    }
    const gone = (key: string, rev: number) => this.apply({ key: Buffer.from(this.prefix + key), mod_revision: String(rev) } as unknown as IKeyValue, true);
    for (const [key, v] of [...this.cache]) if (!seen.has(key) && v.rev <= at) gone(key, at);
    for (const [key, rev] of [...this.ownDeletes]) if (!seen.has(key) && rev <= at) gone(key, rev);
    this.seenRev = Math.max(this.seenRev, at);
    this.syncedAt = Math.max(this.syncedAt, at);
    this.covered = Math.max(this.covered, back);
    return at;
  }

  /**
   * Catch up with etcd now (not when the watch brings it): after this, every change up to the
   * returned revision has reached this member's listeners. Callers at the same time share one read.
   */
  sync(): Promise<number> {
    return (this.syncing ??= this.readAll().finally(() => (this.syncing = undefined)));
  }

  /** `inOrder`: a change from the watch, every earlier one delivered (seenRev may move to it). */
  private apply(kv: IKeyValue, del: boolean, inOrder = false): void {
    const key = kv.key.toString().slice(this.prefix.length);
    const rev = Number(kv.mod_revision);
    const value = del ? null : parse(kv);
    // a change this member wrote is in the cache already (cas()): an older event is not applied over it
    if (Math.max(this.cache.get(key)?.rev ?? 0, this.ownDeletes.get(key) ?? 0) > rev) return;
    this.ownDeletes.delete(key);
    if (inOrder) this.seenRev = Math.max(this.seenRev, rev);
    if (value) this.cache.set(key, { value, rev });
    else this.cache.delete(key);
    for (const l of this.listeners) l({ key, value, rev });
  }

  get(key: string): Json | undefined {
    return this.cache.get(key)?.value;
  }
  /** Every cached key under `dir/` (e.g. 'vm/'), by the rest of its name. */
  list(dir: string): Map<string, Json> {
    const out = new Map<string, Json>();
    for (const [k, v] of this.cache) if (k.startsWith(dir)) out.set(k.slice(dir.length), v.value);
    return out;
  }

  /** A linearizable read (from the etcd leader, not the cache), with its mod revision (0: absent). */
  async read(key: string): Promise<{ value: Json | undefined; rev: number }> {
    const r = await this.call(() => this.client.get(this.prefix + key).exec());
    const kv = r.kvs[0];
    return { value: kv ? (parse(kv) ?? undefined) : undefined, rev: kv ? Number(kv.mod_revision) : 0 };
  }

  /** The value of the key under `dir` created first (etcd's create revision), from etcd, not the cache. */
  async firstCreated(dir: string): Promise<string | undefined> {
    const r = await this.call(() => this.client.getAll().prefix(this.prefix + dir).sort('Create', 'Ascend').limit(1).exec());
    return r.kvs[0]?.value.toString();
  }

  /**
   * One key's cached value brought up to date from etcd: after a call made through this member that
   * another member carried out (its change reaches here by the watch, which may lag: a watch
   * reconnecting after an etcd member died was seen to, VM.get_power_state still Halted after VM.start).
   */
  async refresh(key: string): Promise<void> {
    const r = await this.call(() => this.client.get(this.prefix + key).exec());
    const kv = r.kvs[0];
    if (kv) this.apply(kv, false);
    else if (this.cache.has(key)) this.apply({ key: Buffer.from(this.prefix + key), mod_revision: r.header.revision } as unknown as IKeyValue, true);
  }

  /**
   * Put `value` only if `key`'s mod revision is still `rev` (0: only if absent); false when another
   * change came first. With `lease`, the key lives as long as that lease.
   */
  async cas(key: string, rev: number, value: Json | null, lease?: string): Promise<boolean> {
    const k = this.prefix + key;
    let attempts = 0;
    const r = await this.call(() => {
      attempts++;
      const tx = this.client.if(k, 'Mod', '==', rev);
      return (value === null ? tx.then(this.client.delete().key(k)) : tx.then(this.client.put(k).value(JSON.stringify(value)).lease(lease ?? 0))).commit();
    });
    let ok = r.succeeded;
    let at = Number(r.header.revision);
    // An attempt whose answer was lost may have landed: the retry then finds the revision moved. If
    // the key now holds exactly what this call wrote, it was this call's write (etcd's own clients
    // have the same ambiguity after a lost answer), and reporting a conflict would make the caller
    // undo a change that stands (a VM.start destroying the domain it just built).
    if (!ok && attempts > 1) {
      const now = await this.read(key);
      ok = value === null ? now.value === undefined : now.value !== undefined && JSON.stringify(now.value) === JSON.stringify(value);
      if (now.rev) at = now.rev;
    }
    // read-your-writes: the member's next call sees its own change before the watch brings it
    // (a watch reconnecting after an etcd member died was seen to lag: HANDLE_INVALID on a VM just made)
    if (ok) {
      // a delete's own revision is known only from an answer to its first attempt (and there was a key)
      if (value === null) (this.cache.delete(key), rev && attempts === 1 && this.ownDeletes.set(key, at));
      else this.cache.set(key, { value, rev: at, mine: true });
    }
    return ok;
  }

  /**
   * Create every key of `entries` only if none exists yet, in one etcd transaction (all or none);
   * false when one already does. A retry after a lost answer is told from a conflict as cas() does.
   */
  async createAll(entries: [string, Json][]): Promise<boolean> {
    let attempts = 0;
    const r = await this.call(() => {
      attempts++;
      let tx = this.client.if(this.prefix + entries[0]![0], 'Mod', '==', 0);
      for (const [k] of entries.slice(1)) tx = tx.and(this.prefix + k, 'Mod', '==', 0);
      return tx.then(...entries.map(([k, v]) => this.client.put(this.prefix + k).value(JSON.stringify(v)))).commit();
    });
    let ok = r.succeeded;
    if (!ok && attempts > 1) {
      const now = await Promise.all(entries.map(([k]) => this.read(k)));
      ok = now.every((n, i) => n.value !== undefined && JSON.stringify(n.value) === JSON.stringify(entries[i]![1]));
    }
    if (ok) for (const [k, v] of entries) this.cache.set(k, { value: v, rev: Number(r.header.revision), mine: true });
    return ok;
  }

  /** Read, change, write; retried while others win the race (bounded); the function may refuse (throw). */
  async update(key: string, fn: (cur: Json | undefined) => Json | null, tries = 20): Promise<Json | null> {
    for (let i = 0; i < tries; i++) {
      const cur = await this.read(key);
      const next = fn(cur.value);
      if (await this.cas(key, cur.rev, next)) return next;
    }
    throw new ApiFailure('OTHER_OPERATION_IN_PROGRESS', [key, `${tries} conflicting changes in a row`]);
  }

  async put(key: string, value: Json, lease?: string): Promise<void> {
    await this.call(() => this.client.put(this.prefix + key).value(JSON.stringify(value)).lease(lease ?? 0).exec());
  }

  /**
   * One etcd call, tried again (at most CALL_TRIES times, CALL_PAUSE_MS apart, each with a fresh
   * deadline) when it failed in a way that passes once a killed etcd member is out of the client's
   * rotation: a recoverable gRPC error (its connection times out, and etcd3's own retries share the
   * first attempt's deadline) or etcd3's circuit breaker still open for a member that just came back.
   * Then XENKIT_POOL_UNAVAILABLE. A cas retried after a lost answer finds the revision moved: never
   * a double write; cas() then tells its own landed write from another member's change.
   */
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    for (let i = 1; ; i++) {
      try {
        return await fn();
      } catch (e) {
        const passing = isRecoverableError(e as Error) || /circuit breaker is open/.test(String((e as Error)?.message));
        if (!passing || i >= CALL_TRIES || this.closed) throw unavailable(e);
        await new Promise((r) => setTimeout(r, CALL_PAUSE_MS));
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.watcher?.cancel().catch(() => undefined);
    this.client.close();
  }
}
