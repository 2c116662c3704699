/**
 * xk's global options, one table: commander is given them, `xk --help` prints them, and the
 * commands that run without commander (src/cli/quick.ts) read them.
 */
export const GLOBAL_OPTIONS: [flags: string, description: string][] = [
  ['--state <file>', 'simulated host state file (default: $XENKIT_STATE, else $XDG_STATE_HOME/xenkit/sim.db)'],
  ['--backend <name>', "sim (the simulated Xen in the state file; default) or xen (this host's Xen; $XENKIT_BACKEND)"],
  ['--debug', 'show stack traces on errors'],
];

/** The long names of the global options that take a value (`--state`, `--backend`). */
export const GLOBAL_WITH_VALUE: ReadonlySet<string> = new Set(GLOBAL_OPTIONS.filter(([f]) => f.includes('<')).map(([f]) => f.split(' ')[0]!));

/** The long names of the global options that are flags (`--debug`). */
export const GLOBAL_FLAGS: ReadonlySet<string> = new Set(GLOBAL_OPTIONS.filter(([f]) => !f.includes('<')).map(([f]) => f.split(' ')[0]!));

/** What commands read of the global options (commander's optsWithGlobals(), or src/cli/quick.ts's). */
export interface OptionSource {
  optsWithGlobals(): Record<string, unknown>;
}

/** commander's key for a long option: `--host-file` -> hostFile. */
export function optionKey(long: string): string {
  return long.replace(/^--/, '').replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}
