import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EtcdCluster, skipReason } from './etcd.js';

const skip = skipReason();

test('etcd harness: 1 and 3 members start on loopback, answer, and stop', { skip, timeout: 60000 }, async () => {
  for (const n of [1, 3] as const) {
    const c = await EtcdCluster.start(n);
    try {
      assert.equal(c.endpoints.length, n);
      for (const e of c.endpoints) {
        const h = (await (await fetch(`${e}/health`)).json()) as { health: string };
        assert.equal(h.health, 'true', `${e} healthy`);
      }
      const members = (await (await fetch(`${c.endpoints[0]}/v3/cluster/member/list`, { method: 'POST', body: '{}' })).json()) as { members: unknown[] };
      assert.equal(members.members.length, n, 'the cluster has every member');
    } finally {
      c.stop();
    }
    for (const e of c.endpoints) await assert.rejects(fetch(`${e}/health`, { signal: AbortSignal.timeout(1000) }), 'stopped');
  }
});
