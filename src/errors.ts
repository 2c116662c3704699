import { errnoNumber, isErrnoName, type ErrnoName } from './xen/errno.js';

/** Marks a XenkitError made by any copy of this module (see XenkitError[Symbol.hasInstance]). */
const XENKIT_ERROR = Symbol.for('xenkit.XenkitError');

/**
 * The project's one error type. `code` is stable (tests and scripts match on it);
 * `field`/`value` name the offending input; `hint` says what would be accepted;
 * `errno` is the Xen/Linux errno name where the failure is (or models) a hypercall's.
 */
export class XenkitError extends Error {
  readonly code: string;
  readonly field?: string;
  readonly value?: unknown;
  readonly hint?: string;
  readonly errno?: ErrnoName;
  readonly errnoNumber?: number;
  /** Where the rule that refused the input comes from (Xen file and release). */
  readonly source?: string;
  readonly details?: Record<string, unknown>;

  /**
   * `e instanceof XenkitError` holds for an error made by another copy of this module too: the
   * installed `xk` is one bundled file for its cold start (scripts/build-cli.mjs) that loads the
   * other commands' modules beside it, each world with its own copy of this class.
   */
  static [Symbol.hasInstance](x: unknown): boolean {
    if (this !== XenkitError) return Function.prototype[Symbol.hasInstance].call(this, x);
    return typeof x === 'object' && x !== null && (x as { [XENKIT_ERROR]?: unknown })[XENKIT_ERROR] === true;
  }

  constructor(
    code: string,
    message: string,
    opts: {
      field?: string;
      value?: unknown;
      hint?: string;
      errno?: ErrnoName;
      source?: string;
      details?: Record<string, unknown>;
      cause?: unknown;
    } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'XenkitError';
    this.code = code;
    this.field = opts.field;
    this.value = opts.value;
    this.hint = opts.hint;
    this.errno = opts.errno;
    this.errnoNumber = opts.errno ? errnoNumber(opts.errno) : undefined;
    this.source = opts.source;
    this.details = opts.details;
    Object.defineProperty(this, XENKIT_ERROR, { value: true });
  }

  toJSON(): Record<string, unknown> {
    const o: Record<string, unknown> = { code: this.code, message: this.message };
    if (this.field !== undefined) o.field = this.field;
    if (this.value !== undefined) o.value = typeof this.value === 'bigint' ? this.value.toString() : this.value;
    if (this.hint !== undefined) o.hint = this.hint;
    if (this.errno !== undefined) {
      o.errno = this.errno;
      o.errnoNumber = this.errnoNumber;
    }
    if (this.source !== undefined) o.source = this.source;
    return o;
  }
}

/** A hypercall failed: the errno is what Xen (or the simulated Xen) returned. */
export function hypercallError(op: string, errno: ErrnoName, why: string, source?: string): XenkitError {
  return new XenkitError('XEN_' + errno, `${op} failed: ${errno} (${errnoNumber(errno)}): ${why}`, {
    field: op,
    errno,
    source,
  });
}

/**
 * Is this Xen's answer to a hypercall (real or simulated), whose side effects stand? Hypercall
 * failures carry 'XEN_<errno>'; a createdomain rule refusal keeps its rule's code and says
 * `details.hypercall`.
 */
export function isHypercallError(e: unknown): boolean {
  return e instanceof XenkitError && e.errno !== undefined && (e.code.startsWith('XEN_') || e.details?.hypercall !== undefined);
}

export function badInput(field: string, value: unknown, accepted: string, code = 'BAD_INPUT'): XenkitError {
  return new XenkitError(code, `${field}: ${show(value)} is not accepted; expected ${accepted}`, {
    field,
    value,
    hint: `expected ${accepted}`,
  });
}

export function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return v.toString();
  if (v === undefined) return 'nothing';
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/**
 * The classes of failure and their exit statuses (README, "Exit status"). `environment` is its own
 * status (4) because its remedy is the host, not the input: a script can retry elsewhere or install
 * something on 4, fix its input on 2, and accept Xen's answer on 1.
 */
export const EXIT_STATUS = { refused: 1, 'bad-input': 2, state: 3, environment: 4, internal: 70 } as const;
export type ErrorClass = keyof typeof EXIT_STATUS;

/** Every fixed error code xenkit uses: its class and what it means. Families are in ERROR_FAMILIES. */
export const ERROR_CODES = {
  BAD_INPUT: ['bad-input', 'an argument, option or field value is not accepted'],
  BAD_JSON: ['bad-input', 'a JSON line or file is not JSON'],
  BAD_HOST: ['bad-input', 'a host description (host options, --host-file, a physinfo) is not consistent'],
  UNKNOWN_KEY: ['bad-input', 'a key that is not a field of the object it is in'],
  UNKNOWN_FLAG: ['bad-input', 'a XEN_DOMCTL_CDF_* name the release does not have'],
  UNKNOWN_RELEASE: ['bad-input', 'a Xen release xenkit does not know'],
  FIELD_NOT_IN_RELEASE: ['bad-input', "a createdomain field the release's struct does not have"],
  RELEASE_MISMATCH: ['bad-input', '--xen names a release other than the one the hypervisor runs'],
  XLCFG_SYNTAX: ['bad-input', 'an xl.cfg file does not follow the libxlu grammar'],
  XLCFG_INVALID: ['bad-input', 'an xl.cfg setting xl would refuse'],
  NO_FILE: ['bad-input', 'an input file does not exist'],
  FILE_UNREADABLE: ['bad-input', 'an input file cannot be read (a directory, no permission)'],
  INPUT_TOO_BIG: ['bad-input', 'an input file or line is over its size limit'],
  TOO_DEEP: ['bad-input', 'xl.cfg lists or JSON nested deeper than the depth limit'],
  BINARY_INPUT: ['bad-input', 'JSON-lines input holds a NUL byte: it is not text'],
  NO_DOMAIN: ['bad-input', 'no domain has that name or id'],
  NAME_IN_USE: ['bad-input', 'another domain already has that name'],
  NOT_ON_BACKEND: ['bad-input', 'the operation is not offered by this backend'],
  NOT_WATCHABLE: ['bad-input', 'the domain was not built by this toolstack, so its on_* actions are unknown'],
  STATE_LOCKED: ['state', 'another xenkit process holds the state file'],
  STATE_CORRUPT: ['state', 'the state file is not a xenkit database, or holds a value xenkit cannot read'],
  STATE_VERSION: ['state', 'the state file has another schema version'],
  STATE_EXISTS: ['state', 'a state file is already there (sim init without --force)'],
  STATE_IO: ['state', 'the state file cannot be opened or written'],
  NO_XEN: ['environment', 'this is not a Xen dom0 (no privcmd, xc_interface_open failed)'],
  NO_PERMISSION: ['environment', 'not allowed to drive Xen here (run as root in dom0)'],
  NO_LIBXENCTRL: ['environment', 'libxenctrl cannot be found or loaded'],
  NO_LIBXL: ['environment', 'libxenlight cannot be loaded'],
  NO_KOFFI: ['environment', 'the koffi FFI module (an optional dependency) is not installed'],
  UNSUPPORTED_RELEASE: ['environment', 'the host runs a Xen release xenkit does not know, or tools of another release'],
  LIBXL_WORKER: ['environment', 'the libxl worker process died or answered something that is not its one JSON line'],
  POOL_UNREACHABLE: ['environment', 'the pool member given by --url does not answer'],
  POOL_CALL_FAILED: ['environment', 'a pool member answered a XenAPI failure (its code and parameters are in the message)'],
  LIBXL_ERROR: ['refused', 'libxl failed with an error number it does not name'],
  ABI_MISMATCH: ['internal', "xenkit's own layout facts do not add up (a bug: report it)"],
  FACTS_INCOMPLETE: ['internal', 'a per-release facts table misses a release or covers one twice (a bug: report it)'],
  INTERNAL: ['internal', 'an unexpected exception (a bug), e.g. inside the libxl worker'],
  // The createdomain rules (src/xen/createdomain.ts ids through ruleCode()): Xen refuses, with the rule's errno.
  CDF_UNKNOWN: ['refused', 'a XEN_DOMCTL_CDF_* bit the release does not know'],
  HVM_AND_PVH: ['refused', 'the hvm and pvh flags together'],
  SHADOW_MISSING: ['refused', 'an HVM/PVH guest left without HAP on a Xen built without shadow paging'],
  HVM_UNAVAILABLE: ['refused', 'an HVM/PVH guest on a host without VT-x/SVM'],
  PVH_CLASSIC_NEEDS_HAP: ['refused', 'a classic PVH guest (pvh_guest) without HAP'],
  ARM_GIC_VERSION: ['refused', 'a gic_version Xen does not emulate, or more vCPUs than that GIC takes'],
  ARM_SPIS: ['refused', 'nr_spis above what the virtual GIC takes'],
  ARM_GIC_MISSING: ['refused', 'a GIC the Arm host cannot emulate'],
  EMULATION_BITS_UNKNOWN: ['refused', 'XEN_X86_EMU_* bits the release does not know'],
  EMULATION_NOT_ALLOWED: ['refused', "an emulation_flags set the release's emulation_flags_ok() refuses"],
  NO_VCPUS: ['refused', 'max_vcpus 0'],
  TOO_MANY_VCPUS: ['refused', 'max_vcpus above what the release and host allow'],
  GRANT_TABLE: ['refused', 'grant/maptrack frame limits the release refuses'],
  ARM_FLAGS: ['refused', 'createdomain flags Arm refuses'],
  IOMMU_OPTS_WITHOUT_IOMMU: ['refused', 'iommu_opts without the iommu flag'],
  HAP_WITHOUT_HVM: ['refused', 'the hap flag on a PV guest'],
  IOMMU_UNAVAILABLE: ['refused', 'the iommu flag on a host without an IOMMU'],
  HAP_UNAVAILABLE: ['refused', 'the hap flag on a host without EPT/NPT'],
  ARM_IOMMU_OPTS: ['refused', 'iommu_opts Arm refuses'],
  ARM_TEE: ['refused', 'a TEE mediator the Arm host does not have'],
  IOMMU_OPTS_UNKNOWN: ['refused', 'iommu_opts bits the release does not know'],
  VMTRACE_UNAVAILABLE: ['refused', 'vmtrace_size on a host without processor trace'],
  NESTED_VIRT_WITHOUT_HAP: ['refused', 'nested virtualisation without HAP'],
  VMTRACE_BAD: ['refused', 'a vmtrace_size that is not a power of two in range'],
  MISC_FLAGS_UNKNOWN: ['refused', 'x86 misc_flags bits the release does not know'],
  GRANT_OPTS_UNKNOWN: ['refused', 'grant_opts bits or a grant-table version the release refuses'],
  VPMU_UNAVAILABLE: ['refused', 'the vpmu flag on a host without vPMU'],
  CPUPOOL_UNKNOWN: ['refused', 'a cpupool id the host does not have'],
  NESTED_VIRT_UNAVAILABLE: ['refused', 'nested virtualisation the host cannot give'],
  ALTP2M_BAD: ['refused', 'altp2m options the release refuses'],
  ARM_ALTP2M: ['refused', 'altp2m on Arm'],
  TRAP_UNMAPPED_X86: ['refused', 'the Arm-only trap-unmapped-accesses option on x86'],
  SHADOW_UNAVAILABLE: ['refused', 'an HVM/PVH guest without the hap flag on a Xen built without shadow paging'],
} as const satisfies Record<string, readonly [ErrorClass, string]>;

/** Codes built from a name: `XEN_<errno>` from a hypercall, `LIBXL_<libxl_error name>` from libxl. */
export const ERROR_FAMILIES: readonly { pattern: RegExp; class: ErrorClass; meaning: string; member: (name: string) => boolean }[] = [
  { pattern: /^XEN_(E[A-Z0-9]+)$/, class: 'refused', meaning: 'a hypercall (real or simulated) failed with this errno', member: (n) => isErrnoName(n) },
  { pattern: /^LIBXL_(ERROR_[A-Z0-9_]+)$/, class: 'refused', meaning: 'libxl failed with this libxl_error (tools/include/libxl.h)', member: (n) => /^ERROR_[A-Z0-9_]+$/.test(n) },
];

/** The class of an error code: from the table, else a family, else undefined (a code outside the table). */
export function errorClass(code: string): ErrorClass | undefined {
  const row = (ERROR_CODES as Record<string, readonly [ErrorClass, string]>)[code];
  if (row) return row[0];
  for (const f of ERROR_FAMILIES) {
    const m = f.pattern.exec(code);
    if (m && f.member(m[1]!)) return f.class;
  }
  return undefined;
}
