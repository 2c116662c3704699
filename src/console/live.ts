import { api, callWith, currentSession, XapiError } from './rpc.js';

export type Rec = Record<string, any>;
export interface Verdict { xen: string; accept: boolean; errno: string; code: string; reason: string; hint: string; source: string }

/** What the console knows, kept current by event.from: VMs, tasks and the host release's verdict on each VM. */
export const live = {
  vms: new Map<string, Rec>(),
  tasks: new Map<string, Rec>(),
  verdicts: new Map<string, Verdict>(),
  loaded: false,
  error: '' as string,
};

const MAX_TASKS = 500;
const listeners = new Set<() => void>();
let queued = false;
/** Coalesce a burst of events into one render. */
function changed(): void {
  if (queued) return;
  queued = true;
  queueMicrotask(() => {
    queued = false;
    for (const l of listeners) l();
  });
}
export function subscribe(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

interface EventBatch { events: { class: string; operation: 'add' | 'mod' | 'del'; ref: string; snapshot: Rec | null }[]; token: string }

function apply(ev: EventBatch['events'][number]): void {
  const map = ev.class === 'vm' ? live.vms : ev.class === 'task' ? live.tasks : undefined;
  if (!map) return;
  if (ev.operation === 'del') {
    map.delete(ev.ref);
    if (ev.class === 'vm') live.verdicts.delete(ev.ref);
    return;
  }
  const isNew = !map.has(ev.ref);
  if (ev.snapshot) map.set(ev.ref, ev.snapshot);
  // Tasks are kept for the rows that show them; the oldest go first so a long session stays bounded.
  if (ev.class === 'task' && isNew && map.size > MAX_TASKS) map.delete(map.keys().next().value!);
  if (ev.class === 'vm' && isNew && live.loaded) void api<Verdict>('xenkit.VM.get_verdict', ev.ref).then((v) => (live.verdicts.set(ev.ref, v), changed()), () => {});
}

let running = 0;
/** Follow the VM and task classes until stopped (logout): the first call's empty token returns every record. */
export function startLive(): () => void {
  const generation = ++running;
  const stop = new AbortController();
  let token = '';
  live.vms.clear();
  live.tasks.clear();
  live.loaded = false;
  const loop = async () => {
    while (generation === running) {
      try {
        const batch = await callWith<EventBatch>(stop.signal, 'event.from', [currentSession(), ['vm', 'task'], token, token ? 10 : 0]);
        if (generation !== running) return;
        for (const ev of batch.events) apply(ev);
        if (!token) {
          // The rows first; the verdicts (one preview per VM on the server) fill in after.
          live.loaded = true;
          void api<Record<string, Verdict>>('xenkit.VM.get_all_verdicts').then((all) => {
            for (const [ref, v] of Object.entries(all)) live.verdicts.set(ref, v);
            changed();
          }, (e) => ((live.error = e instanceof Error ? e.message : String(e)), changed()));
        }
        token = batch.token;
        live.error = '';
        changed();
      } catch (e) {
        if (stop.signal.aborted || (e instanceof XapiError && e.code === 'SESSION_INVALID')) return;
        if (e instanceof XapiError && e.code === 'EVENTS_LOST') token = '';
        live.error = e instanceof Error ? e.message : String(e);
        changed();
        await new Promise((r) => setTimeout(r, 2000));
      }
    }
  };
  void loop();
  return () => {
    running++;
    stop.abort();
  };
}
