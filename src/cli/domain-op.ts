import type { Command } from 'commander';
import type { Toolstack, DomainRecord } from '../toolstack/toolstack.js';
import { withToolstack } from './context.js';
import { jsonOut, out } from './io.js';

/** A command that does one thing to one domain, named or numbered as xl takes it. */
export function domainOp(program: Command, name: string, what: string, past: string, op: (ts: Toolstack, ref: string) => Promise<DomainRecord>): void {
  program
    .command(name)
    .description(what)
    .argument('<domain>', 'name or id (all digits is an id, as in xl)')
    .option('--json', 'print JSON')
    .addHelpText('after', `\nExamples:\n  xk ${name} web1\n  xk ${name} 3`)
    .action(async (ref: string, o: { json?: boolean }, cmd: Command) => {
      const d = await withToolstack(cmd, (ts) => op(ts, ref));
      if (o.json) jsonOut({ domid: d.domid, name: d.name, done: name });
      else out(`domain ${d.domid} ${past}`);
    });
}
