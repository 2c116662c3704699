// xenkit's answer for a corpus file against real `xl create -n`'s recorded one
// (test/xen-qemu/recorded/xl-create-n/corpus/, written by npm run test:xen): the same libxl JSON
// (deep-equal and byte for byte as xl prints it, uuid aside when the file sets none), or, where xl
// refused the file, a refusal from xenkit too. The reason for a difference is read off the diff.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { XenkitError } from '../../src/errors.js';
import { toLibxlJson } from '../../src/toolstack/libxl/libxl-json.js';
import { yajlBeautify } from '../../src/toolstack/libxl/yajl.js';
import { parseXlCfg } from '../../src/toolstack/xlcfg/parse.js';
import { specFromXlCfg } from '../../src/toolstack/xlcfg/to-spec.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const CORPUS = path.join(ROOT, 'test/xlcfg-corpus');
/** The releases whose real xl answered the corpus: 4.17 (Debian 12's 4.17.7) and 4.20 (trixie's 4.20.4). */
export const RECORDED_RELEASES = ['4.17', '4.20'] as const;
export type RecordedRelease = (typeof RECORDED_RELEASES)[number];
/** Where a release's answers are (test/xen-qemu/xl-create-n.mjs recordedDir()). */
export const recordedDir = (rel: RecordedRelease) => path.join(ROOT, rel === '4.17' ? 'test/xen-qemu/recorded/xl-create-n/corpus' : `test/xen-qemu/recorded/xl-create-n-${rel}/corpus`);
export const RECORDED = recordedDir('4.17');
export const knownFile = (rel: RecordedRelease) => path.join(CORPUS, rel === '4.17' ? 'known-differences.json' : `known-differences-${rel}.json`);
export const KNOWN_FILE = knownFile('4.17');

type Obj = Record<string, unknown>;
export interface Recording {
  /** real/NAME.cfg or keys/KEY.cfg */
  file: string;
  xl_rc: number;
  stderr: string[];
  libxl_config: Obj | null;
  stdout: string;
}

export function recordings(rel: RecordedRelease = '4.17'): Recording[] {
  const dir = recordedDir(rel);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const r = JSON.parse(readFileSync(path.join(dir, f), 'utf8'));
      const stdout = readFileSync(path.join(dir, f.replace(/\.json$/, '.stdout')), 'utf8');
      return { ...r, file: r.file.replace('test/xlcfg-corpus/', ''), stdout };
    });
}

export function corpusFiles(): string[] {
  return ['real', 'keys'].flatMap((d) => readdirSync(path.join(CORPUS, d)).filter((f) => f.endsWith('.cfg')).map((f) => `${d}/${f}`)).sort();
}

/**
 * The host the recordings were made on, as parse_vnuma_config() asks libxl about it: QEMU's
 * `-smp 2` without -numa (test/xen-qemu/run.sh), so one NUMA node and 2 online CPUs (nr_cpus in
 * test/xen-qemu/recorded/host-4.17.json).
 */
export const RECORDING_HOST = { nrNodes: 1, onlineCpus: 2 };
/** Debian's xen-utils-X.Y XENFIRMWAREDIR (what its xl printed for keys/firmware.cfg: /usr/lib/xen-4.17/boot, /usr/lib/xen-4.20/boot). */
export const firmwareDirOf = (rel: RecordedRelease) => `/usr/lib/xen-${rel}/boot`;

type Ours = { json: Obj } | { refused: string };
function xenkit(file: string, rel: RecordedRelease): Ours {
  try {
    const cfg = parseXlCfg(readFileSync(path.join(CORPUS, file), 'utf8'), path.basename(file));
    return { json: toLibxlJson(specFromXlCfg(cfg, { firmwareDir: firmwareDirOf(rel) }).spec, cfg, rel, RECORDING_HOST).json as Obj };
  } catch (e) {
    if (e instanceof XenkitError) return { refused: `${e.code}: ${e.message.split('\n')[0]}` };
    throw e;
  }
}

/** JSON paths where a and b differ: missing (only in xl's), extra (only in ours), differs. */
function diffPaths(xl: unknown, ours: unknown, at: string, out: { missing: string[]; extra: string[]; differs: string[] }): void {
  const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null;
  if (isObj(xl) && isObj(ours) && Array.isArray(xl) === Array.isArray(ours)) {
    const keys = new Set([...Object.keys(xl), ...Object.keys(ours)]);
    for (const k of keys) {
      const p = Array.isArray(xl) ? `${at}[${k}]` : at ? `${at}.${k}` : k;
      if (!(k in ours)) out.missing.push(p);
      else if (!(k in xl)) out.extra.push(p);
      else diffPaths(xl[k], ours[k], p, out);
    }
  } else if (!isDeepStrictEqual(xl, ours)) out.differs.push(at || '(top)');
}

const some = (label: string, ps: string[]) => (ps.length ? [`${label} ${ps.slice(0, 5).join(', ')}${ps.length > 5 ? ` (+${ps.length - 5})` : ''}`] : []);

/**
 * ms_vm_genid = "generate" is 16 random bytes (libxl_ms_vm_genid_generate()) in xl's answer and in
 * ours: when both hold 16 bytes, not all zero, ours is replaced by xl's, as the uuid is.
 */
function withGenid(json: Obj, xl: Obj): Obj {
  const genid = (o: Obj) => ((o.b_info as Obj | undefined)?.['type.hvm'] as Obj | undefined)?.ms_vm_genid as number[] | undefined;
  const [a, b] = [genid(json), genid(xl)];
  const random = (g: number[] | undefined) => Array.isArray(g) && g.length === 16 && g.some((x) => x !== 0);
  if (!random(a) || !random(b)) return json;
  const b_info = json.b_info as Obj;
  return { ...json, b_info: { ...b_info, 'type.hvm': { ...(b_info['type.hvm'] as Obj), ms_vm_genid: b } } };
}

/** undefined when xenkit's answer is xl's; else what differs, in a line. */
export function difference(rec: Recording, rel: RecordedRelease = '4.17'): string | undefined {
  const ours = xenkit(rec.file, rel);
  const xlRefused = rec.xl_rc !== 0 || !rec.libxl_config;
  if (xlRefused) {
    if ('refused' in ours) return undefined;
    return `xl refuses it (exit ${rec.xl_rc}: ${rec.stderr.filter((l) => !l.startsWith('Parsing config')).join(' ').slice(0, 120)}); xenkit builds JSON`;
  }
  if ('refused' in ours) return `xenkit refuses it (${ours.refused.slice(0, 120)}); xl builds JSON`;
  const xl = rec.libxl_config!;
  const text = readFileSync(path.join(CORPUS, rec.file), 'utf8');
  let json = /^\s*uuid\s*=/m.test(text) ? ours.json : { ...ours.json, c_info: { ...(ours.json.c_info as Obj), uuid: (xl.c_info as Obj).uuid } };
  json = withGenid(json, xl);
  const d = { missing: [] as string[], extra: [] as string[], differs: [] as string[] };
  diffPaths(xl, json, '', d);
  const parts = [...some('missing', d.missing), ...some('extra', d.extra), ...some('differs:', d.differs)];
  if (parts.length) return parts.join('; ');
  if (JSON.stringify(json) !== JSON.stringify(xl)) return 'same JSON, other key order';
  if (yajlBeautify(json) !== rec.stdout) return 'same JSON, other bytes';
  return undefined;
}
