import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SimXen } from '../../src/sim/sim.js';
import { hostFromPhysinfo } from '../../src/xen/host.js';
import { replayLine } from '../../src/replay/replay.js';
import { readExpected } from '../helpers/conformance.js';

// What real Xen 4.17.7 (Debian 12) answered under QEMU (test/xen-qemu, `npm run test:xen`), recorded,
// against the sim described as the same host from that host's physinfo: the sim must agree line by line.
const DIR = resolve(import.meta.dirname, '../xen-qemu');
const REC = join(DIR, 'recorded');
const host = hostFromPhysinfo(JSON.parse(readFileSync(join(REC, 'host-4.17.json'), 'utf8')), '4.17');

function replay(script: string, h = host): string[] {
  const sim = new SimXen(h);
  return readFileSync(script, 'utf8')
    .split('\n')
    .map((l, i) => replayLine(sim, '4.17', l, i + 1))
    .filter((r): r is Record<string, unknown> => !!r)
    .map((r) => JSON.stringify(r));
}

function recorded(name: string): string[] {
  return readFileSync(join(REC, name), 'utf8').trim().split('\n');
}

test('the probe matrix: every createdomain verdict, state bit and errno as real Xen 4.17 answered', () => {
  const got = replay(join(DIR, 'matrix-4.17.jsonl'));
  const want = recorded('matrix-4.17.real.jsonl');
  assert.equal(got.length, want.length);
  const diffs = got.flatMap((g, i) => (g === want[i] ? [] : [`sim:  ${g}\nreal: ${want[i]}`]));
  assert.deepEqual(diffs, []);
});

test('the conformance scripts lifecycle-4.17 and memory-4.17, as real Xen 4.17 answered (physinfo aside: another host)', () => {
  for (const name of ['lifecycle-4.17', 'memory-4.17']) {
    const want = recorded(`${name}.real.jsonl`).filter((l) => !l.includes('"op":"physinfo"'));
    const got = readExpected(resolve(import.meta.dirname, `../conformance/${name}.expected.jsonl`)).lines.filter((l) => !l.includes('"op":"physinfo"'));
    assert.deepEqual(got, want, name);
  }
});
