import { randomUUID } from 'node:crypto';
import { errorClass, XenkitError } from '../errors.js';
import type { Toolstack } from '../toolstack/toolstack.js';
import { Auth } from './auth.js';
import { buildTable, checkRbac, listMethods, resolve, RESULT_TASK, type Served } from './dispatch.js';
import { Events } from './events.js';
import { ApiFailure } from './failure.js';
import { parseType, type ApiType } from './types.js';
import { Store } from './store.js';
import { Tasks } from './tasks.js';
import { encodeValue } from './xmlrpc.js';
import type { ClassImpl, Ctx } from './context.js';
import { allClasses, extensions } from './classes/index.js';
import { Host } from './host-state.js';
import { DomainWatch } from './domain-watch.js';
import type { PoolHooks } from './pool/hooks.js';

export interface ServiceOptions {
  toolstack: Toolstack;
  /** The service's SQLite file (':memory:' for a test). */
  store: string;
  adminPassword?: string;
  /** Session idle expiry (ms). */
  sessionIdleMs?: number;
  /** How often the backend's domain list is read for changes made outside the service (ms; 0: never). */
  domainPollMs?: number;
  /** A pool member (xk serve --pool): its classes and gate, made once the service exists. */
  pool?: (svc: Service) => PoolHooks;
}

export interface CallMeta {
  client: string;
  signal?: AbortSignal;
}

export interface CallResult {
  value: unknown;
  type: ApiType;
  method: string;
  user?: string;
}

const ANY = parseType('string');

/** The XenAPI service: the served table over the toolstack, the store, sessions, tasks and events. */
export class Service {
  readonly store: Store;
  readonly auth: Auth;
  readonly events: Events;
  readonly tasks: Tasks;
  readonly ts: Toolstack;
  readonly host: Host;
  readonly domains: DomainWatch;
  readonly table: Map<string, Served>;
  readonly methods: string[];
  /** Printed once: the generated root password on first start. */
  readonly rootPassword?: string;
  readonly pool?: PoolHooks;
  private locks = new Set<string>();
  private inflight = 0;

  constructor(opts: ServiceOptions) {
    this.ts = opts.toolstack;
    this.store = new Store(opts.store);
    this.auth = new Auth(this.store, opts.sessionIdleMs);
    this.events = new Events(this.store);
    this.tasks = new Tasks(this);
    this.host = new Host(this);
    this.domains = new DomainWatch(this, opts.domainPollMs);
    this.pool = opts.pool?.(this);
    this.table = buildTable(allClasses(this, this.pool), [...extensions(this), ...(this.pool?.extensions() ?? [])]);
    this.methods = listMethods(this.table);
    this.rootPassword = this.auth.ensureRoot(opts.adminPassword);
  }

  get hostRef(): string {
    return this.host.ids.host;
  }

  /** Start-up: reconcile the records with the backend's domains; fail tasks a crash left pending; watch the domains. */
  async start(): Promise<string[]> {
    this.tasks.failOrphans();
    const halted = await this.host.reconcile();
    await this.domains.start();
    return halted;
  }

  /** The one choke point of every call: resolve, session, RBAC, run (or start a task). */
  async call(method: unknown, params: unknown, meta: CallMeta): Promise<CallResult> {
    if (method === 'system.listMethods') return { value: this.methods, type: parseType('string set'), method };
    const r = resolve(this.table, method, params);
    const ctx: Ctx = { svc: this, client: meta.client, signal: meta.signal };
    const sig = r.served.sig;
    await this.pool?.gate(sig.wire, r.args[0]);
    if (r.needsSession) {
      ctx.session = this.auth.session(r.args[0]);
      checkRbac(ctx, sig);
    }
    const rest = r.needsSession ? r.args.slice(1) : r.args;
    this.inflight++;
    try {
      if (r.async) {
        const ref = this.tasks.create(`Async.${sig.wire}`, '', ctx.session?.user ?? '');
        this.tasks.run(ref, (signal) => Promise.resolve(r.served.fn({ ...ctx, signal, task: ref }, ...rest)), (v) => (sig.result.k === 'void' ? '' : `<value>${encodeValue(v, sig.result)}</value>`));
        return { value: ref, type: RESULT_TASK, method: String(method), user: ctx.session?.user };
      }
      const value = await r.served.fn(ctx, ...rest);
      return { value: sig.result.k === 'void' ? '' : value, type: sig.result.k === 'void' ? ANY : sig.result, method: sig.wire, user: ctx.session?.user };
    } finally {
      this.inflight--;
    }
  }

  /** Any error as a XenAPI failure: XAPI's codes pass; xenkit's are namespaced, with their details. */
  failureOf(e: unknown): ApiFailure {
    if (e instanceof ApiFailure) return e;
    if (e instanceof XenkitError) {
      const cls = errorClass(e.code);
      const code = cls === 'refused' ? 'XENKIT_XEN_REFUSED' : cls === 'bad-input' ? 'XENKIT_BAD_INPUT' : 'XENKIT_HOST_ERROR';
      return new ApiFailure(code, [e.code, e.errno ?? '', e.message, e.hint ?? '', e.source ?? '']);
    }
    return new ApiFailure('INTERNAL_ERROR', [e instanceof Error ? e.message : String(e)]);
  }

  /** One operation at a time per object (XAPI: OTHER_OPERATION_IN_PROGRESS). */
  async exclusive<T>(cls: string, ref: string, fn: () => Promise<T>): Promise<T> {
    const key = `${cls}/${ref}`;
    if (this.locks.has(key)) throw new ApiFailure('OTHER_OPERATION_IN_PROGRESS', [cls, ref]);
    this.locks.add(key);
    try {
      return await fn();
    } finally {
      this.locks.delete(key);
    }
  }

  get busy(): number {
    return this.inflight + this.tasks.pending;
  }

  newRef(): string {
    return `OpaqueRef:${randomUUID()}`;
  }

  close(): void {
    this.domains.stop();
    this.tasks.abortAll();
    this.events.wakeAll();
    this.store.close();
    this.ts.close();
  }
}

export type { ClassImpl };
