import { XenkitError } from '../../errors.js';
import { specFromText } from '../../toolstack/from-text.js';
import type { LoadedSpec } from '../../toolstack/load.js';
import { releaseVerdict, settingsView, type ReleaseVerdict } from '../../toolstack/release-verdict.js';
import { toLibxlJson } from '../../toolstack/libxl/libxl-json.js';
import { yajlBeautify } from '../../toolstack/libxl/yajl.js';
import { parseEmulationFlags } from '../../xen/emulation.js';
import { formatHandle } from '../../xen/handle.js';
import { RELEASE_IDS } from '../../xen/releases.js';
import { ApiFailure } from '../failure.js';
import type { Ctx } from '../context.js';
import type { Service } from '../service.js';

/** The name errors point into ("config:3:7: ..."); stripped again for the console, which knows the text. */
const NAME = 'config';
/** At most this many configs in one matrix call (each is checked against every release). */
export const MATRIX_MAX_CONFIGS = 200;

/** A place in the text and what is wrong there. */
export interface Mark {
  line: number;
  col: number;
  severity: 'error' | 'warning';
  code?: string;
  message: string;
  hint?: string;
}

/** An error of the reader as a mark: line and column from its details (xlcfg/syntax-error.ts, to-spec.ts). */
export function markOf(e: XenkitError): Mark {
  const d = (e.details ?? {}) as { line?: number; col?: number };
  const first = e.message.split('\n')[0]!.replace(/^[^:\n]*:\d+:\d+: /, '');
  return { line: d.line ?? 1, col: d.col ?? 1, severity: 'error', code: e.code, message: first, hint: e.hint };
}

/** A reader warning ("config:3:1: unknown key ...") as a mark. */
export function warningMark(w: string): Mark {
  const m = /^[^:\n]*:(\d+):(\d+): (.*)$/s.exec(w);
  return m ? { line: Number(m[1]), col: Number(m[2]), severity: 'warning', message: m[3]! } : { line: 1, col: 1, severity: 'warning', message: w };
}

/** Read the text, or the reader's error as a mark (never thrown: the editor shows it). */
export function readConfig(text: string, name = NAME): { loaded?: LoadedSpec; marks: Mark[] } {
  try {
    const loaded = specFromText(text, name);
    return { loaded, marks: loaded.warnings.map(warningMark) };
  } catch (e) {
    if (e instanceof XenkitError) return { marks: [markOf(e)] };
    throw e;
  }
}

/** JSON-safe: a domain handle as its uuid text, 64-bit values as decimal strings. */
const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (_k, x) => (x instanceof Uint8Array ? formatHandle(x) : typeof x === 'bigint' ? x.toString() : x)));

/** xenkit.xlcfg.preview: the marks, and, when it reads, the host release's createdomain config, verdict and libxl JSON. */
async function preview(svc: Service, text: string): Promise<Record<string, unknown>> {
  const { loaded, marks } = readConfig(text);
  if (!loaded) return { ok: false, marks };
  try {
    const p = await svc.ts.preview(loaded.spec, { cfg: loaded.cfg });
    const v = p.verdict;
    const libxl = toLibxlJson(loaded.spec, loaded.cfg, p.xen);
    return {
      ok: true, marks: [...marks, ...libxl.warnings.map(warningMark)], name: loaded.spec.name, type: loaded.spec.type, xen: p.xen,
      createdomain: plain(p.args), defaults: p.defaults,
      verdict: { accept: v.accept, errno: v.errno ?? '', code: v.code ?? '', field: v.field ?? '', reason: v.reason ?? '', hint: v.hint ?? '', source: v.source ?? '' },
      libxl_json: yajlBeautify(libxl.json),
    };
  } catch (e) {
    if (e instanceof XenkitError) return { ok: false, marks: [...marks, markOf(e)] };
    throw e;
  }
}

/** xenkit.xlcfg.matrix: each config (name -> text) on every release, with an optional forced XEN_X86_EMU_* bitmap. */
async function matrix(svc: Service, configs: Record<string, string>, emulation: string): Promise<Record<string, unknown>> {
  const names = Object.keys(configs);
  if (names.length > MATRIX_MAX_CONFIGS)
    throw new ApiFailure('XENKIT_BAD_INPUT', ['INPUT_TOO_BIG', '', `configs: ${names.length} configs; at most ${MATRIX_MAX_CONFIGS} in one call`, `split them into calls of ${MATRIX_MAX_CONFIGS}`, '']);
  const emu = emulation === '' ? undefined : parseEmulationFlags(emulation, 'emulation_flags');
  const { release: _r, ...host } = (await svc.host.info()).host;
  const rows = names.map((config) => {
    const { loaded, marks } = readConfig(configs[config]!, config);
    if (!loaded) return { config, error: marks[0], cells: [] as ReleaseVerdict[] };
    const view = settingsView(loaded.cfg);
    return { config, cells: RELEASE_IDS.map((xen) => releaseVerdict(loaded, xen, host, emu, view)) };
  });
  return { releases: [...RELEASE_IDS], emulation_flags: emu ?? null, rows: plain(rows) };
}

export const xlcfgActions = {
  preview: (ctx: Ctx, text: string) => preview(ctx.svc, text),
  matrix: (ctx: Ctx, configs: Record<string, string>, emulation: string) => matrix(ctx.svc, configs, emulation),
};
