import type { Command } from 'commander';
import { describeDeath } from '../toolstack/on-shutdown.js';
import { withToolstack } from './context.js';
import { jsonOut, out } from './io.js';

/** `xk reboot DOMAIN`, as `xl reboot`: the guest shuts down with reason reboot, and on_reboot applies. */
export function register(program: Command): void {
  program
    .command('reboot')
    .description('reboot a domain (shutdown with reason reboot; on_reboot applies, "restart" by default)')
    .argument('<domain>', 'name or id')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  xk reboot web1')
    .action(async (ref: string, o: { json?: boolean }, cmd: Command) => {
      const e = await withToolstack(cmd, (ts) => ts.reboot(ref));
      if (o.json) jsonOut(e);
      else out(describeDeath(e));
    });
}
