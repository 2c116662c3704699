import { vmRecord } from './classes/vm-record.js';
import type { VmView } from './host-state.js';
import type { Service } from './service.js';

/** How often, at least, the backend's domain list is read for changes made outside the service. */
export const DOMAIN_POLL_MS = 1000;
/** A poll may take at most this share of the time (a slow list on a big host stretches the interval). */
const MAX_SHARE = 0.1;

interface Seen {
  fp: string;
  foreign: boolean;
}

const fingerprint = (v: VmView) => `${v.power}|${v.domid}|${v.live?.name ?? ''}`;

/**
 * Events for what others do to the host: a domain built, paused or destroyed by `xk` (or xl) on the
 * same state file or Xen host becomes a VM add/mod/del in event.from, without a restart. XAPI learns
 * this from xenopsd's events; here the backend's domain list is read on a bounded interval and
 * compared with the last one. Changes the service makes itself are noted as they are emitted, so
 * they are not announced twice, and a poll that raced one of them does not undo it.
 */
export class DomainWatch {
  private last = new Map<string, Seen>();
  private gen = 0;
  private notedAt = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private stopped = true;

  constructor(private readonly svc: Service, private readonly intervalMs = DOMAIN_POLL_MS) {}

  /** Take the current list as the baseline, then poll until stop(). */
  async start(): Promise<void> {
    if (this.intervalMs <= 0) return;
    this.stopped = false;
    await this.poll(false);
    this.schedule(this.intervalMs);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** A VM event the service itself emitted: its state is known, nothing to announce for it. */
  note(v: VmView): void {
    this.last.set(v.ref, { fp: fingerprint(v), foreign: !!v.foreign });
    this.notedAt.set(v.ref, ++this.gen);
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    const t0 = performance.now();
    try {
      await this.poll(true);
    } catch {
      // The backend could not be read this time (a writer held the state file past the busy timeout): next time.
    }
    if (!this.stopped) this.schedule(Math.max(this.intervalMs, (performance.now() - t0) / MAX_SHARE));
  }

  /** One read of the domain list; with `announce`, every difference from the last one as a VM event. */
  async poll(announce: boolean): Promise<void> {
    const g0 = this.gen;
    const views = this.svc.host.viewsOf(await this.svc.ts.list()).filter((v) => v.ref !== this.svc.host.ids.dom0);
    if (this.stopped && announce) return;
    const now = new Map<string, Seen>();
    const raced = (ref: string) => (this.notedAt.get(ref) ?? 0) > g0;
    for (const v of views) {
      const seen = { fp: fingerprint(v), foreign: !!v.foreign };
      const was = this.last.get(v.ref);
      if (raced(v.ref)) {
        now.set(v.ref, was ?? seen);
        continue;
      }
      now.set(v.ref, seen);
      if (announce && was?.fp !== seen.fp) this.svc.events.emit('VM', v.ref, was ? 'mod' : 'add', vmRecord(this.svc, v));
    }
    for (const [ref, was] of this.last) {
      if (now.has(ref)) continue;
      if (raced(ref)) now.set(ref, was);
      // A stored VM leaves only through VM.destroy, which announced it; a foreign domain just goes.
      else if (announce && was.foreign) this.svc.events.emit('VM', ref, 'del', null);
    }
    this.last = now;
    if (this.notedAt.size > 10000) this.notedAt.clear();
  }
}
