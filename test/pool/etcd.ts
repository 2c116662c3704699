import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian's etcd-server (3.4), or why the pool tests cannot run. */
export function etcdMissing(): string | undefined {
  const r = spawnSync('etcd', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return 'etcd is not installed (Debian: apt-get install etcd-server; .ci/run installs it)';
  return /etcd Version: 3\./.test(r.stdout) ? undefined : `etcd --version said ${JSON.stringify(r.stdout.slice(0, 80))}, not 3.x`;
}

/** Skip visibly without etcd; with CI=true a missing etcd fails instead. */
export function skipReason(): string | false {
  const why = etcdMissing();
  if (why && process.env.CI === 'true') throw new Error(`CI=true and the pool tests cannot run: ${why}`);
  return why ?? false;
}

/** A free TCP port on an address (bind, read, close). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, host, () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
  });
}

interface Member { name: string; client: number; peer: number; dir: string; proc?: ChildProcess }

/** TLS on the members' client URLs: etcd's --cert-file/--key-file, and with `ca` --client-cert-auth (clients must show a certificate that CA signed). */
export interface EtcdTlsFiles { cert: string; key: string; ca?: string; clientCert?: string; clientKey?: string }

/**
 * N etcd members on loopback, each with its own data directory under one tmp folder; short heartbeat
 * and election timeouts (etcd's defaults are 100 ms and 1000 ms) so a lost member is replaced fast.
 */
export class EtcdCluster {
  readonly root = mkdtempSync(join(tmpdir(), 'xk-etcd-'));
  private members: Member[] = [];
  private constructor(private readonly tls?: EtcdTlsFiles) {}

  static async start(n: 1 | 3, opts: { startMs?: number; tls?: EtcdTlsFiles } = {}): Promise<EtcdCluster> {
    const c = new EtcdCluster(opts.tls);
    for (let i = 0; i < n; i++) c.members.push({ name: `m${i}`, client: await freePort(), peer: await freePort(), dir: join(c.root, `m${i}`) });
    for (let i = 0; i < n; i++) c.spawnMember(i, 'new');
    try {
      await Promise.all(c.members.map((_, i) => c.waitHealthy(i, opts.startMs ?? 15000)));
    } catch (e) {
      c.stop();
      throw e;
    }
    return c;
  }

  /** etcd://127.0.0.1:C1,127.0.0.1:C2 (what `xk serve --pool` takes). */
  get url(): string {
    return (this.tls ? 'etcds://' : 'etcd://') + this.members.map((m) => `127.0.0.1:${m.client}`).join(',');
  }
  get endpoints(): string[] {
    return this.members.map((m) => `${this.scheme}://127.0.0.1:${m.client}`);
  }
  private get scheme(): string {
    return this.tls ? 'https' : 'http';
  }

  private spawnMember(i: number, state: 'new' | 'existing'): void {
    const m = this.members[i]!;
    const cluster = this.members.map((x) => `${x.name}=http://127.0.0.1:${x.peer}`).join(',');
    const args = [
      '--name', m.name, '--data-dir', m.dir,
      '--listen-client-urls', `${this.scheme}://127.0.0.1:${m.client}`, '--advertise-client-urls', `${this.scheme}://127.0.0.1:${m.client}`,
      '--listen-peer-urls', `http://127.0.0.1:${m.peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${m.peer}`,
      '--initial-cluster', cluster, '--initial-cluster-token', `xk-${process.pid}`, '--initial-cluster-state', state,
      '--heartbeat-interval', '50', '--election-timeout', '500', '--logger', 'zap', '--log-level', 'error',
      ...(this.tls ? ['--cert-file', this.tls.cert, '--key-file', this.tls.key] : []),
      ...(this.tls?.ca ? ['--trusted-ca-file', this.tls.ca, '--client-cert-auth'] : []),
    ];
    const proc = spawn('etcd', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    m.proc = proc;
    // If the test process ends without stop() (a timeout, an uncaught error), the member goes too.
    const reap = () => proc.kill('SIGKILL');
    process.once('exit', reap);
    proc.once('exit', () => process.removeListener('exit', reap));
    let err = '';
    m.proc.stderr!.on('data', (d) => (err = (err + String(d)).slice(-2000)));
    m.proc.once('exit', () => void (m.proc = undefined));
    (m as Member & { err: () => string }).err = () => err;
  }

  /** Bounded: /health says true within `ms`, else the member's last log lines in the error. */
  async waitHealthy(i: number, ms = 15000): Promise<void> {
    const m = this.members[i]!;
    const until = Date.now() + ms;
    while (Date.now() < until) {
      try {
        if ((await this.health(m.client)) === 'true') return;
      } catch {
        /* not up yet */
      }
      if (!m.proc) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`etcd member ${m.name} not healthy within ${ms} ms: ${(m as Member & { err?: () => string }).err?.() ?? ''}`);
  }

  /** GET /health of the member at `port` (over https with the test's CA and client certificate); its "health" field. */
  private async health(port: number): Promise<string | undefined> {
    if (!this.tls) {
      const r = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1000) });
      return r.ok ? ((await r.json()) as { health: string }).health : undefined;
    }
    const t = this.tls;
    const read = (f?: string) => (f ? readFileSync(f) : undefined);
    return new Promise((res, rej) => {
      const req = httpsGet({ host: '127.0.0.1', port, path: '/health', ca: read(t.ca ?? t.cert), cert: read(t.clientCert), key: read(t.clientKey), timeout: 1000 }, (r) => {
        let body = '';
        r.on('data', (d) => (body += d));
        r.on('end', () => res(r.statusCode === 200 ? (JSON.parse(body) as { health: string }).health : undefined));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', rej);
    });
  }

  /** kill -9 one member (its data directory stays, so it can rejoin). */
  async kill(i: number): Promise<void> {
    const p = this.members[i]!.proc;
    if (!p) return;
    const gone = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await gone;
  }
  /** Stop one member (SIGSTOP: the process is there but answers nothing, as a partition), or resume it. */
  pause(i: number, on: boolean): void {
    this.members[i]!.proc?.kill(on ? 'SIGSTOP' : 'SIGCONT');
  }
  async restart(i: number): Promise<void> {
    this.spawnMember(i, 'existing');
    await this.waitHealthy(i);
  }

  stop(): void {
    for (const m of this.members) {
      m.proc?.kill('SIGCONT');
      m.proc?.kill('SIGKILL');
    }
    this.members.forEach((m) => (m.proc = undefined));
    rmSync(this.root, { recursive: true, force: true });
  }
}
