import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startService, rpc, PASSWORD } from './harness.js';
import { MESSAGES } from '../../src/service/model.js';

// Expected codes and their parameters: XAPI's datamodel (the generated model, xenapi.json @ e2ee48d6)
// and XAPI's Api_errors as its SDKs document them.
test('dispatch: counts, types, unknown and unserved messages, listMethods', { timeout: 30000 }, async () => {
  const s = await startService();
  try {
    const sid = (await rpc(s.url, 'session.login_with_password', ['root', PASSWORD])).body.result;
    const vms = (await rpc(s.url, 'VM.get_all', [sid])).body.result as string[];
    const err = async (m: string, p: unknown[]) => (await rpc(s.url, m, p)).body.error;
    assert.deepEqual(await err('VM.start', [sid, vms[1]]), { code: 1, message: 'MESSAGE_PARAMETER_COUNT_MISMATCH', data: ['VM.start', '4', '2'] });
    assert.deepEqual((await err('VM.start', [sid, vms[1], 'yes', false]))!.data, ['start_paused']);
    assert.equal((await err('VM.start', [sid, vms[1], 'yes', false]))!.message, 'FIELD_TYPE_ERROR');
    assert.equal((await err('VM.no_such_message', [sid]))!.message, 'MESSAGE_METHOD_UNKNOWN');
    assert.ok(MESSAGES.has('VM.suspend'), 'VM.suspend is in the model');
    assert.deepEqual(await err('VM.suspend', [sid, vms[1]]), { code: 1, message: 'NOT_IMPLEMENTED', data: ['VM.suspend'] });
    assert.equal((await err('VM.get_record', [sid, 'OpaqueRef:nope']))!.message, 'HANDLE_INVALID');
    const methods = (await rpc(s.url, 'system.listMethods', [])).body.result as string[];
    assert.equal(new Set(methods).size, methods.length);
    for (const m of methods.filter((x) => x !== 'system.listMethods' && !x.startsWith('xenkit.') && !x.startsWith('Async.xenkit.')))
      assert.ok(MESSAGES.has(m.replace(/^Async\./, '')), `${m} is in the datamodel`);
    for (const m of ['session.login_with_password', 'VM.start', 'Async.VM.start', 'event.from', 'pool.get_all', 'host.get_API_version_major', 'xenkit.VM.create_from_xlcfg', 'VM.get_power_state']) assert.ok(methods.includes(m), m);
    // listMethods is exactly what is served: every listed message answers something other than unknown/not implemented.
    for (const m of methods.filter((x) => x.endsWith('.get_all_records'))) assert.ok(!(await rpc(s.url, m, [sid])).body.error, m);
    assert.ok(!methods.includes('VM.suspend'));
  } finally {
    await s.close();
  }
});

test('sessions: login with 2 to 4 params, wrong password, logout ends the session, refs unguessable', { timeout: 30000 }, async () => {
  const s = await startService({ examples: false });
  try {
    const a = (await rpc(s.url, 'session.login_with_password', ['root', PASSWORD])).body.result as string;
    const b = (await rpc(s.url, 'session.login_with_password', ['root', PASSWORD, '1.0', 'test'])).body.result as string;
    assert.match(a, /^OpaqueRef:[0-9a-f-]{36}$/);
    assert.notEqual(a, b);
    assert.equal((await rpc(s.url, 'session.login_with_password', ['root', 'wrong'])).body.error!.message, 'SESSION_AUTHENTICATION_FAILED');
    assert.equal((await rpc(s.url, 'session.login_with_password', ['nobody', PASSWORD])).body.error!.message, 'SESSION_AUTHENTICATION_FAILED');
    assert.equal((await rpc(s.url, 'VM.get_all', ['OpaqueRef:00000000-0000-0000-0000-000000000000'])).body.error!.message, 'SESSION_INVALID');
    assert.equal((await rpc(s.url, 'session.logout', [a])).body.result, '');
    assert.equal((await rpc(s.url, 'VM.get_all', [a])).body.error!.message, 'SESSION_INVALID');
    assert.ok(Array.isArray((await rpc(s.url, 'VM.get_all', [b])).body.result));
  } finally {
    await s.close();
  }
});

test('RBAC from the model: a read-only user reads but cannot start a VM', { timeout: 30000 }, async () => {
  const s = await startService();
  try {
    s.svc.auth.addUser('ro', 'read-only', 'ro-password');
    const sid = (await rpc(s.url, 'session.login_with_password', ['ro', 'ro-password'])).body.result;
    const vms = (await rpc(s.url, 'VM.get_all_records', [sid])).body.result as Record<string, any>;
    const ref = Object.keys(vms).find((r) => !vms[r].is_control_domain)!;
    assert.ok(!MESSAGES.get('VM.start')!.roles.toString().includes('x'));
    const e = (await rpc(s.url, 'VM.start', [sid, ref, false, false])).body.error!;
    assert.equal(e.message, 'RBAC_PERMISSION_DENIED');
    assert.equal(e.data[0], 'vm.start');
    assert.equal((await rpc(s.url, 'VM.get_power_state', [sid, ref])).body.result, 'Halted');
  } finally {
    await s.close();
  }
});

test('session expiry: an idle session ends', { timeout: 30000 }, async () => {
  const { openToolstack } = await import('../../src/toolstack/open.js');
  const { Service } = await import('../../src/service/service.js');
  const svc = new Service({ toolstack: await openToolstack({ backend: 'sim' }), store: ':memory:', adminPassword: PASSWORD, sessionIdleMs: 50 });
  try {
    const sid = (await svc.call('session.login_with_password', ['root', PASSWORD], { client: 't' })).value;
    await svc.call('VM.get_all', [sid], { client: 't' });
    await new Promise((r) => setTimeout(r, 120));
    await assert.rejects(svc.call('VM.get_all', [sid], { client: 't' }), (e: any) => e.code === 'SESSION_INVALID');
  } finally {
    svc.close();
  }
});

test('VM: memory constraint worded, start refused in power state, set fields, other_config', { timeout: 30000 }, async () => {
  const s = await startService();
  try {
    const sid = (await rpc(s.url, 'session.login_with_password', ['root', PASSWORD])).body.result;
    const [ref] = (await rpc(s.url, 'VM.get_by_name_label', [sid, 'web-pv'])).body.result as string[];
    const GiB = 2 ** 30;
    const e = (await rpc(s.url, 'VM.set_memory_limits', [sid, ref, GiB, GiB, 2 * GiB, GiB])).body.error!;
    assert.equal(e.message, 'MEMORY_CONSTRAINT_VIOLATION');
    assert.match(e.data[0]!, /static_min <= dynamic_min <= dynamic_max <= static_max/);
    assert.ok(MESSAGES.get('VM.set_memory_limits')!.errors.length >= 0);
    assert.equal((await rpc(s.url, 'VM.set_memory_limits', [sid, ref, GiB / 2, 2 * GiB, GiB / 2, GiB])).body.result, '');
    assert.equal((await rpc(s.url, 'VM.get_memory_static_max', [sid, ref])).body.result, 2 * GiB);
    await rpc(s.url, 'VM.set_name_label', [sid, ref, 'renamed']);
    await rpc(s.url, 'VM.add_to_other_config', [sid, ref, 'k', 'v']);
    const rec = (await rpc(s.url, 'VM.get_record', [sid, ref])).body.result;
    assert.equal(rec.name_label, 'renamed');
    assert.deepEqual(rec.other_config, { k: 'v' });
    assert.equal((await rpc(s.url, 'VM.start', [sid, ref, false, false])).body.result, '');
    const live = await s.svc.ts.list();
    const d = live.find((x) => x.name === 'renamed')!;
    // libxl__build_pre(): xc_domain_setmaxmem(target_memkb + extra) (tools/libs/light/libxl_dom.c:363 @RELEASE-4.17.0),
    // extra = LIBXL_MAXMEM_CONSTANT, 1 MiB on x86 (libxl_x86.c libxl__arch_extra_memory); the target is memory_dynamic_max.
    assert.equal(d.info.max_pages * 4096, GiB + 2 ** 20, 'the domain was built from the VM fields (memory from memory_dynamic_max)');
    assert.equal((await rpc(s.url, 'VM.set_memory_limits', [sid, ref, GiB / 2, 2 * GiB, GiB / 2, GiB])).body.error!.message, 'VM_BAD_POWER_STATE');
    assert.ok(MESSAGES.get('VM.start')!.errors.includes('VM_BAD_POWER_STATE'));
  } finally {
    await s.close();
  }
});

// VM.create takes the record's fields (XenAPI datamodel, VM class); xl needs a domain name
// (tools/xl/xl_parse.c parse_config_data(), "Domain name must be specified"), which VM.create's own
// xl.cfg once lacked, so every VM.create failed.
test('VM.create on a single host: the record with its fields, a VM that starts; a record out of memory order is refused', { timeout: 30000 }, async () => {
  const s = await startService();
  try {
    const sid = (await rpc(s.url, 'session.login_with_password', ['root', PASSWORD])).body.result;
    const MiB = 2 ** 20;
    const rec = { name_label: 'made', PV_kernel: '/boot/vmlinuz', memory_static_min: 128 * MiB, memory_dynamic_min: 256 * MiB, memory_dynamic_max: 256 * MiB, memory_static_max: 512 * MiB, VCPUs_max: 2, VCPUs_at_startup: 1 };
    const r = await rpc(s.url, 'VM.create', [sid, rec]);
    assert.equal(r.body.error, undefined, JSON.stringify(r.body.error));
    const ref = r.body.result as string;
    const got = (await rpc(s.url, 'VM.get_record', [sid, ref])).body.result;
    assert.equal(got.name_label, 'made');
    assert.equal(Number(got.memory_static_max), 512 * MiB);
    assert.equal(Number(got.VCPUs_max), 2);
    assert.equal((await rpc(s.url, 'VM.start', [sid, ref, false, false])).body.result, '');
    assert.equal((await rpc(s.url, 'VM.get_power_state', [sid, ref])).body.result, 'Running');
    const count = ((await rpc(s.url, 'VM.get_all', [sid])).body.result as string[]).length;
    assert.equal((await rpc(s.url, 'VM.create', [sid, { ...rec, memory_dynamic_min: 1024 * MiB }])).body.error!.message, 'MEMORY_CONSTRAINT_VIOLATION');
    assert.equal(((await rpc(s.url, 'VM.get_all', [sid])).body.result as string[]).length, count, 'a refused VM.create leaves no VM');
  } finally {
    await s.close();
  }
});

test('failed logins from one client are slowed; log lines carry method and outcome, never a password or session ref', { timeout: 30000 }, async () => {
  const s = await startService({ examples: false });
  try {
    for (let i = 0; i < 4; i++) await rpc(s.url, 'session.login_with_password', ['root', 'wrong-' + i]);
    const t0 = Date.now();
    assert.equal((await rpc(s.url, 'session.login_with_password', ['root', 'wrong-5'])).body.error!.message, 'SESSION_AUTHENTICATION_FAILED');
    assert.ok(Date.now() - t0 >= 400, `the fifth failure waited ${Date.now() - t0} ms`);
    const sid = (await rpc(s.url, 'session.login_with_password', ['root', PASSWORD])).body.result as string;
    await rpc(s.url, 'VM.get_all', [sid]);
    const text = JSON.stringify(s.lines);
    assert.ok(!text.includes(PASSWORD) && !text.includes('wrong-') && !text.includes(sid), 'no secret in the log');
    const line = s.lines.find((l) => l.method === 'VM.get_all')!;
    assert.equal(line.outcome, 'ok');
    assert.equal(typeof line.ms, 'number');
    assert.equal(typeof line.reqId, 'string');
    assert.ok(s.lines.some((l) => l.method === 'session.login_with_password' && l.outcome === 'SESSION_AUTHENTICATION_FAILED'));
  } finally {
    await s.close();
  }
});
