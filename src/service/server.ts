import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import pino from 'pino';
import { ApiFailure } from './failure.js';
import { jsonRpc } from './jsonrpc.js';
import { xmlRpc } from './xmlrpc.js';
import type { Decoded, Transport } from './transport.js';
import type { Service } from './service.js';
import { CONSOLE_CSP, consoleDir } from './console-dir.js';

export interface ServerOptions {
  /** A static web UI served at / (GET) on the API's origin (XO Lite posts to <origin>/jsonrpc); default: xenkit's console. */
  ui?: string;
  tls?: { cert: Buffer; key: Buffer };
  /** Request body limit (bytes). */
  bodyLimit?: number;
  logger?: pino.Logger;
}

export const BODY_LIMIT = 4 * 1024 * 1024;

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.woff2': 'font/woff2', '.woff': 'font/woff', '.txt': 'text/plain' };

/** One decoded call answered, and logged on one line (method, duration, outcome; never the params). */
async function answer(svc: Service, t: Transport, d: Decoded, req: FastifyRequest, signal: AbortSignal, log: pino.Logger): Promise<Buffer> {
  const t0 = performance.now();
  let method = d.ok ? String(d.method).slice(0, 128) : '(unreadable)';
  try {
    if (!d.ok) throw d.failure;
    const r = await svc.call(d.method, d.params, { client: req.ip, signal });
    method = r.method;
    log.info({ reqId: req.id, transport: t.name, method, ms: +(performance.now() - t0).toFixed(2), outcome: 'ok', user: r.user });
    return t.encodeResult(d, r.value, r.type);
  } catch (e) {
    const f = svc.failureOf(e);
    if (f.code === 'INTERNAL_ERROR') log.error({ reqId: req.id, method, err: e instanceof Error ? e.stack : String(e) }, 'internal error');
    log.info({ reqId: req.id, transport: t.name, method, ms: +(performance.now() - t0).toFixed(2), outcome: f.code });
    return t.encodeFailure(d, f);
  }
}

async function handle(svc: Service, t: Transport, req: FastifyRequest, reply: FastifyReply, log: pino.Logger): Promise<void> {
  const ac = new AbortController();
  // A client gone before its answer ends its long poll (event.from); after the answer there is nothing to stop.
  reply.raw.once('close', () => reply.raw.writableFinished || ac.abort());
  const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  const decoded = t.decode(body);
  const out = Array.isArray(decoded)
    ? Buffer.concat([Buffer.from('['), ...(await Promise.all(decoded.map((d) => answer(svc, t, d, req, ac.signal, log)))).flatMap((b, i) => (i ? [Buffer.from(','), b] : [b])), Buffer.from(']')])
    : await answer(svc, t, decoded, req, ac.signal, log);
  // A Buffer, so fastify sends the content-type as given (a string would get "; charset=utf-8",
  // and the xen-api client then falls back to XML-RPC).
  void reply.code(200).header('content-type', t.contentType).send(out);
}

async function serveUi(dir: string, req: FastifyRequest, reply: FastifyReply, csp?: string): Promise<void> {
  const root = resolve(dir);
  if (csp) void reply.header('content-security-policy', csp);
  const url = decodeURIComponent((req.url.split('?')[0] ?? '/').replace(/\0/g, ''));
  let p = resolve(join(root, url));
  if (p !== root && !p.startsWith(root + sep)) return void reply.code(404).send();
  try {
    if ((await stat(p)).isDirectory()) p = join(p, 'index.html');
    const data = await readFile(p);
    return void reply.header('content-type', TYPES[extname(p)] ?? 'application/octet-stream').send(data);
  } catch {
    // A single-page app: unknown paths load its index.
    try {
      return void reply.header('content-type', TYPES['.html']!).send(await readFile(join(root, 'index.html')));
    } catch {
      return void reply.code(404).send();
    }
  }
}

/** The HTTP front: JSON-RPC at /jsonrpc, XML-RPC at /, /RPC2 and /xmlrpc, the UI (GET) at /. */
export function buildServer(svc: Service, opts: ServerOptions = {}): FastifyInstance {
  const log = opts.logger ?? pino({ level: 'silent' });
  const app = Fastify({ bodyLimit: opts.bodyLimit ?? BODY_LIMIT, logger: false, ...(opts.tls ? { https: opts.tls } : {}), genReqId: () => crypto.randomUUID() }) as unknown as FastifyInstance;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.setErrorHandler((err, req, reply) => {
    const json = req.url.startsWith('/jsonrpc');
    const t = json ? jsonRpc : xmlRpc;
    const code = (err as { code?: string }).code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'REQUEST_TOO_LARGE' : 'REQUEST_INVALID';
    log.info({ reqId: req.id, transport: t.name, method: '(unreadable)', outcome: code });
    const d: Decoded = { ok: false, failure: new ApiFailure(code, [String((err as Error).message ?? err).slice(0, 200)]), version: '2.0', id: null };
    void reply.code((err as { statusCode?: number }).statusCode ?? 400).header('content-type', t.contentType).send(t.encodeFailure(d, d.ok ? new ApiFailure(code) : d.failure));
  });
  app.post('/jsonrpc', (req, reply) => handle(svc, jsonRpc, req, reply, log));
  for (const path of ['/', '/RPC2', '/xmlrpc']) app.post(path, (req, reply) => handle(svc, xmlRpc, req, reply, log));
  const ui = opts.ui ?? consoleDir();
  if (ui) app.get('/*', (req, reply) => serveUi(ui, req, reply, opts.ui ? undefined : CONSOLE_CSP));
  return app;
}
