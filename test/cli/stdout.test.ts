import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { openSimState } from '../../src/sim/store.js';
import { buildDomain } from '../../src/toolstack/lifecycle.js';
import { loadSpec, planFor } from '../../src/toolstack/load.js';
import { xk } from '../helpers/xk.js';

// src/cli/stdout.ts: `xk list` writes to fd 1 itself (not through process.stdout, for the cold start).
// Its output is larger than a pipe holds (3,000 domains, about 240 KB), so the writer meets a full pipe.
const ROOT = resolve(import.meta.dirname, '../..');
const MAIN = join(ROOT, 'src/cli/main.ts');
const N = 3000;

const state = (() => {
  const path = join(mkdtempSync(join(tmpdir(), 'xk-stdout-')), 'sim.db');
  const st = openSimState(path, { host: { release: '4.22', memoryMiB: 1 << 22 } });
  const { spec } = loadSpec(join(ROOT, 'examples/pv.cfg'));
  st.run((sim, names) => {
    for (let i = 1; i <= N; i++) buildDomain(sim, names, planFor(sim.host.release, sim.host, { ...spec, name: `g-${i}` }));
  });
  st.close();
  return path;
})();

/**
 * `xk list` with its stdout on a pipe to `reader` (a shell command), the pipe first made non-blocking
 * by `nonBlocking`. The reader is its own process (bash's pipeline), so it truly holds off: a node
 * parent's paused stream reads on into memory and, if the writer exits first, drops what it read.
 */
function listThroughPipe(nonBlocking: boolean, reader: string): Promise<{ status: number | null; stdout: Buffer; stderr: string }> {
  // net.Socket over fd 1 (libuv's uv_pipe_open) sets O_NONBLOCK on the pipe the child then inherits.
  const wrapper = `${nonBlocking ? "new (require('node:net').Socket)({ fd: 1, readable: false });" : ''}
    const r = require('node:child_process').spawnSync(process.execPath, ['--import', 'tsx', ${JSON.stringify(MAIN)}, '--state', ${JSON.stringify(state)}, 'list'], { stdio: ['ignore', 'inherit', 'pipe'], cwd: ${JSON.stringify(ROOT)} });
    process.stderr.write(r.stderr);
    process.exitCode = r.status ?? 99;`;
  // The exit status is the writer's (PIPESTATUS[0]), not the reader's.
  const script = `"$0" -e "$1" | ${reader}; exit \${PIPESTATUS[0]}`;
  return new Promise((res) => {
    const p = spawn('bash', ['-c', script, process.execPath, wrapper], { stdio: ['ignore', 'pipe', 'pipe'] });
    const parts: Buffer[] = [];
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => parts.push(d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (status) => res({ status, stdout: Buffer.concat(parts), stderr }));
  });
}

test('a full non-blocking pipe (EAGAIN) gets the whole list, in order, exit 0', async () => {
  const want = xk(['--state', state, 'list']);
  assert.equal(want.status, 0, want.stderr);
  assert.ok(want.stdout.length > 200_000, `only ${want.stdout.length} bytes`);
  const r = await listThroughPipe(true, '{ sleep 2; cat; }');
  assert.equal(r.stderr, '');
  assert.equal(r.status, 0);
  assert.equal(r.stdout.toString('utf8'), want.stdout);
});

test('a pipe closed early (xk list | head) ends the output quietly, exit 0', async () => {
  const r = await listThroughPipe(false, 'head -c 4');
  assert.equal(r.stderr, '');
  assert.equal(r.status, 0);
  assert.match(r.stdout.toString('utf8'), /^Name/);
});
