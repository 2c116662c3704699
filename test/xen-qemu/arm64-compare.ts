// After arm64.sh's boots: for each boot NAME (arm64-REL-gicvN), the real answers in RESULTS/NAME.real.jsonl
// and the GIC dom0 saw (RESULTS/NAME.gic) against the sim's answers for the same host; writes
// RESULTS/NAME.compare.txt, records into recorded/ when missing or with XK_RECORD=1 (and notes a change
// from the recording otherwise), exits 1 on any difference between real Xen and the sim.
//   node --import tsx test/xen-qemu/arm64-compare.ts --release 4.17 --results DIR --debian VER --kernel KVER NAME...
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseRelease } from '../../src/xen/releases.js';
import { ARM_RECORDED, XEN_QEMU, answerLines, differences, gicOfCompatible, simAnswers } from '../helpers/arm64-recorded.js';

const { values: opt, positionals: names } = parseArgs({
  options: { release: { type: 'string' }, results: { type: 'string' }, debian: { type: 'string' }, kernel: { type: 'string' }, xk: { type: 'boolean' } },
  allowPositionals: true,
});
const release = parseRelease(opt.release ?? '');
const say = (s: string) => console.log(`xen-arm: ${s}`);
let failed = false;

for (const name of names) {
  const real = answerLines(readFileSync(join(opt.results!, `${name}.real.jsonl`), 'utf8'));
  const compatible = readFileSync(join(opt.results!, `${name}.gic`), 'utf8').trim();
  const gic = gicOfCompatible(compatible);
  const physinfo = real[0] ? (JSON.parse(real[0]) as Record<string, unknown>) : {};
  if (!gic || physinfo.op !== 'physinfo') {
    say(`${name}: FAIL: no GIC in dom0's device tree (${JSON.stringify(compatible)}) or no physinfo answer first`);
    failed = true;
    continue;
  }
  const { line: _l, op: _o, ok: _k, ...pi } = physinfo;
  const host = { ...pi, arch: 'arm64', gic, gic_compatible: compatible };
  const sim = simAnswers(release, host, join(XEN_QEMU, `arm64-cases-${release}.jsonl`));
  const diffs = differences(sim, real);
  writeFileSync(join(opt.results!, `${name}.compare.txt`), real.map((r, i) => `${r === sim[i] ? 'same' : 'DIFF'} real ${r}\n     sim  ${sim[i]}`).join('\n') + '\n');
  if (diffs.length) {
    failed = true;
    say(`${name}: FAIL: the sim disagrees with real Xen on ${diffs.length} of ${real.length} lines:\n${diffs.join('\n')}`);
  } else say(`${name}: PASS: the sim answers as real Xen ${release} on all ${real.length} lines (host: ${gic}, ${pi.nr_cpus} CPUs, ${JSON.stringify(pi.capabilities)})`);
  if (opt.xk) failed = checkXk(name, real) || failed;
  record(name, host, real);
}
process.exit(failed ? 1 : 0);

/** --xk: xenkit ran in that dom0 too (`xk replay --backend xen` of the same cases): its lines must be the probe's. */
function checkXk(name: string, real: string[]): boolean {
  const file = join(opt.results!, `${name}.xk.jsonl`);
  const xk = existsSync(file) ? answerLines(readFileSync(file, 'utf8')) : [];
  const d = differences(xk, real).map((l) => l.replace(/^sim: /, 'xk:  '));
  if (xk.length === 0) say(`${name}: FAIL: xk replay --backend xen printed nothing in the arm64 dom0 (serial log: xk's stderr)`);
  else if (d.length) say(`${name}: FAIL: xk replay --backend xen in the arm64 dom0 differs from the probe on ${d.length} lines:\n${d.join('\n')}`);
  else say(`${name}: PASS: xk replay --backend xen in the arm64 dom0 answers as the probe on all ${xk.length} lines`);
  return xk.length === 0 || d.length > 0;
}

function record(name: string, host: Record<string, unknown>, real: string[]): void {
  const file = join(ARM_RECORDED, `${name}.real.jsonl`);
  const hostFile = join(ARM_RECORDED, `host-${name}.json`);
  const header = `# Real Xen ${release} on arm64 (Debian ${opt.debian}, hypervisor under qemu-system-aarch64 TCG, dom0 Linux ${opt.kernel}): xk-arm-probe's answers to arm64-cases-${release}.jsonl (test/xen-qemu/arm64.sh)`;
  if (existsSync(file) && process.env.XK_RECORD !== '1') {
    const was = answerLines(readFileSync(file, 'utf8'));
    const d = differences(real, was);
    if (d.length) say(`${name}: note: real Xen now answers differently from the recording on ${d.length} lines (XK_RECORD=1 rewrites it):\n${d.join('\n').replaceAll('sim: ', 'now: ').replaceAll('real:', 'was: ')}`);
    return;
  }
  writeFileSync(file, [header, ...real].join('\n') + '\n');
  writeFileSync(hostFile, JSON.stringify({ source: header.slice(2), ...host }, null, 2) + '\n');
  say(`${name}: recorded ${file} and ${hostFile}`);
}
