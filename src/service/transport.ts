import type { ApiFailure } from './failure.js';
import type { ApiType } from './types.js';

/** One decoded call, or a request the protocol cannot read (answered in the protocol's shape). */
export type Decoded = { ok: true; method: unknown; params: unknown; id?: unknown; version?: '1.0' | '2.0' } | { ok: false; failure: ApiFailure; id?: unknown; version?: '1.0' | '2.0' };

/** A wire protocol: decode a body into a call, encode a result or a failure (XO's xen-api `transports/`). */
export interface Transport {
  readonly name: string;
  readonly contentType: string;
  decode(body: Buffer): Decoded | Decoded[];
  encodeResult(d: Decoded, value: unknown, type: ApiType): Buffer;
  encodeFailure(d: Decoded, f: ApiFailure): Buffer;
}
