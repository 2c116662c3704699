import { XenkitError, show } from '../errors.js';
import { parseJsonBounded } from '../input.js';
import { isArch } from '../xen/arch.js';
import { hex } from '../xen/emulation.js';
import { makeHost, type HostCaps } from '../xen/host.js';
import type { ReleaseId } from '../xen/releases.js';
import { verdictOf } from './check.js';
import { resolveCreate, type DomainConfig } from './config.js';

/**
 * `xk check --jsonl`: one raw createdomain config per line -> one verdict per line per release.
 * Input: {"id": any, "arch": "x86_64", "flags": [...] | number, "emulation_flags": number | "0x..",
 * other xen_domctl_createdomain fields...}. No "emulation_flags" key means no arch config: defaults apply.
 */
const CONFIG_KEYS = new Set(['type', 'flags', 'domid', 'ssidref', 'handle', 'iommu_opts', 'max_vcpus', 'max_evtchn_port', 'max_grant_frames', 'max_maptrack_frames', 'grant_opts', 'altp2m_opts', 'vmtrace_size', 'cpupool_id']);
const ARCH_KEYS = new Set(['emulation_flags', 'misc_flags', 'gic_version', 'nr_spis', 'tee_type', 'clock_frequency']);

export function checkLine(text: string, lineNo: number, releases: readonly ReleaseId[], host: Partial<HostCaps>): Record<string, unknown>[] {
  const t = text.trim();
  if (t === '' || t.startsWith('#')) return [];
  let o: unknown;
  try {
    o = parseJsonBounded(t, `line ${lineNo}`, 'line');
  } catch (e) {
    if (!(e instanceof XenkitError)) throw e;
    return [{ line: lineNo, error: e.code, field: 'line', message: e.message }];
  }
  if (!o || typeof o !== 'object' || Array.isArray(o))
    return [{ line: lineNo, error: 'BAD_INPUT', field: 'line', message: `line ${lineNo}: expected a JSON object such as {"id": "a", "flags": ["hvm", "hap"], "emulation_flags": 1023}` }];
  const obj = o as Record<string, unknown>;
  const id = obj.id ?? lineNo;
  try {
    const arch = obj.arch ?? host.arch ?? 'x86_64';
    if (!isArch(arch)) throw new XenkitError('BAD_INPUT', `arch: ${show(arch)} is not accepted`, { field: 'arch', value: arch, hint: 'one of x86_64, arm64' });
    const cfg: Record<string, unknown> = {};
    const archCfg: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) {
      if (k === 'id' || k === 'arch') continue;
      if (CONFIG_KEYS.has(k)) cfg[k] = v;
      else if (ARCH_KEYS.has(k)) archCfg[k] = v;
      else throw new XenkitError('UNKNOWN_KEY', `${k}: not a createdomain field`, { field: k, value: v, hint: `one of id, arch, ${[...CONFIG_KEYS, ...ARCH_KEYS].join(', ')}` });
    }
    if (Object.keys(archCfg).length) cfg.arch = archCfg;
    return releases.map((xen) => verdictLine(id, xen, cfg as DomainConfig, makeHost({ ...host, release: xen, arch })));
  } catch (e) {
    if (!(e instanceof XenkitError)) throw e;
    return [{ line: lineNo, id, error: e.code, field: e.field, message: `line ${lineNo}: ${e.message}`, ...(e.hint ? { hint: e.hint } : {}) }];
  }
}

function verdictLine(id: unknown, xen: ReleaseId, cfg: DomainConfig, host: HostCaps): Record<string, unknown> {
  try {
    const v = verdictOf(xen, host, resolveCreate(xen, host, cfg));
    const out: Record<string, unknown> = { id, xen, accept: v.accept, flags: hex(v.flags) };
    if (v.emulation_flags !== undefined) out.emulation_flags = hex(v.emulation_flags);
    if (v.defaults.some((d) => d.startsWith('arch'))) out.defaults = true;
    if (!v.accept) Object.assign(out, { errno: v.errno, code: v.code, field: v.field, reason: v.reason, hint: v.hint, source: v.source });
    return out;
  } catch (e) {
    if (!(e instanceof XenkitError)) throw e;
    // The config cannot even be expressed for this release (a flag or field it lacks).
    return { id, xen, accept: false, code: e.code, field: e.field, reason: e.message, ...(e.hint ? { hint: e.hint } : {}) };
  }
}
