import { recordsTable, type DomainTable } from './domain-table.js';
import { XenkitError } from '../errors.js';
import type { DomainInfo, Hypervisor, ShutdownReason } from '../hv/hypervisor.js';
import { validateLibxlJson } from '../backend/libxl.js';
import type { LibxlClient } from '../backend/libxl-client.js';
import { verdictError } from '../xc/check.js';
import { exists } from './hv-toolstack.js';
import { previewOn } from './preview.js';
import { handleShutdownAsync } from './on-shutdown.js';
import { toLibxlJson } from './libxl/libxl-json.js';
import type { DomainSpec } from './domain/domain-spec.js';
import { checkNewName, DOM0_NAME, noDomain, recordName, parseDomainRef, type CreateOptions, type Created, type DeathEvent, type DomainRecord, type HostInfo, type Preview, type Toolstack, type WatchOptions } from './toolstack.js';
import { watchDomain } from './watch.js';
import { watchXenstore } from '../backend/xenstore-watch.js';
import { RELEASE_DOMAIN_WATCH } from '../xen/xenstore.js';
import { pagesToMiB } from '../xen/pages.js';

/**
 * The toolstack on real Xen: libxl builds, destroys and shuts guests down (from the libxl JSON `xl
 * create -n` prints, in a worker process: libxl-worker.ts), names come from xenstore through libxl,
 * and xenkit's pre-flight runs first, so a config the release refuses never reaches libxl.
 */
export class LibxlToolstack implements Toolstack {
  readonly backend: string;
  readonly cpuTime = true;
  /** Domains this process built, with what it takes to rebuild them (xl's daemon keeps the same). */
  private readonly built = new Map<number, { spec: DomainSpec; json: Record<string, unknown> }>();

  constructor(
    private readonly hv: Hypervisor,
    private readonly libxl: LibxlClient,
  ) {
    this.backend = hv.backend;
  }

  async info(): Promise<HostInfo> {
    const p = this.hv.physinfo();
    const v = this.hv.version();
    return { backend: this.hv.backend, where: `libxenctrl, Xen ${v.release}`, release: v.release, version: `${v.major}.${v.minor}${v.extra}`, host: this.hv.describeHost(), physinfo: p, total_memory_mib: pagesToMiB(p.total_pages), free_memory_mib: pagesToMiB(p.free_pages) };
  }

  private async records(infos: DomainInfo[]): Promise<DomainRecord[]> {
    const names = infos.length ? await this.libxl.names(infos.map((i) => i.domid)) : new Map<number, string>();
    return infos.map((info) => ({ domid: info.domid, name: recordName(info.domid, names.get(info.domid)), info, spec: this.built.get(info.domid)?.spec }));
  }

  async list(): Promise<DomainRecord[]> {
    return this.records(this.hv.listDomains());
  }

  async listTable(): Promise<DomainTable> {
    return recordsTable(await this.list());
  }

  async get(ref: string | number): Promise<DomainRecord> {
    const r = parseDomainRef(ref);
    if ('domid' in r) {
      const info = this.exists(r.domid);
      if (!info) throw noDomain(ref);
      return (await this.records([info]))[0]!;
    }
    const found = (await this.list()).find((d) => d.name === r.name);
    if (!found) throw noDomain(ref);
    return found;
  }

  private exists(domid: number): DomainInfo | undefined {
    return exists(this.hv, domid);
  }

  async preview(spec: DomainSpec, opts: CreateOptions = {}): Promise<Preview> {
    return previewOn(this.hv, spec, opts);
  }

  async create(spec: DomainSpec, opts: CreateOptions = {}): Promise<Created> {
    if (opts.emulationFlags !== undefined)
      throw new XenkitError('NOT_ON_BACKEND', '--emulation-flags: libxl chooses the emulation bitmap itself; a forced one can only be previewed', { field: '--emulation-flags', value: opts.emulationFlags, hint: 'use --dry-run, or `xk check`, to see what a release answers to it' });
    const p = await this.preview(spec, opts);
    if (!p.verdict.accept) throw verdictError(p.verdict);
    const existing = (await this.list()).find((d) => d.name === spec.name);
    const warnings = checkNewName(spec.name, existing?.domid);
    const lj = toLibxlJson(spec, opts.cfg);
    const json = lj.json as Record<string, unknown>;
    validateLibxlJson(json);
    const domid = await this.libxl.createNew(json, !!opts.paused);
    this.built.set(domid, { spec, json });
    return { domid, name: spec.name, xen: p.xen, paused: !!opts.paused, defaults: p.defaults, builder: 'libxl', warnings: [...warnings, ...lj.warnings] };
  }

  async destroy(ref: string | number): Promise<DomainRecord> {
    const d = await this.get(ref);
    await this.libxl.destroy(d.domid);
    this.built.delete(d.domid);
    return d;
  }

  /** libxl asks the guest (xenstore control/shutdown); the on_* action applies where the domain is watched, as with xl. */
  async shutdown(ref: string | number, reason: ShutdownReason = 'poweroff'): Promise<DeathEvent> {
    if (reason !== 'poweroff' && reason !== 'reboot')
      throw new XenkitError('NOT_ON_BACKEND', `--reason ${reason}: on real Xen a guest is asked to power off or reboot (libxl); it chooses crash or watchdog itself`, { field: '--reason', value: reason, hint: 'poweroff or reboot' });
    const d = await this.get(ref);
    if (reason === 'reboot') await this.libxl.reboot(d.domid);
    else await this.libxl.shutdown(d.domid);
    return { domid: d.domid, name: d.name, reason, action: 'asked' };
  }

  async reboot(ref: string | number): Promise<DeathEvent> {
    return this.shutdown(ref, 'reboot');
  }

  async pause(ref: string | number): Promise<DomainRecord> {
    const d = await this.get(ref);
    this.hv.pauseDomain(d.domid);
    return d;
  }

  async unpause(ref: string | number): Promise<DomainRecord> {
    const d = await this.get(ref);
    this.hv.unpauseDomain(d.domid);
    return d;
  }

  async watch(ref: string | number, onEvent: (e: DeathEvent) => void, opts: WatchOptions = {}): Promise<void> {
    const first = (await this.get(ref)).domid;
    if (!this.built.has(first))
      throw new XenkitError('NOT_WATCHABLE', `watch: domain ${first} was not built by this xk process, so its config is not known here`, { field: 'domain', value: ref, hint: 'use `xk --backend xen create FILE --watch`' });
    await watchDomain(
      {
        poll: (domid) => this.exists(domid),
        successor: () => undefined,
        subscribe: (wake) => releaseDomainEvents(wake, opts.onWatching),
        handle: (domid, ok) => {
          const b = this.built.get(domid);
          const info = this.exists(domid);
          if (!b || !info?.shutdown) return undefined;
          this.built.delete(domid);
          return handleShutdownAsync(b.spec, domid, info.shutdown_reason ?? 'poweroff', {
            destroy: (id) => this.libxl.destroy(id),
            rebuild: async () => {
              const id = await this.libxl.createNew(b.json, false);
              this.built.set(id, b);
              return id;
            },
          }, ok);
        },
      },
      first,
      onEvent,
      opts,
    );
  }

  close(): void {
    this.libxl.close();
    this.hv.close();
  }
}

/**
 * libxl's domain-death event, as xl waits for it: the xenstore watch on @releaseDomain (fired when a
 * domain shuts down or is released) wakes the watch loop at once; getdomaininfo then says what
 * happened. Without xenstored's socket (or if it refuses) the loop keeps polling getdomaininfo.
 */
function releaseDomainEvents(wake: () => void, told?: (how: string) => void): () => void {
  let closed = false;
  let close: (() => void) | undefined;
  watchXenstore(RELEASE_DOMAIN_WATCH, wake).then(
    (w) => {
      told?.(`xenstore ${RELEASE_DOMAIN_WATCH} at ${w.socket}`);
      if (closed) w.close();
      else close = () => w.close();
    },
    (e: Error) => told?.(`polling getdomaininfo (${e.message})`),
  );
  return () => {
    closed = true;
    close?.();
  };
}
