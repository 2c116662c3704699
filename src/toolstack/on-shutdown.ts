import type { ShutdownReason } from '../hv/hypervisor.js';
import type { DomainSpec, ShutdownAction } from './domain/domain-spec.js';
import type { DeathEvent } from './toolstack.js';

/** xl's source for what happens when a domain shuts down. */
export const ON_SHUTDOWN_SOURCE = 'tools/xl/xl_vmcontrol.c handle_domain_death() @RELEASE-4.17.0';

/** The on_* action a shutdown reason selects (xl.cfg(5); handle_domain_death()). Suspend keeps the domain. */
export function actionFor(spec: Pick<DomainSpec, 'onPoweroff' | 'onReboot' | 'onCrash' | 'onWatchdog' | 'onSoftReset'>, reason: ShutdownReason): ShutdownAction {
  switch (reason) {
    case 'poweroff':
      return spec.onPoweroff;
    case 'reboot':
      return spec.onReboot;
    case 'crash':
      return spec.onCrash;
    case 'watchdog':
      return spec.onWatchdog;
    case 'soft_reset':
      return spec.onSoftReset;
    default:
      return 'preserve';
  }
}

/** What the handler needs from a way of building guests (the sim builder, or libxl). */
export interface DeathOps {
  destroy(domid: number): void;
  /** Build the guest again from the same config; returns the new domain id. */
  rebuild(): number;
  /** rename-restart: keep the old domain under another name (libxl_domain_preserve()). */
  preserve?(domid: number, newName: string): void;
}

/** The same, for a builder whose steps are asynchronous (libxl's worker process). */
export interface AsyncDeathOps {
  destroy(domid: number): Promise<void>;
  rebuild(): Promise<number>;
  preserve?(domid: number, newName: string): Promise<void>;
}

/** What handleShutdown() does, in its order: the event, the name to keep the old domain under, whether to destroy it, whether to build again. */
interface DeathPlan {
  ev: DeathEvent;
  preserveAs?: string;
  destroy: boolean;
  rebuild: boolean;
}

/**
 * The one on_poweroff/on_reboot/on_crash/on_watchdog/on_soft_reset decision, for every backend
 * (handle_domain_death()): preserve leaves the domain as it is; destroy and coredump-destroy destroy
 * it; restart and coredump-restart destroy it and build it again; rename-restart keeps the old one
 * under a dated name and builds a new one; soft-reset is modelled as a restart (libxl's soft reset
 * keeps the domain and its memory, which the sim does not model). `restartAllowed` false: the
 * restart limit was reached and the domain is destroyed instead.
 */
function planDeath(spec: DomainSpec, domid: number, reason: ShutdownReason, canPreserve: boolean, restartAllowed: boolean): DeathPlan {
  const action = actionFor(spec, reason);
  const ev: DeathEvent = { domid, name: spec.name, reason, action };
  if (action === 'preserve') return { ev, destroy: false, rebuild: false };
  let preserveAs: string | undefined;
  if (action === 'rename-restart' && canPreserve && restartAllowed) {
    // preserve_domain(): the name gets "-%Y%m%dT%H%MZ" (UTC) and the domain stays.
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/(\d{8}T\d{4}).*/, '$1Z');
    preserveAs = ev.preservedAs = `${spec.name}-${stamp}`;
  }
  const steps = { ...(preserveAs ? { preserveAs } : {}), destroy: !preserveAs };
  if (action === 'destroy' || action === 'coredump-destroy') return { ev, ...steps, rebuild: false };
  if (!restartAllowed) return { ev: { ...ev, action: 'destroy', limit: true }, ...steps, rebuild: false };
  return { ev, ...steps, rebuild: true };
}

/** Apply the domain's on_* action through a synchronous builder (the sim's, inside its state transaction). */
export function handleShutdown(spec: DomainSpec, domid: number, reason: ShutdownReason, ops: DeathOps, restartAllowed = true): DeathEvent {
  const p = planDeath(spec, domid, reason, !!ops.preserve, restartAllowed);
  if (p.preserveAs) ops.preserve!(domid, p.preserveAs);
  else if (p.destroy) ops.destroy(domid);
  if (p.rebuild) p.ev.newDomid = ops.rebuild();
  return p.ev;
}

/** The same through an asynchronous builder (libxl). */
export async function handleShutdownAsync(spec: DomainSpec, domid: number, reason: ShutdownReason, ops: AsyncDeathOps, restartAllowed = true): Promise<DeathEvent> {
  const p = planDeath(spec, domid, reason, !!ops.preserve, restartAllowed);
  if (p.preserveAs) await ops.preserve!(domid, p.preserveAs);
  else if (p.destroy) await ops.destroy(domid);
  if (p.rebuild) p.ev.newDomid = await ops.rebuild();
  return p.ev;
}

/** One line for a DeathEvent, as the CLI prints it. */
export function describeDeath(e: DeathEvent): string {
  if (e.action === 'gone') return `domain ${e.domid} is gone`;
  if (e.action === 'asked') return `domain ${e.domid} asked to ${e.reason === 'reboot' ? 'reboot' : 'power off'} (its on_* action applies where \`xk create --watch\` watches it)`;
  const what = e.limit
    ? 'restart limit reached, destroyed'
    : e.action === 'preserve'
      ? 'preserve, left as it is'
      : e.newDomid !== undefined
        ? `${e.action}, ${e.preservedAs ? `kept as "${e.preservedAs}", ` : ''}"${e.name}" restarted as domain ${e.newDomid}`
        : `${e.action}, destroyed`;
  return `domain ${e.domid} shut down (${e.reason}); on_${e.reason}: ${what}`;
}
