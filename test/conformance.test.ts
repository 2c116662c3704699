import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { SimXen } from '../src/sim/sim.js';
import { loadScripts, runScript } from './helpers/conformance.js';

// The conformance suite: replay scripts with their expected output. Any Hypervisor backend must
// produce exactly these lines for a fresh host of the script's release. UPDATE_EXPECTED=1 rewrites them.
for (const s of loadScripts()) {
  test(`conformance ${s.name} (Xen ${s.release}) on the sim backend`, () => {
    const got = runScript(new SimXen({ ...s.host, release: s.release }), s);
    if (process.env.UPDATE_EXPECTED === '1' || !existsSync(s.expectedFile)) writeFileSync(s.expectedFile, got.join('\n') + '\n');
    const want = readFileSync(s.expectedFile, 'utf8').trim().split('\n');
    assert.deepEqual(got, want);
  });
}
