import type { Command } from 'commander';
import { domainOp } from './domain-op.js';

/** `xk pause DOMAIN`. */
export function register(program: Command): void {
  domainOp(program, 'pause', 'pause a domain', 'paused', (ts, ref) => ts.pause(ref));
}
