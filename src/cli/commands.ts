import type { Command } from 'commander';
import type { QuickCommand } from './quick.js';

/**
 * Every command, with what `xk --help` shows of it, and its module: a run loads only the module of
 * the command it runs (cold start), `xk --help` none of them.
 */
export interface CommandEntry {
  name: string;
  args?: string;
  description: string;
  /** Its module exports a QuickCommand: plain arguments run it without commander (src/cli/quick.ts). */
  quick?: true;
  load(): Promise<{ register(program: Command): void; quick?: QuickCommand }>;
}

export const COMMANDS: CommandEntry[] = [
  { name: 'demo', description: 'the main job on an in-memory simulated Xen', load: () => import('./demo.js') },
  { name: 'create', args: '<file> [settings...]', description: 'create a domain from an xl.cfg file', load: () => import('./create.js') },
  { name: 'list', args: '[domains...]', description: 'list domains, in `xl list` columns', quick: true, load: () => import('./list.js') },
  { name: 'info', description: 'the host: release, arch, memory, cpus, capabilities', quick: true, load: () => import('./info.js') },
  { name: 'pause', args: '<domain>', description: 'pause a domain', load: () => import('./pause.js') },
  { name: 'unpause', args: '<domain>', description: 'unpause a domain', load: () => import('./unpause.js') },
  { name: 'shutdown', args: '<domain>', description: 'shut a domain down; its on_* action applies', load: () => import('./shutdown.js') },
  { name: 'reboot', args: '<domain>', description: 'reboot a domain (on_reboot applies)', load: () => import('./reboot.js') },
  { name: 'destroy', args: '<domain>', description: 'destroy a domain at once', load: () => import('./destroy.js') },
  { name: 'check', args: '[files...]', description: 'check xl.cfg files, or raw createdomain configs, against Xen releases', load: () => import('./check.js') },
  { name: 'fix', args: '<files...>', description: "rewrite xl.cfg keys into the form a release's xl reads", load: () => import('./fix.js') },
  { name: 'explain', args: '<file>', description: 'the derivation for an xl.cfg on a release, rule by rule', load: () => import('./explain.js') },
  { name: 'replay', args: '<file>', description: 'run a script of raw hypervisor operations (JSON lines)', load: () => import('./replay.js') },
  { name: 'releases', description: 'the Xen releases xenkit knows and their createdomain facts', load: () => import('./releases.js') },
  { name: 'serve', description: 'serve XenAPI (JSON-RPC, XML-RPC) to XenAPI clients', load: () => import('./serve.js') },
  { name: 'user', args: '<action>', description: "the XenAPI service's users: add, list, remove, passwd", load: () => import('./user.js') },
  { name: 'pool', args: '<action>', description: 'a pool of xk serve hosts: check (which members can run each VM)', load: () => import('./pool.js') },
  { name: 'sim', description: 'the simulated host: init, reset, inject, status', load: () => import('./sim.js') },
];
