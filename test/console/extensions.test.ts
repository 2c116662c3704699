import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { PASSWORD, rpc, startService } from '../service/harness.js';

const HVM = readFileSync(new URL('../../examples/hvm.cfg', import.meta.url), 'utf8');

async function login(url: string): Promise<string> {
  return (await rpc(url, 'session.login_with_password', ['root', PASSWORD, '1.0', 'test'])).body.result;
}

test('console extensions: listed by system.listMethods, and they answer', async () => {
  const s = await startService();
  try {
    const listed = (await rpc(s.url, 'system.listMethods', [])).body.result as string[];
    for (const m of ['xenkit.xlcfg.preview', 'xenkit.xlcfg.matrix', 'xenkit.VM.get_verdict', 'xenkit.VM.get_all_verdicts', 'xenkit.host.get_physinfo']) assert.ok(listed.includes(m), m);
    const sid = await login(s.url);
    // The reader's own error, with line and column (config line 3, the value after "memory = ").
    const bad = (await rpc(s.url, 'xenkit.xlcfg.preview', [sid, 'name = "a"\ntype = "hvm"\nmemory = "lots"\n'])).body.result;
    assert.equal(bad.ok, false);
    assert.deepEqual([bad.marks[0].line, bad.marks[0].col, bad.marks[0].code], [3, 10, 'XLCFG_INVALID']);
    const good = (await rpc(s.url, 'xenkit.xlcfg.preview', [sid, HVM])).body.result;
    assert.equal(good.ok, true);
    assert.equal(good.type, 'hvm');
    assert.match(good.libxl_json, /"c_info"/);
    assert.equal(typeof good.createdomain.flags, 'number');
    // The seed's case (xk check examples/hvm.cfg --xen all --emulation-flags 0): 4.6-4.10 accept, 4.11 on refuse.
    const m = (await rpc(s.url, 'xenkit.xlcfg.matrix', [sid, { 'hvm.cfg': HVM }, '0'])).body.result;
    const cells = m.rows[0].cells as { xen: string; accept: boolean; code?: string }[];
    assert.deepEqual(cells.filter((c) => c.accept).map((c) => c.xen), ['4.6', '4.7', '4.8', '4.9', '4.10']);
    assert.ok(cells.filter((c) => !c.accept).every((c) => c.code === 'EMULATION_NOT_ALLOWED'));
    const d = (await rpc(s.url, 'xenkit.xlcfg.matrix', [sid, { 'hvm.cfg': HVM }, ''])).body.result;
    assert.ok(d.rows[0].cells.every((c: { accept: boolean }) => c.accept));
    const badEmu = (await rpc(s.url, 'xenkit.xlcfg.matrix', [sid, { 'hvm.cfg': HVM }, 'many'])).body;
    assert.equal(badEmu.error?.message, 'XENKIT_BAD_INPUT');
    assert.match(badEmu.error!.data[2]!, /emulation_flags/);
    const all = (await rpc(s.url, 'xenkit.VM.get_all_verdicts', [sid])).body.result as Record<string, { accept: boolean }>;
    assert.equal(Object.keys(all).length, 4); // dom0 and the three examples
    const host = (await rpc(s.url, 'session.get_this_host', [sid, sid])).body.result;
    const pi = (await rpc(s.url, 'xenkit.host.get_physinfo', [sid, host])).body.result;
    assert.equal(typeof pi.release, 'string');
    assert.ok(pi.nr_cpus >= 1);
  } finally {
    await s.close();
  }
});
