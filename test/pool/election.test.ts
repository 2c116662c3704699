import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EtcdCluster, skipReason } from './etcd.js';
import { PoolProcs, PW, rpc } from './harness.js';

const skip = skipReason();
const ROUNDS = Number(process.env.XK_POOL_ROUNDS ?? 2) + 1;

/**
 * Three members started at once, as the README's guide starts them: every one campaigns in an empty
 * election. Each must name the same coordinator, the one that is: before, etcd3 1.1.2's
 * ElectionObserver took the last put of its first watch batch as the leader, and a supporter could
 * name itself (HOST_IS_SLAVE with its own address, forever; seen running the guide).
 */
test(`members started together agree on the coordinator: every supporter's HOST_IS_SLAVE names it (${ROUNDS} fresh pools)`, { skip, timeout: 60000 * ROUNDS }, async () => {
  for (let round = 0; round < ROUNDS; round++) {
    const etcd = await EtcdCluster.start(1);
    let pool: PoolProcs | undefined;
    try {
      pool = await PoolProcs.start(etcd, ['4.17', '4.20', '4.20'], { together: true });
      const c = await pool.waitCoordinator(15000);
      for (const m of pool.members.filter((x) => x.i !== c.i)) {
        // a supporter may not have seen the election yet: bounded wait for its first answer naming someone
        let said = '';
        for (let k = 0; k < 50; k++) {
          const e = await rpc(m.url, 'session.login_with_password', ['root', PW]).then(() => undefined, (x: any) => x);
          said = e ? `${e.code} ${e.params?.[0] ?? ''}` : 'logged in';
          if (e?.code !== 'XENKIT_POOL_UNAVAILABLE') break;
          await new Promise((r) => setTimeout(r, 100));
        }
        assert.equal(said, `HOST_IS_SLAVE ${c.address}`, `round ${round}: host${m.i} (${m.address}) names the coordinator host${c.i}`);
      }
    } finally {
      pool?.stop();
      etcd.stop();
    }
  }
});
