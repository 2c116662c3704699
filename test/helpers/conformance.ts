import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import assert from 'node:assert/strict';
import { SimXen } from '../../src/sim/sim.js';
import type { Hypervisor } from '../../src/hv/hypervisor.js';
import { replayLine } from '../../src/replay/replay.js';
import { parseRelease, type ReleaseId } from '../../src/xen/releases.js';

export const CONFORMANCE_DIR = resolve(import.meta.dirname, '../conformance');

export interface Script {
  name: string;
  release: ReleaseId;
  host: Record<string, unknown>;
  lines: string[];
  expectedFile: string;
}

/** Scripts carry their release and host in header comments: "# xen: 4.17", "# memory: 1024". */
export function loadScripts(dir = CONFORMANCE_DIR): Script[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl') && !f.endsWith('.expected.jsonl'))
    .sort()
    .map((f) => {
      const text = readFileSync(join(dir, f), 'utf8');
      const lines = text.split('\n');
      const host: Record<string, unknown> = {};
      let release: ReleaseId | undefined;
      for (const l of lines) {
        const m = /^#\s*(xen|memory|cpus):\s*(\S+)/.exec(l);
        if (!m) continue;
        if (m[1] === 'xen') release = parseRelease(m[2]);
        else host[m[1] === 'memory' ? 'memoryMiB' : 'cpus'] = Number(m[2]);
      }
      if (!release) throw new Error(`${f}: no "# xen: VER" header`);
      if (host.memoryMiB) host.dom0MemoryMiB = Math.floor((host.memoryMiB as number) / 4);
      return { name: f.replace(/\.jsonl$/, ''), release, host, lines, expectedFile: join(dir, f.replace(/\.jsonl$/, '.expected.jsonl')) };
    });
}

/** Run a script against a backend; one output line per operation (comments and blank lines skipped). */
export function runScript(hv: Hypervisor, s: Script): string[] {
  const out: string[] = [];
  s.lines.forEach((l, i) => {
    const r = replayLine(hv, s.release, l, i + 1);
    if (r) out.push(JSON.stringify(r));
  });
  return out;
}

/** An expected file: its "# truth:" header (where its lines come from) and its result lines. */
export interface Expected {
  header: string[];
  lines: string[];
}

export function readExpected(file: string): Expected {
  const all = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
  return { header: all.filter((l) => l.startsWith('#')), lines: all.filter((l) => !l.startsWith('#')) };
}

/**
 * Why a header does not say where its truth comes from, or '' when it does: a "# truth:" line naming
 * a real Xen recording (a file under test/xen-qemu/recorded/), Xen's source at a release tag
 * (`@RELEASE-4.N.0`), or the sim's documented contract (for sim-only operations).
 */
export function truthProblem(header: string[]): string {
  const text = header.join('\n');
  if (!/^# truth: /m.test(text)) return 'no "# truth:" header line';
  if (/UNVERIFIED/.test(text)) return 'its header says it was regenerated from the sim and not verified';
  if (/real Xen/.test(text) && /test\/xen-qemu\/recorded\/\S+/.test(text)) return '';
  if (/Xen's source/.test(text) && /@RELEASE-4\.\d+\.0/.test(text)) return '';
  if (/sim's documented contract/.test(text)) return '';
  return 'the "# truth:" header cites neither a real Xen recording (test/xen-qemu/recorded/...), Xen\'s source (@RELEASE-4.N.0) nor the sim\'s documented contract';
}

/** UPDATE_EXPECTED=1: write the sim's lines, keeping the header (or marking a new file UNVERIFIED). */
export function writeExpected(file: string, got: string[]): void {
  const header = existsSync(file)
    ? readExpected(file).header
    : ['# truth: UNVERIFIED: written from the sim by UPDATE_EXPECTED=1; verify each line against real Xen or Xen\'s source and cite it here'];
  writeFileSync(file, [...header, ...got].join('\n') + '\n');
}

const rel = (f: string) => relative(resolve(import.meta.dirname, '../..'), f);

/** Run a script on a fresh sim of its release and assert its expected file (update: rewrite it, then fail). */
export function checkOnSim(s: Script, update = process.env.UPDATE_EXPECTED === '1'): void {
  const got = runScript(new SimXen({ ...s.host, release: s.release }), s);
  if (update) {
    writeExpected(s.expectedFile, got);
    assert.fail(`UPDATE_EXPECTED=1: regenerated ${rel(s.expectedFile)} from the sim; review the diff and its "# truth:" header, then run without UPDATE_EXPECTED`);
  }
  assert.ok(existsSync(s.expectedFile), `${rel(s.expectedFile)} is missing: write it from real Xen or Xen's source (UPDATE_EXPECTED=1 drafts it from the sim)`);
  const want = readExpected(s.expectedFile);
  assert.equal(truthProblem(want.header), '', `${rel(s.expectedFile)}: where its truth comes from`);
  assert.deepEqual(got, want.lines);
}
