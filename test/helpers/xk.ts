import { spawnSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
/** Tests never touch the user's own state file: every run defaults to a scratch one. */
const SCRATCH = join(mkdtempSync(join(tmpdir(), 'xk-default-')), 'sim.db');
const MAIN = join(ROOT, 'src/cli/main.ts');

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Run xk as a real child process (through tsx, on the sources). */
export function xk(args: string[], opts: { input?: string; env?: Record<string, string>; timeout?: number } = {}): Run {
  const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    cwd: ROOT,
    input: opts.input,
    encoding: 'utf8',
    timeout: opts.timeout,
    killSignal: 'SIGKILL',
    env: { ...process.env, XENKIT_STATE: SCRATCH, ...opts.env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function xkAsync(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((res) => {
    const p = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: ROOT, env: { ...process.env, XENKIT_STATE: SCRATCH, ...env } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (status) => res({ status, stdout, stderr }));
  });
}

export function tempState(): string {
  return join(mkdtempSync(join(tmpdir(), 'xk-cli-')), 'sim.db');
}

/** A 4.17 host in a new state file with examples/pv.cfg running (domain 1) and examples/hvm.cfg paused (domain 2). */
export function hostWithGuests(): string {
  const s = tempState();
  for (const args of [['sim', 'init', '--xen', '4.17'], ['create', 'examples/pv.cfg'], ['create', 'examples/hvm.cfg', '--paused']]) {
    const r = xk(['--state', s, ...args]);
    if (r.status !== 0) throw new Error(`xk ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  }
  return s;
}

export const jsonLines = (s: string) => s.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
