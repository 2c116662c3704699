import { badInput } from '../../errors.js';

/** `--pool etcd://HOST:PORT[,HOST:PORT...]`: the etcd members' client URLs (http, as etcd-server's default). */
export function parsePoolUrl(s: unknown): string[] {
  const hint = 'etcd://HOST:PORT[,HOST:PORT...], e.g. etcd://127.0.0.1:2379 (an etcd cluster\'s client addresses)';
  if (typeof s !== 'string' || !s.startsWith('etcd://')) throw badInput('--pool', s, hint);
  const parts = s.slice(7).split(',');
  if (parts.length > 16) throw badInput('--pool', s, `${hint}; at most 16 members`);
  return parts.map((p) => {
    const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(p);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) throw badInput('--pool', s, `${hint} (${JSON.stringify(p)} is not HOST:PORT)`);
    return `http://${m[1]}:${m[2]}`;
  });
}

/** `--pool-name`: the pool's etcd prefix (several pools may share one etcd cluster). */
export function parsePoolName(s: unknown): string {
  if (typeof s !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(s)) throw badInput('--pool-name', s, 'letters, digits, _ and -, at most 64');
  return s;
}
