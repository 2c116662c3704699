import { inRange, releaseTag, RELEASE_IDS, type ReleaseId } from './releases.js';
import { releasesReading, xlKeysSource, xlReadsKeyAt } from './xl-keys.js';

/**
 * What xl (and libxl behind it) does with an xl.cfg on a release, where that changed between
 * 4.6 and 4.22: keys not read, deprecated keys, values refused, libxl defaults that moved. Each
 * finding cites the release and the Xen file. Input is the file's settings as text (xl's view).
 */
export type XlSeverity = 'refused' | 'deprecated' | 'ignored' | 'default';

export interface XlFinding {
  xen: ReleaseId;
  key: string;
  severity: XlSeverity;
  text: string;
  source: string;
  /** The key/value that release reads instead, when there is one (what `xk fix` would write). */
  instead?: { key: string; value: string; quoted: boolean };
}

/** A setting as xl sees it: the text of a string value, or `list` for a list. */
export interface XlSettingView {
  value: string | readonly string[];
}

/**
 * From this release xl reads `builder` only as a deprecated spelling of `type` (the warning "the
 * \"builder\" option is being deprecated, please use \"type\" instead", tools/xl/xl_parse.c
 * parse_config_data() @RELEASE-4.10.0; `type` is new there).
 */
export const XL_BUILDER_DEPRECATED_FROM: ReleaseId = '4.10';

const XL_PARSE = (r: ReleaseId) => (inRange(r, '4.9') ? 'tools/xl/xl_parse.c' : 'tools/libxl/xl_cmdimpl.c');
const LIBXL_CREATE = (r: ReleaseId) => `${inRange(r, '4.15') ? 'tools/libs/light' : 'tools/libxl'}/libxl_create.c`;
const at = (file: string, r: ReleaseId) => `${file} @${releaseTag(r)}`;

function span(rs: readonly ReleaseId[]): string {
  if (!rs.length) return 'no release';
  return rs.length === 1 ? rs[0]! : `${rs[0]}..${rs[rs.length - 1]}`;
}

/** Every finding for the settings of one file on release `r`. */
export function xlFindings(r: ReleaseId, settings: ReadonlyMap<string, XlSettingView>): XlFinding[] {
  const out: XlFinding[] = [];
  const str = (k: string) => {
    const v = settings.get(k)?.value;
    return typeof v === 'string' ? v : undefined;
  };
  for (const key of settings.keys()) {
    const reading = releasesReading(key);
    if (reading.length && !xlReadsKeyAt(r, key)) out.push(notRead(r, key, reading, str));
  }
  const builder = str('builder');
  if (builder !== undefined && inRange(r, XL_BUILDER_DEPRECATED_FROM) && !settings.has('type')) {
    // xl's strncmp(buf, "hvm", strlen(buf)): a prefix (even "") of "hvm" or "generic"; anything else exits 1
    const t = 'hvm'.startsWith(builder) ? 'hvm' : 'generic'.startsWith(builder) ? 'pv' : undefined;
    const src = at(XL_PARSE(r), r);
    out.push(t ? { xen: r, key: 'builder', severity: 'deprecated', text: `xl ${r} warns: the "builder" option is being deprecated, please use "type" instead`, source: src, instead: { key: 'type', value: t, quoted: true } }
      : { xen: r, key: 'builder', severity: 'refused', text: `xl ${r} refuses it: Invalid domain type ${builder} (exit 1)`, source: src });
  }
  const a2 = str('altp2mhvm');
  if (a2 !== undefined && inRange(r, '4.9'))
    out.push({ xen: r, key: 'altp2mhvm', severity: 'deprecated', text: `xl ${r} warns: Specifying "altp2mhvm" is deprecated. Please use "altp2m" instead (altp2mhvm=1 is mode "mixed", tools/libs/light/libxl_x86.c)`, source: at(XL_PARSE(r), r), instead: { key: 'altp2m', value: a2 === '0' ? 'disabled' : 'mixed', quoted: true } });
  out.push(...deviceModel(r, str));
  return out;
}

function notRead(r: ReleaseId, key: string, reading: ReleaseId[], str: (k: string) => string | undefined): XlFinding {
  const later = RELEASE_IDS.indexOf(reading[0]!) > RELEASE_IDS.indexOf(r);
  let text = `xl ${r} does not read "${key}" (read by xl ${span(reading)}); it is ignored silently`;
  let instead: XlFinding['instead'];
  if (key === 'type') {
    const t = str('type');
    text += t === 'pvh' ? ': the guest is built as PV, and no xl before 4.10 has type = "pvh"' : ': the guest type comes from "builder" (default PV)';
    if (t === 'hvm' || t === 'pv') instead = { key: 'builder', value: t === 'hvm' ? 'hvm' : 'generic', quoted: true };
  }
  if (key === 'pvh' && !later) {
    text += ' (PVHv1 is gone: the guest is built as PV; from 4.10 a PVH guest is type = "pvh", a different guest ABI)';
  }
  return { xen: r, key, severity: 'ignored', text, source: xlKeysSource(r), instead };
}

function deviceModel(r: ReleaseId, str: (k: string) => string | undefined): XlFinding[] {
  const out: XlFinding[] = [];
  const dmv = str('device_model_version');
  const unknown = (v: string) => ({ xen: r, key: 'device_model_version', severity: 'refused' as const, text: `xl ${r} refuses it: Unknown device_model_version "${v}" specified (exit 1)`, source: at(XL_PARSE(r), r) });
  if (dmv === 'qemu-xen-traditional') {
    if (inRange(r, '4.21')) out.push(unknown(dmv));
    else if (inRange(r, '4.16'))
      out.push({ xen: r, key: 'device_model_version', severity: 'refused', text: `Xen ${r} does not build qemu-xen-traditional by default (--enable-qemu-traditional): libxl fails "device model .../qemu-dm is not executable" unless the host built it`, source: `${at('tools/configure.ac', r)}; ${at('tools/libs/light/libxl_dm.c', r)}` });
  }
  if (dmv === 'none' && !inRange(r, '4.7', '4.9')) {
    const f = unknown(dmv);
    out.push(inRange(r, '4.10') ? { ...f, text: `${f.text}; from 4.10 a guest without device model is type = "pvh"` } : f);
  }
  const stub = str('device_model_stubdomain_override');
  const stubOn = stub !== undefined && stub !== '0';
  if (stubOn && dmv === 'qemu-xen' && !inRange(r, '4.14'))
    out.push({ xen: r, key: 'device_model_stubdomain_override', severity: 'refused', text: `libxl ${r} refuses it: device model stubdomains require "qemu-xen-traditional" (ERROR_INVAL)`, source: at(LIBXL_CREATE(r), r) });
  if (stubOn && dmv === undefined && (str('type') ?? (str('builder') === 'hvm' ? 'hvm' : '')) === 'hvm')
    out.push({ xen: r, key: 'device_model_version', severity: 'default', text: inRange(r, '4.21') ? `libxl ${r} defaults a stubdomain's device model to qemu-xen (a Linux stubdomain); up to 4.20 it was qemu-xen-traditional` : `libxl ${r} defaults a stubdomain's device model to qemu-xen-traditional (from 4.21: qemu-xen)`, source: at(LIBXL_CREATE(r), r) });
  return out;
}
