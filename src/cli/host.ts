import type { Command } from 'commander';
import { defaultStatePath } from '../sim/store.js';

/** --state, else $XENKIT_STATE, else the XDG state directory. */
export function statePath(cmd: Command): string {
  const o = cmd.optsWithGlobals() as { state?: string };
  return o.state ?? defaultStatePath();
}
