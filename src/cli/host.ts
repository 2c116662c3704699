import { defaultStatePath } from '../sim/state-file.js';
import type { OptionSource } from './globals.js';

/** --state, else $XENKIT_STATE, else the XDG state directory. */
export function statePath(cmd: OptionSource): string {
  const o = cmd.optsWithGlobals() as { state?: string };
  return o.state ?? defaultStatePath();
}
