import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import pino from 'pino';
import { openToolstack } from '../../src/toolstack/open.js';
import type { Toolstack } from '../../src/toolstack/toolstack.js';
import { Service } from '../../src/service/service.js';
import { buildServer } from '../../src/service/server.js';
import { createFromXlcfg } from '../../src/service/classes/vm.js';

export const PASSWORD = 'test-password';

/** A service on the in-memory sim, listening on loopback port 0, with the project's example VMs imported. */
export async function startService(opts: { examples?: boolean; bodyLimit?: number; wrap?: (ts: Toolstack) => Toolstack; tls?: { cert: Buffer; key: Buffer } } = {}) {
  const sim = await openToolstack({ backend: 'sim' });
  const ts = opts.wrap ? opts.wrap(sim) : sim;
  const svc = new Service({ toolstack: ts, store: ':memory:', adminPassword: PASSWORD });
  await svc.start();
  if (opts.examples !== false)
    for (const f of ['pv.cfg', 'pvh.cfg', 'hvm.cfg']) await createFromXlcfg(svc, readFileSync(new URL(`../../examples/${f}`, import.meta.url), 'utf8'), f);
  /** The service's log lines (one per call), parsed. */
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({ write(chunk, _e, cb) { for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l)); cb(); } });
  const app = buildServer(svc, { logger: pino({ level: 'info' }, sink), bodyLimit: opts.bodyLimit, tls: opts.tls });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as { port: number }).port;
  const url = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  return {
    svc, app, url, port, lines,
    async close() {
      svc.events.wakeAll();
      await app.close();
      svc.close();
    },
  };
}

/** A JSON-RPC 2.0 call; returns the parsed reply and its content-type. */
export async function rpc(url: string, method: string, params: unknown[], path = '/jsonrpc') {
  const res = await fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', method, params, id: 1 }) });
  return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as { result?: any; error?: { message: string; data: string[] } } };
}

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;

/** `xk --state STATE serve --listen 127.0.0.1:0 ...` in its own process; resolves with the URL it prints. */
export function spawnServe(state: string, password: string, extra: string[] = []): Promise<{ child: ChildProcess; url: string; exited: Promise<unknown> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--state', state, 'serve', '--listen', '127.0.0.1:0', ...extra], { env: { ...process.env, XENKIT_ADMIN_PASSWORD: password }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise((r) => child.once('exit', r));
  return new Promise((res, rej) => {
    let buf = '';
    const t = setTimeout(() => rej(new Error(`xk serve did not start: ${buf}`)), 30000);
    child.stdout!.on('data', (c) => {
      buf += String(c);
      const m = /"url":"(https?:\/\/[^"]+)"/.exec(buf);
      if (m) {
        clearTimeout(t);
        res({ child, url: m[1]!, exited });
      }
    });
    child.stderr!.on('data', (c) => (buf += String(c)));
    child.on('exit', (code) => rej(new Error(`xk serve exited ${code}: ${buf}`)));
  });
}
