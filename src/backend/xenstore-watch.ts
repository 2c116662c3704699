import { connect, type Socket } from 'node:net';
import { XENSTORE_PAYLOAD_MAX, XS_HEADER_BYTES, XS_TYPE, xenstoredSocket } from '../xen/xenstore.js';

/** A xenstore watch being kept: `close()` ends it (the connection goes, and the watch with it). */
export interface XenstoreWatch {
  readonly socket: string;
  close(): void;
}

/** One xenstore message: the header (xs_wire.h struct xsd_sockmsg) and its NUL-terminated strings. */
export function xsMessage(type: number, reqId: number, strings: string[]): Buffer {
  const body = Buffer.from(strings.map((s) => `${s}\0`).join(''), 'utf8');
  if (body.length > XENSTORE_PAYLOAD_MAX) throw new RangeError(`xenstore payload of ${body.length} bytes (at most ${XENSTORE_PAYLOAD_MAX})`);
  const head = Buffer.alloc(XS_HEADER_BYTES);
  head.writeUInt32LE(type, 0);
  head.writeUInt32LE(reqId, 4);
  head.writeUInt32LE(0, 8);
  head.writeUInt32LE(body.length, 12);
  return Buffer.concat([head, body]);
}

/**
 * Reads whole messages from a byte stream: calls `onMessage(type, strings)` per message; a length
 * over XENSTORE_PAYLOAD_MAX is a broken stream (`onError`), so memory stays bounded.
 */
export function xsReader(onMessage: (type: number, strings: string[]) => void, onError: (why: string) => void): (chunk: Buffer) => void {
  let buf: Buffer = Buffer.alloc(0);
  return (chunk) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    while (buf.length >= XS_HEADER_BYTES) {
      const len = buf.readUInt32LE(12);
      if (len > XENSTORE_PAYLOAD_MAX) return onError(`a message of ${len} bytes (at most ${XENSTORE_PAYLOAD_MAX})`);
      if (buf.length < XS_HEADER_BYTES + len) return;
      const body = buf.subarray(XS_HEADER_BYTES, XS_HEADER_BYTES + len).toString('utf8');
      const type = buf.readUInt32LE(0);
      buf = buf.subarray(XS_HEADER_BYTES + len);
      onMessage(type, body.split('\0').slice(0, -1));
    }
  };
}

/**
 * Watch `path` through xenstored's Unix socket, as libxenstore's xs_watch() does (XS_WATCH with the
 * path and a token; XS_WATCH_EVENT for each firing): `onFire` per event. Resolves once xenstored
 * accepted the watch; rejects (within `timeoutMs`) when there is no xenstored to ask or it refused,
 * so a caller can poll instead. No libxenstore: the protocol is small, and a blocking
 * xs_read_watch() would hold a thread of node's pool.
 */
export function watchXenstore(path: string, onFire: () => void, opts: { socket?: string; timeoutMs?: number } = {}): Promise<XenstoreWatch> {
  const where = opts.socket ?? xenstoredSocket();
  const token = `xenkit-${process.pid}`;
  return new Promise((resolve, reject) => {
    let sock: Socket | undefined;
    let accepted = false;
    const fail = (why: string) => {
      sock?.destroy();
      if (!accepted) reject(new Error(`xenstore watch ${path} at ${where}: ${why}`));
    };
    const timer = setTimeout(() => fail(`no answer within ${opts.timeoutMs ?? 2000} ms`), opts.timeoutMs ?? 2000);
    const read = xsReader((type, s) => {
      if (type === XS_TYPE.XS_WATCH_EVENT) {
        if (s[1] === token) onFire();
      } else if (type === XS_TYPE.XS_ERROR) fail(`xenstored answered ${s[0] ?? 'an error'}`);
      else if (type === XS_TYPE.XS_WATCH && !accepted) {
        accepted = true;
        clearTimeout(timer);
        resolve({ socket: where, close: () => sock?.destroy() });
      }
    }, fail);
    sock = connect(where);
    sock.on('connect', () => sock!.write(xsMessage(XS_TYPE.XS_WATCH, 1, [path, token])));
    sock.on('data', read);
    sock.on('error', (e) => fail((e as NodeJS.ErrnoException).code ?? e.message));
    sock.on('close', () => clearTimeout(timer));
  });
}
