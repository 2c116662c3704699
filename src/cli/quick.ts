import type { Command } from 'commander';
import { GLOBAL_FLAGS, GLOBAL_WITH_VALUE, optionKey, type OptionSource } from './globals.js';

/**
 * A command simple enough to run without commander (cold start: `xk list`, `xk info`): boolean
 * options and an optional list of arguments, declared once in a table. commander is given the same
 * table (registerQuick), and parseQuick reads the same grammar; anything it does not read plainly
 * (help, an unknown or combined option, a missing value) goes to commander, which answers it as it
 * answers every other command.
 */
export interface QuickCommand {
  name: string;
  description: string;
  /** A variadic argument: [`[name...]`, description]. */
  argument?: [string, string];
  /** Boolean options: [flags as commander takes them (`-l, --long`), description]. */
  options: [string, string][];
  /** Text shown after the options in `xk NAME --help`. */
  helpAfter?: string;
  run(args: string[], opts: Record<string, boolean>, src: OptionSource): Promise<void>;
}

export function registerQuick(program: Command, q: QuickCommand): void {
  const c = program.command(q.name).description(q.description);
  if (q.argument) c.argument(q.argument[0], q.argument[1]);
  for (const [flags, d] of q.options) c.option(flags, d);
  if (q.helpAfter) c.addHelpText('after', q.helpAfter);
  c.action(async (...a: unknown[]) => {
    const cmd = a[a.length - 1] as Command;
    await q.run(q.argument ? (a[0] as string[]) : [], a[a.length - 2] as Record<string, boolean>, cmd);
  });
}

/** The words of a flags string: `-l, --long` -> ['-l', '--long']. */
const wordsOf = (flags: string) => flags.split(/[ ,|]+/).filter((w) => w.startsWith('-'));

/** argv (after `node main.js`) read as this command, or undefined for commander to read. */
export function parseQuick(argv: string[], q: QuickCommand): { args: string[]; opts: Record<string, boolean>; src: OptionSource } | undefined {
  const flag = new Map<string, string>();
  for (const [flags] of q.options) {
    const ws = wordsOf(flags);
    for (const w of ws) flag.set(w, optionKey(ws[ws.length - 1]!));
  }
  const globals: Record<string, unknown> = {};
  const opts: Record<string, boolean> = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const name = eq > 0 ? a.slice(0, eq) : a;
    if (GLOBAL_WITH_VALUE.has(name)) {
      const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined || (eq < 0 && v.startsWith('-'))) return undefined;
      globals[optionKey(name)] = v;
    } else if (GLOBAL_FLAGS.has(a)) globals[optionKey(a)] = true;
    else if (flag.has(a)) opts[flag.get(a)!] = true;
    else if (a.startsWith('-') && a !== '-') return undefined;
    else positional.push(a);
  }
  if (positional[0] !== q.name || (!q.argument && positional.length > 1)) return undefined;
  const all = { ...globals, ...opts };
  return { args: positional.slice(1), opts, src: { optsWithGlobals: () => all } };
}
