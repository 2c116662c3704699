import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
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
export function loadScripts(): Script[] {
  return readdirSync(CONFORMANCE_DIR)
    .filter((f) => f.endsWith('.jsonl') && !f.endsWith('.expected.jsonl'))
    .sort()
    .map((f) => {
      const text = readFileSync(join(CONFORMANCE_DIR, f), 'utf8');
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
      return { name: f.replace(/\.jsonl$/, ''), release, host, lines, expectedFile: join(CONFORMANCE_DIR, f.replace(/\.jsonl$/, '.expected.jsonl')) };
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
