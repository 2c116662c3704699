#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { COMMANDS } from './commands.js';
import { GLOBAL_OPTIONS, GLOBAL_WITH_VALUE } from './globals.js';
import { watchStdout, writeOut } from './stdout.js';

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

const DESCRIPTION = 'xenkit: a Xen toolstack. Runs on an embedded simulated Xen by default.';
const EXIT_HELP = "\nExit status: 0 ok; 1 Xen (or a release's rules, or libxl) refused; 2 bad input; 3 state file locked/corrupt; 4 environment (no Xen, no libxl, no koffi, the libxl worker died); 70 internal error.";

/** `xk --help` from the same tables commander is given, without loading commander (cold start). */
function staticHelp(): string {
  const opts: [string, string][] = [...GLOBAL_OPTIONS, ['-h, --help', 'display help for command']];
  const cmds: [string, string][] = [...COMMANDS.map((c): [string, string] => [c.args ? `${c.name} ${c.args}` : c.name, c.description]), ['help [command]', 'display help for command']];
  const w = Math.max(...[...opts, ...cmds].map(([t]) => t.length)) + 2;
  const rows = (xs: [string, string][]) => xs.map(([t, d]) => `  ${t.padEnd(w)}${d}`).join('\n');
  return `Usage: xk [options] [command]\n\n${DESCRIPTION}\n\nOptions:\n${rows(opts)}\n\nCommands:\n${rows(cmds)}\n${EXIT_HELP}\n`;
}

async function buildProgram(argv: string[]): Promise<Command> {
  const { Command } = await import('commander');
  const program = new Command();
  program
    .name('xk')
    .description(DESCRIPTION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .addHelpText('after', EXIT_HELP);
  for (const [flags, d] of GLOBAL_OPTIONS) program.option(flags, d);
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
  if (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h')) {
    writeOut(staticHelp());
    return;
  }
  try {
    // A plain `xk list` or `xk info` runs without loading commander (cold start).
    const entry = COMMANDS.find((c) => c.name === commandWord(argv));
    const quick = entry?.quick ? (await entry.load()).quick : undefined;
    const plain = quick && (await import('./quick.js')).parseQuick(argv, quick);
    if (plain) return await quick.run(plain.args, plain.opts, plain.src);
    // What commander and the commands it runs print goes through process.stdout.
    watchStdout();
    const program = await buildProgram(argv);
    await program.parseAsync(process.argv);
  } catch (e) {
    // Loaded here: `xk --help` and a command that succeeds need no error table.
    const { EXIT, exitCodeFor, printError } = await import('./io.js');
    if (e instanceof Error && e.name === 'CommanderError') {
      // Help and version print and exit 0; usage errors were already printed by commander.
      process.exitCode = (e as Error & { exitCode: number }).exitCode === 0 ? EXIT.OK : EXIT.BAD_INPUT;
      return;
    }
    printError(e, argv.includes('--debug'));
    process.exitCode = exitCodeFor(e);
  }
}

// Not awaited at the top level: the installed bin is CommonJS (scripts/build-cli.mjs); main() catches
// what it throws, and node stays until its promise settles.
void main();
