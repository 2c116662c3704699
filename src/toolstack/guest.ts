import { setTimeout as sleep } from 'node:timers/promises';
import { XenkitError } from '../errors.js';
import type { Hypervisor, ShutdownReason } from '../hv/hypervisor.js';
/** The libxl operations the watch needs (LibxlClient runs each in a worker process). */
export interface GuestBuilder {
  createNew(json: Record<string, unknown>, paused: boolean): number;
  destroy(domid: number): void;
}
import type { DomainSpec, ShutdownAction } from './spec/domain-spec.js';

/** The on_* action a shutdown reason selects (xl.cfg(5); tools/xl/xl_vmcontrol.c handle_domain_death()). */
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

export interface WatchEvent {
  domid: number;
  reason: ShutdownReason | null;
  action: ShutdownAction | 'gone';
  newDomid?: number;
  /** A restart was due but the restart limit was reached: destroyed instead. */
  limit?: boolean;
}

/**
 * What xl's background process does, in the foreground: wait for the guest to shut down (polling
 * getdomaininfo; libxl does not act on on_poweroff/on_reboot/on_crash itself) and apply the action:
 * destroy, restart (destroy and build again from the same libxl JSON), or preserve (stop watching).
 * Returns when there is nothing left to watch, or after `maxRestarts` restarts.
 */
export async function watchGuest(
  hv: Hypervisor,
  libxl: GuestBuilder,
  domid: number,
  spec: DomainSpec,
  json: Record<string, unknown>,
  onEvent: (e: WatchEvent) => void,
  opts: { pollMs?: number; maxRestarts?: number } = {},
): Promise<void> {
  let restarts = 0;
  for (;;) {
    let info;
    try {
      info = hv.getDomainInfo(domid);
    } catch (e) {
      if (!(e instanceof XenkitError && e.errno === 'ESRCH')) throw e;
      info = undefined;
    }
    if (!info || info.domid !== domid) {
      onEvent({ domid, reason: null, action: 'gone' });
      return;
    }
    if (info.shutdown) {
      const reason = info.shutdown_reason ?? 'poweroff';
      const action = actionFor(spec, reason);
      if (action === 'preserve') {
        onEvent({ domid, reason, action });
        return;
      }
      libxl.destroy(domid);
      if (action === 'destroy' || action === 'coredump-destroy') {
        onEvent({ domid, reason, action });
        return;
      }
      if (restarts >= (opts.maxRestarts ?? 10)) {
        onEvent({ domid, reason, action: 'destroy', limit: true });
        return;
      }
      restarts++;
      const newDomid = libxl.createNew(json, false);
      onEvent({ domid, reason, action, newDomid });
      domid = newDomid;
      continue;
    }
    await sleep(opts.pollMs ?? 100);
  }
}
