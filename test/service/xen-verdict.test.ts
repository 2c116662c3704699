import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startService, rpc, PASSWORD } from './harness.js';
import { openToolstack } from '../../src/toolstack/open.js';
import { Service } from '../../src/service/service.js';
import { createFromXlcfg } from '../../src/service/classes/vm.js';

// Xen refuses nested virtualisation without HAP: xen/arch/x86/domain.c arch_sanitise_domain_config()
// "Nested virt not supported without HAP" (EINVAL) @RELEASE-4.17.0.
test("a start Xen's release refuses fails before the hypercall with XENKIT_XEN_REFUSED and its details", { timeout: 30000 }, async () => {
  const s = await startService({ examples: false });
  try {
    const sid = (await rpc(s.url, 'session.login_with_password', ['root', PASSWORD])).body.result;
    const ref = (await rpc(s.url, 'xenkit.VM.create_from_xlcfg', [sid, 'name = "nested"\ntype = "hvm"\nmemory = 128\nnestedhvm = 1\nhap = 0\n'])).body.result;
    const before = (await s.svc.ts.list()).length;
    const e = (await rpc(s.url, 'VM.start', [sid, ref, false, false])).body.error!;
    assert.equal(e.message, 'XENKIT_XEN_REFUSED');
    const [code, errno, reason, hint, source] = e.data;
    assert.equal(code, 'NESTED_VIRT_WITHOUT_HAP');
    assert.equal(errno, 'EINVAL');
    assert.match(reason!, /nested/i);
    assert.ok(hint!.length > 0);
    assert.match(source!, /xen\/arch\/x86\/domain\.c arch_sanitise_domain_config\(\)/);
    assert.equal((await s.svc.ts.list()).length, before, 'no domain was created');
    assert.equal((await rpc(s.url, 'VM.get_power_state', [sid, ref])).body.result, 'Halted');
    const bad = (await rpc(s.url, 'xenkit.VM.create_from_xlcfg', [sid, 'memory = foo bar\n'])).body.error!;
    assert.equal(bad.message, 'XENKIT_BAD_INPUT');
    assert.equal(bad.data[0], 'XLCFG_SYNTAX');
  } finally {
    await s.close();
  }
});

test('restart: acknowledged changes survive; a VM whose domain vanished is Halted with a message; foreign domains untouched', { timeout: 30000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'xk-serve-'));
  const state = join(dir, 'sim.db');
  const open = async () => {
    const svc = new Service({ toolstack: await openToolstack({ backend: 'sim', state }), store: join(dir, 'sim.xapi.db'), adminPassword: PASSWORD });
    await svc.start();
    return svc;
  };
  const cfg = (n: string) => `name = "${n}"\ntype = "pvh"\nkernel = "/boot/vmlinuz"\nmemory = 64\n`;
  try {
    let svc = await open();
    const sid = (await svc.call('session.login_with_password', ['root', PASSWORD], { client: 't' })).value;
    const a = await createFromXlcfg(svc, cfg('a'), 'a.cfg');
    const b = await createFromXlcfg(svc, cfg('b'), 'b.cfg');
    await svc.call('VM.start', [sid, a, false, false], { client: 't' });
    await svc.call('VM.start', [sid, b, false, false], { client: 't' });
    svc.store.db.close(); // no orderly close: what was acknowledged must already be on disk
    svc.ts.close();

    // Behind the service's back: b's domain is destroyed, and a domain it never made appears.
    const ts = await openToolstack({ backend: 'sim', state });
    const bDom = (await ts.list()).find((d) => d.name === 'b')!;
    await ts.destroy(bDom.domid);
    const { specFromText } = await import('../../src/toolstack/from-text.js');
    await ts.create(specFromText(cfg('foreign'), 'foreign').spec);
    ts.close();

    svc = await open();
    const rec = async (ref: string) => (await svc.call('VM.get_record', [sid, ref], { client: 't' })).value as Record<string, unknown>;
    assert.equal((await rec(a)).power_state, 'Running', 'the session and the running VM survived');
    assert.equal((await rec(b)).power_state, 'Halted');
    const msgs = Object.values((await svc.call('message.get_all_records', [sid], { client: 't' })).value as Record<string, { body: string }>);
    assert.ok(msgs.some((m) => /was recorded running/.test(m.body)));
    const names = (await svc.ts.list()).map((d) => d.name);
    assert.ok(names.includes('foreign'), 'a domain the service did not create is left alone');
    // Shown (a client sees the whole host), read-only: no operation allowed, marked foreign.
    const shown = Object.values((await svc.call('VM.get_all_records', [sid], { client: 't' })).value as Record<string, { name_label: string; allowed_operations: string[]; other_config: Record<string, string> }>).find((v) => v.name_label === 'foreign');
    assert.ok(shown, 'the foreign domain is a VM record');
    assert.deepEqual(shown.allowed_operations, []);
    assert.equal(shown.other_config.xenkit_foreign, 'true');
    svc.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
