import type { Command } from 'commander';
import { withToolstack } from './context.js';
import { jsonOut, out } from './io.js';
import { formatList, listRows } from './list-format.js';

/** `xk list [DOMAIN...] [-l]`, as `xl list`. */
export function register(program: Command): void {
  program
    .command('list')
    .description('list domains, in `xl list` columns')
    .argument('[domains...]', 'names or ids (default: every domain)')
    .option('-l, --long', 'the libxl_domain_config JSON of each domain xenkit built, as `xl list -l` prints it')
    .option('-v, --verbose', 'more columns (type, UUID)')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  xk list\n  xk list web1\n  xk list -l\n  xk list --json')
    .action(async (refs: string[], o: { long?: boolean; verbose?: boolean; json?: boolean }, cmd: Command) => {
      const { records, cpuTime } = await withToolstack(cmd, async (ts) => ({ records: await (refs.length ? Promise.all(refs.map((r) => ts.get(r))) : ts.list()), cpuTime: ts.cpuTime }));
      if (o.long) {
        // xl list -l (tools/xl/xl_list.c list_domains_details() @RELEASE-4.17.0): one {domid, config}
        // per domain whose configuration libxl can retrieve; others (dom0 among them) are skipped.
        const { toLibxlJson } = await import('../toolstack/libxl/libxl-json.js');
        const { yajlBeautify } = await import('../toolstack/libxl/yajl.js');
        const withConfig = records.filter((r) => r.spec).map((r) => ({ domid: r.domid, config: toLibxlJson(r.spec!).json }));
        process.stdout.write(yajlBeautify(withConfig));
        return;
      }
      const rows = listRows(records);
      if (o.json) jsonOut(rows);
      // One write, not one per domain (20,000 lines are 20,000 system calls to a file).
      else out(formatList(rows, !!o.verbose, cpuTime).join('\n'));
    });
}
