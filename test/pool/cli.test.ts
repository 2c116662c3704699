import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAIN } from './harness.js';

// Bad --pool options are refused before anything starts (no etcd needed), naming the field and what is accepted.
test('xk serve --pool: bad URL, name, TTL, port 0 and an --import that is no directory are refused in words (exit 2), before any connection', { timeout: 60000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'xk-pool-cli-'));
  try {
    const cases: [string[], RegExp][] = [
      [['--pool', 'http://127.0.0.1:2379'], /--pool: "http:\/\/127\.0\.0\.1:2379" is not accepted; expected etcd:\/\/HOST:PORT/],
      [['--pool', 'etcd://127.0.0.1:99999'], /"127\.0\.0\.1:99999" is not HOST:PORT/],
      [['--pool', 'etcd://127.0.0.1:2379', '--pool-name', 'a/b'], /--pool-name: "a\/b" is not accepted/],
      [['--pool', 'etcd://127.0.0.1:2379', '--pool-ttl', '0'], /--pool-ttl: "0" is not accepted; expected whole seconds from 1 to 3600/],
      [['--pool', 'etcd://127.0.0.1:2379', '--listen', '127.0.0.1:0'], /a fixed port in a pool/],
      [['--pool', 'etcd://127.0.0.1:2379', '--import', join(dir, 'none')], /--import: ".*none" is not accepted; expected a directory of xl\.cfg files/],
      [['--import', join(dir, 'none')], /--import: ".*none" is not accepted; expected a directory of xl\.cfg files/],
    ];
    for (const [args, want] of cases) {
      const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, '--state', join(dir, 'h.db'), 'serve', ...args], { encoding: 'utf8', timeout: 20000 });
      assert.equal(r.status, 2, `${args.join(' ')}: exit 2 (${r.stderr})`);
      assert.match(r.stderr, want);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
