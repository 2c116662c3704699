import { StoredTable } from '../sim/stored-table.js';
import { recordsTable, type DomainTable } from './domain-table.js';
import { XenkitError } from '../errors.js';
import type { DomainInfo, Hypervisor, ShutdownReason } from '../hv/hypervisor.js';
import type { NameTable } from '../sim/store.js';
import type { DomainSpec } from './domain/domain-spec.js';
import type { HostSession } from './session.js';
import { checkNewName, DOM0_NAME, noDomain, parseDomainRef, recordName, type CreateOptions, type Created, type DeathEvent, type DomainRecord, type HostInfo, type ListOptions, type Preview, type Toolstack, type WatchOptions } from './toolstack.js';
import { pagesToMiB } from '../xen/pages.js';

/**
 * The build and check machinery (libxl's defaults, the createdomain rules, the xl.cfg reader):
 * loaded by the operations that build or check, so `xk list` and `xk info` start without it.
 */
export interface BuildKit {
  buildDomain: typeof import('./lifecycle.js').buildDomain;
  planFor: typeof import('./load.js').planFor;
  previewOn: typeof import('./preview.js').previewOn;
  handleShutdown: typeof import('./on-shutdown.js').handleShutdown;
}
let kit: Promise<BuildKit> | undefined;
export function buildKit(): Promise<BuildKit> {
  return (kit ??= Promise.all([import('./lifecycle.js'), import('./load.js'), import('./preview.js'), import('./on-shutdown.js')]).then(([l, p, v, o]) => ({ buildDomain: l.buildDomain, planFor: p.planFor, previewOn: v.previewOn, handleShutdown: o.handleShutdown })));
}

/** What the toolstack keeps beside a domain (what xl keeps in xenstore): its spec, and who watches it. */
export interface DomainNote {
  spec: DomainSpec;
  emulationFlags: number | null;
  /** The pid of the `xk create --watch` (xl's daemon) that applies this domain's on_* actions. */
  watcher?: number;
}

function noteOf(names: NameTable, domid: number): DomainNote | undefined {
  const c = names.get(domid)?.config as DomainNote | null | undefined;
  return c && typeof c === 'object' && c.spec ? c : undefined;
}

/** The domain's info, or undefined when Xen has no such domain (an errno); other failures propagate. */
export function exists(hv: Hypervisor, domid: number): DomainInfo | undefined {
  try {
    const i = hv.getDomainInfo(domid);
    return i.domid === domid ? i : undefined;
  } catch (e) {
    if (e instanceof XenkitError && e.errno) return undefined;
    throw e;
  }
}

/** A name, only while its domain exists (names die with their domain, as xenstore's do). */
function liveByName(hv: Hypervisor, names: NameTable, name: string): number | undefined {
  if (name === DOM0_NAME) return 0;
  const id = names.byName(name);
  if (id === undefined) return undefined;
  if (exists(hv, id)) return id;
  names.delete(id);
  return undefined;
}

function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The toolstack over a Hypervisor, where xenkit plays libxl (the simulated Xen): the build in
 * libxl's order (lifecycle.ts), names beside the domains, the on_* handler.
 */
export class HvToolstack implements Toolstack {
  readonly backend: string;
  readonly cpuTime = false;

  constructor(private readonly session: HostSession, backend = 'sim') {
    this.backend = backend;
  }

  private resolve(hv: Hypervisor, names: NameTable, ref: string | number, specs = true): DomainRecord {
    const r = parseDomainRef(ref);
    const domid = 'domid' in r ? r.domid : liveByName(hv, names, r.name);
    const info = domid === undefined ? undefined : exists(hv, domid);
    if (!info) throw noDomain(ref);
    return this.record(info, names, specs);
  }

  private record(info: DomainInfo, names: NameTable, specs: boolean): DomainRecord {
    const name = recordName(info.domid, names.get(info.domid)?.name);
    return specs ? { domid: info.domid, name, info, spec: noteOf(names, info.domid)?.spec } : { domid: info.domid, name, info };
  }

  async info(): Promise<HostInfo> {
    await this.session.ready?.();
    return this.session.run(false, (hv) => {
      const p = hv.physinfo();
      const v = hv.version();
      return { backend: hv.backend, where: this.session.where, release: v.release, version: `${v.major}.${v.minor}${v.extra}`, host: hv.describeHost(), physinfo: p, total_memory_mib: pagesToMiB(p.total_pages), free_memory_mib: pagesToMiB(p.free_pages) };
    });
  }

  async list(opts: ListOptions = {}): Promise<DomainRecord[]> {
    await this.session.ready?.();
    const specs = opts.specs !== false;
    return this.session.run(false, (hv, names) => hv.listDomains().map((i) => this.record(i, names, specs)));
  }

  async listTable(): Promise<DomainTable> {
    // The stored records where the session keeps them (`xk list`: one read, no SimXen, no object per domain).
    const stored = this.session.listDomains?.();
    return stored ? new StoredTable(stored.records, stored.names, recordName) : recordsTable(await this.list({ specs: false }));
  }

  async listLines(): Promise<Buffer | undefined> {
    return this.session.listLines?.();
  }

  async get(ref: string | number, opts: ListOptions = {}): Promise<DomainRecord> {
    await this.session.ready?.();
    return this.session.run(false, (hv, names) => this.resolve(hv, names, ref, opts.specs !== false));
  }

  async preview(spec: DomainSpec, opts: CreateOptions = {}): Promise<Preview> {
    await this.session.ready?.();
    const k = await buildKit();
    return this.session.run(false, (hv) => k.previewOn(hv, spec, opts));
  }

  async create(spec: DomainSpec, opts: CreateOptions = {}): Promise<Created> {
    await this.session.ready?.();
    const k = await buildKit();
    return this.session.run(true, (hv, names) => this.build(k, hv, names, spec, opts.emulationFlags, !!opts.paused));
  }

  private build(k: BuildKit, hv: Hypervisor, names: NameTable, spec: DomainSpec, emulationFlags: number | undefined, paused: boolean, watcher?: number): Created {
    const warnings = checkNewName(spec.name, liveByName(hv, names, spec.name));
    const release = hv.version().release;
    const plan = k.planFor(release, hv.describeHost(), spec, { paused, emulationFlags });
    const note: DomainNote = { spec, emulationFlags: emulationFlags ?? null, ...(watcher ? { watcher } : {}) };
    const r = k.buildDomain(hv, names, { ...plan, record: note });
    return { domid: r.domid, name: spec.name, xen: release, paused, defaults: r.defaults, builder: 'sim', warnings };
  }

  async destroy(ref: string | number): Promise<DomainRecord> {
    await this.session.ready?.();
    return this.session.run(true, (hv, names) => {
      const d = this.resolve(hv, names, ref);
      hv.destroyDomain(d.domid);
      names.delete(d.domid);
      return d;
    });
  }

  async pause(ref: string | number): Promise<DomainRecord> {
    await this.session.ready?.();
    return this.session.run(true, (hv, names) => {
      const d = this.resolve(hv, names, ref);
      hv.pauseDomain(d.domid);
      return d;
    });
  }

  async unpause(ref: string | number): Promise<DomainRecord> {
    await this.session.ready?.();
    return this.session.run(true, (hv, names) => {
      const d = this.resolve(hv, names, ref);
      hv.unpauseDomain(d.domid);
      return d;
    });
  }

  /**
   * SCHEDOP_remote_shutdown, then the on_* action: applied here unless a live `--watch` (xl's
   * daemon for this domain) holds it, which then applies it; a domain xenkit did not build has no
   * config, and stays shut down.
   */
  async shutdown(ref: string | number, reason: ShutdownReason = 'poweroff'): Promise<DeathEvent> {
    await this.session.ready?.();
    const k = await buildKit();
    return this.session.run(true, (hv, names) => {
      const d = this.resolve(hv, names, ref);
      hv.shutdown(d.domid, reason);
      const note = noteOf(names, d.domid);
      if (!note || alive(note.watcher)) return { domid: d.domid, name: d.name, reason, action: note ? 'asked' : 'preserve' };
      return this.handle(k, hv, names, d.domid, true)!;
    });
  }

  async reboot(ref: string | number): Promise<DeathEvent> {
    return this.shutdown(ref, 'reboot');
  }

  /** Apply the on_* action of a shut-down domain (inside the caller's write transaction). */
  private handle(k: BuildKit, hv: Hypervisor, names: NameTable, domid: number, restartAllowed: boolean, watcher?: number): DeathEvent | undefined {
    const info = exists(hv, domid);
    const note = noteOf(names, domid);
    if (!info?.shutdown || !note) return undefined;
    return k.handleShutdown(note.spec, domid, info.shutdown_reason ?? 'poweroff', {
      destroy: (id) => {
        hv.destroyDomain(id);
        names.delete(id);
      },
      preserve: (id, newName) => names.set(id, newName, null),
      rebuild: () => this.build(k, hv, names, note.spec, note.emulationFlags ?? undefined, false, watcher).domid,
    }, restartAllowed);
  }

  async watch(ref: string | number, onEvent: (e: DeathEvent) => void, opts: WatchOptions = {}): Promise<void> {
    await this.session.ready?.();
    const me = process.pid;
    const k = await buildKit();
    const watch = await import('./watch.js');
    const setWatcher = (domid: number, pid: number | undefined) =>
      this.session.run(true, (_hv, names) => {
        const n = names.get(domid);
        const note = noteOf(names, domid);
        if (n && note) names.set(domid, n.name, { ...note, watcher: pid });
      });
    // Resolved and marked before the first await: a shutdown right after watch() is this watcher's.
    const start = this.session.run(false, (hv, names) => this.resolve(hv, names, ref));
    const first = start.domid;
    if (!start.spec)
      throw new XenkitError('NOT_WATCHABLE', `watch: domain ${first} was not built by xenkit's toolstack, so its on_* actions are unknown`, { field: 'domain', value: ref, hint: 'watch a domain created with `xk create`' });
    setWatcher(first, me);
    let name = start.name;
    let last = first;
    try {
      last = await watch.watchDomain(
        {
          poll: (domid) => this.session.run(false, (hv) => exists(hv, domid)),
          successor: () => this.session.run(false, (hv, names) => liveByName(hv, names, name)),
          handle: (domid, ok) => this.session.run(true, (hv, names) => this.handle(k, hv, names, domid, ok, me)),
          subscribe: (wake) => this.session.run(false, (hv) => hv.extras.onDomainEvent?.(() => wake()) ?? (() => {})),
        },
        first,
        (e) => {
          if (e.name) name = e.name;
          onEvent(e);
        },
        opts,
      );
    } finally {
      try {
        setWatcher(last, undefined);
      } catch {
        // the domain is gone, or the state file went away: nothing holds it any more
      }
    }
  }

  close(): void {
    this.session.close();
  }
}
