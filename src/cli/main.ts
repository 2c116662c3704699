#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { EXIT, exitCodeFor, printError } from './io.js';
import { registerCore } from './commands-core.js';
import { registerDomain } from './commands-domain.js';

// A closed pipe (xk list | head) ends the output quietly, as Unix tools do.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') process.stderr.write(`xk: error: cannot write the output: ${e.message}\n`);
  process.exit(e.code === 'EPIPE' ? 0 : 70);
});

const program = new Command();
program
  .name('xk')
  .description('xenkit: a Xen toolstack. Runs on an embedded simulated Xen by default.')
  .option('--state <file>', 'simulated host state file (default: $XENKIT_STATE, else $XDG_STATE_HOME/xenkit/sim.db)')
  .option('--backend <name>', 'sim (the simulated Xen in the state file; default) or xen (this host\'s Xen; $XENKIT_BACKEND)')
  .option('--debug', 'show stack traces on errors')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

registerCore(program);
registerDomain(program);

program.addHelpText(
  'after',
  `
Exit status: 0 ok; 1 Xen (or a release's rules, or libxl) refused; 2 bad input; 3 state file locked/corrupt; 4 environment (no Xen, no libxl, no koffi, the libxl worker died); 70 internal error.`,
);

async function main(): Promise<void> {
  try {
    await program.parseAsync(process.argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version print and exit 0; usage errors were already printed by commander.
      process.exitCode = e.exitCode === 0 ? EXIT.OK : EXIT.BAD_INPUT;
      return;
    }
    printError(e, process.argv.includes('--debug'));
    process.exitCode = exitCodeFor(e);
  }
}

await main();
