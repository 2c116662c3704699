import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { XenkitError } from '../errors.js';
import { excerptOf } from '../input.js';
import { isErrnoName } from '../xen/errno.js';

const WORKER = fileURLToPath(new URL('./libxl-worker.js', import.meta.url));

/**
 * libxl operations, each run in a worker process (libxl-worker.ts says why). libxl's own log lines
 * go to our stderr. A worker that dies after it answered (the domain exists) only warns.
 */
export class LibxlClient {
  /** `worker`: the node arguments that start the worker (tests give a stand-in). */
  constructor(
    private readonly release: string,
    private readonly worker: string[] = [WORKER],
  ) {}

  private run(args: string[], input?: string): { domid: number; names?: Record<string, string | null> } {
    const r = spawnSync(process.execPath, [...this.worker, ...args], { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'inherit'] });
    const answer = parseAnswer(args[0]!, r);
    if (!answer.ok) throw rebuild(answer);
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

function workerError(op: string, what: string): XenkitError {
  return new XenkitError('LIBXL_WORKER', `libxl ${op}: the libxl worker ${what}`, {
    field: 'libxl',
    value: op,
    hint: "see libxl's messages above; `xk --backend xen list` shows whether the domain exists",
  });
}

/** The worker's one JSON line; anything else (nothing, a partial or non-JSON line, a crash) is LIBXL_WORKER. */
function parseAnswer(op: string, r: SpawnSyncReturns<string>): Record<string, unknown> {
  const how = r.error ? `could not run (${r.error.message})` : r.signal ? `was killed by ${r.signal}` : `exited with ${r.status}`;
  const lines = (r.stdout ?? '').split('\n');
  const line = lines.find((l) => l.startsWith('{')) ?? lines.find((l) => l.trim() !== '');
  if (line === undefined) throw workerError(op, `${how} before answering`);
  let answer: unknown;
  try {
    answer = JSON.parse(line);
  } catch {
    throw workerError(op, `${how} after a line that is not its JSON answer: ${excerptOf(line)}`);
  }
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer) || typeof (answer as { ok?: unknown }).ok !== 'boolean')
    throw workerError(op, `${how} after an answer without "ok": ${excerptOf(line)}`);
  return answer as Record<string, unknown>;
}

/** The worker's error as it was thrown there: code, message, field, value, hint, errno, source, details. */
function rebuild(a: Record<string, unknown>): XenkitError {
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const errno = str(a.errno);
  return new XenkitError(str(a.code) ?? 'LIBXL_ERROR', str(a.message) ?? 'libxl failed', {
    field: str(a.field),
    value: a.value,
    hint: str(a.hint),
    errno: errno && isErrnoName(errno) ? errno : undefined,
    source: str(a.source),
    details: typeof a.details === 'object' && a.details !== null ? (a.details as Record<string, unknown>) : undefined,
  });
}
