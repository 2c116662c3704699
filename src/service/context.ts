import type { Session } from './auth.js';
import type { Service } from './service.js';

export type Rec = Record<string, unknown>;

/** One call: the service, the caller's session, the client's address, the task it runs under. */
export interface Ctx {
  svc: Service;
  session?: Session;
  client: string;
  signal?: AbortSignal;
  /** Set while the call runs as an Async task (its progress is reported there). */
  task?: string;
}

export type Action = (ctx: Ctx, ...args: any[]) => unknown;

/**
 * One XenAPI class as served: its records (every field the model has, live fields from the backend)
 * and the messages it implements beyond the model's generated getters.
 */
export interface ClassImpl {
  cls: string;
  records(ctx: Ctx): Promise<Map<string, Rec>> | Map<string, Rec>;
  /** One record (default: from records()). */
  record?(ctx: Ctx, ref: string): Promise<Rec | undefined> | Rec | undefined;
  /** How many records (event.from's valid_ref_counts; default: records().size). */
  count?(ctx: Ctx): Promise<number> | number;
  /** Explicit messages by name (set_*, add_to_*, actions); each must be in the model. */
  actions: Record<string, Action>;
}
