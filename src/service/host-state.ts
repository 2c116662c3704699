import { randomUUID, createHash } from 'node:crypto';
import { specFromText } from '../toolstack/from-text.js';
import type { DomainSpec } from '../toolstack/domain/domain-spec.js';
import type { DomainRecord, HostInfo } from '../toolstack/toolstack.js';
import type { Service } from './service.js';
import type { VmRow } from './store.js';
import { BYTES_PER_MIB as MiB } from '../xen/pages.js';

/** The singletons' refs and uuids, made once and kept in the store. */
export interface HostIds {
  pool: string; host: string; host_metrics: string; sr: string; pbd: string; dom0: string;
  hostUuid: string; poolUuid: string; srUuid: string; pbdUuid: string; metricsUuid: string; dom0Uuid: string;
}

export interface VmView {
  ref: string;
  uuid: string;
  /** null for dom0 and for a foreign domain (not the service's: never touched). */
  row: VmRow | null;
  /** A domain something else built (`xk create` on the same host): shown, read-only. */
  foreign?: boolean;
  power: 'Halted' | 'Running' | 'Paused';
  domid: number;
  live?: DomainRecord;
  spec?: DomainSpec;
}

export function uuidOf(handle: Uint8Array): string {
  const h = Buffer.from(handle).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** A ref derived from a stable key (a VM's disks and nics: the same ref on every call and restart). */
export function derivedRef(key: string): string {
  const h = createHash('sha256').update(key).digest('hex');
  return `OpaqueRef:${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
export function derivedUuid(key: string): string {
  return derivedRef(`uuid/${key}`).slice(10);
}


/** A domain the service did not build: a read-only VM whose ref follows its uuid (its domid if it has none). */
export function foreignView(d: DomainRecord): VmView {
  const uuid = uuidOf(d.info.handle);
  const key = /^[0-]+$/.test(uuid) ? `domid/${d.domid}` : uuid;
  return { ref: derivedRef(`foreign-VM/${key}`), uuid: key === uuid ? uuid : derivedUuid(`foreign-VM/${key}`), row: null, foreign: true, power: d.info.paused ? 'Paused' : 'Running', domid: d.domid, live: d, spec: d.spec };
}

/** A safe xl.cfg string (the name a domain takes): no quote, backslash or control character. */
export function domainNameFor(label: string, uuid: string): string {
  return /^[A-Za-z0-9 _.:+@-]{1,64}$/.test(label) && !/^\d+$/.test(label) ? label : `vm-${uuid.slice(0, 8)}`;
}

/** The xl.cfg settings a VM's XenAPI fields give, applied over its xl.cfg (as `xk create file k=v`). */
export function overridesOf(row: VmRow): string[] {
  const f = row.fields;
  const o = [`uuid="${row.uuid}"`, `name="${domainNameFor(String(f.name_label ?? ''), row.uuid)}"`];
  if (typeof f.memory_static_max === 'number') o.push(`maxmem=${Math.max(1, Math.floor(f.memory_static_max / MiB))}`);
  if (typeof f.memory_dynamic_max === 'number') o.push(`memory=${Math.max(1, Math.floor(f.memory_dynamic_max / MiB))}`);
  if (typeof f.VCPUs_max === 'number') o.push(`maxvcpus=${f.VCPUs_max}`);
  if (typeof f.VCPUs_at_startup === 'number') o.push(`vcpus=${f.VCPUs_at_startup}`);
  return o;
}

/** The host as XenAPI sees it: the singletons, and the VMs with their live state from the backend. */
export class Host {
  readonly ids: HostIds;
  private infoCache?: { at: number; info: HostInfo };
  private specCache = new Map<string, DomainSpec>();
  constructor(private readonly svc: Service) {
    const saved = svc.store.meta('ids');
    if (saved) this.ids = JSON.parse(saved) as HostIds;
    else {
      const r = () => svc.newRef();
      this.ids = { pool: r(), host: r(), host_metrics: r(), sr: r(), pbd: r(), dom0: r(), hostUuid: randomUUID(), poolUuid: randomUUID(), srUuid: randomUUID(), pbdUuid: randomUUID(), metricsUuid: randomUUID(), dom0Uuid: randomUUID() };
      svc.store.setMeta('ids', JSON.stringify(this.ids));
    }
  }

  async info(): Promise<HostInfo> {
    if (!this.infoCache || Date.now() - this.infoCache.at > 2000) this.infoCache = { at: Date.now(), info: await this.svc.ts.info() };
    return this.infoCache.info;
  }

  /** The spec a VM builds from: its xl.cfg with its fields applied (cached per content). */
  specOf(row: VmRow): DomainSpec {
    const key = row.cfg + '\0' + JSON.stringify(row.fields);
    let s = this.specCache.get(key);
    if (!s) {
      s = specFromText(row.cfg, String(row.fields.name_label ?? 'vm'), overridesOf(row)).spec;
      if (this.specCache.size > 5000) this.specCache.clear();
      this.specCache.set(key, s);
    }
    return s;
  }

  /** Live: dom0, every recorded VM, then the foreign domains, power state from the backend's domain list (one read). */
  async vms(): Promise<VmView[]> {
    return this.viewsOf(await this.svc.ts.list());
  }

  /** The VMs a domain list shows (the domain watcher's poll and vms() share it). */
  viewsOf(list: DomainRecord[]): VmView[] {
    const doms = new Map(list.map((d) => [d.domid, d]));
    const out: VmView[] = [];
    const d0 = doms.get(0);
    if (d0) out.push({ ref: this.ids.dom0, uuid: this.ids.dom0Uuid, row: null, power: 'Running', domid: 0, live: d0 });
    const rows = this.svc.store.vms();
    const ours = new Set(rows.map((r) => r.uuid));
    for (const row of rows) out.push(this.viewOf(row, row.domid !== null ? doms.get(row.domid) : undefined));
    for (const d of list) if (d.domid !== 0 && !ours.has(uuidOf(d.info.handle))) out.push(foreignView(d));
    return out;
  }

  /** One VM, reading only its own domain (O(1) in the number of VMs). */
  async vm(ref: string): Promise<VmView | undefined> {
    if (ref === this.ids.dom0) {
      const d0 = await this.svc.ts.get(0).catch(() => undefined);
      return d0 && { ref, uuid: this.ids.dom0Uuid, row: null, power: 'Running', domid: 0, live: d0 };
    }
    const row = this.svc.store.vm(ref);
    if (!row) return (await this.svc.ts.list()).filter((d) => d.domid !== 0).map(foreignView).find((v) => v.ref === ref && !this.svc.store.vmByUuid(v.uuid));
    return this.viewOf(row, row.domid !== null ? await this.svc.ts.get(row.domid).catch(() => undefined) : undefined);
  }

  /** A stored VM with the domain now holding its domid (ours only if the handle is its uuid). */
  private viewOf(row: NonNullable<VmView['row']>, d: DomainRecord | undefined): VmView {
    const ours = d !== undefined && uuidOf(d.info.handle) === row.uuid;
    if (row.domid !== null && !ours) this.gone(row, 'its domain is gone from the host');
    let spec: DomainSpec | undefined;
    try {
      spec = this.specOf(row);
    } catch {
      spec = undefined;
    }
    return { ref: row.ref, uuid: row.uuid, row, power: ours ? (d.info.paused ? 'Paused' : 'Running') : 'Halted', domid: ours ? d.domid : -1, live: ours ? d : undefined, spec };
  }

  /** How many VMs there are (valid_ref_counts): dom0, the stored ones and the foreign domains, without building records. */
  async vmCount(): Promise<number> {
    const stored = (this.svc.store.db.prepare('SELECT COUNT(*) AS n FROM vms').get() as { n: number }).n;
    const foreign = (await this.svc.ts.list()).filter((d) => d.domid !== 0 && !this.svc.store.vmByUuid(uuidOf(d.info.handle))).length;
    return stored + foreign + 1;
  }

  /** A VM recorded as running whose domain is gone: Halted, with a message saying why. */
  gone(row: VmRow, why: string): void {
    row.domid = null;
    row.power = 'Halted';
    this.svc.store.tx(() => {
      this.svc.store.putVm(row);
      this.message('VM_HALTED_BY_RECONCILE', row.uuid, `VM ${String(row.fields.name_label)} was recorded running, but ${why}: now Halted`);
    });
  }

  message(name: string, objUuid: string, body: string): void {
    const ref = this.svc.newRef();
    const rec = { uuid: randomUUID(), name, priority: 3, cls: 'VM', obj_uuid: objUuid, timestamp: new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z'), body };
    this.svc.store.putObject('message', ref, rec);
    this.svc.events.emit('message', ref, 'add', rec);
  }

  /**
   * On start: every VM's record against the backend. A VM recorded running whose domain is gone is
   * Halted; a domain carrying a halted VM's uuid (built, then the service died before recording it)
   * is adopted: the service made it. Any other domain is left alone.
   */
  async reconcile(): Promise<string[]> {
    const rows = this.svc.store.vms();
    const byUuid = new Map((await this.svc.ts.list()).filter((d) => d.domid !== 0).map((d) => [uuidOf(d.info.handle), d]));
    for (const row of rows) {
      const d = byUuid.get(row.uuid);
      if (row.domid === null && d) this.svc.store.putVm({ ...row, domid: d.domid, power: d.info.paused ? 'Paused' : 'Running' });
    }
    const before = rows.filter((r) => r.domid !== null).map((r) => r.ref);
    const views = await this.vms();
    return before.filter((ref) => views.find((v) => v.ref === ref)?.power === 'Halted');
  }
}
