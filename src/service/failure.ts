/**
 * A XenAPI failure: the code and its params, as XAPI answers them (JSON-RPC error.data /
 * XML-RPC ErrorDescription [code, ...params]). Codes are XAPI's (the datamodel's documented errors,
 * Api_errors) or xenkit's own, namespaced `XENKIT_*`.
 */
export class ApiFailure extends Error {
  readonly code: string;
  readonly params: string[];
  constructor(code: string, params: unknown[] = []) {
    super(`${code}${params.length ? ': ' + params.join(', ') : ''}`);
    this.name = 'ApiFailure';
    this.code = code;
    this.params = params.map((p) => (typeof p === 'string' ? p : p === undefined || p === null ? '' : typeof p === 'object' ? JSON.stringify(p) : String(p)));
  }
  get description(): string[] {
    return [this.code, ...this.params];
  }
}

export const NULL_REF = 'OpaqueRef:NULL';

export function handleInvalid(cls: string, ref: unknown): ApiFailure {
  return new ApiFailure('HANDLE_INVALID', [cls, String(ref)]);
}

/**
 * xenkit's own XenAPI error codes (namespaced XENKIT_, documented here and in the README's service
 * guide). Params of each: [xenkit code, errno name ('' if none), reason, hint, source].
 */
export const XENKIT_ERRORS = {
  XENKIT_XEN_REFUSED: "the host's Xen release (or libxl) refuses the domain, found before the hypercall by xenkit's rules or reported by the hypercall",
  XENKIT_BAD_INPUT: 'xenkit refuses an input (an xl.cfg, a setting) before anything reaches Xen',
  XENKIT_HOST_ERROR: 'the backend cannot be driven (state store, environment)',
} as const;
