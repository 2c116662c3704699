import { existsSync, accessSync, constants } from 'node:fs';
import { XenkitError, hypercallError } from '../errors.js';
import { SHUTDOWN_REASONS, type CreateDomainArgs, type DomainInfo, type Hypervisor, type HypervisorExtras, type PhysInfo, type ShutdownReason, type XenVersion } from '../hv/hypervisor.js';
import { hostFromPhysinfo, type HostCaps } from '../xen/host.js';
import { abi } from '../xen/abi.js';
import { errnoName, type ErrnoName } from '../xen/errno.js';
import { inRange, RELEASE_IDS, type ReleaseId } from '../xen/releases.js';
import { loadKoffi } from './koffi.js';
import { marshalArch, marshalCreatedomain, unmarshal } from './marshal.js';

/**
 * The `xen` backend: the Hypervisor interface over a real host's libxenctrl, through koffi (an FFI
 * that needs no compiler at install). koffi is loaded only when this backend is asked for.
 * The library is found by soname (libxenctrl.so.4.N, newest first, or $XENKIT_LIBXENCTRL); its release
 * must be the running hypervisor's (xc_version), and that release's layouts and xc_domain_create()
 * signature come from facts.
 */
type Koffi = typeof import('koffi');
type Fn = (...args: unknown[]) => number;

const XENVER_version = 0;
const XENVER_extraversion = 1;
const PRIVCMD = '/dev/xen/privcmd';

function noXen(code: string, message: string, hint: string): XenkitError {
  return new XenkitError(code, message, { field: 'backend', value: 'xen', hint });
}

export interface XenBackendOptions {
  /** Path or soname of libxenctrl (default: $XENKIT_LIBXENCTRL, else libxenctrl.so.4.N newest first). */
  library?: string;
  /** The privcmd device (default /dev/xen/privcmd). */
  privcmd?: string;
}

export class XenBackend implements Hypervisor {
  readonly backend = 'xen';
  /** No fault injection and no vCPU step (libxl's builder does it); domain events are polled by the toolstack. */
  readonly extras: HypervisorExtras = {};
  private hostCaps?: HostCaps;
  readonly release: ReleaseId;
  private readonly k: Koffi;
  private readonly xch: unknown;
  private readonly f: Record<string, Fn>;
  private readonly extra: string;
  private readonly major: number;
  private readonly minor: number;

  constructor(opts: XenBackendOptions = {}) {
    this.k = loadKoffi();
    const { lib, libRelease, soname } = loadLibrary(this.k, opts.library ?? process.env.XENKIT_LIBXENCTRL);
    const privcmd = opts.privcmd ?? PRIVCMD;
    if (!existsSync(privcmd))
      throw noXen('NO_XEN', `xen backend: ${privcmd} is missing: this is not a Xen dom0 (or xen-privcmd is not loaded)`, 'boot the host under Xen and run xk in dom0 (modprobe xen-privcmd; mount devtmpfs on /dev), or use --backend sim');
    try {
      accessSync(privcmd, constants.R_OK | constants.W_OK);
    } catch {
      throw noXen('NO_PERMISSION', `xen backend: permission denied on ${privcmd}`, 'run xk as root in dom0');
    }
    const fn = (proto: string) => lib.func(proto) as unknown as Fn;
    const open = fn('void *xc_interface_open(void *logger, void *dombuild_logger, unsigned int open_flags)');
    const xch = open(null, null, 0) as unknown;
    if (!xch) {
      const e = errnoName(this.k.errno()) ?? 'EIO';
      if (e === 'EACCES' || e === 'EPERM') throw noXen('NO_PERMISSION', `xen backend: xc_interface_open() failed with ${e}`, 'run xk as root in dom0');
      throw noXen('NO_XEN', `xen backend: xc_interface_open() failed with ${e}`, 'check that this is a Xen dom0 with xen-privcmd loaded');
    }
    this.xch = xch;
    const version = fn('int xc_version(void *xch, int cmd, void *arg)');
    const v = version(xch, XENVER_version, null) >>> 0;
    this.major = v >>> 16;
    this.minor = v & 0xffff;
    const extra = Buffer.alloc(16);
    version(xch, XENVER_extraversion, extra);
    this.extra = extra.toString('latin1').replace(/\0.*$/s, '');
    const running = `${this.major}.${this.minor}`;
    if (!(RELEASE_IDS as readonly string[]).includes(running))
      throw noXen('UNSUPPORTED_RELEASE', `xen backend: the hypervisor is Xen ${running}${this.extra}, which xenkit does not know`, `xenkit knows ${RELEASE_IDS.join(', ')}`);
    if (running !== libRelease)
      throw noXen('UNSUPPORTED_RELEASE', `xen backend: ${soname} is Xen ${libRelease}'s library but the hypervisor is ${running}`, `install the tools matching the hypervisor (libxenctrl.so.${running})`);
    this.release = running as ReleaseId;
    this.f = this.bind(fn);
  }

  private bind(fn: (p: string) => Fn): Record<string, Fn> {
    const r = this.release;
    const f: Record<string, Fn> = {
      close: fn('int xc_interface_close(void *xch)'),
      getinfolist: fn('int xc_domain_getinfolist(void *xch, uint32_t first, unsigned int max, _Out_ uint8_t *info)'),
      pause: fn('int xc_domain_pause(void *xch, uint32_t domid)'),
      unpause: fn('int xc_domain_unpause(void *xch, uint32_t domid)'),
      destroy: fn('int xc_domain_destroy(void *xch, uint32_t domid)'),
      setmaxmem: fn('int xc_domain_setmaxmem(void *xch, uint32_t domid, uint64_t max_memkb)'),
      maxvcpus: fn('int xc_domain_max_vcpus(void *xch, uint32_t domid, unsigned int max)'),
      shutdown: fn('int xc_domain_shutdown(void *xch, uint32_t domid, int reason)'),
      physinfo: fn('int xc_physinfo(void *xch, _Out_ uint8_t *info)'),
      populate: fn('int xc_domain_populate_physmap_exact(void *xch, uint32_t domid, unsigned long nr, unsigned int order, unsigned int flags, uint64_t *pfns)'),
    };
    // The entry point's signature per release (facts: abi-data.ts libxc prototypes).
    if (inRange(r, '4.12')) f.create = fn('int xc_domain_create(void *xch, _Inout_ uint32_t *pdomid, _Inout_ uint8_t *config)');
    else if (r === '4.6') f.create = fn('int xc_domain_create_config(void *xch, uint32_t ssidref, uint8_t *handle, uint32_t flags, _Inout_ uint32_t *pdomid, _Inout_ uint8_t *config)');
    else f.create = fn('int xc_domain_create(void *xch, uint32_t ssidref, uint8_t *handle, uint32_t flags, _Inout_ uint32_t *pdomid, _Inout_ uint8_t *config)');
    if (inRange(r, '4.18')) f.getinfo = fn('int xc_domain_getinfo_single(void *xch, uint32_t domid, _Out_ uint8_t *info)');
    return f;
  }

  private call(op: string, rc: number): number {
    if (rc < 0) {
      const e: ErrnoName = errnoName(this.k.errno()) ?? 'EIO';
      throw hypercallError(op, e, 'returned by libxenctrl');
    }
    return rc;
  }

  /** The host from its physinfo (read once: what the rules need does not change while xk runs). */
  describeHost(): HostCaps {
    return (this.hostCaps ??= hostFromPhysinfo(this.physinfo() as unknown as Record<string, unknown>, this.release));
  }

  version(): XenVersion {
    return { major: this.major, minor: this.minor, extra: this.extra, release: this.release };
  }

  physinfo(): PhysInfo {
    const a = abi(this.release);
    const buf = Buffer.alloc(a.physinfo.size);
    this.call('physinfo', this.f.physinfo!(this.xch, buf));
    const p = unmarshal(a.physinfo, buf) as Record<string, number>;
    const caps = Object.entries(a.physcap).filter(([, bit]) => (p.capabilities! >>> 0) & (1 << bit)).map(([n]) => n);
    return {
      arch: 'x86_64',
      nr_cpus: p.nr_cpus!,
      threads_per_core: p.threads_per_core!,
      cores_per_socket: p.cores_per_socket!,
      nr_nodes: p.nr_nodes!,
      cpu_khz: p.cpu_khz!,
      total_pages: p.total_pages!,
      free_pages: p.free_pages!,
      capabilities: caps,
      capabilities_bits: p.capabilities! >>> 0,
    };
  }

  createDomain(args: CreateDomainArgs): number {
    const r = this.release;
    const pdomid = [args.domid];
    if (inRange(r, '4.12')) {
      this.call('createdomain', this.f.create!(this.xch, pdomid, marshalCreatedomain(r, args)));
    } else {
      this.call('createdomain', this.f.create!(this.xch, args.ssidref, Buffer.from(args.handle), args.flags, pdomid, marshalArch(r, args)));
    }
    return pdomid[0]! & 0xffff;
  }

  private decode(buf: Buffer, base: number): DomainInfo {
    const a = abi(this.release);
    const d = unmarshal(a.getdomaininfo, buf, base) as Record<string, number> & { handle: Uint8Array };
    const bit = (n: string) => a.dominf[n] !== undefined && ((d.flags! >>> a.dominf[n]!) & 1) === 1;
    const code = (d.flags! >>> 16) & 0xff;
    const shutdown = bit('shutdown');
    return {
      domid: d.domain!,
      dying: bit('dying'),
      hvm: bit('hvm_guest'),
      shutdown,
      paused: bit('paused'),
      blocked: bit('blocked'),
      running: bit('running'),
      hap: bit('hap'),
      xs_domain: bit('xs_domain'),
      shutdown_reason: shutdown ? ((SHUTDOWN_REASONS as readonly string[])[code] as ShutdownReason) ?? null : null,
      tot_pages: d.tot_pages!,
      max_pages: d.max_pages!,
      nr_online_vcpus: d.nr_online_vcpus!,
      max_vcpu_id: d.max_vcpu_id!,
      cpu_time_ns: d.cpu_time!,
      ssidref: d.ssidref!,
      handle: d.handle,
      cpupool: d.cpupool!,
    };
  }

  /** 4.18+: xc_domain_getinfo_single (exact id); up to 4.17 the domctl answers the next domain, as getinfolist does. */
  getDomainInfo(domid: number): DomainInfo {
    const size = abi(this.release).getdomaininfo.size;
    const buf = Buffer.alloc(size);
    if (this.f.getinfo) {
      this.call('getdomaininfo', this.f.getinfo(this.xch, domid, buf));
      return this.decode(buf, 0);
    }
    const n = this.call('getdomaininfo', this.f.getinfolist!(this.xch, domid, 1, buf));
    if (n < 1) throw hypercallError('getdomaininfo', 'ESRCH', `no domain with id >= ${domid}`);
    return this.decode(buf, 0);
  }

  listDomains(): DomainInfo[] {
    const size = abi(this.release).getdomaininfo.size;
    const out: DomainInfo[] = [];
    let first = 0;
    for (;;) {
      const buf = Buffer.alloc(size * 256);
      const n = this.call('getdomaininfolist', this.f.getinfolist!(this.xch, first, 256, buf));
      for (let i = 0; i < n; i++) out.push(this.decode(buf, i * size));
      if (n < 256) return out;
      first = out[out.length - 1]!.domid + 1;
    }
  }

  pauseDomain(domid: number): void {
    this.call('pausedomain', this.f.pause!(this.xch, domid));
  }
  unpauseDomain(domid: number): void {
    this.call('unpausedomain', this.f.unpause!(this.xch, domid));
  }
  destroyDomain(domid: number): void {
    this.call('destroydomain', this.f.destroy!(this.xch, domid));
  }
  setMaxMem(domid: number, maxKiB: number): void {
    this.call('max_mem', this.f.setmaxmem!(this.xch, domid, BigInt(maxKiB)));
  }
  setMaxVcpus(domid: number, maxVcpus: number): void {
    this.call('max_vcpus', this.f.maxvcpus!(this.xch, domid, maxVcpus));
  }
  populatePhysmap(domid: number, kib: number): void {
    const info = this.getDomainInfo(domid);
    // Up to 4.17 getdomaininfo answers the next domain: make sure it is this one.
    if (info.domid !== domid) throw hypercallError('populate_physmap', 'ESRCH', `no domain ${domid}`);
    const cur = info.tot_pages;
    const n = Math.ceil(kib / 4);
    const pfns = new BigUint64Array(n);
    for (let i = 0; i < n; i++) pfns[i] = BigInt(cur + i);
    this.call('populate_physmap', this.f.populate!(this.xch, domid, n, 0, 0, pfns));
  }
  shutdown(domid: number, reason: ShutdownReason): void {
    this.call('shutdown', this.f.shutdown!(this.xch, domid, SHUTDOWN_REASONS.indexOf(reason)));
  }
  close(): void {
    this.f.close!(this.xch);
  }
}

function loadLibrary(k: Koffi, explicit?: string): { lib: ReturnType<Koffi['load']>; libRelease: string; soname: string } {
  const candidates = explicit ? [explicit] : [...RELEASE_IDS].reverse().map((r) => `libxenctrl.so.${r}`);
  const tried: string[] = [];
  for (const c of candidates) {
    try {
      const lib = k.load(c);
      const m = /libxenctrl\.so\.(\d+\.\d+)/.exec(c);
      return { lib, libRelease: m ? m[1]! : 'unknown', soname: c };
    } catch (e) {
      tried.push(explicit ? `${c} (${(e as Error).message.split('\n')[0]})` : c);
    }
  }
  throw noXen(
    'NO_LIBXENCTRL',
    `xen backend: libxenctrl is not installed (tried ${explicit ? tried.join(', ') : `libxenctrl.so.${RELEASE_IDS[RELEASE_IDS.length - 1]} .. ${RELEASE_IDS[0]}`})`,
    'install Xen\'s tools libraries (Debian: apt-get install libxenmisc4.17), or set XENKIT_LIBXENCTRL to its path',
  );
}
