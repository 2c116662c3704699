import { api, XapiError } from './rpc.js';
import type { Rec } from './live.js';

/** The console's actions, each an Async.* call (a task whose progress the row shows). */
export const ACTIONS = [
  { id: 'start', label: 'Start', op: 'start', call: 'Async.VM.start', args: [false, false] },
  { id: 'pause', label: 'Pause', op: 'pause', call: 'Async.VM.pause', args: [] },
  { id: 'unpause', label: 'Unpause', op: 'unpause', call: 'Async.VM.unpause', args: [] },
  { id: 'shutdown', label: 'Shut down', op: 'clean_shutdown', call: 'Async.VM.clean_shutdown', args: [] },
  { id: 'reboot', label: 'Reboot', op: 'clean_reboot', call: 'Async.VM.clean_reboot', args: [] },
  // xl destroy: the domain is killed at once (VM.hard_shutdown); the VM record stays, halted.
  { id: 'destroy', label: 'Destroy', op: 'hard_shutdown', call: 'Async.VM.hard_shutdown', args: [] },
] as const;

export type Action = (typeof ACTIONS)[number];

/** Which task a VM's last action runs as (the row shows its progress and outcome). */
export const pending = new Map<string, { action: Action; task?: string; error?: unknown }>();

export async function runAction(vm: string, a: Action, changed: () => void): Promise<void> {
  pending.set(vm, { action: a });
  changed();
  try {
    pending.set(vm, { action: a, task: await api<string>(a.call, vm, ...a.args) });
  } catch (e) {
    pending.set(vm, { action: a, error: e });
  }
  changed();
}

/** A finished task's failure as the error it carries (error_info: [code, ...params]). */
export function taskError(t: Rec | undefined): XapiError | undefined {
  if (!t || t.status !== 'failure') return undefined;
  const info = (t.error_info as string[]) ?? [];
  return new XapiError(info[0] ?? 'INTERNAL_ERROR', info.slice(1));
}

export const allowed = (vm: Rec, a: Action) => ((vm.allowed_operations as string[]) ?? []).includes(a.op);
