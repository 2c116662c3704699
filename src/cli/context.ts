import { openToolstack } from '../toolstack/open.js';
import type { Toolstack } from '../toolstack/toolstack.js';
import type { OptionSource } from './globals.js';
import { statePath } from './host.js';

/** The toolstack a command addresses (--backend, --state), closed when fn is done. */
export async function withToolstack<T>(cmd: OptionSource, fn: (ts: Toolstack) => Promise<T> | T): Promise<T> {
  const o = cmd.optsWithGlobals() as { backend?: string };
  const ts = await openToolstack({ backend: o.backend, state: statePath(cmd) });
  try {
    return await fn(ts);
  } finally {
    ts.close();
  }
}

export function warn(ws: readonly string[]): void {
  for (const w of ws) process.stderr.write(`xk: warning: ${w}\n`);
}
