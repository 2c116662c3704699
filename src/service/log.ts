import pino from 'pino';

/**
 * The service's log: pino, one JSON line per call. Written asynchronously (sonic-boom joins the lines
 * that arrive while a write is under way), so a call does not wait for its log line's write(2); a
 * `kill -9` can lose the lines not yet written, never a store change.
 */
export function serviceLogger(dest: number | string = 1): pino.Logger {
  return pino({ name: 'xk-serve' }, pino.destination({ dest, sync: false }));
}
