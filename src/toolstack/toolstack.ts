import type { DomainTable } from './domain-table.js';
import { XenkitError } from '../errors.js';
import type { DomainInfo, PhysInfo, ShutdownReason } from '../hv/hypervisor.js';
import type { HostCaps } from '../xen/host.js';
import type { ReleaseId } from '../xen/releases.js';
import type { Verdict } from '../xc/check.js';
import type { CreateDomainArgs } from '../hv/hypervisor.js';
import type { DomainSpec, ShutdownAction } from './domain/domain-spec.js';
import type { XlCfg } from './xlcfg/ast.js';

/**
 * What xl and libxl do for a user, over any backend (DESIGN.md "toolstack"): one interface, one
 * implementation per way of building guests (over the Hypervisor on the sim, through libxl on real
 * Xen). Asynchronous, because a long-running caller (the XenAPI service) must not block on libxl.
 */
export interface Toolstack {
  /** The backend's name, for messages. */
  readonly backend: string;
  /** Whether domains accrue CPU time (false on the sim, which runs no guest code). */
  readonly cpuTime: boolean;
  /** The host: release, arch, memory, cpus, capabilities. */
  info(): Promise<HostInfo>;
  /** Every domain, ascending id, with its name (xl list); `specs: false` leaves `spec` out (a plain `xk list` reads no configs). */
  list(opts?: ListOptions): Promise<DomainRecord[]>;
  /** Every domain's `xl list` columns, ascending id, read by row (`xk list`: no object per domain where the backend keeps them packed). */
  listTable(): Promise<DomainTable>;
  /**
   * The lines `xk list` prints for every domain (formatList() without its header, as `cpuTime`
   * says), where the backend keeps them rendered (the simulated Xen's state file); undefined: format
   * listTable().
   */
  listLines?(): Promise<Buffer | undefined>;
  /** One domain by name or id, as xl takes it (all digits: an id). */
  get(ref: string | number, opts?: ListOptions): Promise<DomainRecord>;
  /** What this host's release would be asked and would answer; nothing is created. */
  preview(spec: DomainSpec, opts?: CreateOptions): Promise<Preview>;
  create(spec: DomainSpec, opts?: CreateOptions): Promise<Created>;
  destroy(ref: string | number): Promise<DomainRecord>;
  /** Shut down with a reason; the on_* action applies (here, or where the domain is watched). */
  shutdown(ref: string | number, reason?: ShutdownReason): Promise<DeathEvent>;
  reboot(ref: string | number): Promise<DeathEvent>;
  pause(ref: string | number): Promise<DomainRecord>;
  unpause(ref: string | number): Promise<DomainRecord>;
  /**
   * xl's per-domain daemon: follow the domain and apply on_poweroff/on_reboot/on_crash/on_watchdog
   * when it shuts down, until nothing is left to watch (destroyed, preserved, gone, restart limit).
   */
  watch(ref: string | number, onEvent: (e: DeathEvent) => void, opts?: WatchOptions): Promise<void>;
  close(): void;
}

export interface HostInfo {
  backend: string;
  /** Where the host lives: the state file, or "libxenctrl, Xen 4.17". */
  where: string;
  release: ReleaseId;
  version: string;
  host: HostCaps;
  /** XEN_SYSCTL_physinfo as the backend answered it. */
  physinfo: PhysInfo;
  total_memory_mib: number;
  free_memory_mib: number;
}

export interface DomainRecord {
  domid: number;
  name: string;
  info: DomainInfo;
  /** The spec it was built from, where the toolstack built it (and knows it). */
  spec?: DomainSpec;
}

export interface ListOptions {
  /** Read each domain's spec (default true); false skips the stored configs. */
  specs?: boolean;
}

export interface CreateOptions {
  paused?: boolean;
  /** Force the XEN_X86_EMU_* bitmap (a test of what a release refuses). */
  emulationFlags?: number;
  /** The parsed xl.cfg the spec came from (libxl's JSON keeps some keys from it verbatim). */
  cfg?: XlCfg;
}

export interface Preview {
  name: string;
  xen: ReleaseId;
  args: CreateDomainArgs;
  defaults: string[];
  verdict: Verdict;
}

export interface Created {
  domid: number;
  name: string;
  xen: ReleaseId;
  paused: boolean;
  /** Defaults xenkit filled in, in words. */
  defaults: string[];
  /** How it was built: 'sim' (xenkit plays libxl over the Hypervisor) or 'libxl'. */
  builder: string;
  warnings: string[];
}

/** What happened when a domain shut down (or was found gone), and what the toolstack did about it. */
export interface DeathEvent {
  domid: number;
  name?: string;
  reason: ShutdownReason | null;
  /** The on_* action taken; 'gone' when the domain vanished; 'asked' when only a request was sent. */
  action: ShutdownAction | 'gone' | 'asked';
  newDomid?: number;
  /** rename-restart: the name the old domain was kept under. */
  preservedAs?: string;
  /** A restart was due but the restart limit was reached: destroyed instead. */
  limit?: boolean;
}

export interface WatchOptions {
  pollMs?: number;
  maxRestarts?: number;
  signal?: AbortSignal;
  /** Told once how the domain's death is learnt (a domain event, or polling and why), for --debug. */
  onWatching?: (how: string) => void;
}

/** The name dom0 has, reserved (libxl: xenstore /local/domain/0/name). */
export const DOM0_NAME = 'Domain-0';

/** The name a record shows: dom0's, the toolstack's, or xl's placeholder for a domain it did not name. */
export function recordName(domid: number, name: string | undefined): string {
  return domid === 0 ? DOM0_NAME : (name ?? `(domain ${domid})`);
}

/**
 * How xl reads a domain argument (tools/xl/xl_utils.c find_domain() @RELEASE-4.17.0): all digits is a
 * domain id, whatever names exist; anything else is a name.
 */
export function parseDomainRef(ref: string | number): { domid: number } | { name: string } {
  if (typeof ref === 'number') {
    if (!Number.isInteger(ref) || ref < 0 || ref > 0xffff) throw noDomain(ref);
    return { domid: ref };
  }
  if (/^\d+$/.test(ref)) {
    const n = Number(ref);
    if (n > 0xffff) throw noDomain(ref);
    return { domid: n };
  }
  if (ref === '') throw noDomain(ref);
  return { name: ref };
}

export function noDomain(ref: unknown): XenkitError {
  return new XenkitError('NO_DOMAIN', `domain ${JSON.stringify(String(ref))} does not exist`, {
    field: 'domain',
    value: ref,
    hint: 'give a name or id from `xk list`',
  });
}

/**
 * A name a new guest may take (libxl__domain_rename(): "Domain with name ... already exists"; dom0's
 * name is dom0's). Returns warnings: libxl accepts an all-digits name, but every xl command then
 * reads it as a domain id.
 */
export function checkNewName(name: string, existing: number | undefined): string[] {
  if (name === DOM0_NAME || existing !== undefined)
    throw new XenkitError('NAME_IN_USE', `name: a domain named "${name}" already exists (domain ${existing ?? 0})`, {
      field: 'name',
      value: name,
      hint: name === DOM0_NAME ? "Domain-0 is dom0's name; choose another" : 'choose another name, or destroy the other domain first (libxl: "Domain with name ... already exists")',
    });
  return /^\d+$/.test(name) ? [`name "${name}" is all digits: xl and xk read it as a domain id, so address this domain by its id`] : [];
}
