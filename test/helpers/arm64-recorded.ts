import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SimXen } from '../../src/sim/sim.js';
import { hostFromPhysinfo } from '../../src/xen/host.js';
import { replayLine } from '../../src/replay/replay.js';
import type { ReleaseId } from '../../src/xen/releases.js';
export { gicOfCompatible } from '../../src/backend/arm-host.js';

// The Arm recordings of test/xen-qemu/arm64.sh (real Xen on arm64 under QEMU) and the sim's answers
// for the same cases on the same host; used by arm64-compare.ts (after a boot) and by
// test/xen/recorded-arm64.test.ts (in npm test, no QEMU).
export const XEN_QEMU = resolve(import.meta.dirname, '../xen-qemu');
export const ARM_RECORDED = join(XEN_QEMU, 'recorded');

/** The answer lines of a recording (its '#' header lines left out). */
export function answerLines(text: string): string[] {
  return text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
}

/** The sim's answers to a cases file on the host a recorded host file (physinfo + arch + gic) describes. */
export function simAnswers(release: ReleaseId, hostRecord: Record<string, unknown>, casesFile: string): string[] {
  const sim = new SimXen(hostFromPhysinfo(hostRecord, release));
  return readFileSync(casesFile, 'utf8')
    .split('\n')
    .map((l, i) => replayLine(sim, release, l, i + 1))
    .filter((r): r is Record<string, unknown> => !!r)
    .map((r) => JSON.stringify(r));
}

/**
 * "sim: ...\nreal: ..." for each line where the two differ (and a count line when the lengths do).
 * The physinfo line is the host's description, not an answer: its free_pages is what this Xen and
 * this dom0 left (the sim models dom0 as a quarter of the RAM), so it is left out.
 */
export function differences(sim: string[], real: string[]): string[] {
  const answer = (l: string) => !l.includes('"op":"physinfo"');
  sim = sim.filter(answer);
  real = real.filter(answer);
  const d = sim.flatMap((s, i) => (s === real[i] ? [] : [`sim:  ${s}\nreal: ${real[i] ?? '(no line)'}`]));
  if (sim.length !== real.length) d.push(`sim gave ${sim.length} lines, real Xen ${real.length}`);
  return d;
}
