import { badInput } from '../../errors.js';
import { nearest } from './nearest.js';
import { DISK_BACKENDS, DISK_FORMATS, type DiskSpec } from '../domain/domain-spec.js';
import type { Fail } from './reader.js';

export const DISK_SOURCE = 'tools/libs/util/libxlu_disk_l.l, libxlu_disk.c xlu_disk_parse() @RELEASE-4.17.0';
const SYNTAX = '[target=]<target>,[format=]<format>,[vdev=]<vdev>,[access=]<r|rw> plus key=value options (xl-disk-configuration)';

const KEYS = ['format', 'vdev', 'access', 'backend', 'backendtype', 'specification', 'script', 'devtype', 'colo-host', 'colo-port', 'colo-export', 'active-disk', 'hidden-disk', 'target'];
const FLAGS = ['cdrom', 'direct-io-safe', 'discard', 'no-discard', 'colo', 'no-colo', 'trusted', 'untrusted'];
const DEPRECATED_SCRIPT = ['iscsi', 'nbd', 'enbd', 'drbd'];
const DEPRECATED_IGNORED = ['tapdisk', 'tap', 'tap2', 'aio', 'ioemu', 'file', 'phy'];
const PREFIXES = [...DEPRECATED_IGNORED, ...DEPRECATED_SCRIPT, 'raw', 'qcow', 'qcow2', 'vhd'];

/**
 * One disk spec, scanned as libxlu's flex scanner does: left to right, tokens up to the next ',',
 * blanks before a token skipped (after it kept), `key=value` and flag tokens anywhere, and
 * positional tokens filling target, format, vdev and access in turn. Deprecated `raw:`, `phy:`...
 * prefixes are taken at a token's start (`phy:` sets nothing and skips the format slot).
 * `target=` eats the rest of the spec, commas included. (With the 4.17.0 tarball's stale scanner
 * `trusted`/`untrusted` are refused; the .l source accepts them, and so does xenkit.)
 */
export function parseDiskSpec(spec: string, fail: Fail = (rule, accepted) => { throw badInput('disk', spec, `${accepted} (${rule})`, 'XLCFG_INVALID'); }): DiskSpec {
  const scan = new DiskScan(fail);
  let i = 0;
  while (i < spec.length) {
    while (i < spec.length && ' \t\n'.includes(spec[i]!)) i++;
    if (i >= spec.length) break;
    const rest = spec.slice(i);
    if (rest.startsWith('target=')) {
      scan.save('target', 'target', rest.slice(7).replace(/,$/, ''));
      break;
    }
    const prefix = /^([a-z][a-z0-9]*):/.exec(rest);
    if (prefix && PREFIXES.includes(prefix[1]!)) {
      scan.prefix(prefix[1]!);
      i += prefix[0].length;
      continue;
    }
    if (prefix && !/^[a-z0-9]/.test(rest.slice(prefix[0].length)))
      scan.err('unknown deprecated disk prefix', prefix[0], `a known prefix (${PREFIXES.join(':, ')}:) or none`);
    const comma = rest.indexOf(',');
    const tok = comma < 0 ? rest : rest.slice(0, comma);
    i += comma < 0 ? rest.length : comma + 1;
    const eq = tok.indexOf('=');
    if (eq >= 0) scan.keyValue(tok, tok.slice(0, eq), tok.slice(eq + 1));
    else if (FLAGS.includes(tok)) scan.flag(tok);
    else scan.positional(tok);
  }
  return scan.finish();
}

type SavedField = 'target' | 'vdev' | 'backend' | 'script' | 'coloHost' | 'coloExport' | 'activeDisk' | 'hiddenDisk';
/** The `key=value` keys that only store their value once (libxlu's SAVESTRING), by key. */
const SAVED: Record<string, SavedField> = { vdev: 'vdev', backend: 'backend', script: 'script', 'colo-host': 'coloHost', 'colo-export': 'coloExport', 'active-disk': 'activeDisk', 'hidden-disk': 'hiddenDisk' };

/** The state of one disk spec's scan: what libxlu_disk_l.l's actions set, one method per kind of token. */
class DiskScan {
  readonly d: Partial<DiskSpec> & { readwrite: boolean; cdrom: boolean; directIoSafe: boolean } = { readwrite: true, cdrom: false, directIoSafe: false };
  private format: DiskSpec['format'] | undefined;
  private deprecatedPrefix = false;
  private accessSet = false;

  constructor(private readonly fail: Fail) {}

  err(msg: string, near: string | undefined, accepted: string): never {
    return this.fail(`${msg}${near === undefined ? '' : ` near \`${near}'`}`, accepted);
  }

  save(field: SavedField, name: string, v: string): void {
    if (this.d[field]) this.err(`${name} respecified`, v, `${name} given once`); // overwriting an empty string is allowed
    this.d[field] = v;
  }

  /** A deprecated `raw:`, `phy:`... prefix at a token's start. */
  prefix(p: string): void {
    this.deprecatedPrefix = true;
    if (DEPRECATED_SCRIPT.includes(p)) this.save('script', 'script', `block-${p}`);
    else if (!DEPRECATED_IGNORED.includes(p)) this.setFormat(p);
  }

  keyValue(tok: string, k: string, v: string): void {
    const d = this.d;
    if (k === 'format') this.setFormat(v);
    else if (k === 'access') this.setAccess(v);
    else if (SAVED[k]) this.save(SAVED[k], k, v);
    else if (k === 'devtype' && (v === 'cdrom' || v === 'disk')) d.cdrom = v === 'cdrom';
    else if (k === 'devtype') this.err('unknown value for type', tok, 'devtype=cdrom or devtype=disk');
    else if (k === 'backendtype') {
      if (!(DISK_BACKENDS as readonly string[]).includes(v)) this.err('unknown value for backendtype', v, DISK_BACKENDS.join(', '));
      if (d.backendtype && d.backendtype !== v) this.err('backend respecified', v, 'one backendtype');
      d.backendtype = v as DiskSpec['backendtype'];
    } else if (k === 'specification') {
      if (v !== 'xen' && v !== 'virtio') this.err('unknown value for specification', v, 'xen or virtio');
      if (d.specification && d.specification !== v) this.err('specification respecified', v, 'one specification');
      d.specification = v;
    } else if (k === 'colo-port') {
      const port = parseInt(v, 10); // atoi
      if (!port) this.err('unknown value for colo_port', v, 'a port number');
      d.coloPort = port;
    } else {
      const near = nearest(k, KEYS);
      this.err('unknown parameter', tok, near ? `${near}=... (did you mean ${near}?)` : `one of ${KEYS.join(', ')}`);
    }
  }

  flag(tok: string): void {
    const d = this.d;
    if (tok === 'cdrom') d.cdrom = true;
    else if (tok === 'direct-io-safe') d.directIoSafe = true;
    else if (tok.endsWith('discard')) d.discard = tok === 'discard';
    else if (tok.endsWith('colo')) d.colo = tok === 'colo';
    else d.trusted = tok === 'trusted';
  }

  /** A positional parameter: target, format, vdev, access in turn. */
  positional(tok: string): void {
    const d = this.d;
    if (d.target === undefined) d.target = tok;
    else if (!this.deprecatedPrefix && this.format === undefined) {
      if (d.target === '' && this.vdevAndDevtype(tok)) this.format = 'empty';
      else this.setFormat(tok);
    } else if (d.vdev === undefined) {
      if (!this.vdevAndDevtype(tok)) this.save('vdev', 'vdev', tok);
    } else if (!this.accessSet) {
      this.accessSet = true;
      this.setAccess(tok);
    } else this.err('too many positional parameters', tok, SYNTAX);
  }

  finish(): DiskSpec {
    const d = this.d;
    d.format = this.format ?? 'raw';
    d.removable = d.cdrom;
    if (d.cdrom) {
      d.readwrite = false;
      if (!d.target) d.format = 'empty';
    }
    if (d.vdev === undefined) this.err('no vdev specified', undefined, `a virtual device such as xvda: ${SYNTAX}`);
    if (d.target === undefined && !d.removable) this.err('no target specified (and device not removable)', undefined, `a target path, or a cdrom: ${SYNTAX}`);
    return d as DiskSpec;
  }

  private setFormat(v: string): void {
    const f = v === '' ? 'raw' : (DISK_FORMATS as readonly string[]).includes(v) ? (v as DiskSpec['format']) : this.err('unknown value for format', v, `a format: ${DISK_FORMATS.join(', ')}`);
    if (this.format && this.format !== f) this.err('format respecified', v, 'one format');
    this.format = f;
  }

  private setAccess(v: string): void {
    if (v === 'r' || v === 'ro') this.d.readwrite = false;
    else if (v === 'rw' || v === 'w' || v === '') this.d.readwrite = true;
    else this.err('unknown value for access', v, 'r, ro, w or rw');
  }

  /** vdev:cdrom / vdev:disk (deprecated devtype suffix); false when there is no colon. */
  private vdevAndDevtype(tok: string): boolean {
    const c = tok.lastIndexOf(':');
    if (c < 0) return false;
    this.save('vdev', 'vdev', tok.slice(0, c));
    const t = tok.slice(c + 1);
    if (t === 'cdrom' || t === 'disk') this.d.cdrom = t === 'cdrom';
    else this.err('unknown deprecated type', t, 'vdev:cdrom or vdev:disk');
    return true;
  }
}
