import { errnoNumber, type ErrnoName } from './xen/errno.js';

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
