import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { XenkitError } from '../../src/errors.js';
import { specFromXlCfg } from '../../src/toolstack/xlcfg/to-spec.js';
import { parseXlCfg } from '../../src/toolstack/xlcfg/parse.js';

export const EXAMPLES = path.resolve(import.meta.dirname, '../../../shared/xl-examples');
/**
 * Xen's own example configs (and what real xl printed for them) live beside the project, in ../shared,
 * not in it: tests on them run when it is there and skip, naming the path, when it is not (a clone).
 * `test(name, { skip: NO_SHARED }, fn)`.
 */
export const NO_SHARED: string | false = existsSync(EXAMPLES) ? false : `needs Xen's example configs in ${EXAMPLES}, which is absent (a clone without ../shared)`;
/** Real `xl create -n` on the project's own configs, recorded by test/xen-qemu (npm run test:xen). */
export const XL_RECORDED = path.resolve(import.meta.dirname, '../xen-qemu/recorded/xl-create-n');
export const FIXTURES = path.resolve(import.meta.dirname, 'fixtures');

/** Xen's example configs (not the .json / .md next to them). */
export function exampleFiles(): string[] {
  return readdirSync(EXAMPLES).filter((f) => !f.endsWith('.json') && !f.endsWith('.md'));
}

export function readExample(name: string): string {
  return readFileSync(path.join(EXAMPLES, name), 'utf8');
}

/** Parse config text as "t.cfg" and build its spec. */
export function specOf(text: string, overrides?: string[]) {
  return specFromXlCfg(parseXlCfg(text, 't.cfg'), { overrides });
}

/** Assert fn throws a XenkitError with this code, and return it. */
export function xerr(fn: () => unknown, code: string): XenkitError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof XenkitError, `expected a XenkitError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return e;
  }
  assert.fail(`expected ${code}, but nothing was thrown`);
}
