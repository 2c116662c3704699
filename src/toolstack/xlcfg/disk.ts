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
  const d: Partial<DiskSpec> & { readwrite: boolean; cdrom: boolean; directIoSafe: boolean } = { readwrite: true, cdrom: false, directIoSafe: false };
  let format: DiskSpec['format'] | undefined;
  let deprecatedPrefix = false;
  let accessSet = false;
  const err: (msg: string, near: string | undefined, accepted: string) => never = (msg, near, accepted) => fail(`${msg}${near === undefined ? '' : ` near \`${near}'`}`, accepted);
  const save = (field: 'target' | 'vdev' | 'backend' | 'script' | 'coloHost' | 'coloExport' | 'activeDisk' | 'hiddenDisk', name: string, v: string) => {
    if (d[field]) err(`${name} respecified`, v, `${name} given once`); // overwriting an empty string is allowed
    d[field] = v;
  };
  const setFormat = (v: string) => {
    const f = v === '' ? 'raw' : (DISK_FORMATS as readonly string[]).includes(v) ? (v as DiskSpec['format']) : err('unknown value for format', v, `a format: ${DISK_FORMATS.join(', ')}`);
    if (format && format !== f) err('format respecified', v, 'one format');
    format = f;
  };
  const setAccess = (v: string) => {
    if (v === 'r' || v === 'ro') d.readwrite = false;
    else if (v === 'rw' || v === 'w' || v === '') d.readwrite = true;
    else err('unknown value for access', v, 'r, ro, w or rw');
  };
  // vdev:cdrom / vdev:disk (deprecated devtype suffix); false when there is no colon.
  const vdevAndDevtype = (tok: string): boolean => {
    const c = tok.lastIndexOf(':');
    if (c < 0) return false;
    save('vdev', 'vdev', tok.slice(0, c));
    const t = tok.slice(c + 1);
    if (t === 'cdrom' || t === 'disk') d.cdrom = t === 'cdrom';
    else err('unknown deprecated type', t, 'vdev:cdrom or vdev:disk');
    return true;
  };

  let i = 0;
  while (i < spec.length) {
    while (i < spec.length && ' \t\n'.includes(spec[i]!)) i++;
    if (i >= spec.length) break;
    const rest = spec.slice(i);
    if (rest.startsWith('target=')) {
      save('target', 'target', rest.slice(7).replace(/,$/, ''));
      break;
    }
    const prefix = /^([a-z][a-z0-9]*):/.exec(rest);
    if (prefix && PREFIXES.includes(prefix[1]!)) {
      const p = prefix[1]!;
      deprecatedPrefix = true;
      if (DEPRECATED_SCRIPT.includes(p)) save('script', 'script', `block-${p}`);
      else if (!DEPRECATED_IGNORED.includes(p)) setFormat(p);
      i += prefix[0].length;
      continue;
    }
    if (prefix && !/^[a-z0-9]/.test(rest.slice(prefix[0].length)))
      err('unknown deprecated disk prefix', prefix[0], `a known prefix (${PREFIXES.join(':, ')}:) or none`);
    const comma = rest.indexOf(',');
    const tok = comma < 0 ? rest : rest.slice(0, comma);
    i += comma < 0 ? rest.length : comma + 1;
    const eq = tok.indexOf('=');
    if (eq >= 0) {
      const [k, v] = [tok.slice(0, eq), tok.slice(eq + 1)];
      if (k === 'format') setFormat(v);
      else if (k === 'vdev') save('vdev', 'vdev', v);
      else if (k === 'access') setAccess(v);
      else if (k === 'backend') save('backend', 'backend', v);
      else if (k === 'script') save('script', 'script', v);
      else if (k === 'colo-host') save('coloHost', 'colo-host', v);
      else if (k === 'colo-export') save('coloExport', 'colo-export', v);
      else if (k === 'active-disk') save('activeDisk', 'active-disk', v);
      else if (k === 'hidden-disk') save('hiddenDisk', 'hidden-disk', v);
      else if (k === 'devtype' && (v === 'cdrom' || v === 'disk')) d.cdrom = v === 'cdrom';
      else if (k === 'devtype') err('unknown value for type', tok, 'devtype=cdrom or devtype=disk');
      else if (k === 'backendtype') {
        if (!(DISK_BACKENDS as readonly string[]).includes(v)) err('unknown value for backendtype', v, DISK_BACKENDS.join(', '));
        if (d.backendtype && d.backendtype !== v) err('backend respecified', v, 'one backendtype');
        d.backendtype = v as DiskSpec['backendtype'];
      } else if (k === 'specification') {
        if (v !== 'xen' && v !== 'virtio') err('unknown value for specification', v, 'xen or virtio');
        if (d.specification && d.specification !== v) err('specification respecified', v, 'one specification');
        d.specification = v;
      } else if (k === 'colo-port') {
        const port = parseInt(v, 10); // atoi
        if (!port) err('unknown value for colo_port', v, 'a port number');
        d.coloPort = port;
      } else {
        const near = nearest(k, KEYS);
        err('unknown parameter', tok, near ? `${near}=... (did you mean ${near}?)` : `one of ${KEYS.join(', ')}`);
      }
      continue;
    }
    if (FLAGS.includes(tok)) {
      if (tok === 'cdrom') d.cdrom = true;
      else if (tok === 'direct-io-safe') d.directIoSafe = true;
      else if (tok.endsWith('discard')) d.discard = tok === 'discard';
      else if (tok.endsWith('colo')) d.colo = tok === 'colo';
      else d.trusted = tok === 'trusted';
      continue;
    }
    // A positional parameter.
    if (d.target === undefined) d.target = tok;
    else if (!deprecatedPrefix && format === undefined) {
      if (d.target === '' && vdevAndDevtype(tok)) format = 'empty';
      else setFormat(tok);
    } else if (d.vdev === undefined) {
      if (!vdevAndDevtype(tok)) save('vdev', 'vdev', tok);
    } else if (!accessSet) {
      accessSet = true;
      setAccess(tok);
    } else err('too many positional parameters', tok, SYNTAX);
  }

  d.format = format ?? 'raw';
  d.removable = d.cdrom;
  if (d.cdrom) {
    d.readwrite = false;
    if (!d.target) d.format = 'empty';
  }
  if (d.vdev === undefined) err('no vdev specified', undefined, `a virtual device such as xvda: ${SYNTAX}`);
  if (d.target === undefined && !d.removable) err('no target specified (and device not removable)', undefined, `a target path, or a cdrom: ${SYNTAX}`);
  return d as DiskSpec;
}
