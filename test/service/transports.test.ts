import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startService, rpc, PASSWORD } from './harness.js';

const call = (m: string, ...params: string[]) => `<?xml version="1.0"?><methodCall><methodName>${m}</methodName><params>${params.map((p) => `<param><value>${p}</value></param>`).join('')}</params></methodCall>`;
async function xml(url: string, body: string | Buffer, path = '/') {
  const r = await fetch(url + path, { method: 'POST', headers: { 'content-type': 'text/xml' }, body });
  return { status: r.status, type: r.headers.get('content-type'), text: await r.text() };
}

// XAPI's XML-RPC conventions (as XenAPI.py reads them): a struct {Status, Value} or
// {Status: "Failure", ErrorDescription: [code, params...]}; int64 as decimal strings.
test('XML-RPC at /, /RPC2 and /xmlrpc with XAPI conventions', { timeout: 30000 }, async () => {
  const s = await startService();
  try {
    for (const path of ['/', '/RPC2', '/xmlrpc']) {
      const r = await xml(s.url, call('session.login_with_password', '<string>root</string>', PASSWORD), path);
      assert.equal(r.type, 'text/xml');
      assert.match(r.text, /<name>Status<\/name><value>Success<\/value>.*<name>Value<\/name><value>OpaqueRef:[0-9a-f-]{36}<\/value>/);
    }
    const sid = /OpaqueRef:[0-9a-f-]{36}/.exec((await xml(s.url, call('session.login_with_password', 'root', PASSWORD))).text)![0];
    const [ref] = (await rpc(s.url, 'VM.get_by_name_label', [sid, 'web-pv'])).body.result;
    const mem = await xml(s.url, call('VM.get_memory_static_max', sid, ref));
    assert.match(mem.text, /<name>Value<\/name><value>536870912<\/value>/, 'an int is a decimal string (512 MiB from pv.cfg)');
    const rec = await xml(s.url, call('VM.get_record', sid, ref));
    assert.match(rec.text, /<name>name_description<\/name><value><\/value>/, 'empty strings kept');
    assert.match(rec.text, /<name>is_control_domain<\/name><value><boolean>0<\/boolean><\/value>/);
    const bad = await xml(s.url, call('VM.start', sid, ref));
    assert.match(bad.text, /<name>Status<\/name><value>Failure<\/value>.*<name>ErrorDescription<\/name><value><array><data><value>MESSAGE_PARAMETER_COUNT_MISMATCH<\/value><value>VM.start<\/value><value>4<\/value><value>2<\/value>/);
    const ok = await xml(s.url, call('VM.start', sid, ref, '<boolean>0</boolean>', '<boolean>0</boolean>'));
    assert.match(ok.text, /<value>Success<\/value>/);
  } finally {
    await s.close();
  }
});

test('malformed requests are answered in the protocol\'s shape and the service stays up', { timeout: 30000 }, async () => {
  const s = await startService({ examples: false, bodyLimit: 64 * 1024 });
  try {
    const bodies: (string | Buffer)[] = ['', '{', '[]', '"x"', '{"method":1}', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), '['.repeat(10000) + ']'.repeat(10000), JSON.stringify({ method: 'x', params: 'x'.repeat(100 * 1024) })];
    for (const b of bodies) {
      const r = await fetch(s.url + '/jsonrpc', { method: 'POST', headers: { 'content-type': 'application/json' }, body: b });
      assert.equal(r.headers.get('content-type'), 'application/json');
      const j = (await r.json()) as { error?: { message: string } };
      assert.ok(j.error && typeof j.error.message === 'string', `answered with an error: ${String(b).slice(0, 20)}`);
    }
    for (const b of ['', '<', '<methodCall>', '<methodCall><methodName>x</methodName><params><param><value><int>zz</int></value></param></params></methodCall>', '<!DOCTYPE x [<!ENTITY a "b">]><methodCall/>', Buffer.from([0x3c, 0xff, 0x3e]), '<a>'.repeat(5000)]) {
      const r = await xml(s.url, b);
      assert.equal(r.type, 'text/xml');
      assert.match(r.text, /<value>Failure<\/value>/, String(b).slice(0, 30));
    }
    const jr1 = await fetch(s.url + '/jsonrpc', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ method: 'session.login_with_password', params: ['root', PASSWORD], id: 7 }) });
    const j1 = (await jr1.json()) as Record<string, unknown>;
    assert.equal(j1.error, null, 'JSON-RPC 1.0: error null beside the result');
    assert.equal(j1.id, 7);
  } finally {
    await s.close();
  }
});

test('--ui DIR: the UI at / (GET) beside the API on the same origin', { timeout: 30000 }, async () => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const { openToolstack } = await import('../../src/toolstack/open.js');
  const { Service } = await import('../../src/service/service.js');
  const { buildServer } = await import('../../src/service/server.js');
  const dir = mkdtempSync(join(tmpdir(), 'xk-ui-'));
  writeFileSync(join(dir, 'index.html'), '<title>ui</title>');
  const svc = new Service({ toolstack: await openToolstack({ backend: 'sim' }), store: ':memory:', adminPassword: PASSWORD });
  const app = buildServer(svc, { ui: dir });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  try {
    const page = await fetch(url + '/');
    assert.equal(await page.text(), '<title>ui</title>');
    const escape = await fetch(url + '/..%2f..%2f..%2f..%2fetc%2fpasswd');
    assert.ok(!(await escape.text()).includes('root:'), 'no path escapes DIR');
    assert.match((await rpc(url, 'session.login_with_password', ['root', PASSWORD])).body.result, /^OpaqueRef:/);
  } finally {
    await app.close();
    svc.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('event.register / next / unregister (the legacy event API)', { timeout: 30000 }, async () => {
  const s = await startService();
  try {
    const sid = (await rpc(s.url, 'session.login_with_password', ['root', PASSWORD])).body.result;
    assert.equal((await rpc(s.url, 'event.next', [sid])).body.error!.message, 'SESSION_NOT_REGISTERED');
    await rpc(s.url, 'event.register', [sid, ['vm']]);
    const [ref] = (await rpc(s.url, 'VM.get_by_name_label', [sid, 'web-pv'])).body.result;
    const next = rpc(s.url, 'event.next', [sid]);
    await rpc(s.url, 'VM.set_name_description', [sid, ref, 'd']);
    const evs = (await next).body.result as { class: string; ref: string; operation: string }[];
    assert.ok(evs.some((e) => e.class === 'vm' && e.ref === ref && e.operation === 'mod'));
    await rpc(s.url, 'event.unregister', [sid, ['vm']]);
    assert.equal((await rpc(s.url, 'event.next', [sid])).body.error!.message, 'SESSION_NOT_REGISTERED');
  } finally {
    await s.close();
  }
});
