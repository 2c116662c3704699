import { existsSync, renameSync, rmSync } from 'node:fs';
import type { Database } from './sqlite.js';
import { checkedMeta, Connection, guard, listIn, OLD_VERSION, SCHEMA, SCHEMA_VERSION, stateError, storedMeta, uniqueName, type StoredList } from './state-file.js';
import { XenkitError, isHypercallError } from '../errors.js';
import { DOMID_FIRST_RESERVED } from '../xen/domid.js';
import { DEFAULT_HOST, type HostCaps } from '../xen/host.js';
import { SimXen, type SimDomain, type SimSnapshot } from './sim.js';
import { StoredTable } from './stored-table.js';
import { recordName } from '../toolstack/toolstack.js';
import { formatLines } from '../toolstack/xl-list.js';
import { BLOCK_DOMAINS, checkBlock, corrupt, decodeBlock, DOMAIN_COLUMNS, encodeBlock, metaFaults, metaInt, metaLeaked, RECORD_BYTES, rowToDomain, storedHost, type DomainRow } from './state-rows.js';

/**
 * A simulated Xen whose state lives in an SQLite file (WAL mode), so it survives between CLI runs.
 * `read` is a deferred transaction that never writes; `run` is one IMMEDIATE transaction that loads
 * the sim, runs the operation in memory and writes back only the rows that changed. Two writers
 * queue on SQLite's lock (busy timeout); readers see the last commit; a failure before commit
 * leaves the file as it was. The file's schema and connection: state-file.ts.
 */
export { defaultStatePath, type StoredList } from './state-file.js';
export { nameTableOf } from './name-table.js';

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
  return simStateOn(new Connection(path, opts.timeoutMs ?? 10_000, !!opts.anyVersion), opts);
}

/** The SimState over a connection already open (the CLI's session opens it before it needs the sim). */
export function simStateOn(conn: Connection, opts: { host?: Partial<HostCaps> } = {}): SimState {
  const path = conn.path;
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
  // After the block: its triggers (state-file.ts SCHEMA) drop the lines it had.
  const putLines = db.prepare('INSERT INTO lines (block, text) VALUES (?, ?)');
  // Read here, in the write transaction (SCHEMA made the table), not by every read's load().
  const lined = new Set(db.prepare('SELECT block FROM lines').pluck().all() as number[]);
  for (const [b, ds] of byBlock) {
    const blob = encodeBlock(ds);
    const shown = ds.map((d) => l.names.nameOf(d.domid) ?? null);
    const names = JSON.stringify(shown);
    const was = l.blocks.get(b);
    const changed = !was || !blob.equals(was.blob) || names !== was.names;
    if (!was) ins.run(b, blob, names);
    else if (changed) upd.run(blob, names, b);
    // Time(s) not shown: the sim runs no guest code (HvToolstack.cpuTime).
    if (changed || !lined.has(b)) putLines.run(b, formatLines(new StoredTable(blob, shown, recordName), false, false));
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
  db.exec('DROP TABLE IF EXISTS names; DROP TABLE IF EXISTS domains; DROP TABLE IF EXISTS configs; DROP TABLE IF EXISTS blocks; DROP TABLE IF EXISTS lines; DROP TABLE IF EXISTS meta;' + SCHEMA);
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


