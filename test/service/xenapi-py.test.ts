import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startService, PASSWORD } from './harness.js';

const PY = '/usr/bin/python3';
function haveXenApiPy(): boolean {
  try {
    execFileSync(PY, ['-c', 'from os_xenapi.client import XenAPI'], { stdio: 'ignore', timeout: 20000 });
    return true;
  } catch {
    return false;
  }
}
const have = haveXenApiPy();
// In CI the binding must be there (.ci/run installs python3-os-xenapi): a skip would hide a failure.
const skip = have ? false : process.env.CI === 'true' ? false : 'XenAPI.py not found (apt-get install python3-os-xenapi)';

test("XAPI's XenAPI.py: login with 4 params, list VMs, start and shut down over XML-RPC, XenAPI.Failure details", { skip, timeout: 60000 }, async () => {
  assert.ok(have, 'CI=true: XenAPI.py (python3-os-xenapi) must be installed');
  const s = await startService();
  try {
    const script = fileURLToPath(new URL('./fixtures/xenapi-client.py', import.meta.url));
    const stdout = await new Promise<string>((res, rej) => execFile(PY, [script, s.url, PASSWORD], { timeout: 45000 }, (e, o, err) => (e ? rej(new Error(`${e.message}\n${err}`)) : res(o))));
    const r = JSON.parse(stdout.trim().split('\n').pop()!);
    assert.equal(r.pools, 1);
    assert.equal(r.master_is_host, true);
    assert.deepEqual(r.api, ['2', '21'], 'ints travel as decimal strings over XML-RPC');
    assert.deepEqual(r.vms, ['db-pvh', 'web-pv', 'win-hvm']);
    assert.equal(r.memory_static_max, '536870912');
    assert.equal(r.after_start, 'Running');
    assert.equal(r.second_start[0], 'VM_BAD_POWER_STATE');
    assert.deepEqual(r.second_start.slice(2), ['halted', 'running']);
    assert.equal(r.after_shutdown, 'Halted');
    assert.deepEqual(r.count_mismatch, ['MESSAGE_PARAMETER_COUNT_MISMATCH', 'VM.start', '4', '2']);
    const transports = new Set(s.lines.filter((l) => l.transport).map((l) => l.transport));
    assert.deepEqual([...transports], ['xml-rpc']);
  } finally {
    await s.close();
  }
});
