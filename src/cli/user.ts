import type { Command } from 'commander';
import { XenkitError } from '../errors.js';
import { Auth } from '../service/auth.js';
import { ApiFailure } from '../service/failure.js';
import { ROLE_NAMES } from '../service/model.js';
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

function withAuth<T>(cmd: Command, fn: (a: Auth) => Promise<T> | T): Promise<T> {
  const store = new Store(serviceStorePath(statePath(cmd)));
  return Promise.resolve()
    .then(() => fn(new Auth(store)))
    .catch((e) => {
      if (e instanceof ApiFailure) throw new XenkitError('BAD_INPUT', `${e.code}: ${e.params.join(', ')}`, { field: 'user', value: e.params[0], hint: `roles: ${ROLE_NAMES.join(', ')}` });
      throw e;
    })
    .finally(() => store.close());
}

/** `xk user add|list|remove|passwd`: the XenAPI service's local users (its store beside the state file). */
export function register(program: Command): void {
  const user = program.command('user').description("the XenAPI service's users: add, list, remove, passwd");
  user.command('add <name>').description('add a user; the password is read from stdin').requiredOption('--role <role>', `one of ${ROLE_NAMES.join(', ')}`)
    .action(async (name: string, o: { role: string }, cmd: Command) => {
      const pw = await readPassword();
      await withAuth(cmd, (a) => a.addUser(name, o.role, pw));
      out(`user ${name} added (role ${o.role})`);
    });
  user.command('list').description('list users and their roles').option('--json', 'print JSON')
    .action(async (o: { json?: boolean }, cmd: Command) => {
      const users = await withAuth(cmd, (a) => a.users());
      if (o.json) jsonOut(users.map(({ name, role }) => ({ name, role })));
      else out(['NAME ROLE', ...users.map((u) => `${u.name} ${u.role}`)].join('\n'));
    });
  user.command('remove <name>').description('remove a user and end their sessions')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      await withAuth(cmd, (a) => a.removeUser(name));
      out(`user ${name} removed`);
    });
  user.command('passwd <name>').description("set a user's password (read from stdin)")
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const pw = await readPassword();
      await withAuth(cmd, (a) => a.setPassword(name, pw));
      out(`password of ${name} changed`);
    });
}
