import type { Command } from 'commander';
import { domainOp } from './domain-op.js';

/** `xk unpause DOMAIN`. */
export function register(program: Command): void {
  domainOp(program, 'unpause', 'unpause a domain', 'unpaused', (ts, ref) => ts.unpause(ref));
}
