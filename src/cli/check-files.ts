import { XenkitError } from '../errors.js';
import type { HostCaps } from '../xen/host.js';
import type { ReleaseId } from '../xen/releases.js';
import { loadSpec } from '../toolstack/load.js';
import { releaseVerdict, settingsView } from '../toolstack/release-verdict.js';
import { EXIT, jsonOut, out } from './io.js';
import type { XlFinding } from '../xen/xl-changes.js';

/** A progress bar on stderr, only where someone is watching (a terminal) and only for long runs. */
function progress(total: number): (done: number) => void {
  if (!process.stderr.isTTY || total < 40) return () => {};
  return (done) => {
    const w = 30;
    const fill = Math.round((done / total) * w);
    process.stderr.write(`\r[${'#'.repeat(fill)}${'.'.repeat(w - fill)}] ${done}/${total}${done === total ? '\n' : ''}`);
  };
}

/**
 * `xk check FILE... --xen VER|all`: each xl.cfg, as libxl of each release would pass it, against
 * that release's rules. Prints a table (or JSON lines); returns the exit status: 2 if a file could not
 * be read or parsed (bad input, as in replay), else 1 if anything was refused, else 0.
 */
export function checkFiles(files: string[], releases: readonly ReleaseId[], host: HostCaps, json: boolean, emulationFlags?: number): number {
  let ok = true;
  let unreadable = false;
  const rows: { file: string; xen: ReleaseId | null; accept: boolean; text: string; verdict: Record<string, unknown>; xl?: XlFinding[] }[] = [];
  const tick = progress(files.length * releases.length);
  let done = 0;
  for (const file of files) {
    let loaded;
    try {
      loaded = loadSpec(file);
      for (const w of loaded.warnings) process.stderr.write(`xk: warning: ${w}\n`);
    } catch (e) {
      if (!(e instanceof XenkitError)) throw e;
      unreadable = true;
      rows.push({ file, xen: null, accept: false, text: `error: ${e.message.split('\n')[0]}`, verdict: { file, error: e.code, field: e.field, message: e.message } });
      tick((done += releases.length));
      continue;
    }
    const view = settingsView(loaded.cfg);
    for (const xen of releases) {
      const v = releaseVerdict(loaded, xen, host, emulationFlags, view);
      const { xl, file: _f, ...rest } = v;
      if (!v.accept || xl.some((f) => f.severity === 'refused')) ok = false;
      const text = v.errno === undefined && !v.accept
        ? `cannot express it: ${v.reason}`
        : v.accept ? (v.emulation_flags === undefined ? 'accept' : `accept (emulation_flags 0x${v.emulation_flags.toString(16)})`) : `${v.errno} ${v.code}: ${v.reason}`;
      rows.push({ file, xen, accept: v.accept, text, verdict: { file, ...rest, xl }, xl });
      tick(++done);
    }
  }
  if (json) for (const r of rows) jsonOut(r.verdict);
  else {
    const w = Math.max(4, ...files.map((f) => f.length));
    out(`${'FILE'.padEnd(w)}  XEN   VERDICT`);
    for (const r of rows) {
      out(`${r.file.padEnd(w)}  ${(r.xen ?? '-').padEnd(5)} ${r.text}`);
      // the xl level, one line each, beside the createdomain verdict
      for (const f of r.xl ?? []) out(`${' '.repeat(w + 2)}  ${''.padEnd(5)} xl ${f.severity}: ${f.key}: ${f.text} [${f.source}]`);
    }
  }
  return unreadable ? EXIT.BAD_INPUT : ok ? EXIT.OK : EXIT.REFUSED;
}
