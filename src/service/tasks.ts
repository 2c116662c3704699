import { randomUUID } from 'node:crypto';
import { ApiFailure, NULL_REF } from './failure.js';
import { fullRecord } from './model.js';
import { xapiTime } from './events.js';
import type { Rec } from './context.js';
import type { Service } from './service.js';

/**
 * Async.* calls as XAPI runs them: a task record (pending, progress, then success with the result as
 * an XML-RPC value, failure with error_info, or cancelled), kept in the store, every change an event.
 */
export class Tasks {
  private running = new Map<string, AbortController>();
  constructor(private readonly svc: Service) {}

  create(name: string, description: string, owner: string): string {
    const ref = `OpaqueRef:${randomUUID()}`;
    const rec = fullRecord('task', {
      uuid: randomUUID(), name_label: name, name_description: description, status: 'pending', progress: 0,
      created: xapiTime(Date.now()), finished: xapiTime(0), resident_on: this.svc.hostRef, result: '', error_info: [],
      allowed_operations: ['cancel'], other_config: {}, subtask_of: NULL_REF, subtasks: [], type: '', backtrace: '()',
      current_operations: {},
    });
    rec.xenkit_owner = owner;
    this.put(ref, rec, 'add');
    return ref;
  }

  private put(ref: string, rec: Rec, op: 'add' | 'mod'): void {
    const { xenkit_owner, ...pub } = rec;
    this.svc.store.tx(() => {
      this.svc.store.putObject('task', ref, rec);
      this.svc.events.emit('task', ref, op, pub);
    });
  }

  get(ref: string): Rec | undefined {
    const r = this.svc.store.object('task', ref);
    if (!r) return undefined;
    const { xenkit_owner, ...pub } = r;
    return pub;
  }

  all(): Map<string, Rec> {
    const m = this.svc.store.objects('task');
    for (const [k, r] of m) {
      const { xenkit_owner, ...pub } = r;
      m.set(k, pub);
    }
    return m;
  }

  update(ref: string, patch: Rec): void {
    const r = this.svc.store.object('task', ref);
    if (r) this.put(ref, { ...r, ...patch }, 'mod');
  }

  /** Run fn as the task; its result encoded as XAPI puts it in task.result. */
  run(ref: string, fn: (signal: AbortSignal) => Promise<unknown>, encode: (v: unknown) => string): void {
    const ac = new AbortController();
    this.running.set(ref, ac);
    void (async () => {
      try {
        const v = await fn(ac.signal);
        if (ac.signal.aborted) this.update(ref, { status: 'cancelled', progress: 1, finished: xapiTime(Date.now()), allowed_operations: [] });
        else this.update(ref, { status: 'success', progress: 1, result: encode(v), finished: xapiTime(Date.now()), allowed_operations: [] });
      } catch (e) {
        const f = this.svc.failureOf(e);
        const status = ac.signal.aborted ? 'cancelled' : 'failure';
        this.update(ref, { status, progress: 1, error_info: f.description, finished: xapiTime(Date.now()), allowed_operations: [] });
      } finally {
        this.running.delete(ref);
      }
    })();
  }

  cancel(ref: string): void {
    const r = this.get(ref);
    if (!r) throw new ApiFailure('HANDLE_INVALID', ['task', ref]);
    const ac = this.running.get(ref);
    if (!ac || r.status !== 'pending') throw new ApiFailure('OPERATION_NOT_ALLOWED', [`task ${ref} is ${String(r.status)}: only a pending task can be cancelled`]);
    ac.abort();
  }

  destroy(ref: string): void {
    if (!this.svc.store.object('task', ref)) throw new ApiFailure('HANDLE_INVALID', ['task', ref]);
    this.svc.store.tx(() => {
      this.svc.store.deleteObject('task', ref);
      this.svc.events.emit('task', ref, 'del', null);
    });
  }

  /** Tasks left pending by a previous run: they cannot finish now (XAPI marks them failed too). */
  failOrphans(): void {
    for (const [ref, r] of this.svc.store.objects('task'))
      if (r.status === 'pending') this.update(ref, { status: 'failure', error_info: ['TASK_CANCELLED', ref, 'the service restarted while the task ran'], finished: xapiTime(Date.now()) });
  }

  /** Abort every running task (shutdown) and wait for none. */
  abortAll(): void {
    for (const ac of this.running.values()) ac.abort();
  }
  get pending(): number {
    return this.running.size;
  }
}
