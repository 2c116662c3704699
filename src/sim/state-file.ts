import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { homedir } from 'node:os';
import { openDatabase, type Database } from './sqlite.js';
import { XenkitError } from '../errors.js';
import { DOMID_FIRST_RESERVED } from '../xen/domid.js';
import type { SimSnapshot } from './sim.js';
import { checkBlock, corrupt, metaFaults, metaInt, metaLeaked, RECORD_BYTES, storedHost } from './state-rows.js';

/**
 * The state file itself (store.ts keeps the sim in it): its schema, the SQLite connection, the
 * checked meta values, and the stored list `xk list` reads. Nothing here loads the simulated Xen, so
 * a plain `xk list` starts without it.
 */
export const SCHEMA_VERSION = 3;
/** Version 2 (one SQL row per domain, names with their configs) is still read, and migrated by the first write. */
export const OLD_VERSION = 2;
/**
 * `lines` (in schema 3 since it was added; a file without it is read as before): the `xl list` lines
 * of each block's domains (src/toolstack/xl-list.ts formatLines(), without Time(s): the sim runs no
 * guest code), written by the same transaction that writes the block, so a plain `xk list` copies
 * them out instead of formatting 20,000 rows in a process that has just started (issue 8's 20 ms).
 * The triggers drop a block's lines whenever the block changes by any writer, this one or a user's
 * sqlite3: lines present are the block's own; a block without them sends `xk list` the general way.
 */
export const SCHEMA = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS blocks (block INTEGER PRIMARY KEY, domains BLOB NOT NULL, names TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS configs (domid INTEGER PRIMARY KEY, config TEXT);
  CREATE TABLE IF NOT EXISTS lines (block INTEGER PRIMARY KEY, text BLOB NOT NULL);
  CREATE TRIGGER IF NOT EXISTS lines_ins AFTER INSERT ON blocks BEGIN DELETE FROM lines WHERE block = NEW.block; END;
  CREATE TRIGGER IF NOT EXISTS lines_upd AFTER UPDATE ON blocks BEGIN DELETE FROM lines WHERE block IN (OLD.block, NEW.block); END;
  CREATE TRIGGER IF NOT EXISTS lines_del AFTER DELETE ON blocks BEGIN DELETE FROM lines WHERE block = OLD.block; END;`;

export function defaultStatePath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.XENKIT_STATE) return env.XENKIT_STATE;
  const base = env.XDG_STATE_HOME || `${homedir()}/.local/state`;
  return `${base}/xenkit/sim.db`;
}

/** Every domain as stored: the records side by side (state-rows.ts, checked), and each one's name. */
export interface StoredList {
  records: Uint8Array;
  names: (string | null)[];
}

/** The SQLite connection, opened when first needed: a read of a missing file creates nothing. */
export class Connection {
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

export function hasTable(db: Database, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

/** Only the database's own failures are state-file errors; anything else is what it is. */
export function guard<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    const code = String((e as { code?: unknown }).code ?? '');
    if (!(e instanceof XenkitError) && (code.startsWith('SQLITE_') || /^E[A-Z]+$/.test(code))) throw stateError(path, e);
    throw e;
  }
}

export function storedMeta(db: Database): Map<string, string> {
  return new Map((db.prepare('SELECT key, value FROM meta').raw().all() as [string, string][]).map(([k, v]) => [k, v]));
}

export function stateError(path: string, e: unknown): XenkitError {
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

/** The stored host and counters, each checked (STATE_CORRUPT names the key). */
export function checkedMeta(path: string, meta: Map<string, string>, hostText: string): Omit<SimSnapshot, 'domains'> {
  return {
    host: storedHost(path, hostText),
    lastDomid: metaInt(path, 'last_domid', meta.get('last_domid'), 0, DOMID_FIRST_RESERVED - 1),
    freePages: metaInt(path, 'free_pages', meta.get('free_pages'), 0, Number.MAX_SAFE_INTEGER),
    clockNs: metaInt(path, 'clock_ns', meta.get('clock_ns'), 0, Number.MAX_SAFE_INTEGER, 0),
    faults: metaFaults(path, meta.get('faults')),
    leakedDomids: metaLeaked(path, meta.get('leaked')),
  };
}

/** The stored meta values checked; false when the general path must answer (no host, version 2, faults pending). */
function listable(db: Database, path: string): boolean {
  const meta = storedMeta(db);
  const hostText = meta.get('host');
  if (hostText === undefined || meta.get('schema_version') === String(OLD_VERSION)) return false;
  return Object.keys(checkedMeta(path, meta, hostText).faults).length === 0;
}

/** listDomains(): the file checked as load() checks it, the blocks' records side by side as stored. */
export function listIn(db: Database, path: string): StoredList | undefined {
  if (!listable(db, path)) return undefined;
  const blobs: Uint8Array[] = [];
  const perBlock: (string | null)[][] = [];
  for (const [block, blob, text] of db.prepare('SELECT block, domains, names FROM blocks ORDER BY block').raw().all() as [number, Buffer, string][]) {
    perBlock.push(checkBlock(path, block, blob, text));
    blobs.push(blob);
  }
  const records = Buffer.concat(blobs);
  // concat, not flat(): one native copy (flat() walked 20,000 names in about 4 ms of a cold process)
  const names = ([] as (string | null)[]).concat(...perBlock);
  checkUniqueNames(path, records, names);
  return { records, names };
}

/**
 * The `xl list` lines of every domain as the writer kept them (`lines`), in domid order, after the
 * checks listIn() makes of the meta values; undefined when a block has none (a file written before
 * `lines` existed, or a block changed outside xenkit): then listIn() answers.
 */
export function linesIn(db: Database, path: string): Buffer | undefined {
  if (!hasTable(db, 'lines') || !listable(db, path)) return undefined;
  const texts = db.prepare('SELECT l.text FROM blocks b LEFT JOIN lines l USING (block) ORDER BY b.block').pluck().all() as (Buffer | null)[];
  if (texts.includes(null)) return undefined;
  return Buffer.concat(texts as Buffer[]);
}

/**
 * No two domains with one name (a corrupt file could give two the same): one Set of them all, built
 * by the engine, not a lookup per name from here; only a file that fails is walked to name the pair.
 */
function checkUniqueNames(path: string, records: Uint8Array, names: (string | null)[]): void {
  const set = new Set(names);
  let nulls = 0;
  for (let k = names.indexOf(null); k >= 0; k = names.indexOf(null, k + 1)) nulls++;
  if (set.size - (nulls ? 1 : 0) === names.length - nulls) return;
  const byName = new Map<string, number>();
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    if (name !== null && name !== undefined) uniqueName(path, byName, name, records[i * RECORD_BYTES]! | (records[i * RECORD_BYTES + 1]! << 8));
  }
}

/** A name held by one domain only (a corrupt file could give two the same). */
export function uniqueName(path: string, byName: Map<string, number>, name: string, domid: number): void {
  const other = byName.get(name);
  if (other !== undefined) throw corrupt(path, `domains[${domid}].name`, name, `also the name of domain ${other}`);
  byName.set(name, domid);
}
