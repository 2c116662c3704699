import { randomUUID } from 'node:crypto';
import type { Session } from '../auth.js';
import type { PoolMember } from './member.js';
import type { Json } from './state.js';

/**
 * Users and sessions are the pool's: kept in etcd (`user/<name>` with the scrypt salt and hash,
 * `session/<ref>`) and mirrored into each member's own store, where the service's Auth reads them;
 * so a session from the coordinator is valid on every member.
 */
type UserRow = { name: string; uuid: string; role: string; salt: Buffer; hash: Buffer };

/**
 * The first member's users become the pool's, once: while the pool has no users yet (create-if-absent,
 * so of two first members one wins each name). A member joining later, or coming back, never pushes
 * its own: a user removed while it was away stays removed.
 */
export async function pushUsers(m: PoolMember): Promise<void> {
  if (m.state.list('user/').size > 0) return;
  const rows = m.svc.store.db.prepare('SELECT name, uuid, role, salt, hash FROM users').all() as UserRow[];
  for (const u of rows) await m.state.cas(`user/${u.name}`, 0, { name: u.name, uuid: u.uuid, role: u.role, salt: u.salt.toString('base64'), hash: u.hash.toString('base64') });
}

function putUser(m: PoolMember, u: Json): void {
  m.svc.store.db.prepare('INSERT INTO users (name, uuid, role, salt, hash) VALUES (?, ?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET uuid = excluded.uuid, role = excluded.role, salt = excluded.salt, hash = excluded.hash')
    .run(u.name, u.uuid, u.role, Buffer.from(String(u.salt), 'base64'), Buffer.from(String(u.hash), 'base64'));
}

export function putSession(m: PoolMember, s: Json): void {
  m.svc.store.db.prepare('INSERT OR IGNORE INTO sessions (ref, uuid, user, originator, created, last) VALUES (?, ?, ?, ?, ?, ?)').run(s.ref, s.uuid, s.user, s.originator ?? '', s.created, s.last);
}

/** A user removed from the pool: gone here with their sessions, cached ones too (Auth.removeUser). */
function dropUser(m: PoolMember, name: string): void {
  try {
    m.svc.auth.removeUser(name);
  } catch {
    /* not here: nothing to drop */
  }
}

/** The pool's users replace the local ones; later changes follow the watch. */
export function mirrorAuth(m: PoolMember): void {
  const users = m.state.list('user/');
  m.svc.store.tx(() => {
    for (const u of users.values()) putUser(m, u);
    const local = m.svc.store.db.prepare('SELECT name FROM users').all() as { name: string }[];
    for (const { name } of local) if (!users.has(name)) dropUser(m, name);
    for (const s of m.state.list('session/').values()) putSession(m, s);
  });
  m.state.onChange((c) => {
    if (c.key.startsWith('user/')) {
      if (c.value) putUser(m, c.value);
      else dropUser(m, c.key.slice(5));
    } else if (c.key.startsWith('session/')) {
      if (c.value) putSession(m, c.value);
      else m.svc.auth.logout(c.key.slice(8));
    }
  });
}

/** A session made on this member, published for the others (the login answers after etcd has it). */
export async function publishSession(m: PoolMember, s: Session): Promise<void> {
  await m.state.put(`session/${s.ref}`, { ref: s.ref, uuid: s.uuid, user: s.user, originator: s.originator, created: s.created, last: s.last });
}

/** A session ref this member has not seen yet (the watch may lag the login by milliseconds): read etcd. */
export async function ensureSession(m: PoolMember, ref: unknown): Promise<void> {
  if (typeof ref !== 'string' || !/^OpaqueRef:[0-9a-f-]{36}$/.test(ref)) return;
  if (m.svc.store.db.prepare('SELECT 1 FROM sessions WHERE ref = ?').get(ref)) return;
  const r = await m.state.read(`session/${ref}`).catch(() => undefined);
  if (r?.value) putSession(m, r.value);
}

let internal: { member: PoolMember; ref: string } | undefined;
/** The coordinator's own pool-wide session as root, for calls no client made (HA restarts). */
export async function internalSession(m: PoolMember): Promise<string> {
  if (internal?.member === m && m.svc.store.db.prepare('SELECT 1 FROM sessions WHERE ref = ?').get(internal.ref)) return internal.ref;
  const now = Date.now();
  const s = { ref: `OpaqueRef:${randomUUID()}`, uuid: randomUUID(), user: 'root', originator: 'xenkit-pool', created: now, last: now };
  await m.state.put(`session/${s.ref}`, s);
  putSession(m, s);
  internal = { member: m, ref: s.ref };
  return s.ref;
}
