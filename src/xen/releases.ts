import { XenkitError } from '../errors.js';

/**
 * The Xen releases xenkit models: 4.6 (the last without the emulation bitmap) to 4.22 (newest).
 * Adding a release is adding its id here and a row in each facts table keyed by release
 * (interface version, flags, emulation, layouts, rules); `release-table.test.ts` checks every
 * table has a row for every id.
 */
export const RELEASE_IDS = [
  '4.6', '4.7', '4.8', '4.9', '4.10', '4.11', '4.12', '4.13', '4.14',
  '4.15', '4.16', '4.17', '4.18', '4.19', '4.20', '4.21', '4.22',
] as const;
export type ReleaseId = (typeof RELEASE_IDS)[number];

export const NEWEST_RELEASE: ReleaseId = '4.22';

/** Index in RELEASE_IDS: for "since"/"until" comparisons. */
const INDEX = new Map<string, number>(RELEASE_IDS.map((r, i) => [r, i]));
export function releaseIndex(r: ReleaseId): number {
  return INDEX.get(r)!;
}

/** True when `r` is `from` or later (and, when given, `to` or earlier). */
export function inRange(r: ReleaseId, from: ReleaseId, to?: ReleaseId): boolean {
  const i = releaseIndex(r);
  return i >= releaseIndex(from) && (to === undefined || i <= releaseIndex(to));
}

/** Accepts "4.17", "4.17.0", "4.17.7", "RELEASE-4.17.0", "v4.17". */
export function parseRelease(input: unknown, field = 'xen'): ReleaseId {
  if (typeof input === 'string') {
    const m = /^(?:RELEASE-|v)?(\d+)\.(\d+)(?:\.\d+)?(?:[-.+~].*)?$/.exec(input.trim());
    if (m) {
      const id = `${Number(m[1])}.${Number(m[2])}`;
      if ((RELEASE_IDS as readonly string[]).includes(id)) return id as ReleaseId;
    }
  } else if (typeof input === 'number' && Number.isFinite(input)) {
    return parseRelease(String(input), field);
  }
  throw new XenkitError('UNKNOWN_RELEASE', `${field}: ${JSON.stringify(input)} is not a Xen release xenkit knows`, {
    field,
    value: input,
    hint: `expected one of ${RELEASE_IDS.join(', ')} (or "all" where a command takes it)`,
  });
}

/** The git tag of the release in xen-project/xen, cited by every fact. */
export function releaseTag(r: ReleaseId): string {
  return `RELEASE-${r}.0`;
}

/** One row of a per-release table: the releases `from` .. `to` (both inclusive, both required). */
export interface ReleaseSpan<T> {
  from: ReleaseId;
  to: ReleaseId;
  row: T;
}

/** Every per-release table built by perRelease(), by name, with its spans: a test checks each covers RELEASE_IDS. */
export const PER_RELEASE_TABLES = new Map<string, { rows: Record<string, unknown>; spans: readonly ReleaseSpan<unknown>[] }>();

/**
 * A table total over the release list, from closed spans that must cover every release exactly once:
 * a release id added without its row (or covered twice) is refused when the module loads, so a new
 * release never silently inherits the newest behaviour. `ids` is for tests (a list with a fake release).
 */
export function perRelease<T>(table: string, spans: readonly ReleaseSpan<T>[], ids: readonly string[] = RELEASE_IDS): Record<ReleaseId, T> {
  const out: Record<string, T> = {};
  const at = (r: string) => {
    const i = ids.indexOf(r);
    if (i < 0) throw factsError(table, `names ${r}, which is not a release`);
    return i;
  };
  for (const s of spans) {
    if (at(s.from) > at(s.to)) throw factsError(table, `has a row from ${s.from} to ${s.to}, which is empty`);
    for (let i = at(s.from); i <= at(s.to); i++) {
      if (ids[i]! in out) throw factsError(table, `has two rows for ${ids[i]}`);
      out[ids[i]!] = s.row;
    }
  }
  const missing = ids.filter((r) => !(r in out));
  if (missing.length) throw factsError(table, `has no row for ${missing.join(', ')}`);
  if (ids === RELEASE_IDS) PER_RELEASE_TABLES.set(table, { rows: out, spans });
  return out as Record<ReleaseId, T>;
}

function factsError(table: string, what: string): XenkitError {
  return new XenkitError('FACTS_INCOMPLETE', `facts table ${table} ${what}`, { field: table, hint: 'give every release in RELEASE_IDS (src/xen/releases.ts) exactly one row, citing its source' });
}

/** The first release for which `pred` holds (for "from 4.N" in messages, derived from the facts). */
export function firstRelease(pred: (r: ReleaseId) => boolean): ReleaseId | undefined {
  return RELEASE_IDS.find(pred);
}
