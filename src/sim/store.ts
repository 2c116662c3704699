import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { homedir } from 'node:os';
import Database from 'better-sqlite3';
import { XenkitError, isHypercallError } from '../errors.js';
import type { ShutdownReason } from '../hv/hypervisor.js';
import { makeHost, type HostCaps } from '../xen/host.js';
import { SimXen, type SimDomain, type SimSnapshot } from './sim.js';

/**
 * A simulated Xen whose state lives in an SQLite file, so it survives between CLI runs.
 * Every use is one IMMEDIATE transaction: the sim is loaded, the operation runs in memory, the result
 * is written back and committed. Two processes on one file queue on SQLite's lock (busy timeout),
 * and a failure before commit leaves the file as it was (no half-written state).
 */
const SCHEMA_VERSION = 2;

export function defaultStatePath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.XENKIT_STATE) return env.XENKIT_STATE;
  const base = env.XDG_STATE_HOME || `${homedir()}/.local/state`;
  return `${base}/xenkit/sim.db`;
}

export interface SimState {
  readonly path: string;
  /** Run fn against the sim inside one transaction; state is saved only if fn returns (or throws a Xen errno). */
  run<T>(fn: (sim: SimXen, names: NameTable) => T): T;
  /** Read-only look (still a consistent snapshot). */
  read<T>(fn: (sim: SimXen, names: NameTable) => T): T;
  close(): void;
}

/** Toolstack metadata kept beside the sim (what xenstore holds for xl: names and configs). */
export interface NameTable {
  get(domid: number): { name: string; config: unknown } | undefined;
  byName(name: string): number | undefined;
  set(domid: number, name: string, config: unknown): void;
  delete(domid: number): void;
  all(): Map<number, { name: string; config: unknown }>;
}

export function openSimState(path: string, opts: { host?: Partial<HostCaps>; timeoutMs?: number } = {}): SimState {
  let db: Database.Database;
  try {
    mkdirSync(dirname(path), { recursive: true });
    db = new Database(path, { timeout: opts.timeoutMs ?? 10_000 });
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
  } catch (e) {
    throw stateError(path, e);
  }
  try {
    db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS domains (
        domid INTEGER PRIMARY KEY, hvm INTEGER NOT NULL, hap INTEGER NOT NULL, xs_domain INTEGER NOT NULL,
        flags INTEGER NOT NULL, emulation_flags INTEGER NOT NULL, ssidref INTEGER NOT NULL, handle BLOB NOT NULL,
        pause_count INTEGER NOT NULL, shutdown_reason TEXT, tot_pages INTEGER NOT NULL, max_pages INTEGER NOT NULL,
        max_vcpus INTEGER NOT NULL, vcpus_created INTEGER NOT NULL, online_vcpus INTEGER NOT NULL, created_at INTEGER NOT NULL, cpupool INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS names (domid INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, config TEXT);
    `);
    const v = db.prepare('SELECT value FROM meta WHERE key = ?').get('schema_version') as { value: string } | undefined;
    if (v && Number(v.value) !== SCHEMA_VERSION)
      throw new XenkitError('STATE_VERSION', `state file ${path} has schema version ${v.value}; this xenkit reads version ${SCHEMA_VERSION}`, {
        field: 'state',
        value: path,
        hint: 'run `xk sim reset --force` (or point --state at another file)',
      });
  } catch (e) {
    db.close();
    throw stateError(path, e);
  }

  const getMeta = db.prepare('SELECT key, value FROM meta');
  const putMeta = db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
  const allDoms = db.prepare('SELECT * FROM domains ORDER BY domid');
  const delDoms = db.prepare('DELETE FROM domains');
  const insDom = db.prepare(
    'INSERT INTO domains VALUES (@domid, @hvm, @hap, @xs_domain, @flags, @emulation_flags, @ssidref, @handle, @pause_count, @shutdown_reason, @tot_pages, @max_pages, @max_vcpus, @vcpus_created, @online_vcpus, @created_at, @cpupool)',
  );
  const allNames = db.prepare('SELECT domid, name, config FROM names');
  const delNames = db.prepare('DELETE FROM names');
  const insName = db.prepare('INSERT INTO names (domid, name, config) VALUES (?, ?, ?)');

  function load(): { sim: SimXen; names: Map<number, { name: string; config: unknown }> } {
    const meta = Object.fromEntries((getMeta.all() as { key: string; value: string }[]).map((r) => [r.key, r.value]));
    let sim: SimXen;
    if (!meta.host) {
      sim = new SimXen(makeHost(opts.host as Record<string, unknown>));
    } else {
      const snap: SimSnapshot = {
        host: JSON.parse(meta.host),
        lastDomid: Number(meta.last_domid),
        freePages: Number(meta.free_pages),
        clockNs: Number(meta.clock_ns ?? 0),
        faults: JSON.parse(meta.faults ?? '{}'),
        leakedDomids: JSON.parse(meta.leaked ?? '[]'),
        domains: (allDoms.all() as Record<string, unknown>[]).map(rowToDomain),
      };
      sim = new SimXen(snap.host, snap);
    }
    const names = new Map<number, { name: string; config: unknown }>();
    for (const r of allNames.all() as { domid: number; name: string; config: string | null }[])
      names.set(r.domid, { name: r.name, config: r.config ? JSON.parse(r.config) : null });
    return { sim, names };
  }

  function save(sim: SimXen, names: Map<number, { name: string; config: unknown }>): void {
    const s = sim.snapshot();
    putMeta.run('schema_version', String(SCHEMA_VERSION));
    putMeta.run('host', JSON.stringify(s.host));
    putMeta.run('last_domid', String(s.lastDomid));
    putMeta.run('free_pages', String(s.freePages));
    putMeta.run('clock_ns', String(s.clockNs));
    putMeta.run('faults', JSON.stringify(s.faults));
    putMeta.run('leaked', JSON.stringify(s.leakedDomids ?? []));
    delDoms.run();
    for (const d of s.domains) insDom.run(domainToRow(d));
    delNames.run();
    for (const [domid, n] of names) insName.run(domid, n.name, JSON.stringify(n.config ?? null));
  }

  function transact<T>(fn: (sim: SimXen, names: NameTable) => T, write: boolean): T {
    let out!: T;
    let xenErr: unknown;
    const tx = db.transaction(() => {
      const { sim, names } = load();
      try {
        out = fn(sim, nameTableOf(names));
      } catch (e) {
        // A hypercall refusal is Xen's answer, and its side effects (the domid allocator moving)
        // are Xen's too: keep them. Anything else rolls back.
        if (!isHypercallError(e)) throw e;
        xenErr = e;
      }
      if (write) save(sim, names);
    });
    try {
      tx.immediate();
    } catch (e) {
      const code = String((e as { code?: unknown }).code ?? '');
      // Only the database's own failures are state-file errors; anything else is what it is.
      if (code.startsWith('SQLITE_') || /^E[A-Z]+$/.test(code)) throw stateError(path, e);
      throw e;
    }
    if (xenErr) throw xenErr;
    return out;
  }

  // A new file gets its host row at once (so `sim status` shows it); an existing one is not rewritten.
  if (!db.prepare('SELECT 1 FROM meta WHERE key = ?').get('host')) transact(() => undefined, true);

  return {
    path,
    run: (fn) => transact(fn, true),
    read: (fn) => transact(fn, false),
    close: () => db.close(),
  };
}


function rowToDomain(r: Record<string, unknown>): SimDomain {
  return {
    domid: Number(r.domid),
    hvm: !!r.hvm,
    hap: !!r.hap,
    xsDomain: !!r.xs_domain,
    flags: Number(r.flags),
    emulationFlags: Number(r.emulation_flags),
    ssidref: Number(r.ssidref),
    handle: new Uint8Array(r.handle as Buffer),
    pauseCount: Number(r.pause_count),
    shutdownReason: (r.shutdown_reason as ShutdownReason | null) ?? null,
    totPages: Number(r.tot_pages),
    maxPages: Number(r.max_pages),
    maxVcpus: Number(r.max_vcpus),
    vcpusCreated: !!r.vcpus_created,
    onlineVcpus: Number(r.online_vcpus),
    createdAt: Number(r.created_at),
    cpupool: Number(r.cpupool),
  };
}

function domainToRow(d: SimDomain): Record<string, unknown> {
  return {
    domid: d.domid,
    hvm: d.hvm ? 1 : 0,
    hap: d.hap ? 1 : 0,
    xs_domain: d.xsDomain ? 1 : 0,
    flags: d.flags,
    emulation_flags: d.emulationFlags,
    ssidref: d.ssidref,
    handle: Buffer.from(d.handle),
    pause_count: d.pauseCount,
    shutdown_reason: d.shutdownReason,
    tot_pages: d.totPages,
    max_pages: d.maxPages,
    max_vcpus: d.maxVcpus,
    vcpus_created: d.vcpusCreated ? 1 : 0,
    online_vcpus: d.onlineVcpus,
    created_at: d.createdAt,
    cpupool: d.cpupool,
  };
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

/** A NameTable over a map (the state file loads into one; the demo and library users keep one in memory). */
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
