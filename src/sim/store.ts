import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { homedir } from 'node:os';
import Database from 'better-sqlite3';
import { XenkitError } from '../errors.js';
import { DOMID_FIRST_RESERVED } from '../xen/domid.js';
import { DEFAULT_HOST, type HostCaps } from '../xen/host.js';
import { SimXen, type SimSnapshot } from './sim.js';
import { corrupt, DOMAIN_COLUMNS, domainToRow, metaFaults, metaInt, metaLeaked, rowToDomain, sameRow, storedHost, type DomainRow } from './state-rows.js';

/**
 * A simulated Xen whose state lives in an SQLite file (WAL mode), so it survives between CLI runs.
 * `read` is a deferred transaction that never writes; `run` is one IMMEDIATE transaction that loads
 * the sim, runs the operation in memory and writes back only the rows that changed. Two writers
 * queue on SQLite's lock (busy timeout); readers see the last commit; a failure before commit
 * leaves the file as it was.
 */
const SCHEMA_VERSION = 2;
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS domains (
    domid INTEGER PRIMARY KEY, hvm INTEGER NOT NULL, hap INTEGER NOT NULL, xs_domain INTEGER NOT NULL,
    flags INTEGER NOT NULL, emulation_flags INTEGER NOT NULL, ssidref INTEGER NOT NULL, handle BLOB NOT NULL,
    pause_count INTEGER NOT NULL, shutdown_reason TEXT, tot_pages INTEGER NOT NULL, max_pages INTEGER NOT NULL,
    max_vcpus INTEGER NOT NULL, vcpus_created INTEGER NOT NULL, online_vcpus INTEGER NOT NULL, created_at INTEGER NOT NULL, cpupool INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS names (domid INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, config TEXT);`;

export function defaultStatePath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.XENKIT_STATE) return env.XENKIT_STATE;
  const base = env.XDG_STATE_HOME || `${homedir()}/.local/state`;
  return `${base}/xenkit/sim.db`;
}

export interface SimState {
  readonly path: string;
  /** Run fn in one write transaction; saved only if fn returns (or throws a Xen errno); writes only what changed. */
  run<T>(fn: (sim: SimXen, names: NameTable) => T): T;
  /** A consistent snapshot that never writes (with injected faults pending, a call may consume one: then it runs as `run`). */
  read<T>(fn: (sim: SimXen, names: NameTable) => T): T;
  /**
   * One write transaction that replaces the host and every domain (`sim init --force`, `sim reset`):
   * `host` or else the stored one; `ifNew`: refuse (STATE_EXISTS) when a host is stored; `force`:
   * an invalid stored host gives way to the default. Returns the host now stored.
   */
  reset(opts?: { host?: HostCaps; ifNew?: boolean; force?: boolean }): HostCaps;
  close(): void;
}

/** Toolstack metadata kept beside the sim (what xenstore holds for xl: names and configs). */
export interface NameTable {
  get(domid: number): { name: string; config: unknown } | undefined;
  byName(name: string): number | undefined;
  /** Name a domain; a name another live domain holds is NAME_IN_USE. */
  set(domid: number, name: string, config: unknown): void;
  delete(domid: number): void;
  all(): Map<number, { name: string; config: unknown }>;
}

interface Loaded {
  sim: SimXen;
  names: StoredNames;
  meta: Map<string, string>;
  rows: Map<number, DomainRow>;
}

export function openSimState(path: string, opts: { host?: Partial<HostCaps>; timeoutMs?: number; anyVersion?: boolean } = {}): SimState {
  const conn = new Connection(path, opts.timeoutMs ?? 10_000, !!opts.anyVersion);
  // DEFAULT_HOST is complete, so makeHost() takes its fast path (no zod) for the default.
  const fresh = () => new SimXen(opts.host ?? DEFAULT_HOST);
  // A library caller naming a host gets it stored at once (so a second open sees it).
  if (opts.host) conn.write((db) => void (storedMeta(db).has('host') || save(db, emptyLoad(path, fresh()))));
  return {
    path,
    run: (fn) => writeTx(conn, fresh, fn),
    read: (fn) => readTx(conn, fresh, fn),
    reset: (o = {}) => conn.write((db) => resetIn(db, path, o)),
    close: () => conn.close(),
  };
}

/** The SQLite connection, opened when first needed: a read of a missing file creates nothing. */
class Connection {
  private db?: Database.Database;
  private writable = false;
  constructor(
    readonly path: string,
    private readonly timeoutMs: number,
    private readonly anyVersion: boolean,
  ) {
    // An existing file is opened (and its schema checked) at once, so a bad file is reported at open.
    if (existsSync(path)) this.open(false);
  }

  private open(create: boolean): Database.Database | undefined {
    if (this.db) return this.db;
    if (!create && !existsSync(this.path)) return undefined;
    let db: Database.Database | undefined;
    try {
      if (create) mkdirSync(dirname(this.path), { recursive: true });
      db = new Database(this.path, { timeout: this.timeoutMs, fileMustExist: !create });
      const version = hasTable(db, 'meta') ? (db.prepare('SELECT value FROM meta WHERE key = ?').get('schema_version') as { value: string } | undefined) : undefined;
      if (version && Number(version.value) !== SCHEMA_VERSION && !this.anyVersion)
        throw new XenkitError('STATE_VERSION', `state file ${this.path} has schema version ${version.value}; this xenkit reads version ${SCHEMA_VERSION}`, {
          field: 'state',
          value: this.path,
          hint: 'run `xk sim reset --force` (or point --state at another file)',
        });
    } catch (e) {
      db?.close();
      throw stateError(this.path, e);
    }
    return (this.db = db);
  }

  /** fn inside a deferred (read) transaction; undefined fn result when there is no file or no tables. */
  read<T>(fn: (db: Database.Database) => T): T | undefined {
    const db = this.open(false);
    if (!db) return undefined;
    return guard(this.path, () => db.transaction(() => (hasTable(db, 'domains') ? fn(db) : undefined)).deferred());
  }

  /** fn inside an IMMEDIATE transaction (the write lock), with the schema in place. */
  write<T>(fn: (db: Database.Database) => T): T {
    const db = this.open(true)!;
    if (!this.writable) {
      guard(this.path, () => {
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL');
      });
      this.writable = true;
    }
    return guard(this.path, () =>
      db
        .transaction(() => {
          db.exec(SCHEMA);
          return fn(db);
        })
        .immediate(),
    );
  }

  close(): void {
    this.db?.close();
    this.db = undefined;
  }
}

function hasTable(db: Database.Database, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

/** Only the database's own failures are state-file errors; anything else is what it is. */
function guard<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    const code = String((e as { code?: unknown }).code ?? '');
    if (!(e instanceof XenkitError) && (code.startsWith('SQLITE_') || /^E[A-Z]+$/.test(code))) throw stateError(path, e);
    throw e;
  }
}

/** A hypercall refusal is Xen's answer, and its side effects (the domid allocator moving) are Xen's too. */
function isXenRefusal(e: unknown): boolean {
  return e instanceof XenkitError && !!e.errno && e.code.startsWith('XEN_');
}

function writeTx<T>(conn: Connection, fresh: () => SimXen, fn: (sim: SimXen, names: NameTable) => T): T {
  let xenErr: unknown;
  const out = conn.write((db) => {
    const l = load(db, conn.path, fresh);
    let r: T | undefined;
    try {
      r = fn(l.sim, l.names.table);
    } catch (e) {
      if (!isXenRefusal(e)) throw e;
      xenErr = e;
    }
    save(db, l);
    return r as T;
  });
  if (xenErr) throw xenErr;
  return out;
}

const PENDING_FAULTS = Symbol('faults');

function readTx<T>(conn: Connection, fresh: () => SimXen, fn: (sim: SimXen, names: NameTable) => T): T {
  const r = conn.read((db) => {
    const l = load(db, conn.path, fresh);
    // An injected fault is spent by the call it fails: that is a change to keep, so write.
    if (Object.keys(l.sim.pendingFaults()).length) return PENDING_FAULTS;
    return { v: fn(l.sim, l.names.table) };
  });
  if (r === PENDING_FAULTS) return writeTx(conn, fresh, fn);
  if (r) return r.v;
  const sim = fresh();
  return fn(sim, new StoredNames(sim, new Map(), () => null).table);
}

function storedMeta(db: Database.Database): Map<string, string> {
  return new Map((db.prepare('SELECT key, value FROM meta').raw().all() as [string, string][]).map(([k, v]) => [k, v]));
}

function emptyLoad(_path: string, sim: SimXen): Loaded {
  return { sim, names: new StoredNames(sim, new Map(), () => null), meta: new Map(), rows: new Map() };
}

/** Load the sim and names, checking every value (STATE_CORRUPT names the key or row). */
function load(db: Database.Database, path: string, fresh: () => SimXen): Loaded {
  const meta = storedMeta(db);
  const hostText = meta.get('host');
  if (hostText === undefined) return { ...emptyLoad(path, fresh()), meta };
  const rows = new Map<number, DomainRow>();
  const domains = [];
  for (const r of db.prepare(`SELECT ${DOMAIN_COLUMNS.join(', ')} FROM domains`).raw().all() as DomainRow[]) {
    domains.push(rowToDomain(path, r));
    rows.set(r[0] as number, r);
  }
  const snap: SimSnapshot = {
    host: storedHost(path, hostText),
    lastDomid: metaInt(path, 'last_domid', meta.get('last_domid'), 0, DOMID_FIRST_RESERVED - 1),
    freePages: metaInt(path, 'free_pages', meta.get('free_pages'), 0, Number.MAX_SAFE_INTEGER),
    clockNs: metaInt(path, 'clock_ns', meta.get('clock_ns'), 0, Number.MAX_SAFE_INTEGER, 0),
    faults: metaFaults(path, meta.get('faults')),
    leakedDomids: metaLeaked(path, meta.get('leaked')),
    domains,
  };
  const sim = new SimXen(snap.host, snap);
  const names = new Map<number, string>();
  const stored = new Set<number>();
  // Served by the UNIQUE index on name (the configs stay on disk until asked for).
  for (const [domid, name] of db.prepare('SELECT domid, name FROM names').raw().all() as [number, unknown][]) {
    if (typeof name !== 'string') throw corrupt(path, `names[${domid}].name`, name, 'not text');
    stored.add(domid);
    // A name left by a domain that is gone (destroyed through the library) is not carried on.
    if (rows.has(domid)) names.set(domid, name);
  }
  const config = db.prepare('SELECT config FROM names WHERE domid = ?').pluck();
  return { sim, names: new StoredNames(sim, names, (id) => configOf(path, id, config.get(id)), stored), meta, rows };
}

function configOf(path: string, domid: number, text: unknown): unknown {
  if (text === null || text === undefined) return null;
  try {
    return JSON.parse(String(text));
  } catch {
    throw corrupt(path, `names[${domid}].config`, String(text).slice(0, 80), 'not JSON');
  }
}

/** Write back only what changed: meta values, domain rows added/changed/removed, name rows. */
function save(db: Database.Database, l: Loaded): void {
  const s = l.sim.snapshot();
  const meta: [string, string][] = [
    ['schema_version', String(SCHEMA_VERSION)],
    ['host', JSON.stringify(s.host)],
    ['last_domid', String(s.lastDomid)],
    ['free_pages', String(s.freePages)],
    ['clock_ns', String(s.clockNs)],
    ['faults', JSON.stringify(s.faults)],
    ['leaked', JSON.stringify(s.leakedDomids ?? [])],
  ];
  const putMeta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  for (const [k, v] of meta) if (l.meta.get(k) !== v) putMeta.run(k, v);
  const ins = db.prepare(`INSERT INTO domains (${DOMAIN_COLUMNS.join(', ')}) VALUES (${DOMAIN_COLUMNS.map(() => '?').join(', ')})`);
  const upd = db.prepare(`UPDATE domains SET ${DOMAIN_COLUMNS.slice(1).map((c) => `${c} = ?`).join(', ')} WHERE domid = ?`);
  const del = db.prepare('DELETE FROM domains WHERE domid = ?');
  const live = new Set<number>();
  for (const d of s.domains) {
    live.add(d.domid);
    const row = domainToRow(d);
    const was = l.rows.get(d.domid);
    if (!was) ins.run(row);
    else if (!sameRow(row, was)) upd.run([...row.slice(1), d.domid]);
  }
  for (const id of l.rows.keys()) if (!live.has(id)) del.run(id);
  l.names.save(db, live);
}

/** The names table of one transaction: loaded names, configs read on demand, changes tracked. */
class StoredNames {
  private readonly byName = new Map<string, number>();
  private readonly changed = new Map<number, { name: string; config: unknown } | null>();
  readonly table: NameTable;

  constructor(
    private readonly sim: SimXen,
    private readonly names: Map<number, string>,
    private readonly loadConfig: (domid: number) => unknown,
    private readonly stored: Set<number> = new Set(),
  ) {
    for (const [id, n] of names) this.byName.set(n, id);
    this.table = {
      get: (domid) => this.get(domid),
      byName: (name) => this.byName.get(name),
      set: (domid, name, config) => this.set(domid, name, config),
      delete: (domid) => this.remove(domid),
      all: () => new Map([...this.names.keys()].map((id) => [id, this.get(id)!])),
    };
  }

  private get(domid: number): { name: string; config: unknown } | undefined {
    const c = this.changed.get(domid);
    if (c !== undefined) return c ?? undefined;
    const name = this.names.get(domid);
    if (name === undefined) return undefined;
    let config: unknown;
    let loaded = false;
    const load = () => (loaded ? config : ((loaded = true), (config = this.loadConfig(domid))));
    return { name, get config() { return load(); } };
  }

  private set(domid: number, name: string, config: unknown): void {
    const holder = this.byName.get(name);
    if (holder !== undefined && holder !== domid) {
      if (alive(this.sim, holder))
        throw new XenkitError('NAME_IN_USE', `name: a domain named "${name}" already exists (domain ${holder})`, {
          field: 'name',
          value: name,
          hint: 'choose another name, or destroy the other domain first (libxl: "Domain with name ... already exists")',
        });
      this.remove(holder);
    }
    this.remove(domid);
    this.names.set(domid, name);
    this.byName.set(name, domid);
    this.changed.set(domid, { name, config });
  }

  private remove(domid: number): void {
    const name = this.names.get(domid);
    if (name === undefined) return;
    this.names.delete(domid);
    if (this.byName.get(name) === domid) this.byName.delete(name);
    this.changed.set(domid, null);
  }

  /** Deletes first (a name may move between domains in one transaction), then inserts; dead domains' names go. */
  save(db: Database.Database, live: Set<number>): void {
    const del = db.prepare('DELETE FROM names WHERE domid = ?');
    const ins = db.prepare('INSERT INTO names (domid, name, config) VALUES (?, ?, ?)');
    for (const id of this.stored) if (this.changed.has(id) || !live.has(id) || !this.names.has(id)) del.run(id);
    for (const [id, c] of this.changed) if (c && live.has(id)) ins.run(id, c.name, JSON.stringify(c.config ?? null));
  }
}

function alive(sim: SimXen, domid: number): boolean {
  return sim.listDomains().some((d) => d.domid === domid);
}

/** Inside the write lock: the new (or stored) host, freshly booted, replacing every table's rows. */
function resetIn(db: Database.Database, path: string, o: { host?: HostCaps; ifNew?: boolean; force?: boolean }): HostCaps {
  const meta = storedMeta(db);
  const text = meta.get('host');
  if (o.ifNew && text !== undefined)
    throw new XenkitError('STATE_EXISTS', `state file ${path} already holds a simulated host`, {
      field: 'state',
      value: path,
      hint: 'use `xk sim reset` to empty it, or `xk sim init --force` to replace it',
    });
  let host = o.host;
  if (!host && text !== undefined) {
    try {
      host = storedHost(path, text);
    } catch (e) {
      if (!o.force) throw e;
    }
  }
  const sim = new SimXen(host ?? DEFAULT_HOST);
  // Any schema version: the tables are made anew, in this same transaction.
  db.exec('DROP TABLE IF EXISTS names; DROP TABLE IF EXISTS domains; DROP TABLE IF EXISTS meta;' + SCHEMA);
  save(db, emptyLoad(path, sim));
  return sim.host;
}

/**
 * `sim init` / `sim reset` on a path: one write transaction on the open database. Only a file that
 * SQLite cannot read as a database at all (with --force) is replaced whole: a new database is
 * renamed over it (atomic: another xk opens the old file or the new one).
 */
export function resetSimState(path: string, o: { host?: HostCaps; ifNew?: boolean; force?: boolean } = {}): HostCaps {
  let st: SimState;
  try {
    st = openSimState(path, { anyVersion: !!o.force });
  } catch (e) {
    if (!o.force || !(e instanceof XenkitError && e.code === 'STATE_CORRUPT')) throw e;
    const tmp = `${path}.new-${process.pid}`;
    rmSync(tmp, { force: true });
    const host = resetSimState(tmp, { host: o.host });
    // A -wal beside a file that is not a database belongs to no database; left there SQLite would
    // replay it into the new one.
    for (const p of [`${path}-wal`, `${path}-shm`]) rmSync(p, { force: true });
    renameSync(tmp, path);
    return host;
  }
  try {
    return st.reset(o);
  } finally {
    st.close();
  }
}

function stateError(path: string, e: unknown): XenkitError {
  if (e instanceof XenkitError) return e;
  const code = (e as { code?: string }).code ?? '';
  const msg = (e as Error).message ?? String(e);
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED')
    return new XenkitError('STATE_LOCKED', `state file ${path} is locked by another xenkit process (waited and gave up)`, {
      field: 'state',
      value: path,
      hint: 'wait for the other xk command to finish, or use another --state file',
      cause: e,
    });
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT' || /not a database|malformed/i.test(msg))
    return new XenkitError('STATE_CORRUPT', `state file ${path} is not a xenkit state database (${msg})`, {
      field: 'state',
      value: path,
      hint: 'move the file away, or run `xk sim reset --force` to start a fresh simulated host there',
      cause: e,
    });
  return new XenkitError('STATE_IO', `state file ${path}: ${msg}`, { field: 'state', value: path, hint: 'check the path and its permissions', cause: e });
}

/** A NameTable over a map (the demo and library users keep one in memory). */
export function nameTableOf(names: Map<number, { name: string; config: unknown }> = new Map()): NameTable {
  return {
    get: (domid) => names.get(domid),
    byName: (name) => {
      for (const [id, n] of names) if (n.name === name) return id;
      return undefined;
    },
    set: (domid, name, config) => void names.set(domid, { name, config }),
    delete: (domid) => void names.delete(domid),
    all: () => names,
  };
}
