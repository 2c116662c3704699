import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { XenkitError } from '../../src/errors.js';
import { fixXlCfg } from '../../src/toolstack/xlcfg/fix.js';
import { parseXlCfg } from '../../src/toolstack/xlcfg/parse.js';
import { specFromXlCfg } from '../../src/toolstack/xlcfg/to-spec.js';
import { toLibxlJson } from '../../src/toolstack/libxl/libxl-json.js';
import { CORPUS, corpusFiles, firmwareDirOf, RECORDING_HOST } from '../xlcfg-corpus/compare.js';

type Obj = Record<string, unknown>;

/** 4.17's libxl JSON of a text, without what xl makes at random (uuid, ms_vm_genid); undefined when xenkit refuses it. */
function jsonOf(text: string, name: string): string | undefined {
  try {
    const cfg = parseXlCfg(text, name);
    const json = toLibxlJson(specFromXlCfg(cfg, { firmwareDir: firmwareDirOf('4.17') }).spec, cfg, '4.17', RECORDING_HOST).json as Obj;
    delete (json.c_info as Obj | undefined)?.uuid;
    delete ((json.b_info as Obj | undefined)?.['type.hvm'] as Obj | undefined)?.ms_vm_genid;
    return JSON.stringify(json);
  } catch (e) {
    if (e instanceof XenkitError) return undefined;
    throw e;
  }
}

// Issue 9's "xk fix round-trips the corpus": every real-world and per-key file of test/xlcfg-corpus
// (whose libxl JSON is checked against real xl 4.17 by test/toolstack/xl-corpus.test.ts), fixed for
// 4.17, is idempotent and leaves nothing to fix; a file fix leaves alone builds the same libxl JSON
// (trivially the same text); a rewritten one (altp2mhvm -> altp2m, builder -> type) is still accepted
// exactly when the original is (its JSON is the new key's, e.g. b_info.altp2m "mixed" where the old
// key gave type.hvm.altp2m, which libxl 4.17 reads as the same mode); fixed for 4.9 and then back for
// 4.17 builds what the 4.17 fix builds.
test('xk fix round-trips the corpus: idempotent, accepted as before, and 4.9 and back gives the 4.17 fix', () => {
  let compared = 0;
  let rewritten = 0;
  for (const file of corpusFiles()) {
    const text = readFileSync(path.join(CORPUS, file), 'utf8');
    const name = path.basename(file);
    let first;
    try {
      first = fixXlCfg(text, name, '4.17');
    } catch (e) {
      if (e instanceof XenkitError) continue; // a syntax error: fix refuses, as create does
      throw e;
    }
    const fixed = first.text;
    const again = fixXlCfg(fixed, name, '4.17');
    assert.equal(again.text, fixed, `${file}: fixing twice changes nothing`);
    assert.deepEqual(again.fixed, [], `${file}: nothing left to fix for 4.17`);
    const want = jsonOf(text, name);
    const got = jsonOf(fixed, name);
    if (fixed === text) assert.equal(got, want, file);
    else {
      rewritten++;
      assert.equal(got === undefined, want === undefined, `${file}: the fixed file is accepted exactly when the original is`);
    }
    const back = fixXlCfg(fixXlCfg(text, name, '4.9').text, name, '4.17').text;
    assert.equal(jsonOf(back, name), got, `${file}: fixed for 4.9 and back for 4.17 builds what the 4.17 fix builds`);
    if (want !== undefined) compared++;
  }
  console.log(`# ${compared} corpus files compared, ${rewritten} rewritten for 4.17`);
  assert.ok(compared > 250, `${compared} files compared`);
});
