import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { XenkitError } from '../errors.js';

/** What the service keeps of a VM it manages: the xl.cfg it builds from and the fields a client set. */
export interface VmRow {
  ref: string;
  uuid: string;
  cfg: string;
  fields: Record<string, unknown>;
  /** The domain it runs as, while it runs (null: Halted). */
  domid: number | null;
  power: string;
}

export interface EventRow {
  id: number;
  cls: string;
  ref: string;
  op: 'add' | 'mod' | 'del';
  ts: number;
  snapshot: Record<string, unknown> | null;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, uuid TEXT NOT NULL, role TEXT NOT NULL, salt BLOB NOT NULL, hash BLOB NOT NULL);
  CREATE TABLE IF NOT EXISTS sessions (ref TEXT PRIMARY KEY, uuid TEXT NOT NULL, user TEXT NOT NULL, originator TEXT NOT NULL, created INTEGER NOT NULL, last INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS vms (ref TEXT PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, cfg TEXT NOT NULL, fields TEXT NOT NULL, domid INTEGER, power TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS objects (cls TEXT NOT NULL, ref TEXT NOT NULL, record TEXT NOT NULL, PRIMARY KEY (cls, ref));
  CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY AUTOINCREMENT, cls TEXT NOT NULL, ref TEXT NOT NULL, op TEXT NOT NULL, ts INTEGER NOT NULL, snapshot TEXT);
`;

/** At most this many distinct statements kept prepared (the service's SQL is a fixed set of literals). */
const PREPARED_KEPT = 256;

/**
 * db.prepare() answered from a cache: compiling a statement cost more than running it on the hot path
 * (a session's record read `users` on every call). better-sqlite3 statements are reusable; none of the
 * service's statements is iterated or switched to raw/pluck, which would change a shared statement.
 */
function cachePrepared(db: Database.Database): void {
  const compile = db.prepare.bind(db);
  const kept = new Map<string, Database.Statement>();
  db.prepare = ((sql: string) => {
    let st = kept.get(sql);
    if (!st) {
      if (kept.size >= PREPARED_KEPT) kept.clear();
      kept.set(sql, (st = compile(sql)));
    }
    return st;
  }) as typeof db.prepare;
}

/** Events kept for event.from/next; an older token answers EVENTS_LOST. */
const EVENTS_KEPT = 20000;

/**
 * The service's SQLite store (WAL, synchronous=FULL: a change is on disk before its call is answered).
 * One connection, one process; every write is one transaction.
 */
export class Store {
  readonly db: Database.Database;
  readonly path: string;
  constructor(path: string) {
    this.path = path;
    try {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      this.db = new Database(path, { timeout: 5000 });
      cachePrepared(this.db);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.db.exec(SCHEMA);
    } catch (e) {
      throw new XenkitError('STATE_IO', `the service store ${path} cannot be opened: ${(e as Error).message}`, { field: 'state', value: path, hint: 'a writable path (--state)' });
    }
  }

  tx<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  meta(key: string): string | undefined {
    return (this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
  }
  setMeta(key: string, value: string): void {
    this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  vms(): VmRow[] {
    return (this.db.prepare('SELECT * FROM vms ORDER BY rowid').all() as { ref: string; uuid: string; cfg: string; fields: string; domid: number | null; power: string }[]).map((r) => ({ ...r, fields: JSON.parse(r.fields) as Record<string, unknown> }));
  }
  vm(ref: string): VmRow | undefined {
    const r = this.db.prepare('SELECT * FROM vms WHERE ref = ?').get(ref) as { ref: string; uuid: string; cfg: string; fields: string; domid: number | null; power: string } | undefined;
    return r && { ...r, fields: JSON.parse(r.fields) as Record<string, unknown> };
  }
  vmByUuid(uuid: string): boolean {
    return this.db.prepare('SELECT 1 FROM vms WHERE uuid = ?').get(uuid) !== undefined;
  }
  putVm(v: VmRow): void {
    this.db.prepare('INSERT INTO vms (ref, uuid, cfg, fields, domid, power) VALUES (@ref, @uuid, @cfg, @fields, @domid, @power) ON CONFLICT(ref) DO UPDATE SET cfg = excluded.cfg, fields = excluded.fields, domid = excluded.domid, power = excluded.power').run({ ...v, fields: JSON.stringify(v.fields) });
  }
  deleteVm(ref: string): void {
    this.db.prepare('DELETE FROM vms WHERE ref = ?').run(ref);
  }

  /** Plain records of a class the service owns (task, message). */
  objects(cls: string): Map<string, Record<string, unknown>> {
    const rows = this.db.prepare('SELECT ref, record FROM objects WHERE cls = ? ORDER BY rowid').all(cls) as { ref: string; record: string }[];
    return new Map(rows.map((r) => [r.ref, JSON.parse(r.record) as Record<string, unknown>]));
  }
  object(cls: string, ref: string): Record<string, unknown> | undefined {
    const r = this.db.prepare('SELECT record FROM objects WHERE cls = ? AND ref = ?').get(cls, ref) as { record: string } | undefined;
    return r && (JSON.parse(r.record) as Record<string, unknown>);
  }
  putObject(cls: string, ref: string, rec: Record<string, unknown>): void {
    this.db.prepare('INSERT INTO objects (cls, ref, record) VALUES (?, ?, ?) ON CONFLICT(cls, ref) DO UPDATE SET record = excluded.record').run(cls, ref, JSON.stringify(rec));
  }
  deleteObject(cls: string, ref: string): void {
    this.db.prepare('DELETE FROM objects WHERE cls = ? AND ref = ?').run(cls, ref);
  }

  addEvent(cls: string, ref: string, op: EventRow['op'], snapshot: Record<string, unknown> | null): number {
    const id = Number(this.db.prepare('INSERT INTO events (cls, ref, op, ts, snapshot) VALUES (?, ?, ?, ?, ?)').run(cls, ref, op, Date.now(), snapshot ? JSON.stringify(snapshot) : null).lastInsertRowid);
    if (id % 1000 === 0) this.db.prepare('DELETE FROM events WHERE id <= ?').run(id - EVENTS_KEPT);
    return id;
  }
  eventsAfter(id: number, limit = 5000): EventRow[] {
    return (this.db.prepare('SELECT * FROM events WHERE id > ? ORDER BY id LIMIT ?').all(id, limit) as (Omit<EventRow, 'snapshot'> & { snapshot: string | null })[]).map((r) => ({ ...r, snapshot: r.snapshot ? (JSON.parse(r.snapshot) as Record<string, unknown>) : null }));
  }
  lastEventId(): number {
    return (this.db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'events'").get() as { seq: number } | undefined)?.seq ?? 0;
  }
  firstEventId(): number {
    return (this.db.prepare('SELECT MIN(id) AS m FROM events').get() as { m: number | null }).m ?? this.lastEventId() + 1;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
