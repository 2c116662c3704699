import type { Command } from 'commander';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { badInput } from '../errors.js';
import { LIMITS, readBounded } from '../input.js';
import { openToolstack } from '../toolstack/open.js';
import { createFromXlcfg } from '../service/classes/vm.js';
import { serviceLogger } from '../service/log.js';
import { serviceStorePath } from '../service/paths.js';
import { buildServer } from '../service/server.js';
import { Service } from '../service/service.js';
import { statePath } from './host.js';
import type { Pool } from '../service/pool/index.js';
import type { PoolTlsOptions } from '../service/pool/url.js';

function parseListen(s: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:]+\]|[^:]+):(\d{1,5})$/.exec(s);
  if (!m || Number(m[2]) > 65535) throw badInput('--listen', s, 'ADDR:PORT, e.g. 127.0.0.1:8080 or [::1]:8080');
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

const loopback = (h: string) => h === 'localhost' || h === '::1' || /^127\./.test(h);

interface ServeOpts extends PoolTlsOptions { pool?: string; poolName: string; poolTtl: string; poolHostName?: string; listen: string; ui?: string; tlsCert?: string; tlsKey?: string; import?: string; insecure?: boolean }

/** `xk serve`: the XenAPI service over the toolstack (the sim by default, the CLI's state file). */
export function register(program: Command): void {
  program
    .command('serve')
    .description('serve XenAPI (JSON-RPC at /jsonrpc, XML-RPC at /) for XenAPI clients')
    .option('--listen <addr:port>', 'address and port', '127.0.0.1:8080')
    .option('--ui <dir>', 'serve a static web UI (e.g. XO Lite) from DIR at / instead of the built-in web console')
    .option('--tls-cert <file>', 'TLS certificate (PEM)')
    .option('--tls-key <file>', 'TLS key (PEM)')
    .option('--import <dir>', 'import every *.cfg in DIR as a halted VM (once: files already imported are skipped; in a pool, once in the pool)')
    .option('--pool <etcd://HOST:PORT,...>', 'join (or create) a pool whose shared state is in this etcd cluster (etcds:// over TLS)')
    .option('--pool-name <name>', 'the pool (its prefix in etcd)', 'default')
    .option('--pool-cacert <file>', 'with --pool etcds://: the CA of the etcd members\' certificates (PEM; default: the system\'s CAs)')
    .option('--pool-cert <file>', 'with --pool etcds://: this member\'s client certificate for etcd (PEM; with --pool-key)')
    .option('--pool-key <file>', 'with --pool etcds://: the key of --pool-cert (PEM)')
    .option('--pool-ttl <s>', 'lease TTL: a member or coordinator silent this long is replaced', '10')
    .option('--pool-host-name <name>', 'this member\'s name in the pool (default: hostname-ADDR:PORT)')
    .option('--insecure-listen', 'allow a non-loopback address without TLS (passwords then cross the network in clear)')
    .action(async (o: ServeOpts & { insecureListen?: boolean }, cmd: Command) => {
      const { host, port } = parseListen(o.listen);
      if ((o.tlsCert === undefined) !== (o.tlsKey === undefined)) throw badInput('--tls-cert', o.tlsCert ?? o.tlsKey, '--tls-cert and --tls-key together');
      if (!loopback(host) && !o.tlsCert && !o.insecureListen) throw badInput('--listen', o.listen, 'a loopback address, or --tls-cert/--tls-key, or --insecure-listen');
      const log = serviceLogger();
      if (!loopback(host) && !o.tlsCert) log.warn(`listening on ${host} without TLS: passwords and sessions cross the network in clear`);
      if (o.import !== undefined && !isDir(o.import)) throw badInput('--import', o.import, 'a directory of xl.cfg files (*.cfg), readable');
      const backend = (cmd.optsWithGlobals() as { backend?: string }).backend;
      const state = statePath(cmd);
      const ts = await openToolstack({ backend, state });
      const pool = o.pool ? await poolFor(o, host, port) : undefined;
      const svc = new Service({ toolstack: ts, store: serviceStorePath(state), adminPassword: process.env.XENKIT_ADMIN_PASSWORD, pool: pool && ((s) => pool(s, log)) });
      if (svc.rootPassword) process.stderr.write(`xk serve: user root created with password ${svc.rootPassword} (shown once; change it with xk user passwd root)\n`);
      const halted = await svc.start();
      for (const ref of halted) log.warn({ vm: ref }, 'VM recorded running but its domain is gone: now Halted');
      if (o.import && !svc.pool) await importDir(svc, o.import, log, localImport(svc));
      const tls = o.tlsCert ? { cert: readFileSync(o.tlsCert), key: readFileSync(o.tlsKey!) } : undefined;
      const app = buildServer(svc, { ui: o.ui, tls, logger: log });
      await app.listen({ host, port });
      if (svc.pool) await (svc.pool as Pool).start();
      if (o.import && svc.pool) await importDir(svc, o.import, log, await poolImport(svc.pool as Pool));
      const addr = app.server.address() as { address: string; port: number };
      log.info({ url: `${tls ? 'https' : 'http'}://${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}`, backend: ts.backend, store: svc.store.path }, 'xk serve listening');
      await new Promise<void>((resolve) => {
        const stop = async (sig: string) => {
          log.info({ signal: sig }, 'stopping: finishing in-flight calls');
          svc.events.wakeAll();
          await app.close();
          await svc.pool?.close();
          svc.close();
          // The etcd client may keep retrying a gone cluster: once closed, nothing of ours is left to wait for.
          if (svc.pool) setTimeout(() => process.exit(process.exitCode ?? 0), 1000).unref();
          resolve();
        };
        process.once('SIGINT', () => void stop('SIGINT'));
        process.once('SIGTERM', () => void stop('SIGTERM'));
      });
    });
}

/** --pool: the member's options checked before anything starts (a bad URL is bad input, not a hang). */
async function poolFor(o: ServeOpts, host: string, port: number) {
  const { parsePoolUrl, parsePoolName, parsePoolTls } = await import('../service/pool/url.js');
  const { createPool } = await import('../service/pool/index.js');
  const etcd = parsePoolUrl(o.pool);
  const etcdTls = parsePoolTls(o, etcd);
  const name = parsePoolName(o.poolName);
  const ttl = Number(o.poolTtl);
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > 3600) throw badInput('--pool-ttl', o.poolTtl, 'whole seconds from 1 to 3600');
  if (port === 0) throw badInput('--listen', `${host}:0`, 'a fixed port in a pool (members and clients reach each other at ADDR:PORT)');
  const tlsCert = o.tlsCert ? readFileSync(o.tlsCert, 'utf8') : undefined;
  return (svc: Service, log: pino.Logger) => createPool({ etcd, etcdTls, pool: name, address: host, port, ttl, tlsCert, name: o.poolHostName, log: (msg, x) => log.info(x ?? {}, msg) })(svc);
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** How one file becomes a VM: its ref, or undefined when it was imported before. */
type ImportOne = (text: string, file: string, path: string) => Promise<string | undefined>;

/** A single host: once per path, remembered in this host's store. */
function localImport(svc: Service): ImportOne {
  const done = new Set<string>(JSON.parse(svc.store.meta('imported') ?? '[]') as string[]);
  return async (text, file, path) => {
    if (done.has(path)) return undefined;
    const ref = await createFromXlcfg(svc, text, file);
    done.add(path);
    svc.store.setMeta('imported', JSON.stringify([...done]));
    return ref;
  };
}

/** In a pool: once in the whole pool per file name and text (vm-class.ts importPoolVm). */
async function poolImport(pool: Pool): Promise<ImportOne> {
  const { importPoolVm } = await import('../service/pool/vm-class.js');
  return (text, file) => importPoolVm(pool.member, text, file);
}

/** `--import DIR`: every *.cfg in DIR, in name order; a file refused is logged and tried again next start. */
async function importDir(svc: Service, dir: string, log: pino.Logger, importOne: ImportOne): Promise<void> {
  let imported = 0;
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.cfg')).sort()) {
    const path = join(dir, f);
    try {
      // bounded as every xl.cfg read is (a /dev/zero or a huge file in DIR is refused, not read whole)
      const ref = await importOne(readBounded(path, LIMITS.xlcfgBytes, { field: '--import', kind: 'an xl.cfg file', hint: 'the *.cfg files of --import DIR' }), f, path);
      if (ref) log.info({ file: path, vm: ref }, 'imported');
      if (ref) imported++;
    } catch (e) {
      log.warn({ file: path, error: svc.failureOf(e).description }, 'not imported');
    }
  }
  log.info({ dir, imported }, 'import done');
}
