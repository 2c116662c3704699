import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { XenkitError } from '../../src/errors.js';
import { openSimState } from '../../src/sim/store.js';
import { checkBlock } from '../../src/sim/state-rows.js';
import { buildDomain } from '../../src/toolstack/lifecycle.js';
import { checkedFullHost, DEFAULT_HOST, hostBySchema } from '../../src/xen/host.js';
import { RELEASE_IDS } from '../../src/xen/releases.js';
import type { SimXen } from '../../src/sim/sim.js';
import { SHUTDOWN_REASONS } from '../../src/hv/hypervisor.js';
import type { NameTable } from '../../src/sim/store.js';

const tmp = () => join(mkdtempSync(join(tmpdir(), 'xk-state-')), 'sim.db');

/** A guest as the toolstack builds it (createdomain, vCPUs, memory, unpause), named. */
function guest(sim: SimXen, names: NameTable, name: string): number {
  const config = { type: 'pv' as const, handle: '00000000000000000000000000000001' };
  return buildDomain(sim, names, { name, config, maxVcpus: 1, vcpus: 1, targetKiB: 4096, maxKiB: 4096, paused: false, record: { name } }).domid;
}

function withGuests(n: number): string {
  const path = tmp();
  const st = openSimState(path, { host: { release: '4.17' } });
  st.run((sim, names) => {
    for (let i = 1; i <= n; i++) guest(sim, names, `g${i}`);
  });
  st.close();
  return path;
}

/** Every row write, as SQLite triggers log it (in the same file, so the log commits with the write). */
function audit(path: string): () => string[] {
  const db = new Database(path);
  db.exec('CREATE TABLE audit (what TEXT)');
  for (const t of ['meta', 'blocks', 'configs']) {
    const key = ({ meta: 'key', blocks: 'block', configs: 'domid' } as Record<string, string>)[t];
    db.exec(`CREATE TRIGGER ${t}_i AFTER INSERT ON ${t} BEGIN INSERT INTO audit VALUES ('insert ${t} ' || NEW.${key}); END;
      CREATE TRIGGER ${t}_u AFTER UPDATE ON ${t} BEGIN INSERT INTO audit VALUES ('update ${t} ' || NEW.${key}); END;
      CREATE TRIGGER ${t}_d AFTER DELETE ON ${t} BEGIN INSERT INTO audit VALUES ('delete ${t} ' || OLD.${key}); END;`);
  }
  return () => {
    const rows = (db.prepare('SELECT what FROM audit').pluck().all() as string[]).sort();
    db.exec('DELETE FROM audit');
    return rows;
  };
}

test('a read takes no write lock: it runs while another process holds the lock, and writes nothing', () => {
  const path = withGuests(3);
  const other = new Database(path);
  other.exec('BEGIN IMMEDIATE');
  try {
    const st = openSimState(path, { timeoutMs: 200 });
    assert.equal(st.read((sim, names) => `${sim.domainCount} ${names.get(2)?.name}`), '4 g2');
    st.close();
  } finally {
    other.exec('ROLLBACK');
    other.close();
  }
});

test('a write touches only the rows that changed', () => {
  // Domains are stored 64 ids to a row (block): 0..63, 64..127, ...
  const path = withGuests(150);
  const log = audit(path);
  const st = openSimState(path);
  st.run((sim) => sim.pauseDomain(70));
  assert.deepEqual(log(), ['update blocks 1'], 'pause: the one block holding domain 70');
  st.run((sim, names) => guest(sim, names, 'new'));
  // createdomain picks id 151 (the last-id mark moves) and takes its pages from the host's free pool.
  assert.deepEqual(log(), ['insert configs 151', 'update blocks 2', 'update meta free_pages', 'update meta last_domid']);
  st.run((sim, names) => {
    sim.destroyDomain(7);
    names.delete(7);
  });
  assert.deepEqual(log(), ['delete configs 7', 'update blocks 0', 'update meta free_pages']);
  st.run((sim) => {
    for (let id = 128; id <= 151; id++) sim.destroyDomain(id);
  });
  assert.deepEqual(log(), ['delete blocks 2', ...Array.from({ length: 24 }, (_, i) => `delete configs ${128 + i}`).sort(), 'update meta free_pages']);
  st.run(() => undefined);
  assert.deepEqual(log(), [], 'nothing changed, nothing written');
  st.close();
});

test('a Xen refusal keeps its side effects; any other failure rolls back', () => {
  const path = withGuests(1);
  const st = openSimState(path);
  st.run((sim) => sim.inject('createdomain', 'ENOMEM'));
  // The injected build failure spends a domain id (last_domid moves), as Xen's does: kept.
  assert.throws(() => st.run((sim, names) => guest(sim, names, 'x')), (e: XenkitError) => e.errno === 'ENOMEM');
  assert.equal(st.read((sim) => sim.snapshot().lastDomid), 2);
  assert.throws(() =>
    st.run((sim) => {
      sim.pauseDomain(1);
      throw new Error('a bug');
    }),
  );
  assert.equal(st.read((sim) => sim.getDomainInfo(1).paused), false);
  st.close();
});

test('a name left behind by a domain destroyed through the library is dropped; a clash is NAME_IN_USE', () => {
  const path = withGuests(2);
  const st = openSimState(path);
  // The Hypervisor alone: the names table is not told.
  st.run((sim) => sim.destroyDomain(1));
  const db = new Database(path, { readonly: true });
  assert.equal(db.prepare('SELECT names FROM blocks WHERE block = 0').pluck().get(), '[null,"g2"]', 'the dead domain has no name');
  assert.equal(db.prepare('SELECT count(*) FROM configs WHERE domid = 1').pluck().get(), 0, 'nor a config');
  db.close();
  assert.equal(st.run((sim, names) => guest(sim, names, 'g1')), 3, 'the name can be used again');
  assert.throws(
    () => st.run((sim, names) => names.set(2, 'g1', null)),
    (e: XenkitError) => e.code === 'NAME_IN_USE' && e.field === 'name' && e.value === 'g1' && !/constraint/i.test(e.message),
  );
  assert.equal(st.read((_s, names) => names.get(2)?.name), 'g2', 'rolled back');
  st.close();
});

/** A schema 2 file as the previous xenkit wrote it: a row per domain, names with their configs. */
function v2File(): string {
  const path = tmp();
  const db = new Database(path);
  const host = { ...DEFAULT_HOST, release: '4.17' };
  const row = (id: number, pages: number) => `(${id}, 0, 0, 0, 0, 0, 0, x'${'00'.repeat(15)}0${id}', ${id ? 0 : 0}, NULL, ${pages}, ${pages}, 1, 1, 1, 0, 0)`;
  db.exec(`PRAGMA journal_mode = WAL;
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE domains (domid INTEGER PRIMARY KEY, hvm INTEGER NOT NULL, hap INTEGER NOT NULL, xs_domain INTEGER NOT NULL,
      flags INTEGER NOT NULL, emulation_flags INTEGER NOT NULL, ssidref INTEGER NOT NULL, handle BLOB NOT NULL,
      pause_count INTEGER NOT NULL, shutdown_reason TEXT, tot_pages INTEGER NOT NULL, max_pages INTEGER NOT NULL,
      max_vcpus INTEGER NOT NULL, vcpus_created INTEGER NOT NULL, online_vcpus INTEGER NOT NULL, created_at INTEGER NOT NULL, cpupool INTEGER NOT NULL);
    CREATE TABLE names (domid INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, config TEXT);
    INSERT INTO meta VALUES ('schema_version', '2'), ('host', '${JSON.stringify(host)}'), ('last_domid', '9'), ('free_pages', '100000'), ('clock_ns', '0'), ('faults', '{}'), ('leaked', '[]');
    INSERT INTO domains VALUES ${row(0, 1048576)}, ${row(1, 1024)};
    INSERT INTO names VALUES (1, 'web', '{"x":1}'), (9, 'ghost', NULL);`);
  db.close();
  return path;
}

test('a schema 2 file is read as it is, and the first write migrates it (a dead domain\'s name row is not carried on)', () => {
  const path = v2File();
  const st = openSimState(path);
  assert.deepEqual(st.read((sim, names) => [sim.host.release, sim.domainCount, names.get(1)?.name, names.get(1)?.config, names.byName('ghost')]), ['4.17', 2, 'web', { x: 1 }, undefined]);
  assert.equal(st.run((sim, names) => guest(sim, names, 'ghost')), 10);
  assert.deepEqual(st.read((sim, names) => [sim.domainCount, names.get(1)?.config, names.get(10)?.name]), [3, { x: 1 }, 'ghost']);
  st.close();
  const db = new Database(path, { readonly: true });
  assert.deepEqual(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all(), ['blocks', 'configs', 'lines', 'meta']);
  assert.equal(db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get(), '3');
  // Every migrated block has its `xl list` lines (test/sim/list-lines.test.ts).
  assert.equal(db.prepare('SELECT count(*) FROM blocks JOIN lines USING (block)').pluck().get(), db.prepare('SELECT count(*) FROM blocks').pluck().get());
  db.close();
});

test('every stored field round-trips, at the edges of its range', () => {
  const path = withGuests(1);
  const st = openSimState(path);
  for (const reason of SHUTDOWN_REASONS) {
    st.run((sim, names) => {
      const id = guest(sim, names, `r-${reason}`);
      sim.shutdown(id, reason);
    });
  }
  st.run((sim) => sim.setMaxMem(1, 2 ** 50));
  const before = st.read((sim) => sim.snapshot());
  st.run((sim) => sim.pauseDomain(1));
  st.run((sim) => sim.unpauseDomain(1));
  assert.deepEqual(st.read((sim) => sim.snapshot()), before);
  assert.deepEqual(
    before.domains.filter((d) => d.shutdownReason).map((d) => d.shutdownReason),
    [...SHUTDOWN_REASONS],
  );
  st.close();
});

/** Change the file behind xenkit's back, then open it: the error names the key or row and the value. */
function corrupted(change: string | ((db: Database.Database) => void), path = withGuests(2)): XenkitError {
  const db = new Database(path);
  if (typeof change === 'string') db.exec(change);
  else change(db);
  db.close();
  try {
    const st = openSimState(path);
    st.read((sim, names) => [sim.listDomains(), names.get(1)?.config]);
    st.close();
  } catch (e) {
    assert.ok(e instanceof XenkitError, String(e));
    return e;
  }
  assert.fail(`no error after: ${change}`);
}

test('garbage in the state file is STATE_CORRUPT naming the key or row and the value', () => {
  const cases: [string | ((db: Database.Database) => void), string, unknown][] = [
    ["UPDATE meta SET value = 'abc' WHERE key = 'last_domid'", 'meta.last_domid', 'abc'],
    ["UPDATE meta SET value = '' WHERE key = 'free_pages'", 'meta.free_pages', ''],
    ["UPDATE meta SET value = '{' WHERE key = 'faults'", 'meta.faults', '{'],
    ["UPDATE meta SET value = '{\"physinfo\":{\"errno\":\"EWHAT\",\"count\":1}}' WHERE key = 'faults'", 'meta.faults', '{"physinfo":{"errno":"EWHAT","count":1}}'],
    ["UPDATE meta SET value = '[0]' WHERE key = 'leaked'", 'meta.leaked', '[0]'],
    ["DELETE FROM meta WHERE key = 'last_domid'", 'meta.last_domid', null],
    ["UPDATE meta SET value = 'nope' WHERE key = 'host'", 'host', 'nope'],
    ["UPDATE meta SET value = json_set(value, '$.release', '4.99') WHERE key = 'host'", 'host.release', '4.99'],
    ["UPDATE meta SET value = json_set(value, '$.cpus', 0) WHERE key = 'host'", 'host.cpus', 0],
    ["UPDATE configs SET config = '{' WHERE domid = 1", 'configs[1].config', '{'],
    ["UPDATE blocks SET names = 'x'", 'blocks[0].names', 'x'],
    ["UPDATE blocks SET names = '[null]'", 'blocks[0].names', '[null]'],
    ['UPDATE blocks SET names = \'[null,"g1","g1"]\'', 'domains[2].name', 'g1'],
    // Domain records (72 bytes each: dom0, 1, 2 in block 0), changed byte by byte.
    [record(1, (v) => v.setFloat64(32, NaN, true)), 'domains[1].tot_pages', NaN],
    [record(1, (v) => v.setFloat64(40, 1.5, true)), 'domains[1].max_pages', 1.5],
    [record(2, (v) => v.setUint8(2, 16)), 'domains[2].bits', 16],
    [record(1, (v) => v.setUint8(4, 9)), 'domains[1].shutdown_reason', 9],
    [record(2, (v) => v.setUint16(0, 1, true)), 'blocks[0].domid', 1],
    [(db) => db.prepare('UPDATE blocks SET domains = substr(domains, 1, 215)').run(), 'blocks[0].domains', '215 bytes'],
    // A NULL where the schema says NOT NULL: a table rebuilt without the constraints.
    ['CREATE TABLE b2 AS SELECT * FROM blocks; DROP TABLE blocks; ALTER TABLE b2 RENAME TO blocks; UPDATE blocks SET names = NULL', 'blocks[0].names', null],
  ];
  for (const [change, field, value] of cases) {
    const e = corrupted(change);
    const sql = typeof change === 'string' ? change : `a changed record (${field})`;
    assert.equal(e.code, 'STATE_CORRUPT', `${sql}: ${e.code} ${e.message}`);
    assert.equal(e.field, field, sql);
    assert.deepEqual(e.value, value, sql);
    assert.match(e.message, /^state file /, sql);
    assert.ok(e.message.includes(field), `${sql}: ${e.message}`);
    assert.ok(e.hint, sql);
  }
  // The schema 2 reader checks its columns too.
  for (const [sql, field, value] of [
    ["UPDATE domains SET tot_pages = 'lots' WHERE domid = 1", 'domains[1].tot_pages', 'lots'],
    ["UPDATE domains SET handle = 'x' WHERE domid = 1", 'domains[1].handle', 'x'],
    ["UPDATE domains SET shutdown_reason = 'melted' WHERE domid = 1", 'domains[1].shutdown_reason', 'melted'],
    ['CREATE TABLE d2 AS SELECT * FROM domains; DROP TABLE domains; ALTER TABLE d2 RENAME TO domains; UPDATE domains SET max_pages = NULL WHERE domid = 1', 'domains[1].max_pages', null],
  ] as const) {
    const e = corrupted(sql, v2File());
    assert.deepEqual([e.code, e.field, e.value], ['STATE_CORRUPT', field, value], sql);
  }
});

/** Change one domain record of block 0 in place. */
function record(index: number, change: (v: DataView) => void): (db: Database.Database) => void {
  return (db) => {
    const blob = db.prepare('SELECT domains FROM blocks WHERE block = 0').pluck().get() as Buffer;
    change(new DataView(blob.buffer, blob.byteOffset + index * 72, 72));
    db.prepare('UPDATE blocks SET domains = ? WHERE block = 0').run(blob);
  };
}

test('the stored host\'s hand check accepts exactly what the schema accepts, and gives the same host', () => {
  const variants: Record<string, unknown>[] = [{ ...DEFAULT_HOST }, { ...DEFAULT_HOST, arch: 'arm64', gic: 'v2', hvm: true }];
  for (const r of RELEASE_IDS) variants.push({ ...DEFAULT_HOST, release: r });
  const bad: [string, unknown[]][] = [
    ['release', ['4.99', 4.17, '4.17.0', '', null]],
    ['arch', ['x86', null, 1]],
    ['memoryMiB', [0, -1, 1.5, 2 ** 30 + 1, '65536', 4096]],
    ['dom0MemoryMiB', [0, 65536, 70000, 1.5]],
    ['cpus', [0, 4097, '16', 2.5]],
    ['hvm', [1, 'true', null]],
    ['iommu', [0]],
    ['gic', ['v4', null]],
  ];
  for (const [k, vs] of bad) for (const v of vs) variants.push({ ...DEFAULT_HOST, [k]: v });
  variants.push({ ...DEFAULT_HOST, extra: 1 });
  const { gic: _g, ...noGic } = DEFAULT_HOST;
  variants.push(noGic);
  for (const h of variants) {
    const fast = checkedFullHost(h);
    let slow: unknown;
    try {
      slow = hostBySchema(h);
    } catch {
      slow = undefined;
    }
    // Whatever the hand check takes, the schema takes, with the same result (the rest goes to the schema).
    if (fast) assert.deepEqual(fast, slow, JSON.stringify(h));
  }
  for (const h of variants.slice(0, 2 + RELEASE_IDS.length)) assert.ok(checkedFullHost(h), `the hand check takes ${JSON.stringify(h)}`);
});

test('a block is checked alike whatever its alignment (typed arrays over an 8-byte-aligned block, a DataView otherwise): the same names, the same error', () => {
  const db = new Database(withGuests(3), { readonly: true });
  const [blob, text] = db.prepare('SELECT domains, names FROM blocks WHERE block = 0').raw().get() as [Buffer, string];
  db.close();
  /** The block's bytes at an offset of `shift` within a fresh buffer. */
  const at = (b: Uint8Array, shift: number) => {
    const out = new Uint8Array(new ArrayBuffer(b.length + 8), shift, b.length);
    out.set(b);
    return out;
  };
  const outcome = (b: Uint8Array) => {
    try {
      return checkBlock('f.db', 0, b, text);
    } catch (e) {
      assert.ok(e instanceof XenkitError, String(e));
      return [e.code, e.field, e.value];
    }
  };
  assert.deepEqual(outcome(at(blob, 0)), [null, 'g1', 'g2', 'g3']);
  assert.deepEqual(outcome(at(blob, 1)), [null, 'g1', 'g2', 'g3']);
  const changes: [string, (v: DataView) => void, unknown[]][] = [
    ['a domid out of order', (v) => v.setUint16(2 * 72, 1, true), ['STATE_CORRUPT', 'blocks[0].domid', 1]],
    ['a padding byte', (v) => v.setUint8(3 * 72 + 6, 1), ['STATE_CORRUPT', 'domains[3].padding', 1]],
    ['a fractional max_pages', (v) => v.setFloat64(72 + 40, 0.5, true), ['STATE_CORRUPT', 'domains[1].max_pages', 0.5]],
    ['an unsafe tot_pages', (v) => v.setFloat64(3 * 72 + 32, 2 ** 53, true), ['STATE_CORRUPT', 'domains[3].tot_pages', 2 ** 53]],
  ];
  for (const [what, change, want] of changes)
    for (const shift of [0, 1]) {
      const b = at(blob, shift);
      change(new DataView(b.buffer, b.byteOffset, b.length));
      assert.deepEqual(outcome(b), want, `${what}, at offset ${shift}`);
    }
});
