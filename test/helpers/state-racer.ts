/**
 * A process that uses one state file in a loop for a while, for the race tests:
 *   state-racer.ts read|write PATH STOPFILE
 * Prints "started" after its first pass, then, once STOPFILE exists (or after a minute), one JSON
 * line: the host releases it saw (with counts) and every error that is not Xen's.
 */
import { existsSync } from 'node:fs';
import { openSimState } from '../../src/sim/store.js';
import { XenkitError } from '../../src/errors.js';

const [mode, path, stop] = process.argv.slice(2) as [string, string, string];
const end = Date.now() + 60_000;
const seen: Record<string, number> = {};
const errors: string[] = [];
let n = 0;
while (Date.now() < end && !existsSync(stop)) {
  try {
    const st = openSimState(path);
    try {
      const release =
        mode === 'read'
          ? st.read((sim) => sim.host.release)
          : st.run((sim, names) => {
              const domid = sim.createDomain({ domid: 0, ssidref: 0, handle: new Uint8Array(16), flags: 0, max_vcpus: 1, max_evtchn_port: 1023, max_grant_frames: 32, max_maptrack_frames: 1024, grant_opts: 2, arch: { emulation_flags: 0 } });
              names.set(domid, `w${process.pid}-${n}`, null);
              return sim.host.release;
            });
      seen[release] = (seen[release] ?? 0) + 1;
    } finally {
      st.close();
    }
  } catch (e) {
    if (!(e instanceof XenkitError && e.errno)) errors.push(`${(e as Error).name}: ${(e as Error).message}`);
  }
  if (n++ === 0) process.stdout.write('started\n');
}
process.stdout.write(JSON.stringify({ mode, n, seen, errors: errors.slice(0, 5), errorCount: errors.length }) + '\n');
