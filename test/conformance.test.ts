import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { checkOnSim, loadScripts, readExpected } from './helpers/conformance.js';

// The conformance suite: replay scripts with their expected output. Each expected file says in its
// "# truth:" header where its lines come from (a real Xen recording, Xen's source at a release tag,
// or the sim's documented contract). It runs on the sim here, and on real Xen 4.17 in test/xen-qemu
// (npm run test:xen, the scripts without inject), whose recordings are checked below.
// UPDATE_EXPECTED=1 rewrites the expected files from the sim and then fails: a regenerated run is never green.
const REC = resolve(import.meta.dirname, 'xen-qemu/recorded');

for (const s of loadScripts()) {
  test(`conformance ${s.name} (Xen ${s.release}) on the sim backend`, () => checkOnSim(s));
  const recorded = join(REC, `${s.name}.real.jsonl`);
  if (!existsSync(recorded)) continue;
  // physinfo lines describe the host: the script's own in the expected file, QEMU's in the recording.
  test(`conformance ${s.name} (Xen ${s.release}) on the xen backend: real Xen's recorded answers, physinfo aside`, () => {
    const host = (l: string) => JSON.parse(l).op === 'physinfo';
    const real = readExpected(recorded).lines.filter((l) => !host(l));
    assert.deepEqual(readExpected(s.expectedFile).lines.filter((l) => !host(l)), real);
  });
}

test('the suite never writes its own truth: a missing expected file fails; UPDATE_EXPECTED writes, then fails', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xk-conf-'));
  try {
    writeFileSync(join(dir, 'one-4.17.jsonl'), '# xen: 4.17\n{"op":"createdomain","max_vcpus":1,"max_grant_frames":1,"grant_opts":1}\n');
    const [s] = loadScripts(dir);
    assert.throws(() => checkOnSim(s!, false), /one-4\.17\.expected\.jsonl is missing/);
    assert.equal(existsSync(s!.expectedFile), false, 'a plain run writes nothing');
    assert.throws(() => checkOnSim(s!, true), /UPDATE_EXPECTED=1: regenerated .*one-4\.17\.expected\.jsonl/);
    assert.match(readFileSync(s!.expectedFile, 'utf8'), /^# truth: UNVERIFIED.*\n\{"line":2,"op":"createdomain","ok":true,"domid":1\}\n$/);
    assert.throws(() => checkOnSim(s!, false), /regenerated from the sim and not verified/, 'a drafted file stays red until its truth is cited');
    writeFileSync(s!.expectedFile, '{"line":2,"op":"createdomain","ok":true,"domid":1}\n');
    assert.throws(() => checkOnSim(s!, false), /no "# truth:" header line/);
    writeFileSync(s!.expectedFile, '# truth: the sim said so\n{"line":2,"op":"createdomain","ok":true,"domid":1}\n');
    assert.throws(() => checkOnSim(s!, false), /cites neither/);
    writeFileSync(s!.expectedFile, "# truth: Xen's source, xen/common/domctl.c @RELEASE-4.17.0\n{\"line\":2,\"op\":\"createdomain\",\"ok\":true,\"domid\":2}\n");
    assert.throws(() => checkOnSim(s!, false), /domid/, 'a cited file still has to match');
    writeFileSync(s!.expectedFile, "# truth: Xen's source, xen/common/domctl.c @RELEASE-4.17.0\n{\"line\":2,\"op\":\"createdomain\",\"ok\":true,\"domid\":1}\n");
    checkOnSim(s!, false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
