import { Option, type Command } from 'commander';
import { SHUTDOWN_REASONS, type ShutdownReason } from '../hv/hypervisor.js';
import { describeDeath } from '../toolstack/on-shutdown.js';
import { withToolstack } from './context.js';
import { jsonOut, out } from './io.js';

/** `xk shutdown DOMAIN [--reason R]`. */
export function register(program: Command): void {
  program
    .command('shutdown')
    .description("shut a domain down with a reason; its on_poweroff/on_reboot/on_crash action applies (here, or in the `xk create --watch` holding it, as xl's daemon)")
    .argument('<domain>', 'name or id')
    .addOption(new Option('--reason <reason>', 'SHUTDOWN_* reason').choices([...SHUTDOWN_REASONS]).default('poweroff'))
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  xk shutdown web1\n  xk shutdown web1 --reason crash')
    .action(async (ref: string, o: { reason: ShutdownReason; json?: boolean }, cmd: Command) => {
      const e = await withToolstack(cmd, (ts) => ts.shutdown(ref, o.reason));
      if (o.json) jsonOut(e);
      else out(describeDeath(e));
    });
}
