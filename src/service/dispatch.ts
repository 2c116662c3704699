import { ApiFailure, handleInvalid } from './failure.js';
import { MESSAGES, permissionOf, roleAllows, type MessageSig } from './model.js';
import { checkValue, parseType, type ApiType } from './types.js';
import type { ClassImpl, Ctx, Rec, Action } from './context.js';

/** A message the service answers: its signature and its implementation. */
export interface Served {
  sig: MessageSig;
  fn: Action;
  /** Callable as Async.<wire> (a task). */
  async: boolean;
}

const GENERIC = new Set(['get_record', 'get_all', 'get_all_records', 'get_by_uuid', 'get_by_name_label']);
/** Classes whose messages have no Async form in XAPI (sessions, events, tasks themselves). */
const NO_ASYNC = new Set(['session', 'event', 'task']);

async function recordOf(impl: ClassImpl, ctx: Ctx, ref: unknown): Promise<Rec> {
  const r = impl.record ? await impl.record(ctx, String(ref)) : (await impl.records(ctx)).get(String(ref));
  if (!r) throw handleInvalid(impl.cls, ref);
  return r;
}

function generic(impl: ClassImpl, name: string): Action | undefined {
  switch (name) {
    case 'get_record': return (ctx, ref) => recordOf(impl, ctx, ref);
    case 'get_all': return async (ctx) => [...(await impl.records(ctx)).keys()];
    case 'get_all_records': return async (ctx) => Object.fromEntries(await impl.records(ctx));
    case 'get_by_uuid':
      return async (ctx, uuid) => {
        for (const [ref, r] of await impl.records(ctx)) if (r.uuid === uuid) return ref;
        throw new ApiFailure('UUID_INVALID', [impl.cls, String(uuid)]);
      };
    case 'get_by_name_label':
      return async (ctx, label) => [...(await impl.records(ctx))].filter(([, r]) => r.name_label === label).map(([ref]) => ref);
  }
  return undefined;
}

/** The served table: each class's model messages that it implements, generic getters included. */
export function buildTable(impls: ClassImpl[], extensions: Served[]): Map<string, Served> {
  const table = new Map<string, Served>();
  for (const impl of impls) {
    for (const sig of MESSAGES.values()) {
      if (sig.cls !== impl.cls) continue;
      let fn: Action | undefined = impl.actions[sig.name];
      if (!fn && GENERIC.has(sig.name)) fn = generic(impl, sig.name);
      if (!fn && sig.implicit && sig.name.startsWith('get_')) {
        const field = sig.name.slice(4);
        fn = async (ctx, ref) => {
          const r = await recordOf(impl, ctx, ref);
          if (!(field in r)) throw new ApiFailure('NOT_IMPLEMENTED', [sig.wire]);
          return r[field];
        };
      }
      if (fn) table.set(sig.wire, { sig, fn, async: !sig.implicit && !NO_ASYNC.has(sig.cls) && !sig.name.startsWith('get_') });
    }
    for (const name of Object.keys(impl.actions))
      if (!table.has(`${impl.cls}.${name}`)) throw new Error(`service: ${impl.cls}.${name} is not in the datamodel (an extension must be namespaced)`);
  }
  for (const e of extensions) table.set(e.sig.wire, e);
  return table;
}

/** system.listMethods: exactly the served wire names, and their Async forms. */
export function listMethods(table: Map<string, Served>): string[] {
  const out = ['system.listMethods'];
  for (const [wire, s] of table) {
    out.push(wire);
    if (s.async) out.push(`Async.${wire}`);
  }
  return out;
}

export interface Resolved {
  served: Served;
  async: boolean;
  args: unknown[];
  needsSession: boolean;
}

/** Find, count-check and type-check a call (XAPI's order: method, count, then types). */
export function resolve(table: Map<string, Served>, method: unknown, params: unknown): Resolved {
  if (typeof method !== 'string' || method.length > 256) throw new ApiFailure('MESSAGE_METHOD_UNKNOWN', [String(method).slice(0, 256)]);
  const isAsync = method.startsWith('Async.');
  const wire = isAsync ? method.slice(6) : method;
  const served = table.get(wire);
  if (!served || (isAsync && !served.async)) {
    if (MESSAGES.has(wire)) throw new ApiFailure('NOT_IMPLEMENTED', [method]);
    throw new ApiFailure('MESSAGE_METHOD_UNKNOWN', [method]);
  }
  const args = Array.isArray(params) ? params : params === undefined || params === null ? [] : [params];
  const sig = served.sig;
  const n = sig.params.length;
  // login_with_password: XAPI takes 2 to 4 (version and originator are optional).
  const min = sig.wire === 'session.login_with_password' ? 2 : n;
  if (args.length < min || args.length > n) throw new ApiFailure('MESSAGE_PARAMETER_COUNT_MISMATCH', [method, String(n), String(args.length)]);
  const needsSession = sig.params[0]?.raw === 'session ref' && sig.params[0].name === 'session_id';
  const checked = args.map((a, i) => (i === 0 && needsSession ? a : checkValue(a, sig.params[i]!.type, sig.params[i]!.name)));
  return { served, async: isAsync, args: checked, needsSession };
}

export function checkRbac(ctx: Ctx, sig: MessageSig): void {
  const role = ctx.session?.role ?? '';
  if (!roleAllows(role, sig)) throw new ApiFailure('RBAC_PERMISSION_DENIED', [permissionOf(sig), `The ${ctx.session?.user ?? 'caller'} (role ${role}) is not allowed to call ${sig.wire}`]);
}

export const RESULT_TASK: ApiType = parseType('task ref');
