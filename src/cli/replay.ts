import type { Command } from 'commander';
import { XenkitError } from '../errors.js';
import { backendEntry, backendName } from '../backend/registry.js';
import { replayLine } from '../replay/replay.js';
import { parseRelease } from '../xen/releases.js';
import { addHostOptions, hostFromOptions } from './host-options.js';
import { EXIT, jsonOut, readLines } from './io.js';

/** `xk replay`: a script of raw hypervisor operations against a fresh host (or this machine's Xen). */
export function register(program: Command): void {
  addHostOptions(
    program
      .command('replay')
      .description('run a script of raw hypervisor operations (JSON lines) against a fresh host of a release')
      .argument('<file>', 'script file, or - for stdin')
      .option('--xen <ver>', 'Xen release of the simulated host (with --backend xen: the running release, checked)')
      .option('--backend <name>', 'sim (default) or xen ($XENKIT_BACKEND)')
      .option('--explain', 'add the reason in words to failed operations'),
  )
    .addHelpText(
      'after',
      `
Operations: physinfo, createdomain, destroydomain, pausedomain, unpausedomain, getdomaininfo,
  max_vcpus {"domid","max"}, max_mem {"domid","max_memkb"}, populate_physmap {"domid","kib"},
  shutdown {"domid","reason"}, inject {"target","errno","count"} (sim only).
createdomain takes the release's own struct xen_domctl_createdomain fields plus domid and
emulation_flags/misc_flags; an absent key is zero, as in a zeroed struct.
Examples:
  printf '%s\\n' '{"op":"createdomain","flags":["hvm","hap"]}' | xk replay --xen 4.10 -
  xk replay --xen 4.22 --explain test/conformance/domid-4.22.jsonl`,
    )
    .action(async (file: string, o: Record<string, unknown>, cmd: Command) => {
      const backend = backendName(o.backend ?? (cmd.optsWithGlobals() as { backend?: string }).backend);
      const entry = backendEntry(backend);
      // A backend xenkit builds on is a fresh host of the release asked for; a real one runs its own.
      if (entry.guests === 'xenkit' && o.xen === undefined)
        throw new XenkitError('BAD_INPUT', `replay: --xen VER is required for the ${backend} backend (a fresh host of that release)`, { field: '--xen', hint: 'e.g. --xen 4.17' });
      const hv = await entry.open(entry.guests === 'xenkit' ? { host: hostFromOptions(o, parseRelease(o.xen, '--xen')) } : {});
      const release = hv.version().release;
      if (o.xen !== undefined && parseRelease(o.xen, '--xen') !== release)
        throw new XenkitError('RELEASE_MISMATCH', `--xen ${o.xen}: the hypervisor runs Xen ${release}`, { field: '--xen', value: o.xen, hint: `--xen ${release}, or leave it out` });
      let n = 0;
      let failed = false;
      for await (const line of readLines(file)) {
        n++;
        const r = replayLine(hv, release, line, n, !!o.explain);
        if (!r) continue;
        if (r.error) failed = true;
        jsonOut(r);
      }
      if (failed) process.exitCode = EXIT.BAD_INPUT;
    });

}
