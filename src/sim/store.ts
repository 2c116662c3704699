import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { homedir } from 'node:os';
import { openDatabase, type Database } from './sqlite.js';
import { XenkitError, isHypercallError } from '../errors.js';
import { DOMID_FIRST_RESERVED } from '../xen/domid.js';
import { DEFAULT_HOST, type HostCaps } from '../xen/host.js';
import { SimXen, type SimDomain, type SimSnapshot } from './sim.js';
import { BLOCK_DOMAINS, checkBlock, corrupt, decodeBlock, DOMAIN_COLUMNS, encodeBlock, metaFaults, metaInt, metaLeaked, RECORD_BYTES, rowToDomain, storedHost, type DomainRow } from './state-rows.js';

/**
 * A simulated Xen whose state lives in an SQLite file (WAL mode), so it survives between CLI runs.
 * `read` is a deferred transaction that never writes; `run` is one IMMEDIATE transaction that loads
 * the sim, runs the operation in memory and writes back only the rows that changed. Two writers
 * queue on SQLite's lock (busy timeout); readers see the last commit; a failure before commit
 * leaves the file as it was.
 */
const SCHEMA_VERSION = 3;
/** Version 2 (one SQL row per domain, names with their configs) is still read, and migrated by the first write. */
const OLD_VERSION = 2;
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS blocks (block INTEGER PRIMARY KEY, domains BLOB NOT NULL, names TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS configs (domid INTEGER PRIMARY KEY, config TEXT);`;

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
   * Every domain's stored record and name, read in one read transaction straight from the stored
   * blocks (no SimXen, no object per domain: `xk list` on 20,000 domains); undefined when the general path must
   * answer (no stored host, a version 2 file, injected faults pending).
   */
  listDomains(): StoredList | undefined;
  /**
   * One write transaction that replaces the host and every domain (`sim init --force`, `sim reset`):
   * `host` or else the stored one; `ifNew`: refuse (STATE_EXISTS) when a host is stored; `force`:
   * an invalid stored host gives way to the default. Returns the host now stored.
   */
  reset(opts?: { host?: HostCaps; ifNew?: boolean; force?: boolean }): HostCaps;
  close(): void;
}

/** Every domain as stored: the records side by side (state-rows.ts, checked), and each one's name. */
export interface StoredList {
  records: Uint8Array;
  names: (string | null)[];
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
  /** The stored blocks as read (a write compares against them). */
  blocks: Map<number, { blob: Buffer; names: string }>;
  /** The domains the file held. */
  domids: Set<number>;
  /** Read from a version 2 file: the first write migrates it. */
  v2?: boolean;
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
    listDomains: () => conn.read((db) => listIn(db, path)),
    reset: (o = {}) => conn.write((db) => resetIn(db, path, o)),
    close: () => conn.close(),
  };
}

/** The SQLite connection, opened when first needed: a read of a missing file creates nothing. */
class Connection {
  private db?: Database;
  private writable = false;
  constructor(
    readonly path: string,
    private readonly timeoutMs: number,
    private readonly anyVersion: boolean,
  ) {
    // An existing file is opened (and its schema checked) at once, so a bad file is reported at open.
    if (existsSync(path)) this.open(false);
  }

  private open(create: boolean): Database | undefined {
    if (this.db) return this.db;
    if (!create && !existsSync(this.path)) return undefined;
    let db: Database | undefined;
    try {
      if (create) mkdirSync(dirname(this.path), { recursive: true });
      db = openDatabase(this.path, { timeout: this.timeoutMs, fileMustExist: !create });
      const version = hasTable(db, 'meta') ? (db.prepare('SELECT value FROM meta WHERE key = ?').get('schema_version') as { value: string } | undefined) : undefined;
      if (version && Number(version.value) !== SCHEMA_VERSION && Number(version.value) !== OLD_VERSION && !this.anyVersion)
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
  read<T>(fn: (db: Database) => T): T | undefined {
    const db = this.open(false);
    if (!db) return undefined;
    return guard(this.path, () => db.transaction(() => (hasTable(db, 'meta') ? fn(db) : undefined)).deferred());
  }

  /** fn inside an IMMEDIATE transaction (the write lock), with the schema in place. */
  write<T>(fn: (db: Database) => T): T {
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

function hasTable(db: Database, name: string): boolean {
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
  return isHypercallError(e);
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

function storedMeta(db: Database): Map<string, string> {
  return new Map((db.prepare('SELECT key, value FROM meta').raw().all() as [string, string][]).map(([k, v]) => [k, v]));
}

function emptyLoad(_path: string, sim: SimXen): Loaded {
  return { sim, names: new StoredNames(sim, new Map(), () => null), meta: new Map(), blocks: new Map(), domids: new Set() };
}

/** Load the sim and names, checking every value (STATE_CORRUPT names the key or row). */
function load(db: Database, path: string, fresh: () => SimXen): Loaded {
  const meta = storedMeta(db);
  const hostText = meta.get('host');
  if (hostText === undefined) return { ...emptyLoad(path, fresh()), meta };
  const v2 = meta.get('schema_version') === String(OLD_VERSION);
  const l = v2 ? loadRows(db, path) : loadBlocks(db, path);
  const snap: SimSnapshot = { ...checkedMeta(path, meta, hostText), domains: l.domains };
  const sim = new SimXen(snap.host, snap);
  const config = db.prepare(v2 ? 'SELECT config FROM names WHERE domid = ?' : 'SELECT config FROM configs WHERE domid = ?').pluck();
  const names = new StoredNames(sim, l.names, (id) => configOf(path, id, config.get(id)));
  const domids = new Set<number>();
  for (const d of l.domains) domids.add(d.domid);
  return { sim, names, meta, blocks: l.blocks, domids, v2 };
}

/** The stored host and counters, each checked (STATE_CORRUPT names the key). */
function checkedMeta(path: string, meta: Map<string, string>, hostText: string): Omit<SimSnapshot, 'domains'> {
  return {
    host: storedHost(path, hostText),
    lastDomid: metaInt(path, 'last_domid', meta.get('last_domid'), 0, DOMID_FIRST_RESERVED - 1),
    freePages: metaInt(path, 'free_pages', meta.get('free_pages'), 0, Number.MAX_SAFE_INTEGER),
    clockNs: metaInt(path, 'clock_ns', meta.get('clock_ns'), 0, Number.MAX_SAFE_INTEGER, 0),
    faults: metaFaults(path, meta.get('faults')),
    leakedDomids: metaLeaked(path, meta.get('leaked')),
  };
}

/** listDomains(): the file checked as load() checks it, the blocks' records side by side as stored. */
function listIn(db: Database, path: string): StoredList | undefined {
  const meta = storedMeta(db);
  const hostText = meta.get('host');
  if (hostText === undefined || meta.get('schema_version') === String(OLD_VERSION)) return undefined;
  if (Object.keys(checkedMeta(path, meta, hostText).faults).length) return undefined;
  const blobs: Uint8Array[] = [];
  const names: (string | null)[] = [];
  const byName = new Map<string, number>();
  for (const [block, blob, text] of db.prepare('SELECT block, domains, names FROM blocks ORDER BY block').raw().all() as [number, Buffer, string][]) {
    const ns = checkBlock(path, block, blob, text);
    blobs.push(blob);
    for (let i = 0; i < ns.length; i++) {
      const name = ns[i]!;
      names.push(name);
      if (name !== null) uniqueName(path, byName, name, blob[i * RECORD_BYTES]! | (blob[i * RECORD_BYTES + 1]! << 8));
    }
  }
  return { records: Buffer.concat(blobs), names };
}

/** A name held by one domain only (a corrupt file could give two the same). */
function uniqueName(path: string, byName: Map<string, number>, name: string, domid: number): void {
  const other = byName.get(name);
  if (other !== undefined) throw corrupt(path, `domains[${domid}].name`, name, `also the name of domain ${other}`);
  byName.set(name, domid);
}

interface Stored {
  domains: SimDomain[];
  names: Map<number, string>;
  blocks: Map<number, { blob: Buffer; names: string }>;
}

function loadBlocks(db: Database, path: string): Stored {
  const out: Stored = { domains: [], names: new Map(), blocks: new Map() };
  const byName = new Map<string, number>();
  for (const [block, blob, text] of db.prepare('SELECT block, domains, names FROM blocks ORDER BY block').raw().all() as [number, Buffer, string][]) {
    const b = decodeBlock(path, block, blob, text);
    out.blocks.set(block, { blob, names: text });
    for (let i = 0; i < b.domains.length; i++) {
      const d = b.domains[i]!;
      out.domains.push(d);
      const name = b.names[i];
      if (name === null || name === undefined) continue;
      uniqueName(path, byName, name, d.domid);
      out.names.set(d.domid, name);
    }
  }
  return out;
}

/** Schema version 2: a row per domain; names (with configs) in their own table. */
function loadRows(db: Database, path: string): Stored {
  const out: Stored = { domains: [], names: new Map(), blocks: new Map() };
  const live = new Set<number>();
  for (const r of db.prepare(`SELECT ${DOMAIN_COLUMNS.join(', ')} FROM domains`).raw().all() as DomainRow[]) {
    out.domains.push(rowToDomain(path, r));
    live.add(r[0] as number);
  }
  for (const [domid, name] of db.prepare('SELECT domid, name FROM names').raw().all() as [number, unknown][]) {
    if (typeof name !== 'string') throw corrupt(path, `names[${domid}].name`, name, 'not text');
    // A name left by a domain that is gone (destroyed through the library) is not carried on.
    if (live.has(domid)) out.names.set(domid, name);
  }
  return out;
}

function configOf(path: string, domid: number, text: unknown): unknown {
  if (text === null || text === undefined) return null;
  try {
    return JSON.parse(String(text));
  } catch {
    throw corrupt(path, `configs[${domid}].config`, String(text).slice(0, 80), 'not JSON');
  }
}

/** Write back only what changed: meta values, the blocks whose domains or names changed, configs. */
function save(db: Database, l: Loaded): void {
  const s = l.sim.snapshot();
  if (l.v2) migrate(db);
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
  const byBlock = new Map<number, SimDomain[]>();
  for (const d of s.domains) {
    const b = Math.floor(d.domid / BLOCK_DOMAINS);
    const list = byBlock.get(b);
    if (list) list.push(d);
    else byBlock.set(b, [d]);
  }
  const ins = db.prepare('INSERT INTO blocks (block, domains, names) VALUES (?, ?, ?)');
  const upd = db.prepare('UPDATE blocks SET domains = ?, names = ? WHERE block = ?');
  for (const [b, ds] of byBlock) {
    const blob = encodeBlock(ds);
    const names = JSON.stringify(ds.map((d) => l.names.nameOf(d.domid) ?? null));
    const was = l.blocks.get(b);
    if (!was) ins.run(b, blob, names);
    else if (!blob.equals(was.blob) || names !== was.names) upd.run(blob, names, b);
  }
  const delBlock = db.prepare('DELETE FROM blocks WHERE block = ?');
  for (const b of l.blocks.keys()) if (!byBlock.has(b)) delBlock.run(b);
  const live = new Set(s.domains.map((d) => d.domid));
  l.names.saveConfigs(db, live, [...l.domids].filter((id) => !live.has(id)));
}

/** Version 2 -> 3, in the write transaction: the configs of live domains move, the old tables go. */
function migrate(db: Database): void {
  db.exec(`INSERT OR REPLACE INTO configs (domid, config) SELECT n.domid, n.config FROM names n JOIN domains d USING (domid);
    DROP TABLE names; DROP TABLE domains;`);
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
    return name === undefined ? undefined : new NameEntry(name, domid, this.loadConfig);
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

  nameOf(domid: number): string | undefined {
    return this.names.get(domid);
  }

  /** Configs of renamed or unnamed domains are replaced or dropped; a gone domain's config goes. */
  saveConfigs(db: Database, live: Set<number>, gone: number[]): void {
    const del = db.prepare('DELETE FROM configs WHERE domid = ?');
    const put = db.prepare('INSERT OR REPLACE INTO configs (domid, config) VALUES (?, ?)');
    for (const id of gone) del.run(id);
    for (const [id, c] of this.changed) {
      if (c && live.has(id)) put.run(id, JSON.stringify(c.config ?? null));
      else if (live.has(id)) del.run(id);
    }
  }
}

/** A stored name; its config is read from the file when first asked for (`xk list` never asks). */
class NameEntry {
  private cached?: { config: unknown };
  constructor(
    readonly name: string,
    private readonly domid: number,
    private readonly loadConfig: (domid: number) => unknown,
  ) {}
  get config(): unknown {
    return (this.cached ??= { config: this.loadConfig(this.domid) }).config;
  }
}

function alive(sim: SimXen, domid: number): boolean {
  return sim.listDomains().some((d) => d.domid === domid);
}

/** Inside the write lock: the new (or stored) host, freshly booted, replacing every table's rows. */
function resetIn(db: Database, path: string, o: { host?: HostCaps; ifNew?: boolean; force?: boolean }): HostCaps {
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
  db.exec('DROP TABLE IF EXISTS names; DROP TABLE IF EXISTS domains; DROP TABLE IF EXISTS configs; DROP TABLE IF EXISTS blocks; DROP TABLE IF EXISTS meta;' + SCHEMA);
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
