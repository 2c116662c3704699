/**
 * A state file holding `n` guests built as `xk create examples/pv.cfg` builds them (names and
 * records included), for the `xk list` bench. Uses the built package (dist/).
 */
import { resolve } from 'node:path';
import { openSimState } from '../dist/sim/store.js';
import { buildDomain } from '../dist/toolstack/lifecycle.js';
import { loadSpec, planFor } from '../dist/toolstack/load.js';

export function makeStateFile(path: string, n: number): void {
  // Enough memory for every guest (512 MiB each) and the release's default dom0.
  const st = openSimState(path, { host: { release: '4.22', memoryMiB: 1 << 24 } });
  try {
    const { spec } = loadSpec(resolve(import.meta.dirname, '../examples/pv.cfg'));
    st.run((sim, names) => {
      for (let i = 1; i <= n; i++) buildDomain(sim, names, planFor(sim.host.release, sim.host, { ...spec, name: `guest-${i}` }));
    });
  } finally {
    st.close();
  }
}

if (process.argv[1] === import.meta.filename) makeStateFile(process.argv[2]!, Number(process.argv[3] ?? 20_000));
