#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { EXIT, exitCodeFor, printError } from './io.js';
import { COMMANDS } from './commands.js';

// A closed pipe (xk list | head) ends the output quietly, as Unix tools do.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') process.stderr.write(`xk: error: cannot write the output: ${e.message}\n`);
  process.exit(e.code === 'EPIPE' ? 0 : 70);
});

const GLOBAL_WITH_VALUE = new Set(['--state', '--backend']);

/** The command word: the first argument that is not a global option (or its value). */
function commandWord(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (GLOBAL_WITH_VALUE.has(a)) i++;
    else if (!a.startsWith('-')) return a;
  }
  return undefined;
}

function version(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

async function buildProgram(argv: string[]): Promise<Command> {
  const program = new Command();
  program
    .name('xk')
    .description('xenkit: a Xen toolstack. Runs on an embedded simulated Xen by default.')
    .option('--state <file>', 'simulated host state file (default: $XENKIT_STATE, else $XDG_STATE_HOME/xenkit/sim.db)')
    .option('--backend <name>', "sim (the simulated Xen in the state file; default) or xen (this host's Xen; $XENKIT_BACKEND)")
    .option('--debug', 'show stack traces on errors')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .addHelpText('after', "\nExit status: 0 ok; 1 Xen (or a release's rules, or libxl) refused; 2 bad input; 3 state file locked/corrupt; 4 environment (no Xen, no libxl, no koffi, the libxl worker died); 70 internal error.");
  if (argv.includes('--version') || argv.includes('-V')) program.version(version(), '-V, --version');
  let word = commandWord(argv);
  if (word === 'help') word = commandWord(argv.slice(argv.indexOf('help') + 1));
  const entry = COMMANDS.find((c) => c.name === word);
  if (entry) (await entry.load()).register(program);
  // Help, or an unknown word: every command by its table entry (commander lists and checks them).
  else for (const c of COMMANDS) program.command(c.args ? `${c.name} ${c.args}` : c.name).description(c.description);
  return program;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  try {
    const program = await buildProgram(argv);
    await program.parseAsync(process.argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version print and exit 0; usage errors were already printed by commander.
      process.exitCode = e.exitCode === 0 ? EXIT.OK : EXIT.BAD_INPUT;
      return;
    }
    printError(e, argv.includes('--debug'));
    process.exitCode = exitCodeFor(e);
  }
}

await main();
