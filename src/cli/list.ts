import type { Command } from 'commander';
import { recordsTable } from '../toolstack/domain-table.js';
import { withToolstack } from './context.js';
import { jsonOut } from './io.js';
import { formatList, listHead, listRows } from '../toolstack/xl-list.js';
import { registerQuick, type QuickCommand } from './quick.js';
import { writeOut } from './stdout.js';

/** `xk list [DOMAIN...] [-l]`, as `xl list`; run without commander when its arguments are plain (quick.ts). */
export const quick: QuickCommand = {
  name: 'list',
  description: 'list domains, in `xl list` columns',
  argument: ['[domains...]', 'names or ids (default: every domain)'],
  options: [
    ['-l, --long', 'the libxl_domain_config JSON of each domain xenkit built, as `xl list -l` prints it'],
    ['-v, --verbose', 'more columns (type, UUID)'],
    ['--json', 'print JSON'],
  ],
  helpAfter: '\nExamples:\n  xk list\n  xk list web1\n  xk list -l\n  xk list --json',
  run: async (refs, o, src) => {
    // Only -l needs the configs the domains were built from; every domain without -l is read as a table.
    const lo = { specs: !!o.long };
    const { table, records, cpuTime, lines } = await withToolstack(src, async (ts) => {
      // The plain table, where the state file keeps its lines rendered: copied out (20,000 domains).
      const lines = refs.length || o.long || o.json || o.verbose ? undefined : await ts.listLines?.();
      if (lines) return { table: undefined, records: [], cpuTime: ts.cpuTime, lines };
      if (!refs.length && !o.long) return { table: await ts.listTable(), records: [], cpuTime: ts.cpuTime };
      const records = await (refs.length ? Promise.all(refs.map((r) => ts.get(r, lo))) : ts.list(lo));
      return { table: recordsTable(records), records, cpuTime: ts.cpuTime };
    });
    if (o.long) {
      // xl list -l (tools/xl/xl_list.c list_domains_details() @RELEASE-4.17.0): one {domid, config}
      // per domain whose configuration libxl can retrieve; others (dom0 among them) are skipped.
      const { toLibxlJson } = await import('../toolstack/libxl/libxl-json.js');
      const { yajlBeautify } = await import('../toolstack/libxl/yajl.js');
      const withConfig = records.filter((r) => r.spec).map((r) => ({ domid: r.domid, config: toLibxlJson(r.spec!).json }));
      writeOut(yajlBeautify(withConfig));
      return;
    }
    // One write, not one per domain (20,000 lines are 20,000 system calls to a file).
    if (lines) return writeOut(Buffer.concat([listHead(), lines]));
    if (o.json) return jsonOut(listRows(table!));
    writeOut(formatList(table!, !!o.verbose, cpuTime));
  },
};

export function register(program: Command): void {
  registerQuick(program, quick);
}
