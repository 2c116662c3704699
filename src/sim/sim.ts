import { XenkitError, hypercallError } from '../errors.js';
import type {
  CreateDomainArgs,
  DomainEvent,
  DomainInfo,
  Hypervisor,
  HypervisorExtras,
  PhysInfo,
  ShutdownReason,
  XenVersion,
} from '../hv/hypervisor.js';
import { SHUTDOWN_REASONS, isX86ArchConfig } from '../hv/hypervisor.js';
import { armWrittenBack } from '../xen/arm.js';
import { ERRNO, isErrnoName, type ErrnoName } from '../xen/errno.js';
import { DEFAULT_HOST, makeHost, type HostCaps } from '../xen/host.js';
import { createRules, runCreateRules, type Phase, type PhasedFailure } from '../xen/createdomain.js';
import { DOMID_ANY, DOMID_FIRST_RESERVED, domidRule, type DomidRule } from '../xen/domid.js';
import { cdfValue } from '../xen/flags.js';
import { firstRelease } from '../xen/releases.js';
import { ruleCode } from '../xen/rules.js';
import { CONTROLLER_PAUSE_MAX, PAUSE_OVERFLOW, getdomaininfoRule, maxVcpusRule } from '../xen/domctl.js';
import { kibToPagesCeil, kibToPagesFloor, mibToPages, pagesToKiB } from '../xen/pages.js';
import { physcapNames, physcapBits } from '../xen/physinfo.js';
import { maxVcpusLimit } from '../xen/limits.js';
import { domainInfo } from './dominfo.js';
import { SIM_OPS, type Fault, type SimOp } from './ops.js';

export { SIM_OPS, type Fault, type SimOp } from './ops.js';

/** One simulated domain: the subset of struct domain a toolstack can observe. */
export interface SimDomain {
  domid: number;
  hvm: boolean;
  hap: boolean;
  xsDomain: boolean;
  flags: number;
  emulationFlags: number;
  ssidref: number;
  handle: Uint8Array;
  /** Explicit pause count (XEN_DOMCTL_pausedomain increments, unpause decrements); created at 1. */
  pauseCount: number;
  shutdownReason: ShutdownReason | null;
  totPages: number;
  maxPages: number;
  maxVcpus: number;
  /** XEN_DOMCTL_max_vcpus has run: the vCPUs exist (until then max_vcpu_id is XEN_INVALID_MAX_VCPU_ID). */
  vcpusCreated: boolean;
  /** vCPUs with a context (brought up by the domain builder); a vCPU without one never runs. */
  onlineVcpus: number;
  createdAt: number;
  cpupool: number;
}


/** The persistent part of a sim: enough to rebuild it exactly (see store.ts). */
export interface SimSnapshot {
  host: HostCaps;
  lastDomid: number;
  freePages: number;
  clockNs: number;
  domains: SimDomain[];
  faults: Record<string, Fault>;
  leakedDomids?: number[];
}

function hexId(n: number): string {
  return '0x' + n.toString(16);
}

function refusal(f: PhasedFailure): XenkitError {
  // The rule's own code, as pre-flight gives it (xc/check.ts); the errno is Xen's.
  return new XenkitError(ruleCode(f.rule), `createdomain failed: ${f.errno} (${ERRNO[f.errno]}): ${f.reason}`, {
    field: f.field,
    value: f.value,
    errno: f.errno,
    hint: f.hint,
    source: f.source,
    details: { rule: f.rule, hypercall: 'createdomain', ...(f.xenLog ? { xenLog: f.xenLog } : {}) },
  });
}

/**
 * The embedded simulated Xen: answers as the chosen release would (facts' rules, domid allocation,
 * errno), keeps a domain table with dom0 as domain 0, accounts host memory, and injects faults.
 * Every operation is all-or-nothing, like the hypercall it models (the domid allocator's "last id"
 * moves even when a build then fails, as Xen's does).
 */
export class SimXen implements Hypervisor {
  readonly backend = 'sim';
  readonly host: HostCaps;
  private readonly domidRule: DomidRule;
  private readonly slots: (SimDomain | undefined)[] = new Array(DOMID_FIRST_RESERVED);
  private count = 0;
  private lastDomid = 0;
  private freePages: number;
  private clockNs = 0;
  private faults = new Map<string, Fault>();
  /** 4.21+: ids the domid bitmap keeps after an early refusal (never freed until reboot). */
  private leaked = new Set<number>();
  private readonly hvmBit: number;
  private readonly rules: Record<Phase, ReturnType<typeof createRules>>;
  private readonly hapBit: number;
  private readonly xsBit: number;
  private readonly listeners = new Set<(e: DomainEvent) => void>();
  /** The sim's optional operations: fault injection, the domain builder's vCPU step, domain events. */
  readonly extras: HypervisorExtras = {
    bootVcpus: (domid, n) => this.bootVcpus(domid, n),
    inject: (op, errno, count) => this.inject(op, errno, count),
    onDomainEvent: (l) => {
      this.listeners.add(l);
      return () => void this.listeners.delete(l);
    },
  };

  constructor(host: Partial<HostCaps> | HostCaps = {}, snapshot?: SimSnapshot) {
    // A snapshot's host was checked when it was made; only new descriptions go through validation.
    this.host = snapshot ? { ...DEFAULT_HOST, ...snapshot.host } : makeHost(host as Record<string, unknown>);
    this.domidRule = domidRule(this.host.release);
    this.hvmBit = cdfValue(this.host.release, 'hvm')!;
    this.hapBit = cdfValue(this.host.release, 'hap')!;
    this.xsBit = cdfValue(this.host.release, 'xs_domain') ?? 0;
    const r = this.host.release;
    const a = this.host.arch;
    this.rules = { domctl: createRules(r, a, 'domctl'), sanitise: createRules(r, a, 'sanitise'), create: createRules(r, a, 'create') };
    this.freePages = mibToPages(this.host.memoryMiB);
    if (snapshot) {
      this.lastDomid = snapshot.lastDomid;
      this.freePages = snapshot.freePages;
      this.clockNs = snapshot.clockNs;
      for (const d of snapshot.domains) this.put(d);
      for (const [op, f] of Object.entries(snapshot.faults)) this.faults.set(op, { ...f });
      for (const id of snapshot.leakedDomids ?? []) this.leaked.add(id);
    } else {
      const dom0Pages = mibToPages(this.host.dom0MemoryMiB);
      this.freePages -= dom0Pages;
      this.put({
        domid: 0,
        hvm: false,
        hap: false,
        xsDomain: false,
        flags: 0,
        emulationFlags: 0,
        ssidref: 0,
        handle: new Uint8Array(16),
        pauseCount: 0,
        shutdownReason: null,
        totPages: dom0Pages,
        maxPages: dom0Pages,
        maxVcpus: this.host.cpus,
        vcpusCreated: true,
        onlineVcpus: this.host.cpus,
        createdAt: 0,
        cpupool: 0,
      });
    }
  }

  snapshot(): SimSnapshot {
    return {
      host: { ...this.host },
      lastDomid: this.lastDomid,
      freePages: this.freePages,
      clockNs: this.clockNs,
      domains: this.allDomains().map((d) => ({ ...d, handle: new Uint8Array(d.handle) })),
      faults: Object.fromEntries([...this.faults].map(([k, v]) => [k, { ...v }])),
      leakedDomids: [...this.leaked],
    };
  }

  /**
   * Make the next `count` calls of `op` fail with `errno`. The call has no other effect, except that a
   * failed createdomain has spent its domain id, as a build that fails in Xen has.
   */
  inject(op: string, errno: string, count = 1): void {
    if (!(SIM_OPS as readonly string[]).includes(op))
      throw new XenkitError('BAD_INPUT', `target: ${JSON.stringify(op)} is not an operation the sim can fail`, {
        field: 'target',
        value: op,
        hint: `one of ${SIM_OPS.join(', ')}`,
      });
    if (!isErrnoName(errno))
      throw new XenkitError('BAD_INPUT', `errno: ${JSON.stringify(errno)} is not an errno name`, {
        field: 'errno',
        value: errno,
        hint: `one of ${Object.keys(ERRNO).join(', ')}`,
      });
    if (!Number.isSafeInteger(count) || count < 0)
      throw new XenkitError('BAD_INPUT', `count: ${JSON.stringify(count)} is not a non-negative integer`, {
        field: 'count',
        value: count,
        hint: 'a whole number of calls, 0 to clear',
      });
    if (count === 0) this.faults.delete(op);
    else this.faults.set(op, { errno, count });
  }

  pendingFaults(): Record<string, Fault> {
    return Object.fromEntries(this.faults);
  }

  private fault(op: SimOp): void {
    if (this.faults.size === 0) return;
    const f = this.faults.get(op);
    if (!f) return;
    if (--f.count <= 0) this.faults.delete(op);
    throw hypercallError(op, f.errno, 'injected fault');
  }

  private put(d: SimDomain): void {
    if (!this.slots[d.domid]) this.count++;
    this.slots[d.domid] = d;
  }

  private get(op: SimOp, domid: number): SimDomain {
    const d = Number.isInteger(domid) && domid >= 0 && domid < DOMID_FIRST_RESERVED ? this.slots[domid] : undefined;
    // Xen: rcu_lock_domain_by_id() finds nothing -> -ESRCH (xen/common/domctl.c).
    if (!d) throw hypercallError(op, 'ESRCH', `no domain ${domid}`);
    return d;
  }

  private allDomains(): SimDomain[] {
    const out: SimDomain[] = [];
    if (this.count === 0) return out;
    for (let i = 0; i < DOMID_FIRST_RESERVED; i++) {
      const d = this.slots[i];
      if (d) out.push(d);
    }
    return out;
  }

  describeHost(): HostCaps {
    return this.host;
  }

  private emit(e: DomainEvent): void {
    for (const l of this.listeners) l(e);
  }

  get domainCount(): number {
    return this.count;
  }

  version(): XenVersion {
    const [major, minor] = this.host.release.split('.').map(Number) as [number, number];
    return { major, minor, extra: '.0-sim', release: this.host.release };
  }

  physinfo(): PhysInfo {
    this.fault('physinfo');
    return {
      arch: this.host.arch,
      nr_cpus: this.host.cpus,
      threads_per_core: 1,
      cores_per_socket: this.host.cpus,
      nr_nodes: 1,
      cpu_khz: 2_400_000,
      total_pages: mibToPages(this.host.memoryMiB),
      free_pages: this.freePages,
      capabilities: physcapNames(this.host),
      capabilities_bits: physcapBits(this.host),
    };
  }

  /**
   * XEN_DOMCTL_createdomain, in Xen's order: the 'domctl' checks (4.6-4.11 flags), the id, the
   * 'sanitise' checks (4.12+), then domain_create()'s. See facts createdomain.ts for the phases.
   */
  createDomain(args: CreateDomainArgs): number {
    const ctx = { release: this.host.release, host: this.host, args, hwdom: false };
    const early = runCreateRules(ctx, 'domctl', this.rules.domctl);
    if (early) throw refusal(early);
    const domid = this.pickDomid(args.domid);
    // An injected fault is a build failure after the id was picked: the id is spent, as in Xen.
    this.fault('createdomain');
    // 4.21+: domid_free() is only reached from _domain_destroy(), so a failure before struct domain
    // exists leaves the id marked used until reboot (xen/common/domid.c, domain.c @RELEASE-4.21.0).
    const keepsId = this.domidRule.kind !== 'rover';
    const sanitised = runCreateRules(ctx, 'sanitise', this.rules.sanitise);
    if (sanitised) {
      if (keepsId) this.leaked.add(domid);
      throw refusal(sanitised);
    }
    // alloc_domain_struct() needs memory: with none left, domain_create() fails (after sanitising).
    if (this.freePages === 0) {
      if (keepsId) this.leaked.add(domid);
      throw hypercallError('createdomain', 'ENOMEM', 'the host has no free memory for a new domain', 'xen/common/domain.c domain_create() alloc_domain_struct()');
    }
    const refused = runCreateRules(ctx, 'create', this.rules.create);
    if (refused) throw refusal(refused);
    const hvm = (args.flags & this.hvmBit) !== 0;
    this.put({
      domid,
      hvm,
      // Up to 4.12 HAP is silently dropped where the host lacks it; later it is refused above.
      hap: hvm && (args.flags & this.hapBit) !== 0 && this.host.hap,
      xsDomain: this.xsBit !== 0 && (args.flags & this.xsBit) !== 0,
      flags: args.flags,
      emulationFlags: 'emulation_flags' in args.arch ? args.arch.emulation_flags : 0,
      ssidref: args.ssidref,
      handle: args.handle,
      // domain_create(): controller_pause_count = 1, the domain starts paused.
      pauseCount: 1,
      shutdownReason: null,
      totPages: 0,
      maxPages: 0,
      maxVcpus: args.max_vcpus ?? 0,
      vcpusCreated: false,
      onlineVcpus: 0,
      createdAt: this.clockNs,
      cpupool: args.cpupool_id ?? 0,
    });
    // As xc_domain_create() does: the arch config as Xen wrote it back (Arm: the GIC chosen).
    if (!isX86ArchConfig(args.arch)) args.arch = armWrittenBack(this.host.release, args.arch, this.host.gic, this.host.armClockFrequency);
    return domid;
  }

  private used(id: number): boolean {
    return this.slots[id] !== undefined || (this.leaked.size > 0 && this.leaked.has(id));
  }

  /** The release's domid allocation (facts domid.ts). The search moves the last-id mark; exact requests do not. */
  private pickDomid(requested: number): number {
    const rule = this.domidRule;
    let exact: boolean;
    if (rule.kind === 'bitmap-any') {
      if (requested >= DOMID_FIRST_RESERVED && requested !== DOMID_ANY)
        throw hypercallError('createdomain', rule.invalid!, `domain id ${hexId(requested)} is reserved; only DOMID_ANY (${hexId(DOMID_ANY)}) asks Xen ${this.host.release} to pick one`, rule.source);
      exact = requested !== DOMID_ANY;
    } else exact = requested > 0 && requested < DOMID_FIRST_RESERVED;
    if (exact) {
      if (this.used(requested))
        throw hypercallError(
          'createdomain',
          rule.inUse,
          requested === 0 && rule.kind === 'bitmap-any'
            ? `domain id 0 is in use by dom0: from ${firstRelease((r) => domidRule(r).kind === 'bitmap-any')} a requested id of 0 means exactly 0; pass DOMID_ANY (${hexId(DOMID_ANY)}) to have Xen pick one`
            : `domain id ${requested} is in use`,
          rule.source,
        );
      return requested;
    }
    // Search after the last id picked up to DOMID_FIRST_RESERVED - 1, then wrap to 1.
    // 4.6-4.20's rover loop stops when it comes back to the rover itself (so never returns it);
    // 4.21+'s bitmap search wraps to 1 .. last inclusive.
    const last = this.lastDomid;
    const inclusive = rule.kind !== 'rover';
    let id = last;
    for (let n = 1; n < DOMID_FIRST_RESERVED + 1; n++) {
      id++;
      if (id >= DOMID_FIRST_RESERVED) id = 1;
      if (id === last && !inclusive) break;
      if (!this.used(id)) {
        this.lastDomid = id;
        return id;
      }
      if (id === last) break;
    }
    throw hypercallError('createdomain', rule.exhausted, 'no free domain id', rule.source);
  }

  /** XEN_DOMCTL_getdomaininfo as the release answers it (facts domctl.ts). Callers compare the returned domid, as libxl does. */
  getDomainInfo(domid: number): DomainInfo {
    this.fault('getdomaininfo');
    const rule = getdomaininfoRule(this.host.release);
    if (rule.match === 'exact' || this.slots[domid]) return this.info(this.get('getdomaininfo', domid));
    if (domid >= DOMID_FIRST_RESERVED && rule.reserved)
      throw hypercallError('getdomaininfo', rule.reserved, `domain id ${hexId(domid)} is reserved`, rule.source);
    for (let i = Math.max(0, domid); i < DOMID_FIRST_RESERVED; i++) {
      const d = this.slots[i];
      if (d) return this.info(d);
    }
    throw hypercallError('getdomaininfo', 'ESRCH', `no domain with id >= ${domid}`);
  }

  listDomains(): DomainInfo[] {
    return this.allDomains().map((d) => this.info(d));
  }

  private info(d: SimDomain): DomainInfo {
    return domainInfo(d);
  }

  pauseDomain(domid: number): void {
    this.fault('pausedomain');
    const d = this.get('pausedomain', domid);
    // XEN_DOMCTL_pausedomain on the calling domain itself: -EINVAL (xen/common/domctl.c).
    if (domid === 0) throw hypercallError('pausedomain', 'EINVAL', 'a domain cannot pause itself (dom0 is the caller)');
    if (d.pauseCount >= CONTROLLER_PAUSE_MAX) throw hypercallError('pausedomain', PAUSE_OVERFLOW, `domain ${domid} is already paused ${CONTROLLER_PAUSE_MAX} times`);
    d.pauseCount++;
  }

  unpauseDomain(domid: number): void {
    this.fault('unpausedomain');
    const d = this.get('unpausedomain', domid);
    // domain_unpause_by_systemcontroller(): -EINVAL when not paused by the controller.
    if (d.pauseCount === 0) throw hypercallError('unpausedomain', 'EINVAL', `domain ${domid} is not paused`);
    d.pauseCount--;
  }

  destroyDomain(domid: number): void {
    this.fault('destroydomain');
    const d = this.get('destroydomain', domid);
    if (domid === 0) throw hypercallError('destroydomain', 'EINVAL', 'a domain cannot destroy itself (dom0 is the caller)');
    this.freePages += d.totPages;
    this.slots[domid] = undefined;
    this.count--;
    this.emit({ domid, kind: 'destroyed' });
  }

  setMaxMem(domid: number, maxKiB: number): void {
    this.fault('max_mem');
    const d = this.get('max_mem', domid);
    if (!Number.isSafeInteger(maxKiB) || maxKiB < 0) throw hypercallError('max_mem', 'EINVAL', `max memory ${maxKiB} KiB`);
    // XEN_DOMCTL_max_mem: new_max = max_memkb >> (PAGE_SHIFT - 10); never refused for being below tot_pages.
    d.maxPages = kibToPagesFloor(maxKiB);
  }

  /** XEN_DOMCTL_max_vcpus as the release answers it (facts domctl.ts maxVcpusRule()). */
  setMaxVcpus(domid: number, maxVcpus: number): void {
    this.fault('max_vcpus');
    const d = this.get('max_vcpus', domid);
    if (domid === 0) throw hypercallError('max_vcpus', 'EINVAL', 'a domain cannot change its own vCPUs (dom0 is the caller)');
    if (maxVcpusRule(this.host.release) === 'confirm') {
      if (maxVcpus !== d.maxVcpus)
        throw hypercallError('max_vcpus', 'EINVAL', `${maxVcpus} differs from the max_vcpus (${d.maxVcpus}) given at createdomain; from ${firstRelease((r) => maxVcpusRule(r) === 'confirm')} they must match`);
      d.vcpusCreated = true;
      return;
    }
    const limit = maxVcpusLimit(this.host.release, d.hvm, this.host.arch, this.host.gic);
    if (!Number.isSafeInteger(maxVcpus) || maxVcpus < 0 || maxVcpus > limit)
      throw hypercallError('max_vcpus', 'EINVAL', `${maxVcpus} vCPUs (this domain allows at most ${limit})`);
    if (maxVcpus < d.maxVcpus) throw hypercallError('max_vcpus', 'EINVAL', `vCPUs can only be added (domain has ${d.maxVcpus})`);
    if (d.maxVcpus !== 0 && maxVcpus !== d.maxVcpus) throw hypercallError('max_vcpus', 'EBUSY', `domain ${domid} already has ${d.maxVcpus} vCPUs`);
    d.maxVcpus = maxVcpus;
    d.vcpusCreated = true;
  }

  /**
   * Sim only: what a domain builder does before the first unpause (libxl loads the kernel and sets
   * the context of the boot vCPUs, xc_vcpu_setcontext()); the toolstack calls it on the sim.
   */
  bootVcpus(domid: number, n: number): void {
    const d = this.get('max_vcpus', domid);
    if (!d.vcpusCreated) throw hypercallError('setvcpucontext', 'EINVAL', `domain ${domid} has no vCPUs yet (XEN_DOMCTL_max_vcpus first)`);
    d.onlineVcpus = Math.max(0, Math.min(n, d.maxVcpus));
  }

  /**
   * xc_domain_populate_physmap_exact(): XENMEM_populate_physmap allocates page by page and stops at
   * the domain's max_pages (assign_pages(), xen/common/page_alloc.c) or when the heap is empty; the
   * pages that fit stay with the domain and libxc turns the shortfall into EBUSY
   * (tools/libs/ctrl/xc_domain.c @RELEASE-4.17.0; measured on Xen 4.17).
   */
  populatePhysmap(domid: number, kib: number): void {
    this.fault('populate_physmap');
    const d = this.get('populate_physmap', domid);
    if (!Number.isSafeInteger(kib) || kib < 0) throw hypercallError('populate_physmap', 'EINVAL', `${kib} KiB`);
    const pages = kibToPagesCeil(kib);
    const fit = Math.max(0, Math.min(pages, d.maxPages - d.totPages, this.freePages));
    this.freePages -= fit;
    d.totPages += fit;
    if (fit < pages) {
      const why = d.totPages >= d.maxPages ? `domain ${domid} reached its max memory (${pagesToKiB(d.maxPages)} KiB)` : `the host ran out of memory`;
      throw hypercallError('populate_physmap', 'EBUSY', `only ${pagesToKiB(fit)} of ${kib} KiB allocated: ${why}`);
    }
  }

  shutdown(domid: number, reason: ShutdownReason): void {
    this.fault('shutdown');
    if (!(SHUTDOWN_REASONS as readonly string[]).includes(reason))
      throw hypercallError('shutdown', 'EINVAL', `reason ${JSON.stringify(reason)}`);
    const d = this.get('shutdown', domid);
    // domain_shutdown(): a domain already shut down keeps its first reason.
    if (d.shutdownReason !== null) return;
    d.shutdownReason = reason;
    this.emit({ domid, kind: 'shutdown', reason });
  }

  close(): void {}
}
