import { setTimeout as sleep } from 'node:timers/promises';
import type { DomainInfo } from '../hv/hypervisor.js';
import type { DeathEvent, WatchOptions } from './toolstack.js';

/** What the watch loop needs from a toolstack implementation. */
export interface WatchTarget {
  /** The domain's state now; undefined when it no longer exists. */
  poll(domid: number): DomainInfo | undefined;
  /** After the domain vanished: the domain that took its place (restarted elsewhere), if any. */
  successor(domid: number): number | undefined;
  /** The domain is shut down: apply its on_* action; undefined if someone else already did. */
  handle(domid: number, restartAllowed: boolean): DeathEvent | undefined | Promise<DeathEvent | undefined>;
  /** Wake the loop early on a domain event, where the backend has them; returns unsubscribe. */
  subscribe?(wake: () => void): () => void;
}

export const DEFAULT_MAX_RESTARTS = 10;

/**
 * xl's per-domain daemon (tools/xl/xl_vmcontrol.c create_domain() -> handle_domain_death()
 * @RELEASE-4.17.0): wait for the domain to shut down, apply the action, follow a restart, and return
 * when nothing is left to watch. Polls getdomaininfo (libxl's domain-death event is a xenstore watch
 * plus getdomaininfo); a backend with domain events wakes it at once.
 */
export async function watchDomain(target: WatchTarget, domid: number, onEvent: (e: DeathEvent) => void, opts: WatchOptions = {}): Promise<number> {
  const maxRestarts = opts.maxRestarts ?? DEFAULT_MAX_RESTARTS;
  let restarts = 0;
  let wake: (() => void) | undefined;
  const unsubscribe = target.subscribe?.(() => wake?.());
  try {
    for (;;) {
      if (opts.signal?.aborted) return domid;
      const info = target.poll(domid);
      if (!info) {
        const next = target.successor(domid);
        if (next === undefined) {
          onEvent({ domid, reason: null, action: 'gone' });
          return domid;
        }
        onEvent({ domid, reason: null, action: 'restart', newDomid: next });
        domid = next;
        continue;
      }
      if (info.shutdown) {
        const ev = await target.handle(domid, restarts < maxRestarts);
        if (ev) {
          onEvent(ev);
          if (ev.newDomid === undefined) return domid;
          restarts++;
          domid = ev.newDomid;
          continue;
        }
      }
      await new Promise<void>((res) => {
        wake = res;
        sleep(opts.pollMs ?? 100, undefined, { signal: opts.signal }).then(res, res);
      });
      wake = undefined;
    }
  } finally {
    unsubscribe?.();
  }
}
