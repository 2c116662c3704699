import { createReadStream } from 'node:fs';
import { errorClass, EXIT_STATUS, XenkitError } from '../errors.js';
import { LIMITS, openInput } from '../input.js';
import { writeOut } from './stdout.js';

/** Exit statuses (documented in the README); the classes and codes are in src/errors.ts. */
export const EXIT = {
  OK: 0,
  /** Xen (or a release's rules, or libxl) refused: a check rejected, a hypercall failed. */
  REFUSED: EXIT_STATUS.refused,
  /** Bad input: usage, a config file, a JSON line, a value. */
  BAD_INPUT: EXIT_STATUS['bad-input'],
  /** The state file: locked, corrupt, unreadable. */
  STATE: EXIT_STATUS.state,
  /** The host cannot do it: no Xen, no libxl, no koffi, the libxl worker crashed. */
  ENVIRONMENT: EXIT_STATUS.environment,
  /** A bug: an unexpected exception (shown in full with --debug). */
  INTERNAL: EXIT_STATUS.internal,
} as const;

/** The exit status for an error, from the closed table of codes (an unknown code is a bug: 70). */
export function exitCodeFor(e: unknown): number {
  if (!(e instanceof XenkitError)) return EXIT.INTERNAL;
  const cls = errorClass(e.code);
  return cls ? EXIT_STATUS[cls] : EXIT.INTERNAL;
}

/**
 * Lines of a file, or of stdin for "-", with bounded memory: a line longer than LIMITS.jsonLineBytes
 * is yielded as its first limit + 1 bytes (the parsers refuse it, and the next lines still run) and
 * the rest is skipped. A NUL byte means the input is not text (JSON cannot hold one): the read stops
 * with BINARY_INPUT, so /dev/zero or /dev/urandom ends at once. A missing file, a directory, an
 * unreadable file is bad input.
 */
export async function* readLines(file: string): AsyncGenerator<string> {
  const hint = 'give a path to a JSON-lines file, or - for stdin';
  const fd = openInput(file, 'FILE', hint);
  const input = fd === 0 ? process.stdin : createReadStream('', { fd, highWaterMark: 1 << 16 });
  const lines = new LineSplitter(LIMITS.jsonLineBytes, file === '-' ? 'standard input' : file);
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) yield* lines.push(chunk);
  } catch (e) {
    if (e instanceof XenkitError) throw e;
    throw new XenkitError('FILE_UNREADABLE', `${file}: cannot read it (${(e as Error).message})`, { field: 'FILE', value: file, hint });
  }
  yield* lines.end();
}

/** Splits chunks into lines, keeping at most `limit` + 1 bytes of any one line. */
class LineSplitter {
  private parts: Buffer[] = [];
  private len = 0;
  private lineNo = 1;

  constructor(
    private readonly limit: number,
    private readonly name: string,
  ) {}

  *push(chunk: Buffer): Generator<string> {
    const nul = chunk.indexOf(0);
    const stop = nul < 0 ? chunk.length : nul;
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl >= 0 && nl < stop; nl = chunk.indexOf(10, start)) {
      this.keep(chunk.subarray(start, nl));
      yield this.take();
      start = nl + 1;
    }
    this.keep(chunk.subarray(start, stop));
    if (nul >= 0)
      throw new XenkitError('BINARY_INPUT', `${this.name}: line ${this.lineNo} holds a NUL byte: this is not a JSON-lines text file`, {
        field: 'FILE',
        value: this.name,
        hint: 'one JSON object per line, as UTF-8 text',
        details: { line: this.lineNo },
      });
  }

  *end(): Generator<string> {
    if (this.len > 0) yield this.take();
  }

  private keep(b: Buffer): void {
    const room = this.limit + 1 - this.len;
    if (room <= 0 || b.length === 0) return;
    const kept = b.length > room ? b.subarray(0, room) : b;
    this.parts.push(Buffer.from(kept)); // a copy: the chunk is not kept alive
    this.len += kept.length;
  }

  private take(): string {
    const s = Buffer.concat(this.parts, this.len).toString('utf8');
    this.parts = [];
    this.len = 0;
    this.lineNo++;
    return s.endsWith('\r') ? s.slice(0, -1) : s;
  }
}

export function out(line: string): void {
  writeOut(line + '\n');
}

export function jsonOut(v: unknown): void {
  writeOut(JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x instanceof Uint8Array ? Buffer.from(x).toString('hex') : x)) + '\n');
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
