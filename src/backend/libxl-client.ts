import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { XenkitError } from '../errors.js';

const WORKER = fileURLToPath(new URL('./libxl-worker.js', import.meta.url));

/**
 * libxl operations, each run in a worker process (libxl-worker.ts says why). libxl's own log lines
 * go to our stderr. A worker that dies after it answered (the domain exists) only warns.
 */
export class LibxlClient {
  constructor(private readonly release: string) {}

  private run(args: string[], input?: string): { domid: number; names?: Record<string, string | null> } {
    const r = spawnSync(process.execPath, [WORKER, ...args], { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'inherit'] });
    const line = r.stdout?.split('\n').find((l) => l.startsWith('{'));
    const answer = line ? (JSON.parse(line) as Record<string, unknown>) : undefined;
    if (!answer) {
      const how = r.signal ? `was killed by ${r.signal}` : `exited with ${r.status}`;
      throw new XenkitError('LIBXL_WORKER', `libxl ${args[0]}: the libxl worker ${how} before answering`, {
        field: 'libxl',
        value: args[0],
        hint: 'see libxl\'s messages above; `xk --backend xen list` shows whether the domain exists',
      });
    }
    if (!answer.ok) throw new XenkitError(String(answer.code ?? 'LIBXL_ERROR'), String(answer.message), { field: answer.field as string, hint: answer.hint as string | undefined });
    if (r.signal || r.status !== 0) process.stderr.write(`xk: warning: the libxl worker died (${r.signal ?? r.status}) after libxl ${args[0]} succeeded\n`);
    return { domid: Number(answer.domid), names: answer.names as Record<string, string | null> | undefined };
  }

  createNew(json: Record<string, unknown>, paused: boolean): number {
    return this.run(['create', this.release, paused ? 'paused' : 'running'], JSON.stringify(json)).domid;
  }
  destroy(domid: number): void {
    this.run(['destroy', this.release, String(domid)]);
  }
  shutdown(domid: number): void {
    this.run(['shutdown', this.release, String(domid)]);
  }
  reboot(domid: number): void {
    this.run(['reboot', this.release, String(domid)]);
  }
  /** The names xenstore holds for these domains (one worker for all of them). */
  names(domids: number[]): Map<number, string> {
    const got = this.run(['names', this.release, domids.join(',')]).names ?? {};
    return new Map(Object.entries(got).flatMap(([d, n]) => (n ? [[Number(d), n] as [number, string]] : [])));
  }
  close(): void {}
}
