import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EtcdCluster, freePort } from './etcd.js';

export { EtcdCluster } from './etcd.js';
export const MAIN = resolve(import.meta.dirname, '../../src/cli/main.ts');
export const PW = 'pool-test-password';

export interface MemberProc { i: number; address: string; url: string; state: string; release: string; child?: ChildProcess; log: string[] }

/** A call over JSON-RPC; a XenAPI failure throws with `code` and `params`. */
export async function rpc(url: string, method: string, params: unknown[], ms = 15000): Promise<any> {
  const r = await fetch(`${url}/jsonrpc`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', method, params, id: 1 }), signal: AbortSignal.timeout(ms) });
  const j = (await r.json()) as { result?: unknown; error?: { message: string; data: string[] } };
  if (j.error) throw Object.assign(new Error(`${j.error.message} ${JSON.stringify(j.error.data)}`), { code: j.error.message, params: j.error.data });
  return j.result;
}

/** The member's simulated host: `xk sim init --xen X.Y [host options]` ("4.17 --no-hap --no-shadow"). */
function simInit(state: string, spec: string, force: boolean, memory = 16384): void {
  const [xen, ...opts] = spec.split(' ');
  const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, '--state', state, 'sim', 'init', ...(force ? ['--force'] : []), '--xen', xen!, '--memory', String(memory), '--cpus', '8', ...opts], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`xk sim init --xen ${spec}: ${r.stderr}`);
}

/**
 * N `xk serve --pool` processes over one etcd cluster, each on its own simulated host (its own state
 * file, made by `xk sim init --xen RELEASE`), member i on 127.0.0.(i+1) and all on one port, as XAPI
 * hosts all answer on 443: the xen-api client follows HOST_IS_SLAVE by changing only the address.
 */
export class PoolProcs {
  readonly members: MemberProc[] = [];
  private constructor(readonly etcd: EtcdCluster, readonly port: number, readonly dir: string, readonly ttl: number) {}

  /** How xk is run: the sources through tsx (tests), or the built dist/cli/main.js (the bench). */
  cmd: string[] = ['--import', 'tsx', MAIN];

  /** Member i's TLS certificate and key files (then it serves https). */
  tls?: (i: number) => { cert: string; key: string };
  /** Options every member gets after the pool's own (e.g. --pool-cacert for an etcds:// cluster). */
  extraArgs: string[] = [];

  static async start(etcd: EtcdCluster, releases: string[], opts: { ttl?: number; memory?: number; cmd?: string[]; tls?: (i: number) => { cert: string; key: string }; together?: boolean; args?: string[] } = {}): Promise<PoolProcs> {
    const port = await freePort('127.0.0.1');
    const p = new PoolProcs(etcd, port, join(etcd.root, 'hosts'), opts.ttl ?? 2);
    if (opts.cmd) p.cmd = opts.cmd;
    p.tls = opts.tls;
    p.extraArgs = opts.args ?? [];
    mkdirSync(p.dir, { recursive: true });
    releases.forEach((release, i) => {
      const state = join(p.dir, `host${i}.db`);
      simInit(state, release, false, opts.memory);
      p.members.push({ i, address: `127.0.0.${i + 1}`, url: `${opts.tls ? 'https' : 'http'}://127.0.0.${i + 1}:${port}`, state, release, log: [] });
    });
    try {
      // The first member creates the pool and is elected; the others join it together. `together`:
      // all at once, as the README's guide starts them (every member campaigns in an empty election).
      if (opts.together) await Promise.all(p.members.map((m) => p.startMember(m.i)));
      else {
        await p.startMember(0);
        await p.waitCoordinator(10000);
        await Promise.all(p.members.slice(1).map((m) => p.startMember(m.i)));
      }
    } catch (e) {
      p.stop();
      throw e;
    }
    return p;
  }

  /** Start (or restart) member i; resolves once it serves and has joined. */
  startMember(i: number, release?: string): Promise<void> {
    const m = this.members[i]!;
    if (release && release !== m.release) {
      simInit(m.state, release, true);
      m.release = release;
    }
    const tls = this.tls?.(i);
    const args = [...this.cmd, '--state', m.state, 'serve', '--listen', `${m.address}:${this.port}`, '--pool', this.etcd.url, '--pool-name', 'test', '--pool-ttl', String(this.ttl), '--pool-host-name', `host${i}`, ...(tls ? ['--tls-cert', tls.cert, '--tls-key', tls.key] : []), ...this.extraArgs];
    // a test may trust any certificate for its own calls; the members never inherit that
    const { NODE_TLS_REJECT_UNAUTHORIZED: _, ...env } = process.env;
    const child = spawn(process.execPath, args, { env: { ...env, XENKIT_ADMIN_PASSWORD: PW }, stdio: ['ignore', 'pipe', 'pipe'] });
    m.child = child;
    // If the test process ends without its after hook (a timeout, an uncaught error), the member goes too.
    const reap = () => child.kill('SIGKILL');
    process.once('exit', reap);
    child.once('exit', () => process.removeListener('exit', reap));
    return new Promise((res, rej) => {
      const t = setTimeout(() => rej(new Error(`member ${i} did not start within 20 s: ${m.log.slice(-5).join('\n')}`)), 20000);
      const onData = (c: Buffer) => {
        for (const l of String(c).split('\n')) if (l) m.log.push(l.slice(0, 500));
        if (m.log.length > 400) m.log.splice(0, m.log.length - 400);
        if (/xk serve listening/.test(String(c))) (clearTimeout(t), res());
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => {
        if (m.child === child) m.child = undefined;
        clearTimeout(t);
        rej(new Error(`member ${i} exited ${code}: ${m.log.slice(-5).join('\n')}`));
      });
    });
  }

  async kill(i: number, sig: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const c = this.members[i]!.child;
    if (!c) return;
    const gone = new Promise((r) => c.once('exit', r));
    c.kill(sig);
    await gone;
  }

  /** The coordinator as pool.get_master says on member `via` (bounded wait for one to be elected). */
  async waitCoordinator(ms: number, via?: number, not?: number): Promise<MemberProc> {
    const until = Date.now() + ms;
    let last = '';
    while (Date.now() < until) {
      for (const m of this.members) {
        if (!m.child || (via !== undefined && m.i !== via) || m.i === not) continue;
        try {
          const sid = await rpc(m.url, 'session.login_with_password', ['root', PW], 2000);
          return Object.assign(m, { sid });
        } catch (e) {
          last = (e as Error).message;
        }
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no coordinator within ${ms} ms: ${last}`);
  }

  stop(): void {
    for (const m of this.members) m.child?.kill('SIGKILL');
  }
}
