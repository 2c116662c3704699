import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { EtcdCluster, skipReason } from './etcd.js';
import { PoolState, type Change } from '../../src/service/pool/state.js';

// PoolState.sync(): after it, every change up to the revision it returns has reached the listeners
// (the pool's event log relies on it to continue another member's token). A member's own writes are
// in its cache before the watch brings them (read-your-writes); sync() must not take them for seen.

const skip = skipReason();
let etcd: EtcdCluster;
before(async () => {
  if (!skip) etcd = await EtcdCluster.start(1);
});
after(() => etcd?.stop());

test('sync() brings this member\'s own writes and deletes to the listeners when the watch has not (a state not following: no watch at all)', { skip, timeout: 30000 }, async () => {
  const s = new PoolState(etcd.endpoints, 'sync-own');
  try {
    const seen: Change[] = [];
    s.onChange((c) => seen.push(c));
    assert.equal(await s.cas('vm/a', 0, { n: 1 }), true);
    assert.equal(await s.cas('vm/b', 0, { n: 2 }), true);
    const b = await s.read('vm/b');
    assert.equal(await s.cas('vm/b', b.rev, null), true);
    assert.equal(seen.length, 0, 'no watch: nothing reached the listeners yet');
    const at = await s.sync();
    assert.ok(at >= b.rev && s.seenRev >= at);
    assert.deepEqual(seen.map((c) => [c.key, c.value]), [['vm/a', { n: 1 }], ['vm/b', null]], 'the put and the delete this member made');
    assert.equal(s.get('vm/a')?.n, 1);
    assert.equal(s.get('vm/b'), undefined);
    // a second sync has nothing new to tell
    await s.sync();
    assert.equal(seen.length, 2);
  } finally {
    await s.close();
  }
});

/** A state following the pool, and a second client writing as another member would. */
async function pair(name: string): Promise<{ s: PoolState; other: PoolState; seen: Change[]; close: () => Promise<void> }> {
  const s = new PoolState(etcd.endpoints, name);
  const other = new PoolState(etcd.endpoints, name);
  await s.open();
  const seen: Change[] = [];
  s.onChange((c) => seen.push(c));
  return { s, other, seen, close: async () => (await s.close(), await other.close()) };
}
const until = async (f: () => boolean, what: string) => {
  for (let i = 0; i < 200 && !f(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(f(), what);
};

test('seenRev moves only with changes delivered in order: refresh() of one key (read past the watch) leaves it', { skip, timeout: 30000 }, async () => {
  const { s, other, close } = await pair('seen-refresh');
  try {
    await other.cas('vm/x', 0, { n: 1 });
    await until(() => s.get('vm/x')?.n === 1, 'the watch brought vm/x');
    const before = s.seenRev;
    // s.refresh() reads vm/x itself: patched so that the read answers a revision the watch has not brought
    const at = (await other.read('vm/x')).rev;
    const real = s.client.get.bind(s.client);
    (s.client as any).get = (k: string) => ({ exec: async () => { const r = await real(k).exec(); return { ...r, kvs: r.kvs.map((kv: any) => ({ ...kv, mod_revision: String(at + 1000) })), header: { ...r.header, revision: String(at + 1000) } }; } });
    await s.refresh('vm/x');
    (s.client as any).get = real;
    assert.equal(s.seenRev, before, 'a revision read out of order is not taken for every change before it');
  } finally {
    await close();
  }
});

test('a range read older than the watch does not bring back a key the watch saw deleted', { skip, timeout: 30000 }, async () => {
  const { s, other, seen, close } = await pair('stale-read');
  try {
    await other.cas('vm/j', 0, { n: 1 });
    await until(() => !!s.get('vm/j'), 'the watch brought vm/j');
    // the answer a range read gets before the delete, handed to s's next read after the watch brought the delete
    const stale = await s.client.getAll().prefix(s.prefix).exec();
    const j = await other.read('vm/j');
    await other.cas('vm/j', j.rev, null);
    await until(() => !s.get('vm/j'), 'the watch brought the delete');
    const real = s.client.getAll.bind(s.client);
    (s.client as any).getAll = () => ({ prefix: () => ({ exec: async () => stale }) });
    seen.length = 0;
    await s.sync();
    (s.client as any).getAll = real;
    assert.equal(s.get('vm/j'), undefined, 'vm/j stays deleted');
    assert.deepEqual(seen, [], 'no change reported from the older read');
  } finally {
    await close();
  }
});

test('a break of the watch: its changes no longer move seenRev until a range read after it came back covers the break', { skip, timeout: 30000 }, async () => {
  const { s, other, close } = await pair('watch-break');
  try {
    const w = (s as any).watcher;
    w.emit('disconnected', new Error('test: stream broken'));
    const before = s.seenRev;
    await other.cas('vm/k', 0, { n: 1 });
    await until(() => !!s.get('vm/k'), 'the watch still brings vm/k');
    assert.equal(s.seenRev, before, 'not counted as seen in order while the break is not covered');
    w.emit('connected', { header: { revision: String(before) } });
    const at = (await other.read('vm/k')).rev;
    await until(() => s.seenRev >= at, 'the range read after the watch came back covers the break');
  } finally {
    await close();
  }
});

test('a delete of a key that is not there (cas at revision 0) leaves no record of a delete to report', { skip, timeout: 30000 }, async () => {
  const s = new PoolState(etcd.endpoints, 'delete-nothing');
  try {
    const seen: Change[] = [];
    s.onChange((c) => seen.push(c));
    assert.equal(await s.cas('session/none', 0, null), true);
    await s.sync();
    assert.deepEqual(seen, [], 'no delete reported for a key that never was');
  } finally {
    await s.close();
  }
});
