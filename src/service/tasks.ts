import { randomUUID } from 'node:crypto';
import { ApiFailure, NULL_REF } from './failure.js';
import { fullRecord } from './model.js';
import { xapiTime } from './events.js';
import type { Ctx, Rec } from './context.js';
import type { Service } from './service.js';

/** Roles that may cancel or destroy any task (XAPI: _R_POOL_OP and above hold task.destroy_any). */
const ANY_TASK_ROLES = new Set(['pool-admin', 'pool-operator']);

function mayTouch(r: Rec, by: { user: string; role: string }, message: string): void {
  if (r.xenkit_owner !== by.user && !ANY_TASK_ROLES.has(by.role))
    throw new ApiFailure('RBAC_PERMISSION_DENIED', ['task.destroy_any', `The ${by.user} (role ${by.role}) may call ${message} only on its own tasks`]);
}

/** A step of the task the call runs as, if it runs as one (see Tasks.step); a plain call has none. */
export function step(ctx: Ctx, progress: number): void {
  if (ctx.task) ctx.svc.tasks.step(ctx.task, progress);
}

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

  /**
   * Run fn as the task; its result encoded as XAPI puts it in task.result. As XAPI's TaskHelper
   * (ocaml/xapi/taskHelper.ml @ e2ee48d6): complete() makes a pending task a success even when a cancel
   * came too late to be seen; failed() with TASK_CANCELLED makes it cancelled, any other error a failure.
   */
  run(ref: string, fn: (signal: AbortSignal) => Promise<unknown>, encode: (v: unknown) => string): void {
    const ac = new AbortController();
    this.running.set(ref, ac);
    void (async () => {
      try {
        const v = await fn(ac.signal);
        this.finish(ref, { status: 'success', result: encode(v) });
      } catch (e) {
        const f = this.svc.failureOf(e);
        this.finish(ref, { status: f.code === 'TASK_CANCELLED' ? 'cancelled' : 'failure', error_info: f.description });
      } finally {
        this.running.delete(ref);
      }
    })();
  }

  private finish(ref: string, patch: Rec): void {
    if (this.get(ref)?.status !== 'pending') return;
    this.update(ref, { ...patch, progress: 1, finished: xapiTime(Date.now()), allowed_operations: [], current_operations: {} });
  }

  /**
   * A point where a running task reports its progress and sees a cancel: TASK_CANCELLED [task] if one
   * was asked (TaskHelper.exn_if_cancelling), else the progress (0..1) recorded, an event for watchers.
   */
  step(ref: string, progress: number): void {
    if (this.running.get(ref)?.signal.aborted) throw new ApiFailure('TASK_CANCELLED', [ref]);
    if (this.get(ref)?.status === 'pending') this.update(ref, { progress });
  }

  /**
   * task.cancel (xapi_task.ml): the task's own user, or pool-operator and above (permission
   * task.destroy_any), may cancel a pending task whose allowed_operations hold cancel; the action
   * stops at its next step (the cancel is in current_operations until then).
   */
  cancel(ref: string, by: { user: string; role: string }): void {
    const r = this.svc.store.object('task', ref);
    if (!r) throw new ApiFailure('HANDLE_INVALID', ['task', ref]);
    mayTouch(r, by, 'task.cancel');
    const ac = this.running.get(ref);
    if (!ac || r.status !== 'pending' || !(r.allowed_operations as string[]).includes('cancel'))
      throw new ApiFailure('OPERATION_NOT_ALLOWED', [`task ${ref} is ${String(r.status)}: only a pending, cancellable task can be cancelled`]);
    this.update(ref, { current_operations: { [`OpaqueRef:${randomUUID()}`]: 'cancel' } });
    ac.abort();
  }

  destroy(ref: string, by: { user: string; role: string }): void {
    const r = this.svc.store.object('task', ref);
    if (!r) throw new ApiFailure('HANDLE_INVALID', ['task', ref]);
    mayTouch(r, by, 'task.destroy');
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
