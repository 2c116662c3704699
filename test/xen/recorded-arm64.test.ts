import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARM_RECORDED, XEN_QEMU, answerLines, differences, simAnswers } from '../helpers/arm64-recorded.js';
import { ARM_RELEASES, armCases } from '../xen-qemu/gen-arm-cases.js';

// What real Arm Xen answered under qemu-system-aarch64 (test/xen-qemu/arm64.sh, `npm run test:xen:arm`):
// Debian 12's arm64 Xen 4.17.7 and Debian 13's Xen 4.20.4, each on a GICv3 and on a GICv2 host, asked
// by xk-arm-probe from the arm64 dom0. The sim, described as the same host (that dom0's physinfo and the GIC of its device tree,
// recorded/host-arm64-REL-gicvN.json), must answer every case as real Xen did.
for (const release of ARM_RELEASES) {
  const cases = join(XEN_QEMU, `arm64-cases-${release}.jsonl`);

  test(`arm64-cases-${release}.jsonl is what gen-arm-cases.ts writes`, () => {
    assert.equal(readFileSync(cases, 'utf8'), armCases(release).join('\n') + '\n');
  });

  for (const gic of ['v3', 'v2']) {
    const name = `arm64-${release}-gic${gic}`;
    test(`the Arm createdomain cases on a GIC${gic} host, as real Xen ${release} on arm64 answered`, () => {
      const host = JSON.parse(readFileSync(join(ARM_RECORDED, `host-${name}.json`), 'utf8')) as Record<string, unknown>;
      assert.equal(host.gic, gic);
      const real = answerLines(readFileSync(join(ARM_RECORDED, `${name}.real.jsonl`), 'utf8'));
      assert.deepEqual(differences(simAnswers(release, host, cases), real), []);
    });
  }
}
