import type { Command } from 'commander';
import { withToolstack } from './context.js';
import { jsonOut, out } from './io.js';

/** `xk info`: the host. */
export function register(program: Command): void {
  program
    .command('info')
    .description('the host: backend, release, arch, memory, free memory, cpus, virtualisation capabilities')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  xk info\n  xk --state /tmp/lab.db info --json\n  xk --backend xen info   (in a Xen dom0, as root)')
    .action(async (o: { json?: boolean }, cmd: Command) => {
      const info = await withToolstack(cmd, (ts) => ts.info());
      const p = info.physinfo;
      // The JSON is a physinfo plus the release: `--host-file` reads it back to describe this host.
      if (o.json) return jsonOut({ backend: info.backend, where: info.where, release: info.release, version: info.version, ...p, total_memory_mib: info.total_memory_mib, free_memory_mib: info.free_memory_mib });
      out(`backend         : ${info.backend} (${info.where})`);
      out(`xen_version     : ${info.version}`);
      out(`arch            : ${p.arch}`);
      out(`nr_cpus         : ${p.nr_cpus}`);
      out(`total_memory    : ${info.total_memory_mib} MiB`);
      out(`free_memory     : ${info.free_memory_mib} MiB`);
      out(`virt_caps       : ${p.capabilities.join(' ')}`);
    });
}
