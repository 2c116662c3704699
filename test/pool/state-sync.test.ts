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
