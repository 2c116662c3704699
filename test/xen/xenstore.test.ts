import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { watchXenstore, xsMessage } from '../../src/backend/xenstore-watch.js';
import { RELEASE_DOMAIN_WATCH, XENSTORE_PAYLOAD_MAX, XS_HEADER_BYTES, XS_TYPE, xenstoredSocket } from '../../src/xen/xenstore.js';

/**
 * The xenstore watch xenkit's real-Xen toolstack learns domain deaths from (src/backend/xenstore-watch.ts).
 * Its numbers are checked against Xen's own header (Debian's libxen-dev: /usr/include/xen/io/xs_wire.h);
 * the client against a Unix socket that answers as xs_wire.h and docs/misc/xenstore.txt say xenstored
 * does. Against real xenstored it runs in the real-Xen test (test/xen-qemu: `xk: watching domain N:
 * xenstore @releaseDomain ...` in every guest run's stderr).
 */
const HEADER = '/usr/include/xen/io/xs_wire.h';
const REQUIRED = process.env.XENKIT_REQUIRE_ABI === '1';

test('the xenstore numbers are those of Xen\'s xs_wire.h (enum xsd_sockmsg_type, struct xsd_sockmsg, XENSTORE_PAYLOAD_MAX)', (t) => {
  if (!existsSync(HEADER)) {
    if (REQUIRED) assert.fail(`${HEADER} missing (apt-get install libxen-dev)`);
    return t.skip(`${HEADER} missing (apt-get install libxen-dev)`);
  }
  const h = readFileSync(HEADER, 'utf8');
  const body = /enum xsd_sockmsg_type\s*\{([^}]*)\}/.exec(h)![1]!.replace(/\/\*[\s\S]*?\*\//g, '');
  // the enum's members in order (a "#define" line is an alias, not a member; "= N" sets the count)
  const values = new Map<string, number>();
  let next = 0;
  for (const line of body.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))) {
    for (const item of line.split(',').map((x) => x.trim()).filter(Boolean)) {
      const [name, expr] = item.split('=').map((x) => x.trim());
      if (expr !== undefined) next = /^\d+$/.test(expr) ? Number(expr) : values.get(expr.split('+')[0]!.trim())! + Number(expr.split('+')[1] ?? 0);
      values.set(name!, next++);
    }
  }
  for (const [name, v] of Object.entries(XS_TYPE)) assert.equal(values.get(name), v, name);
  assert.equal(Number(/#define XENSTORE_PAYLOAD_MAX (\d+)/.exec(h)![1]), XENSTORE_PAYLOAD_MAX);
  const fields = /struct xsd_sockmsg\s*\{([^}]*)\}/.exec(h)![1]!.match(/uint32_t\s+\w+/g)!;
  assert.deepEqual(fields.map((f) => f.split(/\s+/)[1]), ['type', 'req_id', 'tx_id', 'len']);
  assert.equal(fields.length * 4, XS_HEADER_BYTES);
});

test('the socket path is libxenstore\'s: XENSTORED_PATH, else XENSTORED_RUNDIR/socket, else /var/run/xenstored/socket', () => {
  assert.equal(xenstoredSocket({}), '/var/run/xenstored/socket');
  assert.equal(xenstoredSocket({ XENSTORED_RUNDIR: '/run/x' }), '/run/x/socket');
  assert.equal(xenstoredSocket({ XENSTORED_PATH: '/s', XENSTORED_RUNDIR: '/run/x' }), '/s');
});

/** A Unix socket answering as xenstored: `onWatch` gets each XS_WATCH's strings and the connection. */
async function fakeXenstored(onWatch: (strings: string[], c: Socket) => void): Promise<{ path: string; close: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'xk-xs-'));
  const path = join(dir, 'socket');
  const conns: Socket[] = [];
  const srv = createServer((c) => {
    conns.push(c);
    let buf = Buffer.alloc(0);
    c.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 16 && buf.length >= 16 + buf.readUInt32LE(12)) {
        const len = buf.readUInt32LE(12);
        const type = buf.readUInt32LE(0);
        const strings = buf.subarray(16, 16 + len).toString().split('\0').slice(0, -1);
        buf = buf.subarray(16 + len);
        if (type === 4) onWatch(strings, c);
      }
    });
  });
  await new Promise<void>((r) => srv.listen(path, r));
  return { path, close: () => (conns.forEach((c) => c.destroy()), srv.close(), rmSync(dir, { recursive: true, force: true })) };
}

test('watchXenstore: XS_WATCH with the path and its token; each XS_WATCH_EVENT for its token fires, others do not', async () => {
  let sent: string[] = [];
  const xs = await fakeXenstored((s, c) => {
    sent = s;
    c.write(xsMessage(XS_TYPE.XS_WATCH, 1, ['OK']));
    // xenstored fires a new watch once; then two events, one for another client's token, in one write
    c.write(Buffer.concat([xsMessage(XS_TYPE.XS_WATCH_EVENT, 0, [s[0]!, s[1]!]), xsMessage(XS_TYPE.XS_WATCH_EVENT, 0, [s[0]!, 'other']), xsMessage(XS_TYPE.XS_WATCH_EVENT, 0, [s[0]!, s[1]!])]));
  });
  try {
    let fired = 0;
    const w = await watchXenstore(RELEASE_DOMAIN_WATCH, () => fired++, { socket: xs.path });
    assert.deepEqual(sent, ['@releaseDomain', `xenkit-${process.pid}`]);
    const until = Date.now() + 5000;
    while (fired < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    assert.equal(fired, 2);
    w.close();
  } finally {
    xs.close();
  }
});

test('watchXenstore rejects, so the caller polls: no xenstored, xenstored refusing, no answer, a message over the limit', async () => {
  await assert.rejects(watchXenstore('@releaseDomain', () => {}, { socket: '/nonexistent/socket' }), /at \/nonexistent\/socket: ENOENT/);
  const refusing = await fakeXenstored((_s, c) => c.write(xsMessage(XS_TYPE.XS_ERROR, 1, ['EACCES'])));
  await assert.rejects(watchXenstore('@releaseDomain', () => {}, { socket: refusing.path }), /xenstored answered EACCES/);
  refusing.close();
  const silent = await fakeXenstored(() => {});
  await assert.rejects(watchXenstore('@releaseDomain', () => {}, { socket: silent.path, timeoutMs: 200 }), /no answer within 200 ms/);
  silent.close();
  const huge = await fakeXenstored((_s, c) => {
    const head = Buffer.alloc(16);
    head.writeUInt32LE(XS_TYPE.XS_WATCH, 0);
    head.writeUInt32LE(1 << 30, 12);
    c.write(head);
  });
  await assert.rejects(watchXenstore('@releaseDomain', () => {}, { socket: huge.path }), /a message of 1073741824 bytes \(at most 4096\)/);
  huge.close();
});
