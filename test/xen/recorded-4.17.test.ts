import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SimXen } from '../../src/sim/sim.js';
import { hostFromPhysinfo } from '../../src/xen/host.js';
import { replayLine } from '../../src/replay/replay.js';
import { readExpected } from '../helpers/conformance.js';

// What real Xen answered under QEMU (test/xen-qemu, `npm run test:xen`), recorded: Xen 4.17.7
// (Debian 12) and Xen 4.20.4 (Debian 13 trixie, staged by test/xen-qemu/trixie.sh), each against the
// sim described as the same host from that dom0's physinfo: the sim must agree line by line.
const DIR = resolve(import.meta.dirname, '../xen-qemu');
const REC = join(DIR, 'recorded');
// Per release: the conformance scripts that run.sh replays there (those without inject).
const RELEASES = { '4.17': ['lifecycle-4.17', 'memory-4.17'], '4.20': ['domid-4.20'] } as const;

function recorded(name: string): string[] {
  return readFileSync(join(REC, name), 'utf8').trim().split('\n');
}

for (const [rel, scripts] of Object.entries(RELEASES)) {
  const release = rel as keyof typeof RELEASES;
  const host = () => hostFromPhysinfo(JSON.parse(readFileSync(join(REC, `host-${release}.json`), 'utf8')), release);
  const replay = (script: string): string[] => {
    const sim = new SimXen(host());
    return readFileSync(script, 'utf8')
      .split('\n')
      .map((l, i) => replayLine(sim, release, l, i + 1))
      .filter((r): r is Record<string, unknown> => !!r)
      .map((r) => JSON.stringify(r));
  };

  test(`the probe matrix: every createdomain verdict, state bit and errno as real Xen ${release} answered`, () => {
    const got = replay(join(DIR, `matrix-${release}.jsonl`));
    const want = recorded(`matrix-${release}.real.jsonl`);
    assert.equal(got.length, want.length);
    const diffs = got.flatMap((g, i) => (g === want[i] ? [] : [`sim:  ${g}\nreal: ${want[i]}`]));
    assert.deepEqual(diffs, []);
  });

  test(`the conformance scripts ${scripts.join(', ')}, as real Xen ${release} answered (physinfo aside: another host)`, () => {
    for (const name of scripts) {
      const want = recorded(`${name}.real.jsonl`).filter((l) => !l.includes('"op":"physinfo"'));
      const got = readExpected(resolve(import.meta.dirname, `../conformance/${name}.expected.jsonl`)).lines.filter((l) => !l.includes('"op":"physinfo"'));
      assert.deepEqual(got, want, name);
    }
  });
}
