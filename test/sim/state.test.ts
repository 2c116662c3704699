import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { XenkitError } from '../../src/errors.js';
import { openSimState } from '../../src/sim/store.js';
import { buildDomain } from '../../src/toolstack/lifecycle.js';
import { completeHost, DEFAULT_HOST, hostBySchema } from '../../src/xen/host.js';
import { RELEASE_IDS } from '../../src/xen/releases.js';
import type { SimXen } from '../../src/sim/sim.js';
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
  for (const t of ['meta', 'domains', 'names']) {
    const key = t === 'meta' ? 'key' : 'domid';
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
  const path = withGuests(20);
  const log = audit(path);
  const st = openSimState(path);
  st.run((sim) => sim.pauseDomain(5));
  assert.deepEqual(log(), ['update domains 5'], 'pause: one domain row');
  st.run((sim, names) => guest(sim, names, 'new'));
  // createdomain picks id 21 (the last-id mark moves) and takes its pages from the host's free pool.
  assert.deepEqual(log(), ['insert domains 21', 'insert names 21', 'update meta free_pages', 'update meta last_domid']);
  st.run((sim, names) => {
    sim.destroyDomain(7);
    names.delete(7);
  });
  assert.deepEqual(log(), ['delete domains 7', 'delete names 7', 'update meta free_pages']);
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
  assert.equal(db.prepare('SELECT count(*) FROM names WHERE domid = 1').pluck().get(), 0, 'the dead domain has no name row');
  db.close();
  assert.equal(st.run((sim, names) => guest(sim, names, 'g1')), 3, 'the name can be used again');
  assert.throws(
    () => st.run((sim, names) => names.set(2, 'g1', null)),
    (e: XenkitError) => e.code === 'NAME_IN_USE' && e.field === 'name' && e.value === 'g1' && !/constraint/i.test(e.message),
  );
  assert.equal(st.read((_s, names) => names.get(2)?.name), 'g2', 'rolled back');
  st.close();
});

test('a state file written before this fix, with a dead domain\'s name row, still creates that name', () => {
  const path = withGuests(1);
  const db = new Database(path);
  db.prepare("INSERT INTO names VALUES (9, 'ghost', NULL)").run();
  db.close();
  const st = openSimState(path);
  assert.equal(st.read((_s, names) => names.byName('ghost')), undefined);
  assert.equal(st.run((sim, names) => guest(sim, names, 'ghost')), 2);
  st.close();
});

/** Change the file behind xenkit's back, then open it: the error names the key or row and the value. */
function corrupted(sql: string): XenkitError {
  const path = withGuests(2);
  const db = new Database(path);
  db.exec(sql);
  db.close();
  try {
    const st = openSimState(path);
    st.read((sim, names) => [sim.listDomains(), names.get(1)?.config]);
    st.close();
  } catch (e) {
    assert.ok(e instanceof XenkitError, String(e));
    return e;
  }
  assert.fail(`no error after: ${sql}`);
}

test('garbage in the state file is STATE_CORRUPT naming the key or row and the value', () => {
  const cases: [string, string, unknown][] = [
    ["UPDATE meta SET value = 'abc' WHERE key = 'last_domid'", 'meta.last_domid', 'abc'],
    ["UPDATE meta SET value = '' WHERE key = 'free_pages'", 'meta.free_pages', ''],
    ["UPDATE meta SET value = '{' WHERE key = 'faults'", 'meta.faults', '{'],
    ["UPDATE meta SET value = '{\"physinfo\":{\"errno\":\"EWHAT\",\"count\":1}}' WHERE key = 'faults'", 'meta.faults', '{"physinfo":{"errno":"EWHAT","count":1}}'],
    ["UPDATE meta SET value = '[0]' WHERE key = 'leaked'", 'meta.leaked', '[0]'],
    ["DELETE FROM meta WHERE key = 'last_domid'", 'meta.last_domid', null],
    ["UPDATE meta SET value = 'nope' WHERE key = 'host'", 'host', 'nope'],
    ["UPDATE meta SET value = json_set(value, '$.release', '4.99') WHERE key = 'host'", 'host.release', '4.99'],
    ["UPDATE meta SET value = json_set(value, '$.cpus', 0) WHERE key = 'host'", 'host.cpus', 0],
    ["UPDATE domains SET tot_pages = 'lots' WHERE domid = 1", 'domains[1].tot_pages', 'lots'],
    ['UPDATE domains SET hvm = 2 WHERE domid = 2', 'domains[2].hvm', 2],
    ["UPDATE domains SET handle = 'x' WHERE domid = 1", 'domains[1].handle', 'x'],
    ["UPDATE domains SET shutdown_reason = 'melted' WHERE domid = 1", 'domains[1].shutdown_reason', 'melted'],
    ['UPDATE domains SET pause_count = -1 WHERE domid = 1', 'domains[1].pause_count', -1],
    ["UPDATE names SET config = '{' WHERE domid = 1", 'names[1].config', '{'],
    // A NULL where the schema says NOT NULL: a table rebuilt without the constraints.
    ['CREATE TABLE d2 AS SELECT * FROM domains; DROP TABLE domains; ALTER TABLE d2 RENAME TO domains; UPDATE domains SET max_pages = NULL WHERE domid = 2', 'domains[2].max_pages', null],
  ];
  for (const [sql, field, value] of cases) {
    const e = corrupted(sql);
    assert.equal(e.code, 'STATE_CORRUPT', `${sql}: ${e.code} ${e.message}`);
    assert.equal(e.field, field, sql);
    assert.deepEqual(e.value, value, sql);
    assert.match(e.message, /^state file /, sql);
    assert.ok(e.message.includes(field), `${sql}: ${e.message}`);
    assert.ok(e.hint, sql);
  }
});

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
    const fast = completeHost(h);
    let slow: unknown;
    try {
      slow = hostBySchema(h);
    } catch {
      slow = undefined;
    }
    // Whatever the hand check takes, the schema takes, with the same result (the rest goes to the schema).
    if (fast) assert.deepEqual(fast, slow, JSON.stringify(h));
  }
  for (const h of variants.slice(0, 2 + RELEASE_IDS.length)) assert.ok(completeHost(h), `the hand check takes ${JSON.stringify(h)}`);
});
