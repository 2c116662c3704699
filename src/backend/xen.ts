import { existsSync, accessSync, constants } from 'node:fs';
import type { Arch } from '../xen/arch.js';
import { XenkitError, hypercallError } from '../errors.js';
import type { CreateDomainArgs, DomainInfo, Hypervisor, HypervisorExtras, PhysInfo, ShutdownReason, XenVersion } from '../hv/hypervisor.js';
import { hostFromPhysinfo, type HostCaps } from '../xen/host.js';
import { abi, arm64Getdomaininfo, type StructLayout } from '../xen/abi.js';
import { errnoName, type ErrnoName } from '../xen/errno.js';
import { createFunction, getinfoSingleFunction, LIBXC_WRITES, parsePrototype, type CPrototype } from '../xen/libxc.js';
import { decodeDominf } from '../xen/dominfo.js';
import { shutdownCode } from '../xen/shutdown.js';
import { decodeXenVersion, XEN_EXTRAVERSION_LEN, XENVER_extraversion, XENVER_version } from '../xen/version.js';
import { kibToPagesCeil } from '../xen/pages.js';
import { NEWEST_RELEASE, RELEASE_IDS, type ReleaseId } from '../xen/releases.js';
import { loadKoffi } from './koffi.js';
import { createdomainLayout, marshalArch, marshalCreatedomain, unmarshal, unmarshalArmArch } from './marshal.js';
import { dom0Gic, hostArch } from './arm-host.js';

/**
 * The `xen` backend: the Hypervisor interface over a real host's libxenctrl, through koffi (an FFI
 * that needs no compiler at install). koffi is loaded only when this backend is asked for.
 * The library is found by soname (libxenctrl.so.4.N, newest first, or $XENKIT_LIBXENCTRL); its release
 * must be the running hypervisor's (xc_version), and that release's layouts and xc_domain_create()
 * signature come from facts.
 */
type Koffi = typeof import('koffi');
type Fn = (...args: unknown[]) => number;

const PRIVCMD = '/dev/xen/privcmd';
/** Domains read per xc_domain_getinfolist() call (xenkit's choice, as xl's list uses batches). */
const LIST_BATCH = 256;

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
  /** The host's architecture: dom0's own (xenkit runs in dom0). */
  private readonly arch = hostArch();

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
    // xc_interface_open()/xc_version() are the same in every release: bind them from the library's own.
    const early = (RELEASE_IDS as readonly string[]).includes(libRelease) ? (libRelease as ReleaseId) : NEWEST_RELEASE;
    const fn = (name: string) => lib.func(koffiDeclaration(parsePrototype(abi(early).libxc[name]!))) as unknown as Fn;
    const xch = fn('xc_interface_open')(null, null, 0) as unknown;
    if (!xch) {
      const e = errnoName(this.k.errno()) ?? 'EIO';
      if (e === 'EACCES' || e === 'EPERM') throw noXen('NO_PERMISSION', `xen backend: xc_interface_open() failed with ${e}`, 'run xk as root in dom0');
      throw noXen('NO_XEN', `xen backend: xc_interface_open() failed with ${e}`, 'check that this is a Xen dom0 with xen-privcmd loaded');
    }
    this.xch = xch;
    const version = fn('xc_version');
    ({ major: this.major, minor: this.minor } = decodeXenVersion(version(xch, XENVER_version, null) >>> 0));
    const extra = Buffer.alloc(XEN_EXTRAVERSION_LEN);
    version(xch, XENVER_extraversion, extra);
    this.extra = extra.toString('latin1').replace(/\0.*$/s, '');
    const running = `${this.major}.${this.minor}`;
    if (!(RELEASE_IDS as readonly string[]).includes(running))
      throw noXen('UNSUPPORTED_RELEASE', `xen backend: the hypervisor is Xen ${running}${this.extra}, which xenkit does not know`, `xenkit knows ${RELEASE_IDS.join(', ')}`);
    if (running !== libRelease)
      throw noXen('UNSUPPORTED_RELEASE', `xen backend: ${soname} is Xen ${libRelease}'s library but the hypervisor is ${running}`, `install the tools matching the hypervisor (libxenctrl.so.${running})`);
    this.release = running as ReleaseId;
    this.f = this.bind(lib);
  }

  /** Every libxenctrl function xenkit calls, as this release declares it (facts: abi-data.ts libxc). */
  private bind(lib: ReturnType<Koffi['load']>): Record<string, Fn> {
    const f: Record<string, Fn> = {};
    for (const b of libxcBindings(this.release)) f[b.name] = lib.func(b.koffi) as unknown as Fn;
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
    // Arm: the GIC of dom0's device tree (physinfo does not say; unreadable: the default host's).
    const gic = this.arch === 'arm64' ? dom0Gic() : undefined;
    return (this.hostCaps ??= hostFromPhysinfo({ ...this.physinfo(), gic } as unknown as Record<string, unknown>, this.release));
  }

  version(): XenVersion {
    return { major: this.major, minor: this.minor, extra: this.extra, release: this.release };
  }

  physinfo(): PhysInfo {
    const a = abi(this.release);
    const buf = Buffer.alloc(a.physinfo.size);
    this.call('physinfo', this.f.xc_physinfo!(this.xch, buf));
    const p = unmarshal(a.physinfo, buf) as Record<string, number>;
    const caps = Object.entries(a.physcap).filter(([, bit]) => (p.capabilities! >>> 0) & (1 << bit)).map(([n]) => n);
    return {
      arch: this.arch,
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

  /** The release's create function, called with its own parameters by name (facts: libxc.ts). */
  createDomain(args: CreateDomainArgs): number {
    const pdomid = [args.domid];
    const argv = createArguments(this.release, args, pdomid, this.arch).map((v) => (v === XCH ? this.xch : v));
    this.call('createdomain', this.f[createFunction(this.release).name]!(...argv));
    // Arm: the arch config as Xen wrote it back (GIC_NATIVE -> the GIC it chose), as libxc's caller sees it.
    const struct = argv.find((v) => Buffer.isBuffer(v) && v.length === createdomainLayout(this.release, this.arch).size) as Buffer | undefined;
    if (this.arch === 'arm64' && struct) args.arch = unmarshalArmArch(this.release, struct);
    return pdomid[0]! & 0xffff;
  }

  private decode(buf: Buffer, base: number): DomainInfo {
    const d = unmarshal(this.infoLayout(), buf, base) as Record<string, number> & { handle: Uint8Array };
    return {
      domid: d.domain!,
      ...decodeDominf(this.release, d.flags!),
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

  /** struct xen_domctl_getdomaininfo on this host's architecture (arm64: 120 bytes, facts abi.ts). */
  private infoLayout(): StructLayout {
    return this.arch === 'arm64' ? arm64Getdomaininfo(this.release) : abi(this.release).getdomaininfo;
  }

  /** 4.18+: xc_domain_getinfo_single (exact id); up to 4.17 the domctl answers the next domain, as getinfolist does. */
  getDomainInfo(domid: number): DomainInfo {
    const size = this.infoLayout().size;
    const buf = Buffer.alloc(size);
    const single = getinfoSingleFunction(this.release);
    if (single) {
      this.call('getdomaininfo', this.f[single.name]!(this.xch, domid, buf));
      return this.decode(buf, 0);
    }
    const n = this.call('getdomaininfo', this.f.xc_domain_getinfolist!(this.xch, domid, 1, buf));
    if (n < 1) throw hypercallError('getdomaininfo', 'ESRCH', `no domain with id >= ${domid}`);
    return this.decode(buf, 0);
  }

  listDomains(): DomainInfo[] {
    const size = this.infoLayout().size;
    const out: DomainInfo[] = [];
    let first = 0;
    for (;;) {
      const buf = Buffer.alloc(size * LIST_BATCH);
      const n = this.call('getdomaininfolist', this.f.xc_domain_getinfolist!(this.xch, first, LIST_BATCH, buf));
      for (let i = 0; i < n; i++) out.push(this.decode(buf, i * size));
      if (n < LIST_BATCH) return out;
      first = out[out.length - 1]!.domid + 1;
    }
  }

  pauseDomain(domid: number): void {
    this.call('pausedomain', this.f.xc_domain_pause!(this.xch, domid));
  }
  unpauseDomain(domid: number): void {
    this.call('unpausedomain', this.f.xc_domain_unpause!(this.xch, domid));
  }
  destroyDomain(domid: number): void {
    this.call('destroydomain', this.f.xc_domain_destroy!(this.xch, domid));
  }
  setMaxMem(domid: number, maxKiB: number): void {
    this.call('max_mem', this.f.xc_domain_setmaxmem!(this.xch, domid, BigInt(maxKiB)));
  }
  setMaxVcpus(domid: number, maxVcpus: number): void {
    this.call('max_vcpus', this.f.xc_domain_max_vcpus!(this.xch, domid, maxVcpus));
  }
  populatePhysmap(domid: number, kib: number): void {
    const info = this.getDomainInfo(domid);
    // Up to 4.17 getdomaininfo answers the next domain: make sure it is this one.
    if (info.domid !== domid) throw hypercallError('populate_physmap', 'ESRCH', `no domain ${domid}`);
    const cur = info.tot_pages;
    const n = kibToPagesCeil(kib);
    const pfns = new BigUint64Array(n);
    for (let i = 0; i < n; i++) pfns[i] = BigInt(cur + i);
    this.call('populate_physmap', this.f.xc_domain_populate_physmap_exact!(this.xch, domid, n, 0, 0, pfns));
  }
  shutdown(domid: number, reason: ShutdownReason): void {
    this.call('shutdown', this.f.xc_domain_shutdown!(this.xch, domid, shutdownCode(reason)));
  }
  close(): void {
    this.f.xc_interface_close!(this.xch);
  }
}

/**
 * C type -> koffi type, for the types the release's prototypes use. Handles and structs are byte
 * buffers that marshal.ts fills from the release's layouts; xen_domain_handle_t (uint8_t[16]) as a
 * parameter decays to a pointer; xen_pfn_t is 64 bits on x86_64 and arm64. A type not listed is
 * refused: no call through a guessed prototype.
 */
const KOFFI_TYPES: Record<string, string> = {
  'int': 'int',
  'unsigned': 'unsigned int',
  'unsigned int': 'unsigned int',
  'unsigned long': 'unsigned long',
  'uint32_t': 'uint32_t',
  'uint64_t': 'uint64_t',
  'void *': 'void *',
  'uint32_t *': 'uint32_t *',
  'xc_interface *': 'void *',
  'xentoollog_logger *': 'void *',
  'xen_domain_handle_t': 'uint8_t *',
  'xen_pfn_t *': 'uint64_t *',
  'xc_domain_configuration_t *': 'uint8_t *',
  'struct xen_domctl_createdomain *': 'uint8_t *',
  'xc_dominfo_t *': 'uint8_t *',
  'xc_domaininfo_t *': 'uint8_t *',
  'xc_physinfo_t *': 'uint8_t *',
};

function koffiType(fn: string, t: string): string {
  const k = KOFFI_TYPES[t];
  if (!k) throw new XenkitError('ABI_MISMATCH', `xen backend: ${fn}() has a parameter of C type ${t}, which xenkit cannot pass`, { field: 'abi.libxc', value: t, hint: 'the facts name a type the backend does not map; report it' });
  return k;
}

const join = (type: string, name: string) => (type.endsWith('*') ? type + name : `${type} ${name}`);

/** The koffi declaration of a libxenctrl prototype: types mapped, written pointers marked _Out_/_Inout_. */
export function koffiDeclaration(p: CPrototype): string {
  const writes = LIBXC_WRITES[p.name] ?? {};
  const params = p.params.map((x) => {
    const dir = writes[x.name];
    return `${dir === 'out' ? '_Out_ ' : dir === 'inout' ? '_Inout_ ' : ''}${join(koffiType(p.name, x.type), x.name)}`;
  });
  return `${join(koffiType(p.name, p.returns), p.name)}(${params.join(', ')})`;
}

/** Every function in the release's libxc table, with its koffi declaration. */
export function libxcBindings(r: ReleaseId): { name: string; koffi: string }[] {
  return Object.values(abi(r).libxc).map((text) => {
    const p = parsePrototype(text);
    return { name: p.name, koffi: koffiDeclaration(p) };
  });
}

/** Stands for the xc_interface handle in an argument list built without one. */
export const XCH = Symbol('xch');

/** The create function's arguments, by its parameter names and C types (the config's type says which struct). */
export function createArguments(r: ReleaseId, args: CreateDomainArgs, pdomid: number[], arch: Arch = 'x86_64'): unknown[] {
  const p = createFunction(r);
  return p.params.map((x) => {
    if (x.type === 'xc_interface *') return XCH;
    if (x.name === 'pdomid') return pdomid;
    if (x.name === 'ssidref') return args.ssidref;
    if (x.name === 'flags') return args.flags;
    if (x.type === 'xen_domain_handle_t') return Buffer.from(args.handle);
    if (x.type === 'struct xen_domctl_createdomain *') return marshalCreatedomain(r, args, arch);
    if (x.type === 'xc_domain_configuration_t *') return marshalArch(r, args);
    throw new XenkitError('ABI_MISMATCH', `xen backend: ${p.name}() has a parameter ${x.type} ${x.name} xenkit does not fill`, { field: 'abi.libxc', value: x.name, hint: 'report it' });
  });
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
