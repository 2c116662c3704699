/**
 * xenkit's Xen 4.17 and 4.20 facts against real libxen-dev headers: Debian 12's installed 4.17 ones,
 * and Debian 13 "trixie"'s 4.20 ones from the staging root of test/xen-qemu/trixie.sh.
 *
 * Builds test/abi/probe.c with `cc` against each release's headers (xenctrl.h, xen/domctl.h,
 * xen/sysctl.h, xen/arch-x86/xen.h), runs it, and compares what it prints (interface versions,
 * struct sizes, alignments, member offsets and sizes, XEN_DOMCTL_CDF_*, XEN_X86_EMU_*,
 * XEN_X86_MSR_RELAXED, XEN_DOMINF_*, XEN_SYSCTL_PHYSCAP_*, DOMID_*) with src/xen/abi-data.ts,
 * flags.ts, emulation.ts, domid.ts and createdomain.ts. Member C types and the libxenctrl
 * prototypes are read off the header text.
 *
 * Without a release's headers its tests are skipped (saying how to get them); with
 * XENKIT_REQUIRE_ABI=1 (CI) they fail instead.
 *   apt-get install -y libxen-dev     (Debian 12 bookworm: Xen 4.17, in /usr/include)
 *   bash test/xen-qemu/trixie.sh      (Debian 13 trixie's Xen 4.20 packages, unpacked into
 *                                      ~/.cache/xenkit/trixie-4.20/root; nothing is installed)
 *   node --import tsx --test test/xen/abi.test.ts
 */
import { after, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ABI } from '../../src/xen/abi-data.js';
import type { ReleaseId } from '../../src/xen/releases.js';
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

const PROBE_C = fileURLToPath(new URL('../abi/probe.c', import.meta.url));
const REQUIRED = process.env.XENKIT_REQUIRE_ABI === '1';

/** One release's headers: where they are, and where its libxenctrl.so symlink is. */
interface HeaderSource {
  release: ReleaseId;
  include: string;
  /** Why they cannot be read here (they are missing), saying how to get them. */
  missing: string;
  /** The libxenctrl.so development symlink, or undefined when not found. */
  libxenctrl: () => string | undefined;
}

/** test/xen-qemu/trixie.sh's staging root (its cache: XK_TRIXIE_CACHE, else ${XDG_CACHE_HOME:-~/.cache}/xenkit/trixie-4.20). */
const TRIXIE_ROOT = join(process.env.XK_TRIXIE_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'xenkit/trixie-4.20'), 'root');

const SOURCES: HeaderSource[] = [
  {
    release: '4.17',
    include: '/usr/include',
    missing: 'Xen 4.17 headers not installed (/usr/include/xen/domctl.h missing): run `apt-get install -y libxen-dev` (Debian 12: Xen 4.17)',
    libxenctrl: () => {
      const so = spawnSync('cc', ['-print-file-name=libxenctrl.so'], { encoding: 'utf8' }).stdout.trim();
      return so.startsWith('/') && existsSync(so) ? so : undefined;
    },
  },
  {
    release: '4.20',
    include: join(TRIXIE_ROOT, 'usr/include'),
    missing:
      `Xen 4.20 headers not staged (${join(TRIXIE_ROOT, 'usr/include/xen/domctl.h')} missing): run \`bash test/xen-qemu/trixie.sh\` ` +
      "(downloads Debian 13 trixie's libxen-dev and Xen 4.20 packages into that cache and unpacks them; nothing is installed)",
    libxenctrl: () => {
      const so = join(TRIXIE_ROOT, 'usr/lib/x86_64-linux-gnu/libxenctrl.so');
      return existsSync(so) ? so : undefined;
    },
  },
];

/** Why a release's headers cannot be probed here, or undefined. */
function unavailable(src: HeaderSource): string | undefined {
  if (!existsSync(join(src.include, 'xen/domctl.h'))) return src.missing;
  const cc = spawnSync('cc', ['--version'], { encoding: 'utf8' });
  if (cc.error || cc.status !== 0) return 'no C compiler `cc` to build test/abi/probe.c: run `apt-get install -y gcc`';
  return undefined;
}

let workDir: string | undefined;
const probed = new Map<ReleaseId, Probe>();

/** Compile and run probe.c once per release (in a temp dir) against its headers, parse its JSON. */
function runProbe(src: HeaderSource): Probe {
  const done = probed.get(src.release);
  if (done) return done;
  workDir ??= mkdtempSync(join(tmpdir(), 'xenkit-abi-'));
  const exe = join(workDir, `probe-${src.release}`);
  const build = spawnSync('cc', ['-std=gnu11', '-Wall', '-O0', `-I${src.include}`, '-o', exe, PROBE_C], { encoding: 'utf8' });
  if (build.error || build.status !== 0)
    assert.fail(`cc failed to build ${basename(PROBE_C)} against ${src.include} (headers not Xen ${src.release}?):\n${build.stderr || build.error?.message}`);
  const run = spawnSync(exe, [], { encoding: 'utf8' });
  if (run.error || run.status !== 0) assert.fail(`${exe} failed (status ${run.status}): ${run.stderr || run.error?.message}`);
  let probe: Probe;
  try {
    probe = JSON.parse(run.stdout) as Probe;
  } catch (e) {
    assert.fail(`probe printed invalid JSON (${(e as Error).message}):\n${run.stdout}`);
  }
  probed.set(src.release, probe);
  return probe;
}

after(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

/** The probe, or undefined after skipping (or failing, under XENKIT_REQUIRE_ABI=1) when the headers are absent. */
function need(t: TestContext, src: HeaderSource): Probe | undefined {
  const why = unavailable(src);
  if (why) {
    if (REQUIRED) assert.fail(why);
    t.skip(why);
    return undefined;
  }
  return runProbe(src);
}

/** The probe, after checking the headers are the release's. */
function needRelease(t: TestContext, src: HeaderSource): Probe | undefined {
  const probe = need(t, src);
  if (!probe) return undefined;
  const wrong = checkRelease(xenkitFacts(src.release), probe);
  if (wrong) assert.fail(wrong);
  return probe;
}

const report = (what: string, diffs: string[]) =>
  assert.deepEqual(diffs, [], `${diffs.length} difference(s) between ${what}:\n  - ${diffs.join('\n  - ')}`);

const hex = (n: number) => '0x' + n.toString(16);

/** The same checks for each release's headers. */
function describeRelease(src: HeaderSource) {
  const RELEASE = src.release;
  describe(`ABI: xenkit's Xen ${RELEASE} facts vs libxen-dev ${RELEASE}'s headers (${src.include})`, () => {
    let headers: HeaderDecls | undefined;
    const decls = () => (headers ??= readHeaders(src.include));
    const facts = (): XenkitFacts => xenkitFacts(RELEASE);
    const want = ABI[RELEASE];

    test(`the headers are Xen ${RELEASE} (XEN_DOMCTL_INTERFACE_VERSION ${hex(want.domctlInterfaceVersion)}, XEN_SYSCTL_INTERFACE_VERSION ${hex(want.sysctlInterfaceVersion)})`, (t) => {
      const probe = need(t, src);
      if (!probe) return;
      const wrong = checkRelease(facts(), probe);
      assert.equal(wrong, undefined, wrong);
      assert.equal(probe.sysctl_interface_version, want.sysctlInterfaceVersion);
    });

    test('probe.c covers every member and constant the headers declare', (t) => {
      const probe = needRelease(t, src);
      if (!probe) return;
      report('probe.c and the headers', checkProbeCoverage(probe, decls()));
    });

    test('interface versions, struct sizes, alignments, member names, offsets, sizes and C types match', (t) => {
      const probe = needRelease(t, src);
      if (!probe) return;
      report(`xenkit's ${RELEASE} layouts and the headers`, compareLayouts(facts(), probe, decls()));
    });

    test('CDF, X86_EMU (and EMU_ALL), MSR_RELAXED, DOMINF, PHYSCAP and DOMID constants match', (t) => {
      const probe = needRelease(t, src);
      if (!probe) return;
      report(`xenkit's ${RELEASE} constants and the headers`, compareConstants(facts(), probe));
    });

    test('libxenctrl: the soname and the prototypes xenkit uses match xenctrl.h', (t) => {
      if (!needRelease(t, src)) return;
      const f = facts();
      report(`xenkit's ${RELEASE} libxc prototypes and xenctrl.h`, compareLibxc(f, readFileSync(join(src.include, 'xenctrl.h'), 'utf8')));
      const so = src.libxenctrl();
      assert.ok(so, `libxenctrl.so (libxen-dev ${RELEASE}'s development symlink) not found`);
      assert.equal(basename(readlinkSync(so)), f.abi.soname, `libxenctrl.so links to ${readlinkSync(so)}, xenkit says ${f.abi.soname}`);
    });
  });
}

for (const src of SOURCES) describeRelease(src);
const [SRC_417, SRC_420] = SOURCES;

describe("ABI: the comparison names a perturbed fact (Xen 4.17's and 4.20's headers)", () => {
  const RELEASE = '4.17';
  let headers: HeaderDecls | undefined;
  const decls = () => (headers ??= readHeaders(SRC_417.include));
  const facts = (): XenkitFacts => xenkitFacts(RELEASE);

  test('the comparison reports a perturbed fact (in memory only) by name', (t) => {
    const probe = needRelease(t, SRC_417);
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

  test("4.20: altp2m_opts (new in 4.20) is what moves the arch config to offset 60", (t) => {
    const probe = needRelease(t, SRC_420);
    if (!probe) return;
    const h = readHeaders(SRC_420.include);
    const f = structuredClone(xenkitFacts('4.20'));
    assert.deepEqual(compareAbi(f, probe, h), [], 'the unperturbed 4.20 facts must agree before perturbing them');
    // 4.17's createdomain (no altp2m_opts, 64 bytes) against 4.20's headers.
    f.abi.createdomain = structuredClone(ABI['4.17'].createdomain);
    const diffs = compareAbi(f, probe, h);
    for (const re of [
      /^struct xen_domctl_createdomain: sizeof: xenkit 64, headers 68$/,
      /^struct xen_domctl_createdomain\.altp2m_opts: in the headers, missing from xenkit's facts$/,
      /^struct xen_domctl_createdomain\.arch: offset: xenkit 56, headers 60$/,
    ])
      assert.ok(diffs.some((d) => re.test(d)), `no difference matching ${re} in:\n  ${diffs.join('\n  ')}`);
  });
});
