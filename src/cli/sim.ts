import type { Command } from 'commander';
import { XenkitError } from '../errors.js';
import { SIM_OPS } from '../sim/sim.js';
import { openSimState, resetSimState } from '../sim/store.js';
import { parseRelease } from '../xen/releases.js';
import { statePath } from './host.js';
import { addHostOptions, hostFromOptions } from './host-options.js';
import { jsonOut, out } from './io.js';
import { pagesToMiB } from '../xen/pages.js';

/** `xk sim init|reset|inject|status`: the simulated host in the state file. */
export function register(program: Command): void {
  const sim = program.command('sim').description('the simulated host: init, reset, status');
  addHostOptions(sim.command('init').description('make a new simulated host in the state file').option('--xen <ver>', 'Xen release', '4.22').option('--force', 'replace an existing state file'))
    .addHelpText('after', '\nExamples:\n  xk sim init --xen 4.17 --no-shadow\n  xk --state lab.db sim init --xen 4.11 --memory 16384 --cpus 8')
    .action((o: Record<string, unknown>, cmd: Command) => {
      const path = statePath(cmd);
      const host = hostFromOptions(o, parseRelease(o.xen, '--xen'));
      // One write transaction on the open file: another xk sees the old host or the new one.
      resetSimState(path, { host, ifNew: !o.force, force: !!o.force });
      out(`simulated Xen ${host.release} ${host.arch} host created in ${path}`);
    });
  sim
    .command('reset')
    .description('destroy every domain: the same host, freshly booted')
    .option('--force', 'start over even if the state file is unreadable (default host)')
    .addHelpText('after', '\nExamples:\n  xk sim reset')
    .action((o: { force?: boolean }, cmd: Command) => {
      const path = statePath(cmd);
      resetSimState(path, { force: !!o.force });
      out(`simulated host in ${path} reset`);
    });
  sim
    .command('inject')
    .description('make the next COUNT calls of an operation fail with an errno (test your error paths)')
    .requiredOption('--op <op>', `one of ${SIM_OPS.join(', ')}`)
    .requiredOption('--errno <name>', 'errno name, e.g. ENOMEM')
    .option('--count <n>', 'how many calls (0 clears)', '1')
    .addHelpText('after', '\nExamples:\n  xk sim inject --op populate_physmap --errno ENOMEM\n  xk sim inject --op createdomain --errno EBUSY --count 3')
    .action(async (o: { op: string; errno: string; count: string }, cmd: Command) => {
      if (!/^\d+$/.test(o.count.trim())) throw new XenkitError('BAD_INPUT', `--count: ${JSON.stringify(o.count)} is not a whole number`, { field: '--count', value: o.count, hint: 'a whole number of calls, 0 to clear' });
      const count = Number(o.count);
      const st = openSimState(statePath(cmd));
      try {
        st.run((s) => s.inject(o.op, o.errno, count));
      } finally {
        st.close();
      }
      out(`next ${count} ${o.op} call(s) will fail with ${o.errno}`);
    });
  sim
    .command('status')
    .description('the simulated host and its state file')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  xk sim status\n  XENKIT_STATE=/tmp/lab.db xk sim status --json')
    .action((o: { json?: boolean }, cmd: Command) => {
      const st = openSimState(statePath(cmd));
      try {
        st.read((s) => {
          const snap = s.snapshot();
          const status = { state: st.path, host: s.host, domains: s.domainCount, last_domid: snap.lastDomid, free_pages: snap.freePages, pending_faults: snap.faults, leaked_domids: snap.leakedDomids };
          if (o.json) return jsonOut(status);
          out(`state      : ${st.path}`);
          out(`host       : Xen ${s.host.release} ${s.host.arch}, ${s.host.memoryMiB} MiB, ${s.host.cpus} cpus, hvm=${s.host.hvm} hap=${s.host.hap} shadow=${s.host.shadow} iommu=${s.host.iommu}`);
          out(`domains    : ${s.domainCount} (last id picked ${snap.lastDomid})`);
          out(`free memory: ${pagesToMiB(snap.freePages)} MiB`);
          if (Object.keys(snap.faults).length) out(`faults     : ${JSON.stringify(snap.faults)}`);
        });
      } finally {
        st.close();
      }
    });}

