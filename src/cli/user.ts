import type { Command } from 'commander';
import { XenkitError } from '../errors.js';
import { Auth, type UserRow } from '../service/auth.js';
import { ApiFailure } from '../service/failure.js';
import { ROLE_NAMES } from '../service/model.js';
import type { PoolTlsOptions } from '../service/pool/url.js';
import { serviceStorePath } from '../service/paths.js';
import { Store } from '../service/store.js';
import { statePath } from './host.js';
import { jsonOut, out } from './io.js';

async function readPassword(): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of process.stdin as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > 4096) throw new XenkitError('INPUT_TOO_BIG', 'the password on stdin is longer than 4 KiB', { field: 'password', hint: 'one line on stdin' });
    chunks.push(c);
  }
  const pw = Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
  if (pw.length < 8) throw new XenkitError('BAD_INPUT', 'the password must have at least 8 characters', { field: 'password', hint: 'pipe it on stdin: echo "$PW" | xk user add NAME --role ROLE' });
  return pw;
}

/** What both the host's users and a pool's answer (Auth, PoolUsers). */
interface Users {
  users(): UserRow[];
  addUser(name: string, role: string, pw: string): unknown;
  removeUser(name: string): unknown;
  setPassword(name: string, pw: string): unknown;
}
type PoolOpt = PoolTlsOptions & { pool?: string; poolName: string };

/** With --pool: the pool's users in etcd (its keys read once), and how to let go of the client. */
async function poolUsers(o: PoolOpt & { pool: string }, done: (close: () => Promise<void>) => void): Promise<Users> {
  const { parsePoolUrl, parsePoolName, parsePoolTls } = await import('../service/pool/url.js');
  const { PoolState, unavailable } = await import('../service/pool/state.js');
  const { PoolUsers } = await import('../service/pool/users.js');
  const urls = parsePoolUrl(o.pool);
  const state = new PoolState(urls, parsePoolName(o.poolName), { tls: parsePoolTls(o, urls) });
  done(() => state.close());
  await state.open().catch((e) => Promise.reject(unavailable(e)));
  return new PoolUsers(state);
}

/** This host's users (its store beside the state file), or with --pool the pool's, in etcd. */
async function withUsers<T>(cmd: Command, o: PoolOpt, fn: (u: Users) => Promise<T> | T): Promise<T> {
  let close: () => Promise<void> | void = () => undefined;
  try {
    let users: Users;
    if (o.pool !== undefined) users = await poolUsers({ ...o, pool: o.pool }, (c) => (close = c));
    else {
      const store = new Store(serviceStorePath(statePath(cmd)));
      close = () => store.close();
      users = new Auth(store);
    }
    return await fn(users);
  } catch (e) {
    if (e instanceof ApiFailure && e.code === 'XENKIT_POOL_UNAVAILABLE') throw new XenkitError('POOL_UNREACHABLE', `--pool: ${e.params.join(' ')}`, { field: '--pool', value: o.pool, hint: "the pool's etcd client addresses, as given to xk serve --pool" });
    if (e instanceof ApiFailure) throw new XenkitError('BAD_INPUT', `${e.code}: ${e.params.join(', ')}`, { field: 'user', value: e.params[0], hint: `roles: ${ROLE_NAMES.join(', ')}` });
    throw e;
  } finally {
    await close();
  }
}

function poolOptions(c: Command): Command {
  return c
    .option('--pool <etcd://HOST:PORT,...>', "the pool's users, in its etcd cluster (xk serve --pool), instead of this host's")
    .option('--pool-name <name>', 'the pool (xk serve --pool-name)', 'default')
    .option('--pool-cacert <file>', 'with --pool etcds://: the CA of the etcd members\' certificates (PEM)')
    .option('--pool-cert <file>', 'with --pool etcds://: a client certificate for etcd (PEM; with --pool-key)')
    .option('--pool-key <file>', 'with --pool etcds://: the key of --pool-cert (PEM)');
}

/** `xk user add|list|remove|passwd`: the XenAPI service's local users (its store beside the state file), or with --pool a pool's. */
export function register(program: Command): void {
  const user = program.command('user').description("the XenAPI service's users: add, list, remove, passwd");
  poolOptions(user.command('add <name>').description('add a user; the password is read from stdin').requiredOption('--role <role>', `one of ${ROLE_NAMES.join(', ')}`))
    .action(async (name: string, o: PoolOpt & { role: string }, cmd: Command) => {
      const pw = await readPassword();
      await withUsers(cmd, o, (a) => a.addUser(name, o.role, pw));
      out(`user ${name} added (role ${o.role})`);
    });
  poolOptions(user.command('list').description('list users and their roles').option('--json', 'print JSON'))
    .action(async (o: PoolOpt & { json?: boolean }, cmd: Command) => {
      const users = await withUsers(cmd, o, (a) => a.users());
      if (o.json) jsonOut(users.map(({ name, role }) => ({ name, role })));
      else out(['NAME ROLE', ...users.map((u) => `${u.name} ${u.role}`)].join('\n'));
    });
  poolOptions(user.command('remove <name>').description('remove a user and end their sessions'))
    .action(async (name: string, o: PoolOpt, cmd: Command) => {
      await withUsers(cmd, o, (a) => a.removeUser(name));
      out(`user ${name} removed`);
    });
  poolOptions(user.command('passwd <name>').description("set a user's password (read from stdin)"))
    .action(async (name: string, o: PoolOpt, cmd: Command) => {
      const pw = await readPassword();
      await withUsers(cmd, o, (a) => a.setPassword(name, pw));
      out(`password of ${name} changed`);
    });
}
