import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { XenkitError } from '../errors.js';
import { excerptOf } from '../input.js';
import { isErrnoName } from '../xen/errno.js';

const WORKER = fileURLToPath(new URL('./libxl-worker.js', import.meta.url));

/** How a worker ended: what it printed on stdout, its exit status or signal, or why it could not start. */
interface WorkerEnd {
  stdout: string;
  status: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
}

/** The worker's answer is one short JSON line; more than this on stdout is not an answer. */
const MAX_WORKER_STDOUT = 1 << 20;

/**
 * libxl operations, each run in a worker process (libxl-worker.ts says why). libxl's own log lines
 * go to our stderr. A worker that dies after it answered (the domain exists) only warns. The worker
 * runs beside the event loop, not in place of it: a libxl create takes seconds (minutes for an HVM
 * guest under QEMU's TCG), and `xk serve` keeps answering, and keeps its pool lease, meanwhile.
 */
export class LibxlClient {
  /** `worker`: the node arguments that start the worker (tests give a stand-in). */
  constructor(
    private readonly release: string,
    private readonly worker: string[] = [WORKER],
  ) {}

  private async run(args: string[], input?: string): Promise<{ domid: number; names?: Record<string, string | null> }> {
    const r = await runWorker([...this.worker, ...args], input);
    const answer = parseAnswer(args[0]!, r);
    if (!answer.ok) throw rebuild(answer);
    if (r.signal || r.status !== 0) process.stderr.write(`xk: warning: the libxl worker died (${r.signal ?? r.status}) after libxl ${args[0]} succeeded\n`);
    return { domid: Number(answer.domid), names: answer.names as Record<string, string | null> | undefined };
  }

  async createNew(json: Record<string, unknown>, paused: boolean): Promise<number> {
    return (await this.run(['create', this.release, paused ? 'paused' : 'running'], JSON.stringify(json))).domid;
  }
  async destroy(domid: number): Promise<void> {
    await this.run(['destroy', this.release, String(domid)]);
  }
  async shutdown(domid: number): Promise<void> {
    await this.run(['shutdown', this.release, String(domid)]);
  }
  async reboot(domid: number): Promise<void> {
    await this.run(['reboot', this.release, String(domid)]);
  }
  /** The names xenstore holds for these domains (one worker for all of them). */
  async names(domids: number[]): Promise<Map<number, string>> {
    const got = (await this.run(['names', this.release, domids.join(',')])).names ?? {};
    return new Map(Object.entries(got).flatMap(([d, n]) => (n ? [[Number(d), n] as [number, string]] : [])));
  }
  close(): void {}
}

/** One worker process: `input` on its stdin, its stdout kept (bounded), its stderr ours. */
function runWorker(argv: string[], input?: string): Promise<WorkerEnd> {
  return new Promise((res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let error: Error | undefined;
    const child = spawn(process.execPath, argv, { stdio: ['pipe', 'pipe', 'inherit'] });
    child.on('error', (e) => (error = e));
    child.stdout.on('data', (b: Buffer) => {
      if (size < MAX_WORKER_STDOUT) chunks.push(b.subarray(0, MAX_WORKER_STDOUT - size));
      size += b.length;
    });
    child.stdin.on('error', () => {}); // a worker that exits without reading its input: its status says why
    child.stdin.end(input ?? '');
    child.on('close', (status, signal) => res({ stdout: Buffer.concat(chunks).toString('utf8'), status, signal, ...(error ? { error } : {}) }));
  });
}

function workerError(op: string, what: string): XenkitError {
  return new XenkitError('LIBXL_WORKER', `libxl ${op}: the libxl worker ${what}`, {
    field: 'libxl',
    value: op,
    hint: "see libxl's messages above; `xk --backend xen list` shows whether the domain exists",
  });
}

/** The worker's one JSON line; anything else (nothing, a partial or non-JSON line, a crash) is LIBXL_WORKER. */
function parseAnswer(op: string, r: WorkerEnd): Record<string, unknown> {
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
