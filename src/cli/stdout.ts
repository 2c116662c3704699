import { writeSync } from 'node:fs';

/**
 * What a command prints. Written to fd 1 with write(2) (writeSync), not through process.stdout:
 * that stream (a SyncWriteStream on a file, a socket on a pipe, a tty.WriteStream) loads node's
 * stream modules when first touched, a few ms of the cold start of `xk list` and `xk --help`
 * (bench/run.ts). A closed pipe (`xk list | head`) ends the output quietly with exit 0, as Unix tools
 * do; another failure is exit 70 with the reason. A non-blocking pipe that is full (EAGAIN: the
 * caller set O_NONBLOCK on it) gets the rest through process.stdout, which waits for the reader, and
 * so does everything printed after it, so the order holds.
 */
let stream = false;

export function writeOut(data: string | Uint8Array): void {
  if (stream) return void process.stdout.write(data);
  const b = typeof data === 'string' ? Buffer.from(data) : data;
  let o = 0;
  try {
    while (o < b.length) o += writeSync(1, b, o, b.length - o);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') return outputFailed(e as NodeJS.ErrnoException);
    watchStdout();
    stream = true;
    process.stdout.write(b.subarray(o));
  }
}

/**
 * For what is printed through process.stdout (the commands commander runs): the same endings. Added
 * even when the stream has other 'error' listeners: a readable piped into process.stdout adds one
 * that, on an error, removes itself and re-throws the error when no other listener is left.
 */
export function watchStdout(): void {
  if (!process.stdout.listeners('error').includes(outputFailed)) process.stdout.on('error', outputFailed);
}

function outputFailed(e: NodeJS.ErrnoException): never {
  if (e.code !== 'EPIPE') process.stderr.write(`xk: error: cannot write the output: ${e.message}\n`);
  process.exit(e.code === 'EPIPE' ? 0 : 70);
}
