import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { XenkitError } from '../errors.js';

/** Exit statuses (documented in the README). */
export const EXIT = {
  OK: 0,
  /** Xen (or a release's rules) refused: a check rejected, a hypercall failed. */
  REFUSED: 1,
  /** Bad input: usage, a config file, a JSON line, a value. */
  BAD_INPUT: 2,
  /** The state file: locked, corrupt, unreadable. */
  STATE: 3,
  /** A bug: an unexpected exception (shown in full with --debug). */
  INTERNAL: 70,
} as const;

export function exitCodeFor(e: unknown): number {
  if (!(e instanceof XenkitError)) return EXIT.INTERNAL;
  if (e.code.startsWith('STATE_')) return EXIT.STATE;
  if (e.errno) return EXIT.REFUSED;
  return EXIT.BAD_INPUT;
}

/** Lines of a file, or of stdin for "-"; a missing file is bad input, not a stack trace. */
export async function* readLines(file: string): AsyncGenerator<string> {
  if (file !== '-' && !existsSync(file))
    throw new XenkitError('NO_FILE', `${file}: no such file`, { field: 'FILE', value: file, hint: 'give a path to a JSON-lines file, or - for stdin' });
  const input = file === '-' ? process.stdin : createReadStream(file, 'utf8');
  const rl = createInterface({ input, crlfDelay: Infinity });
  for await (const line of rl) yield line;
}

export function out(line: string): void {
  process.stdout.write(line + '\n');
}

export function jsonOut(v: unknown): void {
  process.stdout.write(JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x instanceof Uint8Array ? Buffer.from(x).toString('hex') : x)) + '\n');
}

export function printError(e: unknown, debug: boolean): void {
  if (e instanceof XenkitError) {
    process.stderr.write(`xk: error: ${e.message}\n`);
    if (e.hint && !e.message.includes(e.hint)) process.stderr.write(`xk: hint: ${e.hint}\n`);
    if (debug && e.stack) process.stderr.write(e.stack + '\n');
    return;
  }
  const err = e as Error;
  process.stderr.write(`xk: internal error: ${err?.message ?? String(e)}\n`);
  if (debug && err?.stack) process.stderr.write(err.stack + '\n');
  else process.stderr.write('xk: run again with --debug for details\n');
}
