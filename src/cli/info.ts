import type { Command } from 'commander';
import { withToolstack } from './context.js';
import { jsonOut, out } from './io.js';
import { registerQuick, type QuickCommand } from './quick.js';

/** `xk info`: the host; run without commander when its arguments are plain (quick.ts). */
export const quick: QuickCommand = {
  name: 'info',
  description: 'the host: backend, release, arch, memory, free memory, cpus, virtualisation capabilities',
  options: [['--json', 'print JSON']],
  helpAfter: '\nExamples:\n  xk info\n  xk --state /tmp/lab.db info --json\n  xk --backend xen info   (in a Xen dom0, as root)',
  run: async (_args, o, src) => {
    const info = await withToolstack(src, (ts) => ts.info());
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
  },
};

export function register(program: Command): void {
  registerQuick(program, quick);
}
