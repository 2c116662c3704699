import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { openSimState } from '../../src/sim/store.js';
import { hostWithGuests, xk } from '../helpers/xk.js';

// `xk list` (issue 8, item 4: 20,000 domains within 20 ms of an empty host) reads the stored
// blocks straight into getdomaininfo answers and never reads the configs; these tests pin what
// that path must agree with, and what it must not touch.

test('the stored list equals what the SimXen built from the same file answers (getdomaininfo, names)', () => {
  const s = hostWithGuests();
  assert.equal(xk(['--state', s, 'shutdown', 'web-pv', '--reason', 'suspend']).status, 0);
  const st = openSimState(s);
  try {
    const fast = st.listDomains();
    assert.ok(fast, 'a schema 3 file with no pending faults has a stored list');
    const slow = st.read((sim, names) => ({ infos: sim.listDomains(), names: [...names.all()].map(([id, n]) => [id, n.name]) }));
    assert.deepEqual(fast.infos, slow.infos);
    assert.deepEqual([...fast.names], slow.names);
    assert.ok(fast.infos.some((i) => i.paused) && fast.infos.some((i) => i.shutdown), 'the file holds a paused and a shut-down domain');
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
