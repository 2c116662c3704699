import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { openSimState } from '../../src/sim/store.js';
import { StoredTable } from '../../src/sim/stored-table.js';
import { PAUSED, recordsTable, SHUTDOWN, type DomainTable } from '../../src/toolstack/domain-table.js';
import { hostWithGuests, xk } from '../helpers/xk.js';

// `xk list` (issue 8, item 4: 20,000 domains within 20 ms of an empty host) reads the stored
// blocks as a table read in place (what getdomaininfo would answer) and never reads the configs; these tests pin what
// that path must agree with, and what it must not touch.

test('the stored list equals what the SimXen built from the same file answers (getdomaininfo, names), column by column', () => {
  const s = hostWithGuests();
  assert.equal(xk(['--state', s, 'shutdown', 'web-pv', '--reason', 'suspend']).status, 0);
  const st = openSimState(s);
  try {
    const stored = st.listDomains();
    assert.ok(stored, 'a schema 3 file with no pending faults has a stored list');
    const nameFor = (id: number, n: string | undefined) => n ?? `(unnamed ${id})`;
    const fast = new StoredTable(stored.records, stored.names, nameFor);
    const slow = recordsTable(st.read((sim, names) => sim.listDomains().map((info) => ({ domid: info.domid, name: nameFor(info.domid, names.get(info.domid)?.name), info }))));
    const cols = ['domid', 'name', 'totPages', 'onlineVcpus', 'stateBits', 'shutdownReason', 'cpuTimeNs', 'hvm', 'handle'] as const;
    const rows = (t: DomainTable) => Array.from({ length: t.length }, (_, i) => cols.map((c) => t[c](i)));
    assert.equal(fast.length, slow.length);
    assert.deepEqual(rows(fast), rows(slow));
    const bits = rows(fast).map((r) => r[4] as number);
    assert.ok(bits.some((b) => b & PAUSED) && bits.some((b) => b & SHUTDOWN), 'the file holds a paused and a shut-down domain');
  } finally {
    st.close();
  }
});

test('with an injected fault pending, the stored list steps aside (the general path spends the fault)', () => {
  const s = hostWithGuests();
  assert.equal(xk(['--state', s, 'sim', 'inject', '--op', 'getdomaininfo', '--errno', 'EFAULT']).status, 0);
  const st = openSimState(s);
  try {
    assert.equal(st.listDomains(), undefined);
  } finally {
    st.close();
  }
});

test('a plain xk list reads no configs: a damaged config fails only `xk list -l`, which reads it', () => {
  const s = hostWithGuests();
  const db = new Database(s);
  db.exec(`UPDATE configs SET config = '{' WHERE domid = 1`);
  db.close();
  const plain = xk(['--state', s, 'list']);
  assert.equal(plain.status, 0, plain.stderr);
  assert.match(plain.stdout, /^web-pv /m);
  const long = xk(['--state', s, 'list', '-l']);
  assert.equal(long.status, 3, long.stderr);
  assert.match(long.stderr, /configs\[1\]\.config/);
});

test('the stored list checks the file as a full load does: a corrupt meta value is STATE_CORRUPT naming it', () => {
  const s = hostWithGuests();
  const db = new Database(s);
  db.exec(`UPDATE meta SET value = 'x' WHERE key = 'last_domid'`);
  db.close();
  const r = xk(['--state', s, 'list']);
  assert.equal(r.status, 3);
  assert.match(r.stderr, /meta\.last_domid holds "x"/);
});
