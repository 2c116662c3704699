/**
 * xenkit's Xen 4.17 facts against Debian's real libxen-dev 4.17 headers.
 *
 * Builds test/abi/probe.c with `cc` against /usr/include (xenctrl.h, xen/domctl.h, xen/sysctl.h,
 * xen/arch-x86/xen.h), runs it, and compares what it prints (interface versions, struct sizes,
 * alignments, member offsets and sizes, XEN_DOMCTL_CDF_*, XEN_X86_EMU_*, XEN_X86_MSR_RELAXED,
 * XEN_DOMINF_*, XEN_SYSCTL_PHYSCAP_*, DOMID_*) with src/xen/abi-data.ts, flags.ts, emulation.ts,
 * domid.ts and createdomain.ts. Member C types and the libxenctrl prototypes are read off the
 * header text.
 *
 * Without the headers the tests are skipped; with XENKIT_REQUIRE_ABI=1 they fail instead.
 *   apt-get install -y libxen-dev   (Debian 12 bookworm: Xen 4.17)
 *   node --import tsx --test test/xen/abi.test.ts
 */
import { after, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ABI } from '../../src/xen/abi-data.js';
import { readHeaders, type HeaderDecls } from '../abi/headers.js';
import {
  checkProbeCoverage,
  checkRelease,
  compareAbi,
  compareConstants,
  compareLayouts,
  compareLibxc,
  xenkitFacts,
  type Probe,
  type XenkitFacts,
} from '../abi/compare.js';

const RELEASE = '4.17';
const INCLUDE = '/usr/include';
const DOMCTL_H = join(INCLUDE, 'xen/domctl.h');
const PROBE_C = fileURLToPath(new URL('../abi/probe.c', import.meta.url));
const REQUIRED = process.env.XENKIT_REQUIRE_ABI === '1';

/** Why the real headers cannot be probed here, or undefined. */
function unavailable(): string | undefined {
  if (!existsSync(DOMCTL_H)) return `Xen headers not installed (${DOMCTL_H} missing): run \`apt-get install -y libxen-dev\` (Debian 12: Xen 4.17)`;
  const cc = spawnSync('cc', ['--version'], { encoding: 'utf8' });
  if (cc.error || cc.status !== 0) return 'no C compiler `cc` to build test/abi/probe.c: run `apt-get install -y gcc`';
  return undefined;
}

let workDir: string | undefined;
let probed: Probe | undefined;

/** Compile and run probe.c once (in a temp dir), parse its JSON. */
function runProbe(): Probe {
  if (probed) return probed;
  workDir ??= mkdtempSync(join(tmpdir(), 'xenkit-abi-'));
  const exe = join(workDir, 'probe');
  const build = spawnSync('cc', ['-std=gnu11', '-Wall', '-O0', `-I${INCLUDE}`, '-o', exe, PROBE_C], { encoding: 'utf8' });
  if (build.error || build.status !== 0)
    assert.fail(`cc failed to build ${basename(PROBE_C)} against ${INCLUDE} (headers not Xen ${RELEASE}?):\n${build.stderr || build.error?.message}`);
  const run = spawnSync(exe, [], { encoding: 'utf8' });
  if (run.error || run.status !== 0) assert.fail(`${exe} failed (status ${run.status}): ${run.stderr || run.error?.message}`);
  try {
    probed = JSON.parse(run.stdout) as Probe;
  } catch (e) {
    assert.fail(`probe printed invalid JSON (${(e as Error).message}):\n${run.stdout}`);
  }
  return probed;
}

after(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

/** The probe, or undefined after skipping (or failing, under XENKIT_REQUIRE_ABI=1) when the headers are absent. */
function need(t: TestContext): Probe | undefined {
  const why = unavailable();
  if (why) {
    if (REQUIRED) assert.fail(why);
    t.skip(why);
    return undefined;
  }
  return runProbe();
}

/** The probe, after checking the installed headers are 4.17's. */
function need417(t: TestContext): Probe | undefined {
  const probe = need(t);
  if (!probe) return undefined;
  const wrong = checkRelease(xenkitFacts(RELEASE), probe);
  if (wrong) assert.fail(wrong);
  return probe;
}

const report = (what: string, diffs: string[]) =>
  assert.deepEqual(diffs, [], `${diffs.length} difference(s) between ${what}:\n  - ${diffs.join('\n  - ')}`);

describe(`ABI: xenkit's Xen ${RELEASE} facts vs the installed libxen-dev headers`, () => {
  let headers: HeaderDecls | undefined;
  const decls = () => (headers ??= readHeaders(INCLUDE));
  const facts = (): XenkitFacts => xenkitFacts(RELEASE);

  test('the installed headers are Xen 4.17 (XEN_DOMCTL_INTERFACE_VERSION 0x15)', (t) => {
    const probe = need(t);
    if (!probe) return;
    const wrong = checkRelease(facts(), probe);
    assert.equal(wrong, undefined, wrong);
    assert.equal(probe.domctl_interface_version, 0x15);
    assert.equal(probe.sysctl_interface_version, 0x15);
  });

  test('probe.c covers every member and constant the headers declare', (t) => {
    const probe = need417(t);
    if (!probe) return;
    report('probe.c and the headers', checkProbeCoverage(probe, decls()));
  });

  test('interface versions, struct sizes, alignments, member names, offsets, sizes and C types match', (t) => {
    const probe = need417(t);
    if (!probe) return;
    report(`xenkit's ${RELEASE} layouts and the headers`, compareLayouts(facts(), probe, decls()));
  });

  test('CDF, X86_EMU (and EMU_ALL), MSR_RELAXED, DOMINF, PHYSCAP and DOMID constants match', (t) => {
    const probe = need417(t);
    if (!probe) return;
    report(`xenkit's ${RELEASE} constants and the headers`, compareConstants(facts(), probe));
  });

  test("libxenctrl: the soname and the prototypes xenkit uses match xenctrl.h", (t) => {
    if (!need417(t)) return;
    const f = facts();
    report(`xenkit's ${RELEASE} libxc prototypes and xenctrl.h`, compareLibxc(f, readFileSync(join(INCLUDE, 'xenctrl.h'), 'utf8')));
    const so = spawnSync('cc', ['-print-file-name=libxenctrl.so'], { encoding: 'utf8' }).stdout.trim();
    assert.ok(so.startsWith('/') && existsSync(so), `libxenctrl.so not found by cc (got "${so}"): run \`apt-get install -y libxen-dev\``);
    assert.equal(basename(readlinkSync(so)), f.abi.soname, `libxenctrl.so links to ${readlinkSync(so)}, xenkit says ${f.abi.soname}`);
  });

  test('the comparison reports a perturbed fact (in memory only) by name', (t) => {
    const probe = need417(t);
    if (!probe) return;
    const h = decls();
    const pristine = structuredClone(ABI[RELEASE]);
    assert.deepEqual(compareAbi(facts(), probe, h), [], 'the unperturbed facts must agree before perturbing them');

    const perturb = (edit: (f: XenkitFacts) => void): string[] => {
      const f = structuredClone(facts());
      edit(f);
      return compareAbi(f, probe, h);
    };
    const expectDiff = (diffs: string[], ...want: RegExp[]) => {
      assert.ok(diffs.length > 0, 'a perturbed fact must give at least one difference');
      for (const re of want) assert.ok(diffs.some((d) => re.test(d)), `no difference matching ${re} in:\n  ${diffs.join('\n  ')}`);
    };
    const field = (f: XenkitFacts, name: string) => f.abi.createdomain.fields.find((x) => x[0] === name)!;

    expectDiff(perturb((f) => void (field(f, 'max_vcpus')[2] = 32)), /^struct xen_domctl_createdomain\.max_vcpus: offset: xenkit 32, headers 28$/);
    expectDiff(perturb((f) => void (field(f, 'max_grant_frames')[3] = 8)), /xen_domctl_createdomain\.max_grant_frames: size: xenkit 8, headers 4/);
    expectDiff(perturb((f) => void (field(f, 'max_grant_frames')[1] = 'uint32_t')), /max_grant_frames: C type: xenkit "uint32_t", headers "int32_t"/);
    expectDiff(
      perturb((f) => void (field(f, 'cpupool_id')[0] = 'cpupool')),
      /xen_domctl_createdomain\.cpupool_id: in the headers, missing from xenkit's facts/,
      /xen_domctl_createdomain\.cpupool: in xenkit's facts, not in the headers/,
    );
    expectDiff(perturb((f) => void (f.abi.physinfo.size = 104)), /struct xen_sysctl_physinfo: sizeof: xenkit 104, headers 112/);
    expectDiff(perturb((f) => void (f.abi.domctlInterfaceVersion = 0x14)), /XEN_DOMCTL_INTERFACE_VERSION: xenkit 0x14, headers 0x15/);
    expectDiff(perturb((f) => void (f.abi.cdf.vpmu = 8)), /XEN_DOMCTL_CDF_vpmu: bit: xenkit's abi-data\.ts cdf 8, headers 7/);
    expectDiff(perturb((f) => void (f.cdf = f.cdf.filter((x) => x.name !== 'nested_virt'))), /XEN_DOMCTL_CDF_nested_virt: in the headers \(bit 6\), missing from xenkit's flags\.ts/);
    expectDiff(perturb((f) => void (f.emu = f.emu.filter((x) => x.name !== 'VPCI'))), /XEN_X86_EMU_VPCI: in the headers \(bit 10\), missing/);
    expectDiff(perturb((f) => void (f.emuAll = 0x3ff)), /XEN_X86_EMU_ALL: xenkit's emulation\.ts emuAll\(\) 0x3ff, headers 0x7ff/);
    expectDiff(perturb((f) => void (f.miscFlagsAccepted = 0x3)), /XEN_X86_MSR_RELAXED/);
    expectDiff(perturb((f) => void (f.abi.dominf.paused_typo = 3)), /XEN_DOMINF_paused_typo: in xenkit's abi-data\.ts dominf \(bit 3\), not in the headers/);
    expectDiff(perturb((f) => void (f.abi.physcap.hap = 4)), /XEN_SYSCTL_PHYSCAP_hap: bit: xenkit's abi-data\.ts physcap 4, headers 3/);
    expectDiff(perturb((f) => void (f.domid.DOMID_IDLE = 0x7ffe)), /DOMID_IDLE: xenkit's domid\.ts 0x7ffe, headers 0x7fff/);

    // Headers of another release are named as such.
    const wrong = checkRelease(facts(), { ...probe, domctl_interface_version: 0x13, layouts: false });
    assert.match(wrong ?? '', /not Xen 4\.17: XEN_DOMCTL_INTERFACE_VERSION is 0x13 \(Xen 4\.15\), 4\.17 has 0x15/);

    // Nothing leaked into the real facts.
    assert.deepEqual(ABI[RELEASE], pristine);
    assert.deepEqual(compareAbi(facts(), probe, h), []);
  });
});
