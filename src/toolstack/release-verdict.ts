import { XenkitError } from '../errors.js';
import { verdictOf } from '../xc/check.js';
import { resolveCreate } from '../xc/config.js';
import { makeHost, type HostCaps } from '../xen/host.js';
import type { ReleaseId } from '../xen/releases.js';
import { xlFindings, type XlFinding, type XlSettingView } from '../xen/xl-changes.js';
import type { XlCfg } from './xlcfg/ast.js';
import { specConfig, type LoadedSpec } from './load.js';

/** One config on one release: the createdomain verdict (or why it cannot be expressed) and the xl level. */
export interface ReleaseVerdict {
  file: string;
  xen: ReleaseId;
  accept: boolean;
  flags?: number;
  emulation_flags?: number;
  errno?: string;
  code?: string;
  field?: string;
  reason?: string;
  hint?: string;
  source?: string;
  xl: XlFinding[];
}

/** xl's view of the file's settings: a string's text, a list's item texts. */
export function settingsView(cfg: XlCfg): Map<string, XlSettingView> {
  return new Map([...cfg.settings].map(([k, s]) => [k, { value: s.value.kind === 'string' ? s.value.value : s.value.items.map((i) => (i.kind === 'string' ? i.value : '')) }]));
}

/**
 * What release `xen` would do with a loaded xl.cfg: libxl of that release builds the createdomain
 * config (with an optional forced XEN_X86_EMU_* bitmap) and the release's rules (facts) judge it.
 * Pure; `xk check` and the service's release matrix both use it.
 */
export function releaseVerdict(loaded: LoadedSpec, xen: ReleaseId, host: Partial<HostCaps>, emulationFlags?: number, view = settingsView(loaded.cfg)): ReleaseVerdict {
  const xl = xlFindings(xen, view);
  const h = makeHost({ ...host, release: xen });
  let v;
  try {
    v = verdictOf(xen, h, resolveCreate(xen, h, specConfig(xen, h, loaded.spec, emulationFlags)));
  } catch (e) {
    if (!(e instanceof XenkitError)) throw e;
    return { file: loaded.file, xen, accept: false, code: e.code, reason: e.message, hint: e.hint, xl };
  }
  const base = { file: loaded.file, xen, accept: v.accept, flags: v.flags, emulation_flags: v.emulation_flags };
  if (v.accept) return { ...base, xl };
  return { ...base, errno: v.errno, code: v.code, field: v.field, reason: v.reason, hint: v.hint, source: v.source, xl };
}
