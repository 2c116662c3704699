import type { Command } from 'commander';
import { domainOp } from './domain-op.js';

/** `xk destroy DOMAIN`. */
export function register(program: Command): void {
  domainOp(program, 'destroy', 'destroy a domain at once', 'destroyed', (ts, ref) => ts.destroy(ref));
}
