import { randomUUID } from 'node:crypto';
import { checkRole, checkUserName, hashPassword, type UserRow } from '../auth.js';
import { ApiFailure } from '../failure.js';
import type { PoolState } from './state.js';

/**
 * The pool's users and their roles, kept in etcd (`user/<name>`: role, scrypt salt and hash, as the
 * single host's store keeps them); every member mirrors them into its own store (auth-mirror.ts),
 * so a user made anywhere logs in on whichever member coordinates. Each change is one etcd
 * transaction (the same calls as the host's Auth): add is create-if-absent, passwd a compare-and-swap on the record's revision.
 */
export class PoolUsers {
  constructor(private readonly state: PoolState) {}

  users(): UserRow[] {
    return [...this.state.list('user/').values()].map((u) => ({ name: String(u.name), uuid: String(u.uuid), role: String(u.role) })).sort((a, b) => a.name.localeCompare(b.name));
  }

  async addUser(name: string, role: string, password: string): Promise<UserRow> {
    checkUserName(name);
    checkRole(role);
    const { salt, hash } = hashPassword(password);
    const u = { name, uuid: randomUUID(), role, salt: salt.toString('base64'), hash: hash.toString('base64') };
    if (!(await this.state.cas(`user/${name}`, 0, u))) throw new ApiFailure('DUPLICATE_SUBJECT', [name]);
    return { name, uuid: u.uuid, role };
  }

  async setPassword(name: string, password: string): Promise<void> {
    const { salt, hash } = hashPassword(password);
    await this.state.update(`user/${name}`, (cur) => {
      if (!cur) throw new ApiFailure('SUBJECT_DOES_NOT_EXIST', [name]);
      return { ...cur, salt: salt.toString('base64'), hash: hash.toString('base64') };
    });
  }

  /** The user and then each of their sessions (each member ends them as the deletions reach it). */
  async removeUser(name: string): Promise<void> {
    await this.state.update(`user/${name}`, (cur) => {
      if (!cur) throw new ApiFailure('SUBJECT_DOES_NOT_EXIST', [name]);
      return null;
    });
    for (const [ref, s] of this.state.list('session/')) if (s.user === name) await this.state.update(`session/${ref}`, () => null);
  }
}
