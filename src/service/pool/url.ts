import { readFileSync, statSync } from 'node:fs';
import { badInput } from '../../errors.js';

/**
 * `--pool etcd://HOST:PORT[,HOST:PORT...]`: the etcd members' client URLs, over plain gRPC (http, as
 * etcd-server's default); `etcds://` the same over TLS (https: etcd's --cert-file/--key-file, as
 * etcdctl's `--endpoints https://...`).
 */
export function parsePoolUrl(s: unknown): string[] {
  const hint = 'etcd://HOST:PORT[,HOST:PORT...] (or etcds:// for TLS), e.g. etcd://127.0.0.1:2379 (an etcd cluster\'s client addresses)';
  const scheme = typeof s === 'string' ? /^(etcds?):\/\//.exec(s)?.[1] : undefined;
  if (typeof s !== 'string' || !scheme) throw badInput('--pool', s, hint);
  const parts = s.slice(scheme.length + 3).split(',');
  if (parts.length > 16) throw badInput('--pool', s, `${hint}; at most 16 members`);
  return parts.map((p) => {
    const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(p);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) throw badInput('--pool', s, `${hint} (${JSON.stringify(p)} is not HOST:PORT)`);
    return `${scheme === 'etcds' ? 'https' : 'http'}://${m[1]}:${m[2]}`;
  });
}

/** The TLS files of an etcds:// pool, as grpc's createSsl() takes them (etcd3's `credentials`). */
export interface EtcdTls {
  /** The CA that signed the etcd members' certificates (etcdctl --cacert); null: the system's CAs. */
  rootCertificate: Buffer | null;
  /** This member's client certificate and key, for etcd's --client-cert-auth (etcdctl --cert/--key). */
  certChain?: Buffer;
  privateKey?: Buffer;
}

export interface PoolTlsOptions {
  pool?: string;
  poolCacert?: string;
  poolCert?: string;
  poolKey?: string;
}

/** `--pool-cacert`, `--pool-cert`, `--pool-key` read (bad input when misplaced or unreadable); undefined for etcd://. */
export function parsePoolTls(o: PoolTlsOptions, urls: string[]): EtcdTls | undefined {
  const tls = urls[0]!.startsWith('https:');
  for (const [field, v] of [['--pool-cacert', o.poolCacert], ['--pool-cert', o.poolCert], ['--pool-key', o.poolKey]] as const)
    if (v !== undefined && !tls) throw badInput(field, v, `only with --pool etcds://HOST:PORT,... (TLS to etcd); --pool is ${o.pool}`);
  if ((o.poolCert === undefined) !== (o.poolKey === undefined)) throw badInput('--pool-cert', o.poolCert ?? o.poolKey, '--pool-cert and --pool-key together (a client certificate and its key, PEM)');
  if (!tls) return undefined;
  return {
    rootCertificate: o.poolCacert === undefined ? null : pemFile('--pool-cacert', o.poolCacert),
    ...(o.poolCert !== undefined ? { certChain: pemFile('--pool-cert', o.poolCert), privateKey: pemFile('--pool-key', o.poolKey!) } : {}),
  };
}

/** A PEM file, read whole (small: at most 1 MiB), or bad input naming the option. */
function pemFile(field: string, path: string): Buffer {
  let b: Buffer;
  try {
    if (statSync(path).size > 1 << 20) throw new Error('larger than 1 MiB');
    b = readFileSync(path);
  } catch (e) {
    throw badInput(field, path, `a readable PEM file (${(e as Error).message.slice(0, 120)})`);
  }
  if (!b.includes('-----BEGIN ')) throw badInput(field, path, 'a PEM file (-----BEGIN ...-----)');
  return b;
}

/** `--pool-name`: the pool's etcd prefix (several pools may share one etcd cluster). */
export function parsePoolName(s: unknown): string {
  if (typeof s !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(s)) throw badInput('--pool-name', s, 'letters, digits, _ and -, at most 64');
  return s;
}
