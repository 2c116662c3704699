import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { XenkitError } from './errors.js';

/**
 * Input limits at every edge (README, "Input limits"). xl configs are small (Xen's own examples are
 * under 10 KiB); libxlu's parser gives up near 3,300 nested lists (bison's YYMAXDEPTH 10000 in
 * tools/libs/util/libxlu_cfg_y.c @RELEASE-4.17.0) and no xl key takes lists of lists of lists.
 */
export const LIMITS = {
  /** One xl.cfg file (or `xk create -` on stdin). */
  xlcfgBytes: 1 << 20,
  /** One line of `check --jsonl` or `replay` input. */
  jsonLineBytes: 1 << 20,
  /** A `--host-file`. */
  hostFileBytes: 1 << 20,
  /** Nesting of xl.cfg lists and of JSON arrays/objects. */
  depth: 64,
  /** Characters of offending input quoted in a message. */
  excerptChars: 60,
} as const;

/** 1048576 -> "1 MiB". */
export const sizeText = (n: number): string => (n % (1 << 20) === 0 ? `${n / (1 << 20)} MiB` : `${n} bytes`);

/** At most `max` characters of `s`, control characters escaped, so a message never echoes a whole file. */
export function excerptOf(s: string, max: number = LIMITS.excerptChars): string {
  const cut = s.length > max ? s.slice(0, max) : s;
  const esc = escapeControls(cut);
  return s.length > max ? `${esc}… (${s.length} characters)` : esc;
}

/** Control characters (but tab) as \xHH / \uHHHH, as JSON would write them. */
export function escapeControls(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x08\x0a-\x1f\x7f\u2028\u2029]/g, (c) => JSON.stringify(c).slice(1, -1).replace(/^\\u00/, '\\x'));
}

function fileError(file: string, field: string, errno: string | undefined, message: string, hint: string): XenkitError {
  if (errno === 'ENOENT') return new XenkitError('NO_FILE', `${file}: no such file`, { field, value: file, hint });
  const why = errno === 'EISDIR' ? 'it is a directory' : errno === 'EACCES' || errno === 'EPERM' ? 'permission denied' : message;
  return new XenkitError('FILE_UNREADABLE', `${file}: cannot read it (${why})`, { field, value: file, hint, details: { errno } });
}

const fsError = (file: string, field: string, e: unknown, hint: string) => fileError(file, field, (e as NodeJS.ErrnoException).code, (e as Error).message, hint);

/** Open an input file (or stdin for "-") for reading; a directory or a missing file is bad input. */
export function openInput(file: string, field: string, hint: string): number {
  if (file === '-') return 0;
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw fsError(file, field, e, hint);
  }
  if (fstatSync(fd).isDirectory()) {
    closeSync(fd);
    throw fileError(file, field, 'EISDIR', 'a directory', hint);
  }
  return fd;
}

/** readSync, waiting out EAGAIN (a non-blocking stdin pipe). */
function readSome(fd: number, buf: Buffer, at: number): number {
  for (;;) {
    try {
      return readSync(fd, buf, at, buf.length - at, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
}

/**
 * The whole of a small file (or stdin for "-") as UTF-8, reading at most `limit` + 1 bytes: an endless
 * or huge input (/dev/zero) stops at once with INPUT_TOO_BIG instead of filling memory.
 */
export function readBounded(file: string, limit: number, what: { field: string; kind: string; hint: string }): string {
  const fd = openInput(file, what.field, what.hint);
  const buf = Buffer.alloc(limit + 1);
  let n = 0;
  try {
    for (;;) {
      const got = readSome(fd, buf, n);
      if (got === 0) break;
      n += got;
      if (n > limit) {
        const name = file === '-' ? 'standard input' : file;
        throw new XenkitError('INPUT_TOO_BIG', `${name}: larger than ${sizeText(limit)}, the limit for ${what.kind}`, {
          field: what.field,
          value: file,
          hint: `${what.kind} is at most ${sizeText(limit)}; is this the right file?`,
          details: { limit },
        });
      }
    }
  } catch (e) {
    if (e instanceof XenkitError) throw e;
    throw fsError(file, what.field, e, what.hint);
  } finally {
    if (fd !== 0) closeSync(fd);
  }
  return buf.toString('utf8', 0, n);
}

/** How deep `text`'s JSON arrays and objects nest (brackets inside strings ignored); stops past `limit`. */
export function jsonDepth(text: string, limit: number = LIMITS.depth): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max && (max = depth) > limit) return max;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

/**
 * JSON.parse with the input limits: text over `maxBytes` or nested deeper than LIMITS.depth is refused
 * before parsing (deep JSON overflows the stack of whatever walks it next). `where` prefixes messages.
 */
export function parseJsonBounded(text: string, where: string, field: string, maxBytes: number = LIMITS.jsonLineBytes): unknown {
  if (text.length > maxBytes || Buffer.byteLength(text) > maxBytes)
    throw new XenkitError('INPUT_TOO_BIG', `${where}: longer than ${sizeText(maxBytes)}, the limit; it starts ${escapeControls(text.slice(0, LIMITS.excerptChars))}…`, { field, hint: `at most ${sizeText(maxBytes)}`, details: { limit: maxBytes } });
  if (jsonDepth(text) > LIMITS.depth)
    throw new XenkitError('TOO_DEEP', `${where}: JSON nested deeper than ${LIMITS.depth} levels`, { field, hint: `at most ${LIMITS.depth} nested arrays/objects` });
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new XenkitError('BAD_JSON', `${where}: not JSON (${excerptOf((e as Error).message, 120)})`, { field, hint: 'one JSON value' });
  }
}
